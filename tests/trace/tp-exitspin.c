/*
 * tp-exitspin.c - threads making calls in a loop while the main thread
 * calls exit_group: they run on until the kernel stops them, after the
 * tracer has printed their last lines.  Usage: tp-exitspin [wait]
 * (wait: four threads, each call an epoll_wait that may block, whose line's
 * start the session keeps while it runs).  Exits with 4.
 */
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static int ep = -1;

static void *spin(void *arg)
{
	(void)arg;
	struct epoll_event ev;
	for (;;) {
		if (ep >= 0)
			epoll_wait(ep, &ev, 1, 0);
		getppid();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 1;
	if (argc > 1 && strcmp(argv[1], "wait") == 0) {
		ep = epoll_create1(0);
		threads = 4;
	}
	for (int i = 0; i < threads; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, spin, NULL) != 0)
			return 1;
	}
	usleep(20000);
	_exit(4);
}
