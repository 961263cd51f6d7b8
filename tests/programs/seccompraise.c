/* seccompraise.c - a signal a process sends itself under a seccomp filter
 * that kills for open and openat.  The runtime must not open a /proc file
 * on that call's path (it did: the process died of SIGSYS in raise()).
 * Prints PASS/FAIL lines (check.h); exit status 0 if all passed.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static volatile int handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

int main(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_open, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	signal(SIGUSR1, on_usr1);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		CHECK(0, "a seccomp filter installed");
		return 1;
	}
	raise(SIGUSR1);
	kill(getpid(), SIGUSR1);
	CHECK(handled == 2, "raise() and kill(getpid()) under a filter that kills for open: both handled");
	return fails != 0;
}
