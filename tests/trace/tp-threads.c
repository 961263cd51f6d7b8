/*
 * tp-threads - NTHREADS threads make ITER calls each, all at once, with
 * arguments that say who made them: thread i does lseek(fd_i, k, SEEK_SET)
 * for k = 1..ITER on a descriptor of its own.  Prints "TID FD" per thread
 * so a test can check that every line carries the right task id.
 * Usage: tp-threads [NTHREADS [ITER]]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int iters = 2000;
static pthread_barrier_t start;

struct job {
	int fd;
	pid_t tid;
};

static void *run(void *p)
{
	struct job *j = p;
	j->tid = (pid_t)syscall(SYS_gettid);
	pthread_barrier_wait(&start);
	for (int k = 1; k <= iters; k++)
		if (lseek(j->fd, k, SEEK_SET) != k)
			abort();
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	if (argc > 2)
		iters = atoi(argv[2]);
	if (n < 1 || n > 64 || iters < 1)
		return 2;
	pthread_t t[64];
	struct job j[64];
	pthread_barrier_init(&start, NULL, (unsigned)n);
	for (int i = 0; i < n; i++) {
		j[i].fd = open("/proc/self/exe", O_RDONLY);
		if (j[i].fd < 0 || pthread_create(&t[i], NULL, run, &j[i]) != 0)
			return 1;
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < n; i++)
		printf("%d %d\n", j[i].tid, j[i].fd);
	return 0;
}
