/*
 * For the count hook's per-process tables (test-hook-loading): five forked
 * children that each make one getppid, then a posix_spawn of /bin/true
 * (a child sharing the parent's memory until its execve).  Prints nothing;
 * exit status 0.
 */
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
	for (int i = 0; i < 5; i++) {
		pid_t p = fork();
		if (p < 0)
			return 1;
		if (p == 0) {
			syscall(SYS_getppid);
			_exit(0);
		}
		if (waitpid(p, NULL, 0) != p)
			return 1;
	}
	pid_t p;
	char *argv[] = {"/bin/true", NULL};
	if (posix_spawn(&p, "/bin/true", NULL, NULL, argv, environ) != 0 || waitpid(p, NULL, 0) != p)
		return 1;
	return 0;
}
