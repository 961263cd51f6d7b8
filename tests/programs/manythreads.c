/*
 * manythreads MAX STACK_KIB: starts threads with STACK_KIB stacks, each
 * making a call and then waiting on a pipe, until pthread_create fails or
 * MAX run; prints how many ran, then lets them end and joins them.  Under
 * `ulimit -v` the count says how many threads the address space holds
 * (test-hostile compares it with native).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int release[2];

static void *waiter(void *arg)
{
	char c;
	(void)arg;
	syscall(SYS_getppid);
	if (read(release[0], &c, 1) != 1)
		abort();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: manythreads MAX STACK_KIB\n");
		return 2;
	}
	int max = atoi(argv[1]);
	size_t stack = (size_t)atol(argv[2]) * 1024;
	pthread_t *t = calloc((size_t)max, sizeof *t);
	pthread_attr_t attr;
	if (!t || pipe(release) || pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, stack)) {
		perror("manythreads: setup");
		return 1;
	}
	int n = 0;
	while (n < max && pthread_create(&t[n], &attr, waiter, NULL) == 0)
		n++;
	printf("%d\n", n);
	fflush(stdout);
	for (int i = 0; i < n; i++)
		if (write(release[1], "x", 1) != 1)
			abort();
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("joined %d\n", n);
	return 0;
}
