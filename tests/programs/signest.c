/*
 * signest: two signals pending at once (both blocked, raised, unblocked):
 * the kernel builds both frames, the later one on top, so the second
 * handler interrupts the first before its first instruction, and its
 * context's rip is that handler's address.  Under the runtime the frame
 * below is the runtime's wrapper's: the program must still be shown its
 * own handler (Go's crash report printed "unknown pc" for the wrapper's
 * address, found by Go's runtime.TestSegv).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

#include "check.h"

static volatile uintptr_t shown_rip;
static volatile int first_ran, second_ran;

static void on_usr1(int sig)
{
	(void)sig;
	first_ran++;
}

static void on_usr2(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	shown_rip = (uintptr_t)((ucontext_t *)ucv)->uc_mcontext.gregs[REG_RIP];
	second_ran++;
}

int main(void)
{
	struct sigaction a = {.sa_handler = on_usr1};
	struct sigaction b = {.sa_sigaction = on_usr2, .sa_flags = SA_SIGINFO};
	sigaction(SIGUSR1, &a, 0);
	sigaction(SIGUSR2, &b, 0);
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	for (int i = 0; i < 3; i++) {
		shown_rip = 0;
		sigprocmask(SIG_BLOCK, &both, 0);
		raise(SIGUSR1);
		raise(SIGUSR2);
		sigprocmask(SIG_UNBLOCK, &both, 0);
	}
	CHECK(shown_rip == (uintptr_t)on_usr1,
	      "a signal delivered on top of another sees that one's handler as interrupted");
	CHECK(first_ran == 3 && second_ran == 3, "both handlers ran, three times each");
	return fails != 0;
}
