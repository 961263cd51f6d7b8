/*
 * tp-threadkill - a process with NTHREADS threads blocked for good, and
 * one more that exited before, killed by another process's signal.
 * "child SIG": a forked child is the one; the parent, once the child's
 * threads are up, kills it with SIG and reaps it, then prints
 * "status N".  "root": this process is the one; the test kills it.  The
 * process killed prints "TID" of each of its live tasks, the leader first,
 * and "gone TID" of the thread that exited.  "root-child": as "root",
 * with a child that outlives it by a second (it prints "child PID").
 * Usage: tp-threadkill NTHREADS child SIG | NTHREADS root | NTHREADS root-child
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

static void *quick(void *arg)
{
	(void)arg;
	printf("gone %ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	return NULL;
}

/* Start the threads and say when they are all up (on fd, if >= 0). */
static void victim(int n, int fd)
{
	printf("%d\n", getpid());
	fflush(stdout);
	pthread_t t;
	if (pthread_create(&t, NULL, quick, NULL) || pthread_join(t, NULL))
		_exit(90);
	pthread_barrier_init(&ready, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, blocked, NULL))
			_exit(91);
	pthread_barrier_wait(&ready);
	if (fd >= 0 && write(fd, "x", 1) != 1)
		_exit(92);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int n = atoi(argv[1]);
	if (strcmp(argv[2], "root") == 0)
		victim(n, -1);
	if (strcmp(argv[2], "root-child") == 0) {
		int q[2];
		if (pipe(q))
			return 3;
		pid_t k = fork();
		if (k == 0) {
			close(q[1]);
			char x;
			while (read(q[0], &x, 1) > 0) /* until the parent is gone */
				;
			sleep(1);
			_exit(0);
		}
		close(q[0]);
		printf("child %d\n", (int)k);
		victim(n, -1);
	}
	if (argc < 4)
		return 2;
	int sig = atoi(argv[3]);
	int p[2];
	if (pipe(p))
		return 3;
	pid_t c = fork();
	if (c < 0)
		return 4;
	if (c == 0) {
		close(p[0]);
		victim(n, p[1]);
	}
	close(p[1]);
	char x;
	if (read(p[0], &x, 1) != 1)
		return 5;
	kill(c, sig);
	int st;
	if (waitpid(c, &st, 0) != c)
		return 6;
	printf("status %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 1000 + WEXITSTATUS(st));
	return 0;
}
