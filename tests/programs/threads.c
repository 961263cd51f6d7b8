/*
 * threads N CALLS: N threads each make CALLS getppid calls plus a pipe
 * write/read round trip per 100 calls, while threads are created and
 * joined; prints the number of calls made, which the test compares with
 * the count hook's table.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static long calls = 1000;

static void *worker(void *arg)
{
	int p[2];
	(void)arg;
	if (pipe(p))
		abort();
	char c = 'x';
	for (long i = 0; i < calls; i++) {
		syscall(SYS_getppid);
		if (i % 100 == 0) {
			if (write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1)
				abort();
		}
	}
	close(p[0]);
	close(p[1]);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	if (argc > 2)
		calls = atol(argv[2]);
	for (int round = 0; round < 3; round++) {
		pthread_t t[64];
		for (int i = 0; i < n && i < 64; i++)
			pthread_create(&t[i], NULL, worker, NULL);
		for (int i = 0; i < n && i < 64; i++)
			pthread_join(t[i], NULL);
	}
	printf("getppid %ld\n", 3L * n * calls);
	return 0;
}
