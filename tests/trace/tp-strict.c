/*
 * tp-strict: a forked child enters seccomp's strict mode (only read,
 * write, exit and rt_sigreturn allowed: anything else kills it), writes,
 * reads, and ends with exit(5); the parent prints how it ended.  Under the
 * tracer with -f, nothing made for the child after strict mode may be
 * another call (a getpid() at its exit killed it).
 */
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t p = fork();
	if (p < 0) {
		perror("fork");
		return 1;
	}
	if (p == 0) {
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0)
			_exit(1);
		char b[16];
		ssize_t w = write(1, "strict\n", 7);
		ssize_t r = read(0, b, sizeof b);
		(void)w;
		(void)r;
		syscall(SYS_exit, 5);
	}
	int st = 0;
	waitpid(p, &st, 0);
	if (WIFEXITED(st))
		printf("child exited %d\n", WEXITSTATUS(st));
	else
		printf("child killed by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return 0;
}
