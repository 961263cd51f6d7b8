/*
 * tp-crash - a child makes ITER known calls (lseek(fd, k, SEEK_SET)) and
 * then dies of SIGABRT; the parent reaps it and exits 0.  Prints the
 * child's pid.  Usage: tp-crash [ITER]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 100;
	struct rlimit nocore = {0, 0};
	setrlimit(RLIMIT_CORE, &nocore);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/proc/self/exe", O_RDONLY);
		for (int k = 1; k <= iters; k++)
			if (lseek(fd, k, SEEK_SET) != k)
				_exit(1);
		abort();
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT)
		return 1;
	printf("%d\n", pid);
	return 0;
}
