/*
 * pasteof FILE: maps FILE executable with one page more than the file
 * holds, as ld.so does for a segment whose last page runs past the end of
 * the file (LLVMgold.so, which `ar` loads as a plugin), then touches only
 * what the file backs.  Reading the page past the end would raise SIGBUS;
 * the runtime, scanning the new code, must not read it either.
 * Prints "mapped N bytes" and exits 0.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(argv[1]);
		return 1;
	}
	size_t len = (((size_t)st.st_size + 4095) & ~(size_t)4095) + 4096;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("mapped %zu bytes, first %02x\n", len, p[0]);
	munmap(p, len);
	close(fd);
	return 0;
}
