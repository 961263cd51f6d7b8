/* tp-spawnkill.c - start a program with posix_spawn and kill it at once,
 * as Rust's Command::spawn() + kill() and Java's Process.destroy() do: by
 * the time posix_spawn returns, the child's execve has succeeded (glibc
 * waits for it with CLONE_VFORK), so the child is killed while its new
 * image starts.  Prints the child's pid and how it ended.
 * Usage: tp-spawnkill PROG [SIGNAL] */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int sig = argc > 2 ? atoi(argv[2]) : SIGKILL;
	char *args[] = {argv[1], "100", NULL};
	pid_t pid;
	int e = posix_spawn(&pid, argv[1], NULL, NULL, args, environ);
	if (e) {
		fprintf(stderr, "posix_spawn: %d\n", e);
		return 1;
	}
	kill(pid, sig);
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return 1;
	printf("child %d signaled %d sig %d\n", (int)pid, WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return 0;
}
