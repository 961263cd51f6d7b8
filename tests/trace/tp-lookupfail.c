/*
 * tp-lookupfail - system calls that fail looking their path up, whose
 * paths the tracer copies without a system call (the kernel read them):
 * 200 openat of a missing file, a path whose NUL is the last byte before
 * an unmapped page, readlink of a directory (EINVAL: not a link), and
 * pivot_root, which fails on its first path (or refuses without the
 * privilege) before it reads the second, here a pointer to nowhere.
 * Prints "done".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	for (int i = 0; i < 200; i++)
		syscall(SYS_openat, AT_FDCWD, "/nonexistent/zp-lookupfail", O_RDONLY, 0);
	char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pg == MAP_FAILED)
		return 1;
	munmap(pg + 4096, 4096);
	static const char edge[] = "/nonexistent/zp-edge";
	char *p = memcpy(pg + 4096 - sizeof edge, edge, sizeof edge);
	syscall(SYS_openat, AT_FDCWD, p, O_RDONLY, 0);
	char buf[16];
	syscall(SYS_readlink, "/", buf, sizeof buf);
	syscall(SYS_pivot_root, "/nonexistent/zp-new-root", 0xdead0000UL);
	printf("done\n");
	return 0;
}
