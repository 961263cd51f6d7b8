/*
 * tp-stopreap - job control as a shell does it: children stopped and
 * continued, their wait4 reporting WIFSTOPPED / WIFCONTINUED, then killed.
 * The first is stopped, continued and killed with SIGTERM; the second is
 * killed with SIGKILL while it is stopped.  Prints what each wait saw and
 * exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child(void)
{
	pid_t p = fork();
	if (p == 0) {
		for (;;)
			pause();
	}
	return p;
}

int main(void)
{
	pid_t a = child(), b = child();
	int st;
	if (a < 0 || b < 0)
		return 2;
	kill(a, SIGSTOP);
	if (waitpid(a, &st, WUNTRACED) != a || !WIFSTOPPED(st))
		return 3;
	kill(a, SIGCONT);
	if (waitpid(a, &st, WCONTINUED) != a || !WIFCONTINUED(st))
		return 4;
	kill(a, SIGTERM);
	if (waitpid(a, &st, 0) != a || !WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM)
		return 5;
	kill(b, SIGSTOP);
	if (waitpid(b, &st, WUNTRACED) != b || !WIFSTOPPED(st))
		return 6;
	kill(b, SIGKILL);
	if (waitpid(b, &st, 0) != b || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		return 7;
	puts("done");
	return 0;
}
