/*
 * tp-exitgroup - NTHREADS threads block in pthread_cond_wait (futex) for
 * good, one more thread ends on its own with pthread_exit, then main
 * calls exit(STATUS): exit_group ends the blocked threads, which run no
 * more code.  Prints "TID" of every thread, blocked ones first, then
 * "exited TID" for the one that exited by itself.  With "exec" last,
 * execve /bin/true instead of exit: that ends the threads too (status 0).
 * Usage: tp-exitgroup [NTHREADS [STATUS [exec]]]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t ready;

static void *blocked(void *arg)
{
	*(long *)arg = syscall(SYS_gettid);
	pthread_barrier_wait(&ready);
	pthread_mutex_lock(&mu);
	for (;;)
		pthread_cond_wait(&never, &mu);
	return NULL;
}

static void *quits(void *arg)
{
	*(long *)arg = syscall(SYS_gettid);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	int status = argc > 2 ? atoi(argv[2]) : 3;
	long tids[64], q = 0;
	pthread_t t;
	if (n < 1 || n > 64)
		return 100;
	pthread_barrier_init(&ready, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, blocked, &tids[i]))
			return 101;
	if (pthread_create(&t, NULL, quits, &q) || pthread_join(t, NULL))
		return 102;
	pthread_barrier_wait(&ready);
	usleep(50000); /* let them reach the futex */
	for (int i = 0; i < n; i++)
		printf("%ld\n", tids[i]);
	printf("exited %ld\n", q);
	fflush(stdout);
	if (argc > 3 && !strcmp(argv[3], "exec")) {
		execl("/bin/true", "true", (char *)NULL);
		return 103;
	}
	exit(status);
}
