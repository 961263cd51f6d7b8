/*
 * tp-killself - a process that ends itself with kill(getpid(), SIG) at
 * the signal's default action, alone or beside a second thread:
 *   tp-killself segv|pipe [threads]
 * The trace must show the kill's whole line, the delivery and the ends,
 * as strace does.  With one thread the runtime makes the call from its
 * trap and the signal arrives at the site; with two, from the stub, and
 * the line comes from the delivery (test-signals.sh).
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	pthread_t t;
	if (argc > 2 && pthread_create(&t, NULL, idle, NULL) != 0)
		return 1;
	kill(getpid(), strcmp(argv[1], "pipe") ? SIGSEGV : SIGPIPE);
	return 1;
}
