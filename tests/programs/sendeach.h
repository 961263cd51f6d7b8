/* sendeach.h - sends a thread signals one at a time, each once the one
 * before was handled (one pending at a time: two would merge and count
 * once), for the test programs that count handlers. */
#ifndef ZP_TEST_SENDEACH_H
#define ZP_TEST_SENDEACH_H
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

static double sendeach_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How many of n were sent and handled (*handled counts them); stops at
 * the first one not handled in 20 s, a hang detector, not a measure:
 * natively each takes microseconds. */
static long send_each(pthread_t t, int sig, long n, atomic_long *handled)
{
	long sent = 0;
	for (; sent < n; sent++) {
		pthread_kill(t, sig);
		double limit = sendeach_now() + 20;
		while (atomic_load(handled) <= sent && sendeach_now() < limit)
			sched_yield();
		if (atomic_load(handled) <= sent)
			break;
	}
	return sent;
}

/* Starts fn in a thread, sends it n signals as above, then sets *stop and
 * joins it: how many were sent and handled, -1 if it did not start. */
static long send_each_to(void *(*fn)(void *), int sig, long n, atomic_long *handled,
			 atomic_bool *stop)
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, NULL) != 0)
		return -1;
	long sent = send_each(t, sig, n, handled);
	atomic_store(stop, 1);
	pthread_join(t, NULL);
	return sent;
}
#endif
