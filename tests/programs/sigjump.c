/*
 * A SIGALRM handler that leaves by siglongjmp, over and over: an interval
 * timer of 50 us interrupts a loop of system calls, and each handler jumps
 * back to the loop's start (restoring the mask, so siglongjmp makes a
 * call that unblocks SIGALRM, often with the next one already pending).
 * Natively each such handler runs on the program's stack.
 *   - Run where it came (in the runtime, its next signal already pending),
 *     a handler ran on the runtime's stack, and each jump's call was
 *     interrupted again there: the slot overflowed (SIGSEGV), 3 runs in 10
 *     in sud and auto mode.
 *   - A trapped call left by the jump stayed the thread's call: a signal
 *     that came later in other runtime code waited for its end, blocked
 *     for good (the loop hung).
 * The program ends after JUMPS jumps, with SIGALRM not blocked.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>
#include "check.h"

#define JUMPS 3000

static sigjmp_buf env;
static volatile sig_atomic_t armed;
static volatile long jumps;

static void on_alarm(int sig)
{
	(void)sig;
	if (armed)
		siglongjmp(env, 1);
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0) {
		perror("sigjump: /dev/null");
		return 1;
	}
	long calls = 0;
	if (sigsetjmp(env, 1))
		jumps++;
	if (!armed) {
		armed = 1;
		struct itimerval every = {{0, 50}, {0, 50}};
		setitimer(ITIMER_REAL, &every, NULL);
	}
	while (jumps < JUMPS) {
		getppid();
		if (write(fd, "x", 1) != 1)
			break;
		calls++;
	}
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	char what[128];
	snprintf(what, sizeof what, "%d jumps out of the SIGALRM handler (%ld jumped, %ld calls)",
		 JUMPS, (long)jumps, calls);
	CHECK(jumps >= JUMPS, what);
	CHECK(!sigismember(&now, SIGALRM), "SIGALRM not blocked after the last jump");
	return fails ? 1 : 0;
}
