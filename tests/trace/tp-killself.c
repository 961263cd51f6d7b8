/*
 * tp-killself - a process that ends itself with kill(getpid(), SIG) at
 * the signal's default action, alone or beside a second thread:
 *   tp-killself segv|pipe [threads]
 * The trace must show the kill's whole line, the delivery and the ends,
 * as strace does.  With one thread the runtime makes the call from its
 * trap and the signal arrives at the site; with two, from the stub, and
 * the line comes from the delivery (test-signals.sh).  The kill waits
 * until the second thread sleeps in pause(): a thread that unblocks its
 * signals at its start as the signal is sent may take it first (natively
 * too), and the process then dies before the caller's line is written.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile long idle_tid;

static void *idle(void *arg)
{
	(void)arg;
	idle_tid = syscall(SYS_gettid);
	for (;;)
		pause();
	return NULL;
}

/* Until /proc says the thread is in pause() (or long enough). */
static void wait_paused(void)
{
	while (!idle_tid)
		sched_yield();
	char path[64], buf[64];
	snprintf(path, sizeof path, "/proc/self/task/%ld/syscall", idle_tid);
	for (int tries = 0; tries < 100000; tries++) {
		FILE *f = fopen(path, "r");
		int nr = -1;
		if (f) {
			if (fgets(buf, sizeof buf, f))
				sscanf(buf, "%d", &nr);
			fclose(f);
		}
		if (nr == SYS_pause)
			return;
		sched_yield();
	}
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	pthread_t t;
	if (argc > 2) {
		if (pthread_create(&t, NULL, idle, NULL) != 0)
			return 1;
		wait_paused();
	}
	kill(getpid(), strcmp(argv[1], "pipe") ? SIGSEGV : SIGPIPE);
	return 1;
}
