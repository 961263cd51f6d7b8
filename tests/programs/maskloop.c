/*
 * A thread blocks and unblocks SIGUSR2 in a loop (rt_sigprocmask, a call
 * with the runtime's work after it) while the main thread sends it
 * SIGUSR1, one at a time, each once the one before was handled: every one
 * must be handled.  A signal held for a trapped call's edge (sud mode),
 * taken for the outer call's while the record was being set, stayed
 * blocked for good: bench/signal-pc --call sigmask waited 10 s for one,
 * 1 run in 8 (20000 signals each; this sends 300, to stay short).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include "check.h"
#include "sendeach.h"

#define SIGNALS 300

static atomic_long handled;
static atomic_bool stop;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

static void *masker(void *arg)
{
	(void)arg;
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	while (!atomic_load(&stop)) {
		pthread_sigmask(SIG_BLOCK, &usr2, NULL);
		pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	/* thread-directed: only the masker takes them */
	long sent = send_each_to(masker, SIGUSR1, SIGNALS, &handled, &stop);
	if (sent < 0) {
		printf("FAIL: pthread_create\n");
		return 1;
	}
	char what[128];
	snprintf(what, sizeof what, "%d signals to a thread changing its mask, each handled (%ld were)",
		 SIGNALS, (long)atomic_load(&handled));
	CHECK(sent == SIGNALS, what);
	return fails ? 1 : 0;
}
