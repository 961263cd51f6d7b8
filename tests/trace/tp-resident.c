/* tp-resident FILE: prints how many of FILE's pages are in the page cache
 * (mincore over a shared mapping of it), for tests that check what a run
 * left resident.  Exit 2 on any error, with the reason. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: tp-resident FILE\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "tp-resident: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = ((size_t)st.st_size + (size_t)page - 1) / (size_t)page;
	if (!pages) {
		puts("0");
		return 0;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	unsigned char *v = malloc(pages);
	if (m == MAP_FAILED || !v || mincore(m, (size_t)st.st_size, v) < 0) {
		fprintf(stderr, "tp-resident: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	size_t n = 0;
	for (size_t i = 0; i < pages; i++)
		n += v[i] & 1;
	printf("%zu\n", n);
	return 0;
}
