/*
 * tp-forkexit - fork; the child exits at once with 7.  The program makes
 * no getpid: a getpid line in the trace is the tracer's own call, hooked
 * (in a forked child the hooks' post() must run with Syscall User
 * Dispatch on ALLOW, as every hook does).  Exit 0 if the child's status
 * came back.
 */
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(7);
	int st = 0;
	if (p < 0 || waitpid(p, &st, 0) != p)
		return 2;
	return WIFEXITED(st) && WEXITSTATUS(st) == 7 ? 0 : 1;
}
