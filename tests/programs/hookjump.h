/*
 * hookjump.h - for the programs run under tests/hooks/sigjump.c: run a
 * signal handler inside hook code, leave it by siglongjmp or make calls
 * there, and ask the hook what it has seen.
 */
#ifndef ZP_TEST_HOOKJUMP_H
#define ZP_TEST_HOOKJUMP_H
#include <setjmp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HOOKJUMP_MARK 0x5a5a0000L
#define HOOKJUMP_CLOCKS 1  /* clock_gettime calls the hook has seen */
#define HOOKJUMP_GETUIDS 2 /* getuid calls */

static sigjmp_buf hookjump_buf;

static void hookjump_handler(int sig)
{
	(void)sig;
	siglongjmp(hookjump_buf, 1);
}

/* The hook sends this thread SIGUSR1 from inside its pre(); the handler,
 * nested in hook code, jumps back here.  Returns 1 if it did. */
static int hookjump(void)
{
	struct sigaction sa = {.sa_handler = hookjump_handler};
	sigaction(SIGUSR1, &sa, NULL);
	if (sigsetjmp(hookjump_buf, 1) == 0) {
		syscall(SYS_getppid, HOOKJUMP_MARK);
		return 0;
	}
	return 1;
}

static long (*hookcall_fn)(void);
static volatile long hookcall_result = -1;

static void hookcall_handler(int sig)
{
	(void)sig;
	hookcall_result = hookcall_fn();
}

/* The same signal, whose handler calls fn() inside the hook and returns
 * there.  Returns fn()'s result. */
static long hookcall(long (*fn)(void))
{
	struct sigaction sa = {.sa_handler = hookcall_handler};
	sigaction(SIGUSR1, &sa, NULL);
	hookcall_fn = fn;
	hookcall_result = -1;
	syscall(SYS_getppid, HOOKJUMP_MARK);
	return hookcall_result;
}

/* How many calls of a kind (HOOKJUMP_*) the hook has seen. */
static long hookjump_seen(long what)
{
	return syscall(SYS_getppid, HOOKJUMP_MARK + what);
}
#endif
