/*
 * tp-fsize - lowers RLIMIT_FSIZE to 0 (as sshd's pre-authentication child
 * does), makes calls, forks a child that exits under the limit, then lifts
 * it.  Natively nothing here writes to a file, so nothing raises SIGXFSZ;
 * the tracer and the count hook write from inside the process, and a
 * write of theirs to a regular file (stderr redirected to a log, -ff's
 * FILE.TID) past the limit raised SIGXFSZ and killed the program.  The
 * child, as sshd's, also installs a seccomp filter that kills for the
 * calls a hook could use to learn the limit or take the signal back
 * (prlimit64, rt_sigtimedwait).  test-fsize.sh runs it.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int sandbox(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigtimedwait, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prlimit64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int main(void)
{
	struct rlimit zero = {0, RLIM_INFINITY}, inf = {RLIM_INFINITY, RLIM_INFINITY};
	printf("start\n");
	fflush(stdout);
	if (setrlimit(RLIMIT_FSIZE, &zero) != 0)
		return 2;
	getppid();
	pid_t pid = fork();
	if (pid == 0) {
		if (sandbox() != 0)
			_exit(5);
		getppid();
		_exit(7);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 3;
	if (setrlimit(RLIMIT_FSIZE, &inf) != 0)
		return 4;
	getppid();
	printf("child %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
