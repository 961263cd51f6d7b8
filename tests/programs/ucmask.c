/*
 * ucmask: a signal handler that changes the mask its return puts back
 * (uc_sigmask), run while a blocking call waits: the mask it wrote is the
 * thread's after the call, as natively.  Through the trap path the call is
 * made inside the runtime's own signal handler, whose return sets the mask
 * again (src/runtime/signals.c, zp_trap_enter).  Twice: a read the
 * handler interrupts (EINTR), and one restarted after it (SA_RESTART),
 * which completes as if nothing had happened.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"

static int add_sig = SIGUSR2;

static void on_alarm(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	sigaddset(&uc->uc_sigmask, add_sig);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_alarm;
	sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: the read ends with EINTR */
	sigaction(SIGALRM, &sa, NULL);
	int p[2];
	if (pipe(p))
		return 1;
	struct itimerval it = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	char b;
	ssize_t r = read(p[0], &b, 1);
	CHECK(r == -1 && errno == EINTR, "a read the alarm interrupts fails with EINTR");
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR2) == 1,
	      "the mask the handler wrote into its context is in force after the call");
	CHECK(sigismember(&now, SIGALRM) == 0, "and the handler's own signal is open again");

	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	add_sig = SIGUSR1;
	pid_t writer = fork();
	if (writer == 0) {
		usleep(200000);
		(void)!write(p[1], "x", 1);
		_exit(0);
	}
	setitimer(ITIMER_REAL, &it, NULL);
	r = read(p[0], &b, 1);
	CHECK(r == 1 && b == 'x', "a read restarted after the handler gets the byte written later");
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1) == 1,
	      "the mask the handler wrote is in force after the restarted call");
	waitpid(writer, NULL, 0);
	return fails != 0;
}
