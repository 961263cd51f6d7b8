/*
 * With ZPOLINE_VDSO=1 and tests/hooks/sigjump.c: a signal handler that
 * runs inside hook code and leaves it with siglongjmp must not leave the
 * thread's later vDSO calls taken for the hook's own (they went past the
 * hooks for good when a flag set around hook code marked them).
 */
#include <time.h>
#include "check.h"
#include "hookjump.h"

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
	return fails != 0;
}
