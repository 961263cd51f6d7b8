/*
 * altstack - what a program sees of its sigaltstack, which the runtime
 * may disarm while a hooked call made on it runs (src/runtime/altstack.c): queries,
 * SS_ONSTACK inside a handler, EPERM when changing it from a handler on it,
 * SS_DISABLE, a handler left with siglongjmp still finding the stack
 * for the next signal, and two stack overflows in a row each caught on the
 * sigaltstack by a SIGSEGV handler left with longjmp (gnulib's c-stack and
 * libsigsegv do that; nothing makes a system call between the two).  Prints PASS/FAIL lines; exit 1 on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
static char *alt;
static const size_t alt_size = 64 * 1024;
static sigjmp_buf jb;
static volatile int in_handler_flags = -1, change_errno, on_alt, leave_by_jump;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
	failures += !ok;
}

static void handler(int sig)
{
	(void)sig;
	char here;
	on_alt = &here > alt && &here <= alt + alt_size;
	stack_t q;
	if (sigaltstack(NULL, &q) == 0)
		in_handler_flags = q.ss_flags;
	stack_t other = {.ss_sp = malloc(alt_size), .ss_size = alt_size};
	change_errno = sigaltstack(&other, NULL) == 0 ? 0 : errno;
	if (leave_by_jump)
		siglongjmp(jb, 1);
}

static jmp_buf overflow_jb;
static sigset_t main_mask;
static volatile int overflows;

static void overflow_handler(int sig)
{
	(void)sig;
	overflows++;
	sigprocmask(SIG_SETMASK, &main_mask, NULL);
	longjmp(overflow_jb, 1);
}

static volatile int never;

static int recurse(volatile char *up)
{
	volatile char frame[1024];
	if (never)
		return 0;
	frame[0] = up ? up[0] + 1 : 0;
	return recurse(frame) + frame[1];
}

/* Nothing between the two overflows may make a system call: that is how
 * the runtime would see the first handler was left without rt_sigreturn. */
static void overflow_twice(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = overflow_handler;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigprocmask(SIG_BLOCK, NULL, &main_mask);
	if (setjmp(overflow_jb) == 0 || overflows < 2)
		recurse(NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGSEGV, &sa, NULL);
}

int main(void)
{
	alt = malloc(alt_size);
	stack_t ss = {.ss_sp = alt, .ss_size = alt_size}, q;
	check(sigaltstack(&ss, NULL) == 0, "sigaltstack set");
	check(sigaltstack(NULL, &q) == 0 && q.ss_sp == alt && q.ss_size == alt_size &&
		      q.ss_flags == 0,
	      "query: the stack as set, flags 0");

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	check(on_alt, "handler runs on the sigaltstack");
	check(in_handler_flags == SS_ONSTACK, "query in the handler: SS_ONSTACK");
	check(change_errno == EPERM, "changing it from the handler on it: EPERM");

	leave_by_jump = 1;
	if (!sigsetjmp(jb, 1))
		raise(SIGUSR1);
	leave_by_jump = 0;
	on_alt = 0;
	raise(SIGUSR1);
	check(on_alt, "after siglongjmp out of a handler, the next one is on the sigaltstack");
	check(sigaltstack(NULL, &q) == 0 && q.ss_flags == 0 && q.ss_sp == alt,
	      "after siglongjmp: query as set");

	stack_t off = {.ss_flags = SS_DISABLE};
	check(sigaltstack(&off, &q) == 0 && q.ss_sp == alt && q.ss_flags == 0,
	      "disable: the old stack reported");
	check(sigaltstack(NULL, &q) == 0 && q.ss_flags == SS_DISABLE, "query after disable: SS_DISABLE");
	on_alt = 1;
	raise(SIGUSR1);
	check(!on_alt, "disabled: the handler runs on the main stack");

	check(sigaltstack(&ss, NULL) == 0, "sigaltstack set again");
	overflow_twice();
	check(overflows == 2, "two stack overflows in a row, each caught on the sigaltstack");
	return failures ? 1 : 0;
}
