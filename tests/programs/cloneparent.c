/*
 * cloneparent.c - a child made with clone(CLONE_PARENT) is its caller's
 * child: the program waits until that process has reaped it (natively the
 * shell or strace does; under `zpoline run` the command must).  Prints
 * "reaped" and exits 0; 1 if clone failed; 2 after 10 s without.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static char stack[65536] __attribute__((aligned(16)));

static int child(void *arg)
{
	(void)arg;
	return 42;
}

int main(void)
{
	pid_t pid = clone(child, stack + sizeof stack, CLONE_PARENT | SIGCHLD, NULL);
	if (pid < 0) {
		perror("clone");
		return 1;
	}
	struct timespec tick = {0, 10 * 1000 * 1000};
	for (int i = 0; i < 1000; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH) {
			puts("reaped");
			return 0;
		}
		nanosleep(&tick, NULL);
	}
	puts("not reaped after 10 s");
	return 2;
}
