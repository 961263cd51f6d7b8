/*
 * tp-intr - a blocking call interrupted by a signal with a handler, one
 * kind per run: a 50 ms timer's SIGALRM ends read, nanosleep, poll,
 * select, pause, wait4, futex, epoll_wait, accept ... with -EINTR, or
 * (restart: SA_RESTART) the kernel restarts it and a child's write after
 * 150 ms completes it; "unblock": the signal comes in at the end of the
 * sigprocmask that unblocks it.  Prints "CASE: RESULT ERROR".
 * Usage: tp-intr CASE [restart]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void handler(int s)
{
	(void)s;
}

static void arm(int usec)
{
	struct itimerval it = {{0, 0}, {0, usec}};
	setitimer(ITIMER_REAL, &it, NULL);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *c = argv[1];
	bool restart = argc > 2;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	int p[2];
	if (pipe(p) < 0)
		return 2;
	if (restart && fork() == 0) {
		struct timespec ts = {0, 150000000};
		nanosleep(&ts, NULL);
		if (write(p[1], "x", 1) < 0)
			_exit(1);
		_exit(0);
	}
	arm(50000);
	char b;
	long r = -2;
	if (!strcmp(c, "read")) {
		r = read(p[0], &b, 1);
	} else if (!strcmp(c, "nanosleep")) {
		struct timespec ts = {0, restart ? 100000000 : 900000000};
		r = nanosleep(&ts, NULL);
	} else if (!strcmp(c, "clock_nanosleep")) {
		struct timespec ts = {0, 900000000};
		r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL);
	} else if (!strcmp(c, "clock_nanosleep-abs")) {
		/* a fixed date far ahead (2033): the same line in both runs */
		struct timespec ts = {2000000000, 0};
		struct timespec left;
		r = syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &ts, &left);
	} else if (!strcmp(c, "poll")) {
		struct pollfd pf = {p[0], POLLIN, 0};
		r = poll(&pf, 1, 900);
	} else if (!strcmp(c, "poll-inf")) {
		struct pollfd pf = {p[0], POLLIN, 0};
		r = poll(&pf, 1, -1);
	} else if (!strcmp(c, "ppoll")) {
		struct pollfd pf = {p[0], POLLIN, 0};
		struct timespec ts = {0, 900000000};
		r = ppoll(&pf, 1, &ts, NULL);
	} else if (!strcmp(c, "select")) {
		fd_set s;
		FD_ZERO(&s);
		FD_SET(p[0], &s);
		struct timeval tv = {0, 900000};
		r = select(p[0] + 1, &s, NULL, NULL, &tv);
	} else if (!strcmp(c, "pause")) {
		r = pause();
	} else if (!strcmp(c, "sigsuspend")) {
		sigset_t none;
		sigemptyset(&none);
		r = sigsuspend(&none);
	} else if (!strcmp(c, "sigsuspend-all")) {
		/* every signal blocked but SIGALRM, the runtime's among them:
		 * the line showed the mask the runtime gave the kernel */
		sigset_t all;
		sigfillset(&all);
		sigdelset(&all, SIGALRM);
		r = sigsuspend(&all);
	} else if (!strcmp(c, "ppoll-mask")) {
		struct pollfd pf = {p[0], POLLIN, 0};
		sigset_t all;
		sigfillset(&all);
		sigdelset(&all, SIGALRM);
		r = ppoll(&pf, 1, NULL, &all);
	} else if (!strcmp(c, "epoll_wait")) {
		int ep = epoll_create1(0);
		struct epoll_event ev = {EPOLLIN, {0}};
		epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
		r = epoll_wait(ep, &ev, 1, 900);
	} else if (!strcmp(c, "wait4")) {
		if (fork() == 0) {
			struct timespec ts = {0, 300000000};
			nanosleep(&ts, NULL);
			_exit(0);
		}
		int st;
		r = wait4(-1, &st, 0, NULL);
	} else if (!strcmp(c, "futex")) {
		int word = 0;
		r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	} else if (!strcmp(c, "futex-timed")) {
		int word = 0;
		struct timespec ts = {0, 900000000};
		r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
	} else if (!strcmp(c, "sigtimedwait")) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGUSR1);
		struct timespec ts = {0, 900000000};
		r = sigtimedwait(&s, NULL, &ts);
	} else if (!strcmp(c, "unblock")) {
		/* the timer's signal waits, blocked, and comes in at the end of
		 * the sigprocmask that unblocks it */
		sigset_t alrm;
		sigemptyset(&alrm);
		sigaddset(&alrm, SIGALRM);
		sigprocmask(SIG_BLOCK, &alrm, NULL);
		struct timespec ts = {0, 150000000};
		nanosleep(&ts, NULL);
		r = sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	} else if (!strcmp(c, "accept")) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr sa0 = {AF_UNIX, {0}};
		bind(s, &sa0, sizeof(sa_family_t));
		listen(s, 1);
		r = accept(s, NULL, NULL);
	} else {
		return 2;
	}
	printf("%s: %ld %s\n", c, r, r < 0 ? strerror(errno) : "");
	while (wait(NULL) > 0)
		;
	return 0;
}
