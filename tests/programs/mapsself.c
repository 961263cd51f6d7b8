/* mapsself: makes one system call through an inline `syscall` of its own
 * (so its own code has a site the runtime rewrites), then copies
 * /proc/self/maps to stdout (tests/integration/test-mapslines.sh). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "0"((long)SYS_getppid) : "rcx", "r11", "memory");
	if (r <= 0) {
		fprintf(stderr, "mapsself: getppid returned %ld\n", r);
		return 1;
	}
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("mapsself: /proc/self/maps");
		return 1;
	}
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	close(fd);
	return n < 0;
}
