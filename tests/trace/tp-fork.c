/*
 * tp-fork - NCHILD forked children make ITER calls each at the same time
 * (lseek(fd, k, SEEK_SET), k = 1..ITER, fd = 10 + child index), one of
 * them through vfork + execve of ITSELF in child mode.  Prints "PID FD"
 * per child.  Usage: tp-fork [NCHILD [ITER]]
 *                    tp-fork --child FD ITER      (what the exec'd one runs)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void work(int fd, int iters)
{
	for (int k = 1; k <= iters; k++)
		if (lseek(fd, k, SEEK_SET) != k)
			_exit(1);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--child") == 0) {
		work(atoi(argv[2]), atoi(argv[3]));
		return 0;
	}
	int n = argc > 1 ? atoi(argv[1]) : 4;
	int iters = argc > 2 ? atoi(argv[2]) : 1000;
	if (n < 1 || n > 32)
		return 2;
	int go[2];
	if (pipe(go) < 0)
		return 1;
	pid_t pid[32];
	for (int i = 0; i < n; i++) {
		int fd = 10 + i;
		int f = open("/proc/self/exe", O_RDONLY);
		if (f < 0 || dup2(f, fd) < 0)
			return 1;
		close(f);
		if (i == n - 1) {
			/* the last one: vfork + exec of ourselves */
			char fds[16], its[16];
			snprintf(fds, sizeof fds, "%d", fd);
			snprintf(its, sizeof its, "%d", iters);
			pid[i] = vfork();
			if (pid[i] == 0) {
				execl("/proc/self/exe", argv[0], "--child", fds, its, (char *)NULL);
				_exit(127);
			}
		} else {
			pid[i] = fork();
			if (pid[i] == 0) {
				char c;
				close(go[1]);
				if (read(go[0], &c, 1) < 0)
					_exit(1);
				work(fd, iters);
				_exit(0);
			}
		}
		if (pid[i] < 0)
			return 1;
		close(fd);
	}
	close(go[0]);
	close(go[1]); /* all forked children start now */
	int bad = 0;
	for (int i = 0; i < n; i++) {
		int st;
		if (waitpid(pid[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad = 1;
		printf("%d %d\n", pid[i], 10 + i);
	}
	return bad;
}
