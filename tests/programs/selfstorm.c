/*
 * A thread that signals itself (kill, tgkill) and changes its mask all
 * the time, while another sends it signals: the process lives and every
 * handler returns.  In sud mode a call that signals its caller is made
 * with every signal blocked, SIGSYS too; a signal its hooks held, let go
 * there, ran its handler, whose return (a trapped rt_sigreturn) the kernel
 * turned into a fatal SIGSYS (a helper's storm: 3 runs in 6; Python's
 * test_signal).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static atomic_long usr1, usr2, rounds;
static atomic_bool stop;

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

static void on_usr2(int sig)
{
	(void)sig;
	usr2++;
}

static void *worker(void *arg)
{
	(void)arg;
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
	long sent = 0;
	while (!atomic_load(&stop)) {
		syscall(SYS_tgkill, pid, tid, SIGUSR2);
		pthread_sigmask(SIG_BLOCK, &one, NULL);
		getppid();
		pthread_sigmask(SIG_UNBLOCK, &one, NULL);
		sent++;
		atomic_store(&rounds, sent);
	}
	return (void *)sent;
}

int main(void)
{
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL) != 0) {
		CHECK(0, "a worker thread starts");
		return 1;
	}
	/* 0.3 s of signals, then one a millisecond until the worker has made
	 * 100 rounds amid them: on a loaded machine (CI beside other jobs) it
	 * made none in 0.3 s, running SIGUSR1's handler after SIGUSR1's
	 * handler as the signals came.  A minute at most. */
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	long ns;
	do {
		pthread_kill(t, SIGUSR1);
		clock_gettime(CLOCK_MONOTONIC, &now);
		ns = (now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec);
		if (ns >= 300000000L) {
			struct timespec ms = {0, 1000000};
			nanosleep(&ms, NULL);
		}
	} while ((ns < 300000000L || atomic_load(&rounds) < 100) && ns < 60000000000L);
	atomic_store(&stop, 1);
	void *sent;
	pthread_join(t, &sent);
	char what[200];
	snprintf(what, sizeof what,
		 "a thread signalling itself amid others' signals lives, each of its own handled "
		 "(%ld self-signals, %ld handled; %ld SIGUSR1 handled)",
		 (long)sent, (long)usr2, (long)usr1);
	CHECK((long)sent > 0 && usr2 == (long)sent, what);
	return fails != 0;
}
