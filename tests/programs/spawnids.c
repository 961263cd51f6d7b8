/*
 * spawnids: posix_spawn with POSIX_SPAWN_RESETIDS, whose child (sharing
 * the parent's memory, CLONE_VM|CLONE_VFORK) resets its ids with
 * setresuid/setresgid before execve; then 3 getppid in the parent and
 * "ok" on stdout.  The count hook opens its output file ahead at a change
 * of identity: done in the child, the descriptor was the child's and the
 * number the parent's, and the parent's table was lost.
 * Usage: spawnids
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
	posix_spawnattr_t a;
	posix_spawnattr_init(&a);
	posix_spawnattr_setflags(&a, POSIX_SPAWN_RESETIDS);
	char *argv[] = {"true", NULL};
	pid_t p;
	if (posix_spawn(&p, "/bin/true", NULL, &a, argv, environ))
		return 1;
	int st;
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	for (int i = 0; i < 3; i++)
		syscall(SYS_getppid);
	printf("ok\n");
	return 0;
}
