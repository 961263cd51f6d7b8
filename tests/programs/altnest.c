/*
 * altnest - signal handlers on a sigaltstack, interrupted by more signals
 * while they make system calls (CPython's test_signal stress tests do
 * this).  The kernel decides from rsp whether a thread is on its signal
 * stack; if the hook path ran on another stack, a nested signal would start
 * again at the top of the signal stack, over the frame the outer handler
 * returns through.
 *
 * Usage: altnest ROUNDS.  Prints "altnest: N signals handled" and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2];
static volatile sig_atomic_t handled;

static void handler(int sig)
{
	int saved = errno;
	char c = (char)sig;
	/* A few calls, as CPython's C-level handler makes (wakeup fd). */
	if (write(pipefd[1], &c, 1) < 0 && errno != EAGAIN)
		_exit(3);
	for (int i = 0; i < 50; i++) /* time in the hook path for a signal to land in */
		syscall(SYS_getppid);
	struct timespec ts = {0, 1000};
	nanosleep(&ts, NULL);
	handled = handled + 1;
	errno = saved;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	if (rounds <= 0) {
		fprintf(stderr, "usage: altnest ROUNDS (a positive number)\n");
		return 2;
	}
	if (pipe2(pipefd, O_NONBLOCK | O_CLOEXEC) < 0)
		return perror("pipe2"), 1;
	stack_t ss = {.ss_size = 64 * 1024};
	ss.ss_sp = malloc(ss.ss_size);
	if (!ss.ss_sp || sigaltstack(&ss, NULL) < 0)
		return perror("sigaltstack"), 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_ONSTACK; /* no SA_RESTART, empty mask: handlers nest */
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	long want = 0;
	for (long i = 0; i < rounds; i++) {
		struct itimerval it = {{0, 0}, {0, 1 + (int)(i % 40)}};
		setitimer(ITIMER_REAL, &it, NULL);
		kill(getpid(), SIGUSR1);
		want += 2;
		for (int spin = 0; handled < want && spin < 100000; spin++) {
			struct timespec ts = {0, 1000};
			nanosleep(&ts, NULL);
		}
		char buf[64];
		while (read(pipefd[0], buf, sizeof buf) > 0)
			;
	}
	for (int spin = 0; handled < want && spin < 100000; spin++) {
		struct timespec ts = {0, 1000};
		nanosleep(&ts, NULL);
	}
	/* Exactly one SIGUSR1 (kill) and one SIGALRM (one-shot timer) a round:
	 * a handler's end run twice, or never, is a corrupted frame. */
	if (handled != want) {
		printf("altnest: %ld signals sent, %ld handled\n", want, (long)handled);
		return 1;
	}
	printf("altnest: %ld signals handled\n", want);
	return 0;
}
