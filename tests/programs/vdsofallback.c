/*
 * 100 clock_gettime(CLOCK_PROCESS_CPUTIME_ID): the vDSO has no fast path
 * for that clock and makes the system call itself, from its own `syscall`
 * instruction (test-cache.sh counts them with the count hook).
 */
#include <time.h>

int main(void)
{
	struct timespec ts;
	int ok = 0;
	for (int i = 0; i < 100; i++)
		ok += clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0;
	return ok == 100 ? 0 : 1;
}
