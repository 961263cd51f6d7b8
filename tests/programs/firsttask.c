/*
 * firsttask: what a program sees first thing in main, after a start-up
 * whose code scans had a helper thread (scan.c): one task in
 * /proc/self/task, no child to wait for (of any kind: __WALL), a
 * single-threaded process for unshare(CLONE_NEWUSER) (refused only by
 * policy, never with EINVAL), no signal blocked.  Optional argument: a
 * shared library to dlopen, whose code is scanned then, while a second
 * thread of the program runs; then two tasks, still no child.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "tasks.h"

static volatile int stop;
static void *spin(void *arg)
{
	while (!stop)
		sched_yield();
	return arg;
}

int main(int argc, char **argv)
{
	int n = tasks();
	int nochild = no_child();
	sigset_t mask;
	sigprocmask(SIG_SETMASK, NULL, &mask);
	CHECK(n == 1, "one task at main");
	CHECK(nochild, "no child to wait for at main");
	CHECK(sigisemptyset(&mask), "no signal blocked at main");
	if (argc > 1) {
		pthread_t th;
		pthread_create(&th, NULL, spin, NULL);
		void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
		CHECK(h != NULL, "the library loads");
		CHECK(tasks() == 2, "two tasks after dlopen (main and the program's thread)");
		CHECK(no_child(), "no child to wait for after dlopen");
		stop = 1;
		pthread_join(th, NULL);
	}
	if (argc > 1)
		return fails != 0; /* a joined thread may linger a moment: no unshare */
	if (unshare(CLONE_NEWUSER) == 0 || errno != EINVAL)
		CHECK(1, "unshare(CLONE_NEWUSER): not refused as multi-threaded");
	else
		CHECK(0, "unshare(CLONE_NEWUSER): EINVAL (the process looked multi-threaded)");
	return fails != 0;
}
