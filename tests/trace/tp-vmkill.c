/* tp-vmkill.c - a child made with clone(CLONE_VM) and no CLONE_VFORK: it
 * runs in its parent's memory for as long as it lives (some language
 * runtimes start helper processes so), with a descriptor table of its own.
 * The parent kills it once it has made calls of its own, and reaps it.
 * Prints the child's pid and how it ended. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int ready[2];

static int child_main(void *arg)
{
	(void)arg;
	/* a whole line of the child's before the parent may kill it (the
	 * write's own line may be cut short by the kill) */
	(void)getppid();
	(void)write(ready[1], "r", 1);
	for (;;)
		pause();
	return 0;
}

int main(void)
{
	if (pipe(ready) != 0)
		return 1;
	size_t size = 256 * 1024;
	char *stack = malloc(size);
	if (!stack)
		return 1;
	pid_t pid = clone(child_main, stack + size, CLONE_VM | SIGCHLD, NULL);
	if (pid < 0) {
		perror("clone");
		return 1;
	}
	char c;
	if (read(ready[0], &c, 1) != 1)
		return 1;
	kill(pid, SIGKILL);
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return 1;
	printf("child %d signaled %d sig %d\n", (int)pid, WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return 0;
}
