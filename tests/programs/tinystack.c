/*
 * Calls made on small stacks when the sites are rewritten: a coroutine's
 * 16 KiB makecontext stack with a guard page below, whose 300 getppid
 * calls cross ZPOLINE_SWITCH_AFTER, then a usleep (a call that may sleep
 * makes the switch whatever the count); and a SIGUSR1 handler on an 8 KiB
 * sigaltstack calling nanosleep.  The switch runs inside the trap handler
 * and rewriting needs ~20 KiB of stack: on the program's stack it overflowed
 * these (SIGSEGV, or a malloc'd stack's neighbours overwritten).
 * `stackuse`: how much of a 64 KiB signal stack, filled with a pattern, a
 * handler making 300 getppid calls used (printed).  A call trapped before
 * the switch puts a signal frame of its own there (~3.7 KiB with AVX-512
 * state): on a small signal stack with nested handlers, an overflow.
 * Natively, in sud mode and after the switch, the figures tell the trap
 * path's cost and the handler wrapper's (README, Limits).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"

#define CORO_STACK (16 << 10)
#define ALT_STACK (8 << 10)
#define USE_STACK (64 << 10)
#define FILL 0xa5

static ucontext_t main_ctx, coro_ctx;
static volatile long coro_calls, coro_wrong;
static volatile int handled;

static void coro(void)
{
	pid_t parent = getppid();
	for (int i = 0; i < 300; i++) {
		coro_calls++;
		coro_wrong += syscall(SYS_getppid) != parent;
	}
	usleep(1000);
	coro_calls++;
}

static volatile long handler_wrong;

static void on_usr2(int sig)
{
	(void)sig;
	pid_t parent = getppid();
	for (int i = 0; i < 300; i++)
		handler_wrong += syscall(SYS_getppid) != parent;
	handled++;
}

static void on_usr1(int sig)
{
	(void)sig;
	struct timespec ts = {0, 1000000};
	nanosleep(&ts, NULL);
	handled++;
}

/* A stack of `size` bytes above an inaccessible guard page. */
static void *guarded(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, size + (size_t)page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m, (size_t)page, PROT_NONE))
		return NULL;
	return m + page;
}

int main(int argc, char **argv)
{
	bool alt = argc > 1 && !strcmp(argv[1], "altstack");
	bool use = argc > 1 && !strcmp(argv[1], "stackuse");
	if (use) {
		unsigned char *st = guarded(USE_STACK);
		CHECK(st != NULL, "a guarded 64 KiB signal stack");
		if (!st)
			return 1;
		memset(st, FILL, USE_STACK);
		stack_t ss = {.ss_sp = st, .ss_size = USE_STACK};
		struct sigaction sa = {.sa_handler = on_usr2, .sa_flags = SA_ONSTACK};
		CHECK(sigaltstack(&ss, NULL) == 0 && sigaction(SIGUSR2, &sa, NULL) == 0,
		      "a signal stack and a handler on it");
		/* Bound before: the lazy binder saves the vector registers on
		 * the stack (~2.7 KiB), more than a trapped call's cost. */
		handler_wrong += syscall(SYS_getppid) != getppid();
		raise(SIGUSR2);
		size_t untouched = 0;
		while (untouched < USE_STACK && st[untouched] == FILL)
			untouched++;
		CHECK(handled == 1 && handler_wrong == 0, "300 getppid calls from a handler on it");
		printf("signal stack used: %zu bytes\n", (size_t)USE_STACK - untouched);
	} else if (!alt) {
		void *st = guarded(CORO_STACK);
		CHECK(st != NULL, "a guarded coroutine stack");
		getcontext(&coro_ctx);
		coro_ctx.uc_stack.ss_sp = st;
		coro_ctx.uc_stack.ss_size = CORO_STACK;
		coro_ctx.uc_link = &main_ctx;
		makecontext(&coro_ctx, coro, 0);
		swapcontext(&main_ctx, &coro_ctx);
		CHECK(coro_calls == 301 && coro_wrong == 0,
		      "a coroutine on a 16 KiB stack: 300 getppid and a usleep across the switch");
	} else {
		stack_t ss = {.ss_sp = guarded(ALT_STACK), .ss_size = ALT_STACK};
		CHECK(ss.ss_sp && sigaltstack(&ss, NULL) == 0, "an 8 KiB signal stack");
		struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_ONSTACK};
		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		CHECK(handled == 1, "a handler on an 8 KiB signal stack sleeping at the switch");
	}
	return fails != 0;
}
