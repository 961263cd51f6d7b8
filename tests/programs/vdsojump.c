/*
 * With ZPOLINE_VDSO=1 and tests/hooks/sigjump.c: a signal handler that
 * runs inside hook code and leaves it with siglongjmp must not leave the
 * thread's later vDSO calls taken for the hook's own (they went past the
 * hooks for good when a flag set around hook code marked them).
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define MARK 0x5a5a0000L

static sigjmp_buf jb;

static void handler(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

static long seen(void)
{
	return syscall(SYS_getppid, MARK + 1);
}

int main(void)
{
	struct sigaction sa = {.sa_handler = handler};
	sigaction(SIGUSR1, &sa, NULL);
	volatile int jumps = 0;
	for (volatile int round = 0; round < 3; round++) {
		if (sigsetjmp(jb, 1) == 0)
			syscall(SYS_getppid, MARK); /* the hook signals; the handler jumps */
		else
			jumps++;
		long before = seen();
		struct timespec ts;
		for (int i = 0; i < 10; i++)
			clock_gettime(CLOCK_MONOTONIC, &ts);
		long after = seen();
		printf("round %d: %ld clock_gettime calls reached the hook\n", round, after - before);
		CHECK(after - before == 10, "clock_gettime after a siglongjmp out of hook code reaches the hooks");
	}
	CHECK(jumps == 3, "the handler ran inside the hook and jumped out, 3 times");
	return fails != 0;
}
