/*
 * spawnsig: a child that shares the program's memory but has its own
 * signal handlers (vfork, posix_spawn, system) resets the handlers of
 * SIGSEGV, SIGILL, SIGTRAP and SIGSYS - the signals the runtime handles
 * itself - and the parent must keep its own.  (Go's os/exec and glibc's
 * posix_spawn do exactly this; the parent then lost its SIGSEGV handler
 * and died of a fault it meant to catch.)  Prints PASS/FAIL lines.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static sigjmp_buf env;
static volatile sig_atomic_t caught;

static void on_segv(int sig)
{
	caught = sig;
	siglongjmp(env, 1);
}

static void on_other(int sig)
{
	(void)sig;
}


/* The parent's handlers are still its own, and a fault still reaches it. */
static void parent_intact(const char *after)
{
	char what[200];
	struct sigaction sa;
	bool ok = true;
	int sigs[] = {SIGSEGV, SIGILL, SIGTRAP, SIGSYS};
	for (size_t i = 0; i < 4; i++) {
		sigaction(sigs[i], NULL, &sa);
		ok &= sa.sa_handler == (sigs[i] == SIGSEGV ? on_segv : on_other);
	}
	snprintf(what, sizeof what, "after %s: the parent's handlers are unchanged", after);
	CHECK(ok, what);
	caught = 0;
	if (!sigsetjmp(env, 1))
		*(volatile int *)16 = 1;
	snprintf(what, sizeof what, "after %s: a fault reaches the parent's handler", after);
	CHECK(caught == SIGSEGV, what);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sa.sa_handler = on_other;
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
	sigaction(SIGSYS, &sa, NULL);

	/* posix_spawn resets, in the child, every handler the parent set. */
	pid_t pid;
	char *argv[] = {"true", NULL};
	int e = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
	int st = -1;
	if (!e)
		waitpid(pid, &st, 0);
	CHECK(!e && WIFEXITED(st) && WEXITSTATUS(st) == 0, "posix_spawn /bin/true");
	parent_intact("posix_spawn");

	/* vfork: the child resets them itself. */
	pid = vfork();
	if (pid == 0) {
		struct sigaction dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGSEGV, &dfl, NULL);
		sigaction(SIGILL, &dfl, NULL);
		sigaction(SIGTRAP, &dfl, NULL);
		sigaction(SIGSYS, &dfl, NULL);
		_exit(3);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "vfork child resetting its handlers");
	parent_intact("vfork");

	st = system("exit 4");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 4, "system()");
	parent_intact("system()");
	return fails ? 1 : 0;
}
