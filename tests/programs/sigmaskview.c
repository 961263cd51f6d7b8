/*
 * sigmaskview: a handler's sa_mask that names one of the signals the
 * runtime keeps for itself (SIGSEGV, SIGILL, SIGTRAP, SIGSYS) reads back as
 * the program set it.  (The kernel gets the mask without them: they must
 * stay deliverable.)  PASS/FAIL lines.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void on_sig(int sig)
{
	(void)sig;
}

int main(void)
{
	int fails = 0;
	int sigs[] = {SIGUSR1, SIGCHLD};
	for (int i = 0; i < 2; i++) {
		struct sigaction sa, old;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sig;
		sigemptyset(&sa.sa_mask);
		sigaddset(&sa.sa_mask, SIGSEGV);
		sigaddset(&sa.sa_mask, SIGSYS);
		sigaddset(&sa.sa_mask, SIGUSR2);
		sigaction(sigs[i], &sa, NULL);
		sigaction(sigs[i], NULL, &old);
		int ok = sigismember(&old.sa_mask, SIGSEGV) == 1 && sigismember(&old.sa_mask, SIGSYS) == 1 &&
			 sigismember(&old.sa_mask, SIGUSR2) == 1 && sigismember(&old.sa_mask, SIGILL) == 0;
		printf("%s: signal %d: sa_mask reads back as set\n", ok ? "PASS" : "FAIL", sigs[i]);
		fails += !ok;
		/* Replaced by a mask without them: they are gone from it too. */
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, &old);
		sigaction(sigs[i], NULL, &old);
		ok = sigismember(&old.sa_mask, SIGSEGV) == 0 && sigismember(&old.sa_mask, SIGUSR2) == 0;
		printf("%s: signal %d: an empty sa_mask reads back empty\n", ok ? "PASS" : "FAIL", sigs[i]);
		fails += !ok;
	}
	return fails ? 1 : 0;
}
