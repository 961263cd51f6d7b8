/*
 * Calls made on small stacks when the sites are rewritten: a coroutine's
 * 16 KiB makecontext stack with a guard page below, whose 300 getppid
 * calls cross ZPOLINE_SWITCH_AFTER, then a usleep (a call that may sleep
 * makes the switch whatever the count); and a SIGUSR1 handler on an 8 KiB
 * sigaltstack calling nanosleep.  The switch runs inside the trap handler
 * and rewriting needs ~20 KiB of stack: on the program's stack it overflowed
 * these (SIGSEGV, or a malloc'd stack's neighbours overwritten).
 * `altcalls`: a handler with 512 bytes of locals making 300 getppid calls on an
 * 8 KiB sigaltstack, which fits natively; each call trapped before the
 * switch put a ~3.7 KiB signal frame there and overflowed it.
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
	volatile char locals[512];
	pid_t parent = getppid();
	for (int i = 0; i < 300; i++) {
		locals[i % sizeof locals] = (char)i;
		handler_wrong += syscall(SYS_getppid) != parent;
	}
	handled += locals[299 % sizeof locals] == (char)299;
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
	bool calls = argc > 1 && !strcmp(argv[1], "altcalls");
	if (calls) {
		stack_t ss = {.ss_sp = guarded(ALT_STACK), .ss_size = ALT_STACK};
		CHECK(ss.ss_sp && sigaltstack(&ss, NULL) == 0, "an 8 KiB signal stack");
		struct sigaction sa = {.sa_handler = on_usr2, .sa_flags = SA_ONSTACK};
		sigaction(SIGUSR2, &sa, NULL);
		raise(SIGUSR2);
		CHECK(handled == 1 && handler_wrong == 0,
		      "a handler with 512 bytes of locals making 300 calls on an 8 KiB signal stack");
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
