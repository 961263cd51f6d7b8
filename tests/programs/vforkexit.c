/*
 * vforkexit: a vfork child that exits (posix_spawn of a program that is
 * not there, vfork + _exit) while another thread creates threads.  The
 * child's thread block belongs to the parent, which frees it when it
 * resumes; the child's exit freed it as well, so a thread created in
 * between could take the block and a second thread get it again after
 * the parent's free: a new thread then started with another clone's
 * registers (seen as cargo test crashing in Rust's thread_start, and as
 * a pthread running posix_spawn's child code and exiting the whole
 * process with status 127).  Prints PASS/FAIL lines.
 * Usage: vforkexit [ITERATIONS]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

extern char **environ;
static volatile int stop;
static long spawn_bad, spawns;

/* In a function of its own: nothing of the caller's lives across vfork. */
static __attribute__((noinline)) pid_t vfork_exit3(void)
{
	pid_t pid = vfork();
	if (pid == 0)
		_exit(3);
	return pid;
}

static void *spawner(void *arg)
{
	(void)arg;
	for (long i = 0; !stop; i++) {
		pid_t pid;
		int st;
		if (i & 1) {
			char *argv[] = {"/nonexistent/vforkexit-prog", NULL};
			if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
				continue; /* glibc reports the exec failure itself */
		} else {
			pid = vfork_exit3();
			if (pid < 0) {
				spawn_bad++;
				continue;
			}
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != ((i & 1) ? 127 : 3))
			spawn_bad++;
		spawns++;
	}
	return NULL;
}

static void *child(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 3000;
	pthread_t sp;
	if (pthread_create(&sp, NULL, spawner, NULL) != 0)
		return 2;
	long bad = 0;
	for (long i = 0; i < n; i++) {
		pthread_t t;
		void *r;
		if (pthread_create(&t, NULL, child, (void *)(i + 1)) != 0) {
			bad++;
			continue;
		}
		pthread_join(t, &r);
		bad += r != (void *)(i + 1);
	}
	stop = 1;
	pthread_join(sp, NULL);
	CHECK(bad == 0, "threads created while vfork children exit start with their own arguments");
	CHECK(spawn_bad == 0 && spawns > 0, "vfork children exit with their own status");
	return fails != 0;
}
