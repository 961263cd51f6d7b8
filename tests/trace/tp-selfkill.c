/*
 * tp-selfkill - a forked child with NTHREADS threads blocked for good
 * sends its own process a signal: "abort" (a thread calls abort(), tgkill
 * of SIGABRT to itself), "term" (main calls kill(getpid(), SIGTERM)) or
 * "handled" (the same with SIGTERM caught: nothing dies, the child exits
 * 0) or "sigkill" (main calls kill(0, SIGKILL), its process group).  The child prints "TID" of each task, the leader first; the parent
 * reaps it and prints "status N".
 * Usage: tp-selfkill NTHREADS abort|term|handled|sigkill
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_barrier_t ready;
static const char *how;

static void *blocked(void *arg)
{
	(void)arg;
	printf("%ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	pthread_barrier_wait(&ready);
	for (;;)
		pause();
	return NULL;
}

static void *aborter(void *arg)
{
	(void)arg;
	printf("%ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	pthread_barrier_wait(&ready);
	abort();
	return NULL;
}

static void caught(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	how = argc > 2 ? argv[2] : "abort";
	pid_t pid = fork();
	if (pid == 0) {
		int ab = !strcmp(how, "abort");
		printf("%d\n", getpid());
		fflush(stdout);
		pthread_barrier_init(&ready, NULL, (unsigned)(n + ab + 1));
		pthread_t t;
		for (int i = 0; i < n; i++)
			pthread_create(&t, NULL, blocked, NULL);
		if (ab)
			pthread_create(&t, NULL, aborter, NULL);
		pthread_barrier_wait(&ready);
		if (ab)
			for (;;)
				pause();
		if (!strcmp(how, "handled"))
			signal(SIGTERM, caught);
		if (!strcmp(how, "sigkill")) {
			setpgid(0, 0);
			kill(0, SIGKILL);
		}
		kill(getpid(), SIGTERM);
		exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	printf("status %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 1000 + WEXITSTATUS(st));
	return 0;
}
