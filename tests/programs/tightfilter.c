/*
 * tightfilter.c - a seccomp filter that kills every call but close,
 * exit, exit_group, rt_sigreturn and write to descriptor 1 (as strace's
 * seccomp-filter-v allows only a few): the program closes a descriptor,
 * says "ok" and exits 0.  Under zpoline the runtime's own calls after the
 * install were the process's death by SIGSYS: the munmap of the filter's
 * copy, and a getpid at exit (strace-suite sweep).  Exit 0 with "ok";
 * 1 if the filter could not be installed.
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

int main(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		ALLOW(SYS_close),
		ALLOW(SYS_exit),
		ALLOW(SYS_exit_group),
		ALLOW(SYS_rt_sigreturn),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog p = {sizeof f / sizeof f[0], f};
	int spare = dup(0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p)) {
		perror("seccomp");
		return 1;
	}
	close(spare);
	static const char ok[] = "ok\n";
	syscall(SYS_write, 1, ok, sizeof ok - 1);
	syscall(SYS_exit_group, 0);
	return 1;
}
