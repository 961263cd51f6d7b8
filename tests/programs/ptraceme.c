/*
 * ptraceme [-v] PROG [ARG...]: a debugger's start of a program.  A child
 * (fork, or vfork with -v, as gdb and Go start one) asks to be traced
 * (PTRACE_TRACEME) and execs PROG; the parent lets it run to the end,
 * passing on every signal it stops for, and prints each stop.  Natively:
 * one SIGTRAP (the exec), then PROG's exit.  A SIGSYS stop is a trap of
 * the runtime's shown to the debugger (gdb waited for the exec for good).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int use_vfork = argc > 1 && !strcmp(argv[1], "-v");
	char **prog = argv + 1 + use_vfork;
	if (!*prog) {
		fprintf(stderr, "usage: ptraceme [-v] PROG [ARG...]\n");
		return 2;
	}
	fflush(stdout);
	pid_t p = use_vfork ? vfork() : fork();
	if (p == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		execv(prog[0], prog);
		_exit(127);
	}
	if (p < 0) {
		perror("fork");
		return 1;
	}
	int st, stops = 0;
	while (waitpid(p, &st, 0) == p) {
		if (!WIFSTOPPED(st)) {
			printf("exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			return 0;
		}
		int sig = WSTOPSIG(st);
		printf("stop %d: %s\n", ++stops, strsignal(sig));
		fflush(stdout);
		if (stops > 20) {
			kill(p, SIGKILL);
			continue;
		}
		ptrace(PTRACE_CONT, p, 0, sig == SIGTRAP ? 0 : sig);
	}
	perror("waitpid");
	return 1;
}
