/*
 * ptrace-tracer - the least a ptrace-based system call hook has to do, as a
 * yardstick for zpoline: run a command under PTRACE_SYSCALL and, at every
 * system call entry, fetch the registers (what any hook needs to see the
 * call).  Nothing is printed per call.
 *
 *   ptrace-tracer [-v] CMD [ARG...]
 *
 * Follows threads and children.  Signals are passed on to the tracee.
 * Exits with the command's status (128+N if killed by signal N); -v prints
 * how many system calls were seen.  Pin it with taskset: the tracee inherits
 * the affinity, so tracer and tracee share the CPU like strace's would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

/* Threads we have already seen stop once.  A new thread's first stop is the
 * SIGSTOP ptrace sends it, which must not be passed on. */
#define MAX_TRACEES 4096
static pid_t seen[MAX_TRACEES];
static size_t nseen;

static int seen_before(pid_t pid)
{
	for (size_t i = 0; i < nseen; i++)
		if (seen[i] == pid)
			return 1;
	if (nseen < MAX_TRACEES)
		seen[nseen++] = pid;
	return 0;
}

static void forget(pid_t pid)
{
	for (size_t i = 0; i < nseen; i++)
		if (seen[i] == pid) {
			seen[i] = seen[--nseen];
			return;
		}
}

int main(int argc, char **argv)
{
	int verbose = 0;
	int a = 1;
	if (a < argc && !strcmp(argv[a], "-v")) {
		verbose = 1;
		a++;
	}
	if (a >= argc) {
		fprintf(stderr, "usage: ptrace-tracer [-v] CMD [ARG...]\n");
		return 2;
	}

	pid_t child = fork();
	if (child < 0) {
		perror("ptrace-tracer: fork");
		return 1;
	}
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0) {
			perror("ptrace-tracer: PTRACE_TRACEME");
			_exit(127);
		}
		raise(SIGSTOP); /* wait until the parent has set the options */
		execvp(argv[a], argv + a);
		fprintf(stderr, "ptrace-tracer: cannot run %s: %s\n", argv[a], strerror(errno));
		_exit(127);
	}

	int status;
	if (waitpid(child, &status, 0) < 0 || !WIFSTOPPED(status)) {
		fprintf(stderr, "ptrace-tracer: the child did not stop as expected\n");
		return 1;
	}
	seen_before(child);
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL | PTRACE_O_TRACECLONE |
		    PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC;
	if (ptrace(PTRACE_SETOPTIONS, child, 0, opts) < 0 ||
	    ptrace(PTRACE_SYSCALL, child, 0, 0) < 0) {
		perror("ptrace-tracer: PTRACE_SETOPTIONS");
		kill(child, SIGKILL);
		return 1;
	}

	/* Whether each thread's next syscall stop is an entry or an exit is
	 * not tracked: every stop fetches the registers, which is what a hook
	 * does at entry and at exit alike. */
	unsigned long stops = 0;
	int exit_code = 0;
	for (;;) {
		pid_t pid = waitpid(-1, &status, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				break;
			perror("ptrace-tracer: waitpid");
			return 1;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (pid == child)
				exit_code = WIFEXITED(status) ? WEXITSTATUS(status)
							      : 128 + WTERMSIG(status);
			forget(pid);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		int sig = WSTOPSIG(status);
		int first = !seen_before(pid);
		int inject = 0;
		if (sig == (SIGTRAP | 0x80)) {
			struct user_regs_struct regs;
			if (ptrace(PTRACE_GETREGS, pid, 0, &regs) == 0)
				stops++;
		} else if (status >> 16) {
			/* a fork/clone event: the new thread reports itself */
		} else if (first && sig == SIGSTOP) {
			/* a new thread's first stop */
		} else {
			inject = sig;
		}
		if (ptrace(PTRACE_SYSCALL, pid, 0, inject) < 0 && errno != ESRCH)
			perror("ptrace-tracer: PTRACE_SYSCALL");
	}
	if (verbose)
		fprintf(stderr, "ptrace-tracer: %lu system call stops (entry and exit)\n", stops);
	return exit_code;
}
