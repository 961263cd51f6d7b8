/*
 * ptraceme [-v] [-s] PROG [ARG...]: a debugger's start of a program.  A
 * child (fork, or vfork with -v, as gdb and Go start one) asks to be
 * traced (PTRACE_TRACEME) and execs PROG; the parent lets it run to the
 * end, passing on every signal it stops for, and prints each stop.
 * Natively: one SIGTRAP (the exec), then PROG's exit.  A SIGSYS stop is a
 * trap of the runtime's shown to the debugger (gdb waited for the exec for
 * good).  With -s (a fork child only) the child stops itself with SIGSTOP
 * after PTRACE_TRACEME, as proot's does, having sent itself an ignored
 * signal just before: natively SIGSTOP is then the first stop (a SIGTRAP
 * before it, the runtime's way of sending a signal to oneself, made proot
 * lose count of its child's calls).
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
	int self_stop = argc > 1 && !strcmp(argv[1], "-s");
	char **prog = argv + 1 + (use_vfork | self_stop);
	if (!*prog) {
		fprintf(stderr, "usage: ptraceme [-v | -s] PROG [ARG...]\n");
		return 2;
	}
	fflush(stdout);
	pid_t p = use_vfork ? vfork() : fork();
	if (p == 0) {
		if (self_stop) {
			signal(SIGURG, SIG_IGN);
			raise(SIGURG);
		}
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		if (self_stop)
			raise(SIGSTOP);
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
