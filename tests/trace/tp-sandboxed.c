/*
 * tp-sandboxed - a process that sandboxes itself with a seccomp filter,
 * as sshd's pre-authentication child and Chromium's renderers do, then
 * makes N getppid calls (default 40000: ~1.6 MB of trace, more than the
 * file holds at that point).  The filter kills the process on the calls a
 * program like this never makes but a tracer growing its file would:
 * fallocate, madvise, pwrite64, ftruncate.  With a second argument
 * "fsize0" it first sets RLIMIT_FSIZE to 0, as sshd does: extending any
 * file then raises SIGXFSZ.  Prints "done" and exits 0.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
		 BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 40000;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		DENY(SYS_fallocate),
		DENY(SYS_madvise),
		DENY(SYS_pwrite64),
		DENY(SYS_ftruncate),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	if (argc > 2 && strcmp(argv[2], "fsize0") == 0) {
		struct rlimit rl = {0, 0};
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			return 3;
	}
	struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return 2;
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	(void)!write(1, "done\n", 5);
	return 0;
}
