/*
 * tierfds: a process that has used up its file descriptors when the runtime
 * would rewrite its sites (ZPOLINE_SWITCH_AFTER, src/runtime/tier.c), as
 * sort does under coreutils' sort-merge-fdlimit test.  Rewriting opens
 * files (site lists, the decoder); it must wait until it can, and no call
 * may go unhooked meanwhile.  300 getppid with every descriptor taken, 300
 * more once they are given back.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static void getppids(int n)
{
	for (int i = 0; i < n; i++) {
		long r;
		__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
	}
}

int main(void)
{
	struct rlimit rl = {32, 32};
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 2;
	int fds[32], n = 0;
	while (n < 32 && (fds[n] = open("/dev/null", O_RDONLY)) >= 0)
		n++;
	getppids(300);
	while (n > 0)
		close(fds[--n]);
	getppids(300);
	puts("ok");
	return 0;
}
