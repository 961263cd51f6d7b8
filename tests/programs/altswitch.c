/*
 * altswitch: the program gives every handler SA_ONSTACK, as Go does, then
 * changes, queries and disables its signal stack from ordinary code.  In
 * the modes where the runtime's own handler makes the call (Syscall User
 * Dispatch), that handler runs on the very stack being changed; the program
 * must still see what the kernel would tell it natively.  PASS/FAIL lines.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"


static void on_sig(int sig)
{
	(void)sig;
}

static volatile sig_atomic_t ran_on_b;
static char *b_lo;

static void on_usr1(int sig)
{
	(void)sig;
	char here;
	ran_on_b = &here > b_lo && &here < b_lo + 65536;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sa.sa_flags = SA_ONSTACK;
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGUSR1)
			sigaction(s, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	char *a = malloc(65536), *b = malloc(65536);
	b_lo = b;
	stack_t ss = {.ss_sp = a, .ss_size = 65536, .ss_flags = 0}, old;
	CHECK(sigaltstack(&ss, NULL) == 0, "set stack A");
	ss.ss_sp = b;
	CHECK(sigaltstack(&ss, &old) == 0 && old.ss_sp == a && old.ss_flags == 0,
	      "change to stack B from ordinary code; the old one reported");
	CHECK(sigaltstack(NULL, &old) == 0 && old.ss_sp == b && old.ss_size == 65536 &&
		      old.ss_flags == 0,
	      "query: stack B, not on it");
	raise(SIGUSR1);
	CHECK(ran_on_b, "a handler runs on stack B");
	ss.ss_size = 1024;
	CHECK(sigaltstack(&ss, NULL) == -1, "a stack below MINSIGSTKSZ is refused");
	ss.ss_flags = SS_DISABLE;
	CHECK(sigaltstack(&ss, NULL) == 0, "disable it");
	CHECK(sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE), "query: disabled");
	return fails ? 1 : 0;
}
