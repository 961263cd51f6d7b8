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
 *   - Run in the stub's steps after the hooks returned (page-0 and detour
 *     modes, any hook), a handler ran on the slot (defer.c,
 *     zp_defer_late).  Each handler here checks it runs on the program's
 *     stack; the timer seldom hits those steps (no run here failed the
 *     check before that fix), so stepmask's `every` is the test of it.
 * The program ends after JUMPS jumps, with SIGALRM not blocked.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>
#include "check.h"

#define JUMPS 3000

static sigjmp_buf env;
static volatile sig_atomic_t armed;
static volatile long jumps;
static volatile long off_stack;
static uintptr_t stack_lo, stack_hi; /* the main thread's stack, as far as it may grow */

static void on_alarm(int sig)
{
	(void)sig;
	/* Not how deep: when the handler and its jump's call take longer
	 * than the timer's period (the machine loaded), each jump's unblock
	 * finds the next signal pending and its handler nests, as natively. */
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	if (here < stack_lo || here >= stack_hi)
		off_stack++;
	if (armed)
		siglongjmp(env, 1);
}

int main(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[512];
	while (maps && fgets(line, sizeof line, maps))
		if (strstr(line, "[stack]"))
			sscanf(line, "%lx-%lx", &stack_lo, &stack_hi);
	if (maps)
		fclose(maps);
	struct rlimit lim;
	if (!stack_hi || getrlimit(RLIMIT_STACK, &lim) < 0) {
		fprintf(stderr, "sigjump: no [stack] in /proc/self/maps\n");
		return 1;
	}
	/* the kernel grows it on demand, up to the limit */
	rlim_t room = lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur > (64ul << 20) ? 64ul << 20 : lim.rlim_cur;
	stack_lo = stack_hi - room;
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
	snprintf(what, sizeof what, "every SIGALRM handler ran on the program's stack (%ld did not)",
		 (long)off_stack);
	CHECK(off_stack == 0, what);
	return fails ? 1 : 0;
}
