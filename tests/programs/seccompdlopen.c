/* seccompdlopen.c - a sandbox whose seccomp filter kills the process for
 * any ioctl (a service's SystemCallFilter= can be that strict), then a
 * library loaded with dlopen and its inline system calls made.  The
 * runtime looks a new library's mappings up with an ioctl where the kernel
 * has PROCMAP_QUERY; under a filter it must read /proc/self/maps instead.
 *
 *   seccompdlopen LIB     prints "calls N" (getppid through the library's
 *                         inline_getppid, N times) and exits 0
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seccompdlopen LIB\n");
		return 2;
	}
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		return 2;
	}
	void *h = dlopen(argv[1], RTLD_NOW);
	long (*fn)(void) = h ? (long (*)(void))dlsym(h, "inline_getppid") : NULL;
	if (!fn) {
		fprintf(stderr, "seccompdlopen: %s\n", dlerror());
		return 2;
	}
	int n = 0;
	for (int i = 0; i < 3; i++)
		n += fn() == getppid();
	printf("calls %d\n", n);
	return 0;
}
