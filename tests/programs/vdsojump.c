/*
 * With ZPOLINE_VDSO=1 and tests/hooks/sigjump.c: a signal handler that
 * runs inside hook code and leaves it with siglongjmp must not leave the
 * thread's later vDSO calls taken for the hook's own (they went past the
 * hooks for good when a flag set around hook code marked them), and one
 * that runs there and returns is the program's code: its vDSO calls reach
 * the hooks.
 */
#include <time.h>
#include "check.h"
#include "hookjump.h"

static long ten_clocks(void)
{
	struct timespec ts;
	long ok = 0;
	for (int i = 0; i < 10; i++)
		ok += clock_gettime(CLOCK_MONOTONIC, &ts) == 0;
	return ok;
}

int main(void)
{
	int jumps = 0;
	for (int round = 0; round < 3; round++) {
		jumps += hookjump();
		long before = hookjump_seen(HOOKJUMP_CLOCKS);
		struct timespec ts;
		for (int i = 0; i < 10; i++)
			clock_gettime(CLOCK_MONOTONIC, &ts);
		long after = hookjump_seen(HOOKJUMP_CLOCKS);
		printf("round %d: %ld clock_gettime calls reached the hook\n", round, after - before);
		CHECK(after - before == 10, "clock_gettime after a siglongjmp out of hook code reaches the hooks");
	}
	CHECK(jumps == 3, "the handler ran inside the hook and jumped out, 3 times");
	long before = hookjump_seen(HOOKJUMP_CLOCKS);
	long r = hookcall(ten_clocks);
	long n = hookjump_seen(HOOKJUMP_CLOCKS) - before;
	printf("inside the hook: %ld of 10 clock_gettime calls reached the hook\n", n);
	CHECK(r == 10 && n == 10, "a handler running inside hook code (on the hook's stack): its clock_gettime calls reach the hooks");
	return fails != 0;
}
