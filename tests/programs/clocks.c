/* clocks: 2 clock_gettime, 1 gettimeofday, 1 time, 1 getcpu, through libc
 * (so through the vDSO). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int main(void)
{
	struct timespec a, b;
	clock_gettime(CLOCK_REALTIME, &a);
	clock_gettime(CLOCK_MONOTONIC, &b);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	time_t t = time(NULL);
	unsigned cpu = 0, node = 0;
	getcpu(&cpu, &node);
	printf("%ld %ld %ld %u\n", (long)a.tv_sec, (long)tv.tv_sec, (long)t, cpu);
	return 0;
}
