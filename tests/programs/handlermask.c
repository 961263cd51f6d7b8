/*
 * handlermask: a handler's changes to the mask end with the handler, for
 * the signals the runtime keeps for itself (SIGSEGV, SIGILL, SIGTRAP,
 * SIGSYS) as for the others: the kernel restores the mask saved in the
 * signal frame, which never holds those four under the runtime (zsh's
 * handlers block every signal and count on the return to undo it; the
 * program was left with SIGSEGV and the others blocked).  Also: sa_mask's
 * share of them is blocked during the handler, and the handler the program
 * gave reads back as given.  PASS/FAIL lines; the same natively.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got, segv_in_handler;

static void block_all(int sig)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	got = sig;
}

static void look(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	segv_in_handler = sigismember(&cur, SIGSEGV);
	got = si->si_signo == sig ? sig : -1;
}

static int blocked(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	return sigismember(&cur, sig);
}

static int fails;
static void report(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
	fails += !ok;
}

int main(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = block_all;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	report(got == SIGUSR1 && !blocked(SIGSEGV) && !blocked(SIGILL) && !blocked(SIGTRAP) &&
		       !blocked(SIGSYS) && !blocked(SIGUSR2),
	       "a handler's block of every signal ends when it returns");

	/* Blocked before the signal came: still blocked after the handler. */
	sigset_t segv;
	sigemptyset(&segv);
	sigaddset(&segv, SIGSEGV);
	sigprocmask(SIG_BLOCK, &segv, NULL);
	got = 0;
	raise(SIGUSR1);
	report(got == SIGUSR1 && blocked(SIGSEGV) && !blocked(SIGILL), "a block from before the signal stays");
	sigprocmask(SIG_UNBLOCK, &segv, NULL);

	sa.sa_sigaction = look;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGSEGV);
	sigaction(SIGUSR2, &sa, NULL);
	got = 0;
	raise(SIGUSR2);
	report(got == SIGUSR2 && segv_in_handler == 1 && !blocked(SIGSEGV),
	       "sa_mask's SIGSEGV blocked during the handler only");

	sigaction(SIGUSR2, NULL, &old);
	report(old.sa_sigaction == look && (old.sa_flags & (SA_SIGINFO | SA_RESTART)) == (SA_SIGINFO | SA_RESTART),
	       "an SA_SIGINFO handler reads back as given");
	sigaction(SIGUSR1, NULL, &old);
	report(old.sa_handler == block_all && !(old.sa_flags & SA_SIGINFO), "a plain handler reads back as given");

	/* SA_RESETHAND: the kernel's reset shows as SIG_DFL. */
	sa.sa_handler = block_all;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	got = 0;
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &old);
	report(got == SIGUSR1 && old.sa_handler == SIG_DFL && !blocked(SIGSEGV), "SA_RESETHAND resets the handler");
	report(!(old.sa_flags & SA_SIGINFO), "SA_RESETHAND's reset keeps the flags as given (no SA_SIGINFO added)");
	report(!(old.sa_flags & SA_SIGINFO), "SA_RESETHAND's reset keeps the flags as given (no SA_SIGINFO added)");
	return fails ? 1 : 0;
}
