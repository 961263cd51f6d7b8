/*
 * tp-options - calls whose lines test the tracer's output options against
 * strace's (test-strace-options.sh).
 *
 * Prints the address right after one inline `syscall` (a getppid) for -i:
 * "ip 0x..." on stdout.  Then: writes of text, of text with tabs and
 * newlines, and of bytes outside ASCII (-x, -xx); an openat of a path with
 * a byte outside ASCII; and calls made 5, 3, 2 and 1 times, two of the
 * closes failing (-S calls, errors, name).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	void *after;
	long r;
	__asm__ volatile("lea 1f(%%rip), %1\n\t"
			 "syscall\n"
			 "1:"
			 : "=a"(r), "=r"(after)
			 : "a"((long)SYS_getppid)
			 : "rcx", "r11", "memory");
	(void)r;
	printf("ip %p\n", after);
	fflush(stdout);
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0)
		return 1;
	(void)!write(fd, "plain text", 10);
	(void)!write(fd, "tab\tand\nnewline\r", 16);
	(void)!write(fd, "bytes \x01\xff\x80 here", 13);
	int bad = openat(AT_FDCWD, "/nonexistent-\xc3\xa9t\xc3\xa9", O_RDONLY);
	if (bad >= 0)
		close(bad);
	for (int i = 0; i < 5; i++)
		syscall(SYS_getpid);
	for (int i = 0; i < 3; i++)
		syscall(SYS_getuid);
	close(-1);
	close(-1);
	syscall(SYS_getgid);
	close(fd);
	return 0;
}
