/*
 * clearsig: clone3(CLONE_CLEAR_SIGHAND) starts a process whose handlers
 * are reset as the kernel resets them: a handler becomes SIG_DFL, an
 * ignored signal stays ignored, flags and masks are cleared, for the
 * runtime's signals (SIGSEGV, SIGSYS) as for the others.  The child makes
 * calls after it (in sud mode or the trap phase each one traps: the
 * runtime's own handler must still be there).  PASS/FAIL lines.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct kaction {
	void (*handler)(int);
	unsigned long flags;
	void *restorer;
	unsigned long mask;
};

static void on_sig(int sig)
{
	(void)sig;
}

static void set(int sig, void (*handler)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART | SA_ONSTACK;
	sigfillset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static int child(void)
{
	int sigs[] = {SIGUSR1, SIGUSR2, SIGSEGV, SIGSYS, SIGCHLD}, fails = 0;
	for (int i = 0; i < 5; i++) {
		struct kaction a;
		memset(&a, 0xa5, sizeof a);
		syscall(SYS_rt_sigaction, sigs[i], NULL, &a, 8);
		void (*want)(int) = sigs[i] == SIGUSR2 ? SIG_IGN : SIG_DFL;
		int ok = a.handler == want && a.flags == 0 && a.mask == 0;
		printf("%s: child: signal %d reset: handler %s, flags %#lx, mask %#lx\n",
		       ok ? "PASS" : "FAIL", sigs[i],
		       a.handler == SIG_DFL ? "SIG_DFL" : a.handler == SIG_IGN ? "SIG_IGN" : "a handler",
		       a.flags, a.mask);
		fails += !ok;
	}
	long n = 0;
	for (int i = 0; i < 300; i++)
		n += syscall(SYS_getppid) > 0;
	printf("%s: child: 300 calls after it returned (%ld)\n", n == 300 ? "PASS" : "FAIL", n);
	fflush(stdout);
	return fails || n != 300;
}

int main(void)
{
	set(SIGUSR1, on_sig);
	set(SIGUSR2, SIG_IGN);
	set(SIGSEGV, on_sig);
	set(SIGSYS, on_sig);
	struct {
		unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
			tls;
	} ca;
	memset(&ca, 0, sizeof ca);
	ca.flags = 0x100000000ULL; /* CLONE_CLEAR_SIGHAND */
	ca.exit_signal = SIGCHLD;
	fflush(stdout);
	long pid = syscall(SYS_clone3, &ca, sizeof ca);
	if (pid < 0) {
		printf("SKIP: clone3 with CLONE_CLEAR_SIGHAND: not here (Linux 5.5)\n");
		return 0;
	}
	if (pid == 0)
		_exit(child());
	int st = 0;
	waitpid((pid_t)pid, &st, 0);
	int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	printf("%s: the child ended with status %#x\n", ok ? "PASS" : "FAIL", st);
	/* the parent's own actions are untouched */
	struct sigaction sa;
	sigaction(SIGSEGV, NULL, &sa);
	int kept = sa.sa_handler == on_sig && (sa.sa_flags & SA_RESTART);
	printf("%s: parent: its SIGSEGV handler kept\n", kept ? "PASS" : "FAIL");
	return !ok || !kept;
}
