/*
 * Real-time signals of one number come in the order they were sent
 * (POSIX), and none is lost, while the thread they go to makes hooked
 * calls all the time.  A signal that comes while a hook runs waits for the
 * call's edge, queued again (defer.c): behind another of its number
 * already queued a real-time one would come out of order (15 to 49 in
 * 60000 in sud mode), so those are delivered where they came instead.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>
#include "check.h"

#define SIGNALS 30000

static atomic_long got, out_of_order;
static volatile long last;
static atomic_bool stop;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	long v = (long)si->si_value.sival_ptr;
	if (v <= last)
		out_of_order++;
	last = v;
	got++;
}

static void *caller(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		getppid();
	return NULL;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGRTMIN, &sa, NULL);
	sigset_t rt;
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN);
	pthread_t t;
	if (pthread_create(&t, NULL, caller, NULL) != 0) {
		CHECK(0, "a thread making calls starts");
		return 1;
	}
	pthread_sigmask(SIG_BLOCK, &rt, NULL); /* the caller takes them all */
	long sent = 0, full = 0;
	while (sent < SIGNALS) {
		union sigval v = {.sival_ptr = (void *)(sent + 1)};
		if (pthread_sigqueue(t, SIGRTMIN, v) == 0)
			sent++;
		else if (++full % 64 == 0)
			usleep(100); /* the queue is full: let it drain */
	}
	for (int i = 0; i < 5000 && got < sent; i++)
		usleep(1000);
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("%ld sent, %ld handled, %ld out of order\n", sent, (long)got, (long)out_of_order);
	CHECK(got == sent, "every real-time signal sent to a thread in calls is handled");
	CHECK(out_of_order == 0, "real-time signals come in the order they were sent");
	return fails != 0;
}
