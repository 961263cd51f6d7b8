/*
 * tp-exitspin.c - a thread making calls in a loop while the main thread
 * calls exit_group: the thread runs on until the kernel stops it, after
 * the tracer has printed its last lines.
 */
#include <pthread.h>
#include <unistd.h>

static void *spin(void *arg)
{
	(void)arg;
	for (;;)
		getppid();
	return NULL;
}

int main(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, spin, NULL) != 0)
		return 1;
	usleep(20000);
	_exit(4);
}
