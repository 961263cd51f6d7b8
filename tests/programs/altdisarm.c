/*
 * altdisarm - a signal stack set with SS_AUTODISARM while the program's
 * actions for the trap signals ask for SA_ONSTACK.  In SUD mode (and at
 * sites that trap) the runtime's handler then runs on that stack, which
 * the kernel disarms for the handler's length: a sigaltstack() query made
 * then answered SS_DISABLE, and the handler's return put the disarmed
 * state back as the program's, so its signal stack was gone for good.
 * Natively the query answers the stack as set, never SS_ONSTACK (the
 * kernel does not judge "on the stack" for an SS_AUTODISARM stack), and the
 * stack stays.
 *
 * Usage: altdisarm.  PASS lines; exits 0.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char stack1[65536], stack2[65536];
static volatile uintptr_t handler_sp;

static void on_usr1(int sig)
{
	volatile char here;
	handler_sp = (uintptr_t)&here;
	(void)sig;
}

static void nothing(int sig) { (void)sig; }

static int on(const char *s, size_t n, uintptr_t sp)
{
	return sp > (uintptr_t)s && sp - (uintptr_t)s <= n;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_ONSTACK | SA_RESTART;
	sa.sa_handler = nothing;
	sigaction(SIGSYS, &sa, 0);
	sigaction(SIGILL, &sa, 0);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, 0);

	stack_t ss = {.ss_sp = stack1, .ss_size = sizeof stack1, .ss_flags = (int)SS_AUTODISARM};
	CHECK(sigaltstack(&ss, 0) == 0, "an SS_AUTODISARM signal stack is set");
	stack_t old;
	memset(&old, 0xa5, sizeof old);
	int r = sigaltstack(0, &old);
	CHECK(r == 0 && old.ss_sp == stack1 && old.ss_size == sizeof stack1 &&
		      (unsigned)old.ss_flags == SS_AUTODISARM,
	      "a query answers the stack as set (SS_AUTODISARM, not SS_DISABLE)");
	memset(&old, 0, sizeof old);
	sigaltstack(0, &old);
	CHECK(old.ss_sp == stack1 && (unsigned)old.ss_flags == SS_AUTODISARM,
	      "a second query too: the first did not disarm it for good");
	raise(SIGUSR1);
	CHECK(on(stack1, sizeof stack1, handler_sp), "an SA_ONSTACK handler still runs on it");

	stack_t two = {.ss_sp = stack2, .ss_size = sizeof stack2, .ss_flags = (int)SS_AUTODISARM};
	memset(&old, 0, sizeof old);
	r = sigaltstack(&two, &old);
	CHECK(r == 0 && old.ss_sp == stack1 && (unsigned)old.ss_flags == SS_AUTODISARM,
	      "a change answers the old stack");
	memset(&old, 0, sizeof old);
	sigaltstack(0, &old);
	CHECK(old.ss_sp == stack2 && old.ss_size == sizeof stack2, "the change holds");
	handler_sp = 0;
	raise(SIGUSR1);
	CHECK(on(stack2, sizeof stack2, handler_sp), "the handler runs on the new stack");

	stack_t off = {.ss_flags = SS_DISABLE};
	CHECK(sigaltstack(&off, 0) == 0, "the stack can be disabled");
	memset(&old, 0, sizeof old);
	sigaltstack(0, &old);
	CHECK(old.ss_flags == SS_DISABLE, "and then a query says SS_DISABLE");
	return fails != 0;
}
