/*
 * A SIGALRM handler that leaves by siglongjmp, in turn out of a blocking
 * read and out of a loop of rt_sigprocmask calls (a helper's sweep found
 * it).  In sud mode each call is made inside the runtime's SIGSYS
 * handler: the read left behind stayed the thread's trapped call, the
 * next calls put it back as theirs when they ended, and a SIGALRM that
 * came in the runtime was held for that read's end, which never came:
 * blocked for good, the loop never ended (the helper's program, on a
 * loaded machine: every sud run; this one, on a quiet one before the
 * fix, 1 run in 20 with 30 rounds and 0 in 10 with these 300: the signal
 * must come in the few instructions of the runtime between two trapped
 * calls, so it guards the pattern more than it catches the race).  Each round arms a one-shot timer;
 * the program ends after ROUNDS jumps with SIGALRM not blocked.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>
#include "check.h"

#define ROUNDS 300

static sigjmp_buf back;
static volatile int jumps;

static void on_alarm(int sig)
{
	(void)sig;
	jumps++;
	siglongjmp(back, 1);
}

/* A hang detector, not a measure: natively the rounds take milliseconds. */
static void *watchdog(void *arg)
{
	(void)arg;
	sleep(60);
	printf("FAIL: %d rounds of jumps out of read and sigprocmask end (%d jumped in 60 s)\n",
	       ROUNDS, jumps);
	fflush(stdout);
	_exit(1);
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	int pipefd[2];
	if (pipe(pipefd) != 0) {
		perror("trapjump: pipe");
		return 1;
	}
	pthread_t w;
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL); /* the watchdog never takes it */
	pthread_create(&w, NULL, watchdog, NULL);
	pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
	for (int k = 0; k < ROUNDS; k++) {
		if (sigsetjmp(back, 1))
			continue;
		struct itimerval once = {{0, 0}, {0, 200 + (k % 5) * 100}};
		setitimer(ITIMER_REAL, &once, NULL);
		for (;;) {
			if (k % 2) {
				sigset_t cur;
				sigprocmask(SIG_SETMASK, NULL, &cur);
			} else {
				char c;
				if (read(pipefd[0], &c, 1) < 0)
					continue; /* EINTR: the jump comes from the handler */
			}
		}
	}
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	char what[128];
	snprintf(what, sizeof what, "%d rounds of jumps out of read and sigprocmask end (%d jumped)",
		 ROUNDS, jumps);
	CHECK(jumps == ROUNDS, what);
	CHECK(!sigismember(&now, SIGALRM), "SIGALRM not blocked after the last jump");
	return fails ? 1 : 0;
}
