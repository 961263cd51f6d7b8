/*
 * altblock: a handler running on a sigaltstack makes a blocking call (a
 * read of an empty pipe) that another signal must cut short, as natively:
 * the read fails with EINTR, and the second handler runs on the same
 * signal stack, below the first one's frame.  Under the runtime the hooks
 * of a call made on that stack run with every signal held, and the call
 * itself is made back on that stack with the program's mask
 * (src/runtime/altstack.c); a hook that makes the call itself (tests/hooks/
 * emulate.c) or wants post() has the stack disarmed instead.  A watchdog
 * thread ends a read nothing cut short after 10 s.  PASS/FAIL lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define ALT_SIZE (64 * 1024)

static char *alt;
static int pipefd[2];
static volatile uintptr_t outer_sp, inner_sp;
static volatile long read_ret, read_errno, inner_runs;
static volatile int query_ok, efault_ok, eperm_ok;

static bool on_alt(uintptr_t sp)
{
	return sp >= (uintptr_t)alt && sp < (uintptr_t)alt + ALT_SIZE;
}

static void inner(int sig)
{
	(void)sig;
	char here;
	inner_sp = (uintptr_t)&here;
	inner_runs++;
	getppid(); /* a hooked call of its own, nested */
}

static void outer(int sig)
{
	(void)sig;
	char here, c;
	outer_sp = (uintptr_t)&here;
	/* What the kernel says of the stack from a handler running on it. */
	stack_t q, change = {.ss_sp = alt, .ss_size = ALT_SIZE};
	query_ok = sigaltstack(NULL, &q) == 0 && q.ss_sp == alt && q.ss_size == ALT_SIZE &&
		   q.ss_flags == SS_ONSTACK;
	efault_ok = sigaltstack(NULL, (stack_t *)8) == -1 && errno == EFAULT;
	eperm_ok = sigaltstack(&change, NULL) == -1 && errno == EPERM;
	struct itimerval it = {{0, 0}, {0, 50 * 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
	read_ret = read(pipefd[0], &c, 1);
	read_errno = errno;
}

static void *watchdog(void *arg)
{
	(void)arg;
	sleep(10);
	if (write(pipefd[1], "w", 1) != 1)
		_exit(3);
	return NULL;
}

int main(void)
{
	alt = malloc(ALT_SIZE);
	stack_t ss = {.ss_sp = alt, .ss_size = ALT_SIZE};
	if (!alt || pipe(pipefd) < 0 || sigaltstack(&ss, NULL) < 0)
		return perror("setup"), 2;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_ONSTACK; /* no SA_RESTART: the read ends with EINTR */
	sa.sa_handler = outer;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = inner;
	sigaction(SIGALRM, &sa, NULL);
	/* The watchdog takes no signal: SIGALRM is the main thread's. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_t w;
	if (pthread_create(&w, NULL, watchdog, NULL) != 0)
		return perror("pthread_create"), 2;
	pthread_detach(w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	for (int round = 0; round < 3; round++) {
		inner_runs = 0;
		read_ret = 0;
		kill(getpid(), SIGUSR1);
		CHECK(read_ret == -1 && read_errno == EINTR,
		      "a blocking read in a handler on the sigaltstack is cut short by a signal (EINTR)");
		CHECK(inner_runs == 1, "the second handler ran once");
		CHECK(query_ok && efault_ok && eperm_ok,
		      "sigaltstack from the handler: SS_ONSTACK, EFAULT for a bad pointer, EPERM for a change");
		CHECK(on_alt(outer_sp) && on_alt(inner_sp) && inner_sp < outer_sp,
		      "the second handler ran on the sigaltstack, below the first");
		if (fails) {
			printf("round %d: read %ld, errno %ld, inner ran %ld times, sp %#lx then %#lx, "
			       "stack %p..%p\n",
			       round, read_ret, read_errno, inner_runs, (unsigned long)outer_sp,
			       (unsigned long)inner_sp, (void *)alt, (void *)(alt + ALT_SIZE));
			break;
		}
	}
	stack_t now;
	CHECK(sigaltstack(NULL, &now) == 0 && now.ss_sp == alt && now.ss_size == ALT_SIZE &&
		      now.ss_flags == 0,
	      "the sigaltstack is still the program's, armed, after the handlers");
	sigset_t m;
	sigprocmask(SIG_SETMASK, NULL, &m);
	CHECK(!sigismember(&m, SIGUSR1) && !sigismember(&m, SIGALRM) && !sigismember(&m, SIGINT),
	      "no signal left blocked after the handlers");
	return fails ? 1 : 0;
}
