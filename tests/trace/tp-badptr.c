/*
 * tp-badptr - system calls with pointers that point nowhere (1, -1, an
 * unmapped page, a page that ends mid-string).  The kernel answers EFAULT
 * or similar; the tracer must print addresses, never crash the program.
 * Prints "survived" at the end.  (Bad act/set pointers of rt_sigaction and
 * rt_sigprocmask, clone3 arguments and execve paths are left out: the
 * runtime reads those itself.)
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	const long bad[] = {1, -1, 0xdead0000L};
	/* a string running into an unmapped page */
	char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pg == MAP_FAILED)
		return 1;
	munmap(pg + 4096, 4096);
	memset(pg, 'a', 4096);
	long edge = (long)(pg + 4096 - 5);
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		long p = bad[i];
		syscall(SYS_openat, -100, p, 0, 0);
		syscall(SYS_newfstatat, -100, p, p, 0);
		syscall(SYS_newfstatat, -100, "/", p, 0);
		syscall(SYS_statx, -100, "/", 0, 0x7ff, p);
		syscall(SYS_read, 0, p, 10);
		syscall(SYS_write, 1, p, 10);
		syscall(SYS_writev, 1, p, 2);
		syscall(SYS_readv, 0, p, 2);
		syscall(SYS_connect, 0, p, 16);
		syscall(SYS_sendto, 1, p, 4, 0, p, 16);
		syscall(SYS_rt_sigaction, SIGUSR1, NULL, p, 8);
		syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, p, 8);
		syscall(SYS_execve, "/nonexistent", p, p);
		syscall(SYS_poll, p, 3, 0);
		syscall(SYS_select, 5, p, p, p, p);
		syscall(SYS_wait4, -1, p, 1, p);
		syscall(SYS_clock_gettime, 0, p);
		syscall(SYS_nanosleep, p, p);
		syscall(SYS_getsockname, 0, p, p);
		syscall(SYS_accept4, 0, p, p, 0);
		syscall(SYS_prlimit64, 0, 7, p, p);
		syscall(SYS_uname, p);
		syscall(SYS_sysinfo, p);
		syscall(SYS_getrandom, p, 8, 0);
		syscall(SYS_epoll_ctl, 0, 1, 0, p);
		syscall(SYS_ioctl, 1, 0x5401, p);
		syscall(SYS_futex, p, 0x80, 1, p, 0, 0);
		syscall(SYS_readlink, p, p, 10);
		syscall(SYS_getdents64, 0, p, 100);
		syscall(SYS_fcntl, 0, 7 /* F_SETLKW */, p);
		syscall(SYS_pipe2, p, 0);
		syscall(SYS_sendmsg, 1, p, 0);
		syscall(SYS_recvmsg, 0, p, 0x40);
	}
	syscall(SYS_openat, -100, edge, 0, 0);
	syscall(SYS_execve, edge, NULL, NULL);
	syscall(SYS_mkdir, edge, 0);
	syscall(SYS_write, 1, edge, 100);
	syscall(SYS_setxattr, "/nonexistent", edge, edge, 100, 0);
	printf("survived\n");
	return 0;
}
