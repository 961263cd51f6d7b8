/*
 * nosud - runs a command as on a kernel without Syscall User Dispatch
 * (before Linux 5.11): a seccomp filter answers
 * prctl(PR_SET_SYSCALL_USER_DISPATCH, ...) with EINVAL, what such a kernel
 * says of an option it does not know, and executes argv[1...] under it.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SET_SYSCALL_USER_DISPATCH 59 /* PR_SET_SYSCALL_USER_DISPATCH */

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nosud PROG [ARGS...]\n");
		return 2;
	}
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SET_SYSCALL_USER_DISPATCH, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("nosud: seccomp");
		return 2;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nosud: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
