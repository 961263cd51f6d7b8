/*
 * launch.c - fork, set up the environment, exec, wait.
 *
 * The environment is set in the child, after fork: ZPOLINE_TRACE_ROOT needs
 * the child's own pid, and the command's environment stays untouched.
 * An exec failure travels back over a close-on-exec pipe, so the parent
 * can tell "not found" from "the program exited 127".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "launch.h"

static const int forwarded[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
/* Forwarded only when a process sent them (kill, sigqueue, tgkill): a
 * terminal's ^C, ^\ or resize comes from the kernel (SI_KERNEL) to the whole
 * foreground process group, the program included, and must not reach it
 * twice; but `kill -INT $pid` (a script, docker stop with STOPSIGNAL
 * SIGQUIT, lighttpd's or postgres's SIGINT shutdown) is meant for the
 * program, which natively would get it.  The rest of the signals whose
 * default action would end the command (and leave the program running
 * without it) or that the program may act on are forwarded the same way. */
static const int sent_fwd[] = {SIGINT,  SIGQUIT, SIGWINCH, SIGALRM, SIGVTALRM,
			       SIGPROF, SIGPWR,  SIGIO,    SIGURG,  SIGSTKFLT};
#define NFWD (sizeof forwarded / sizeof forwarded[0])
#define NSENT (sizeof sent_fwd / sizeof sent_fwd[0])
/* Real-time signals, SIGRTMIN..SIGRTMAX, follow sent_fwd's rule too. */
#define NRT 32

static volatile sig_atomic_t child;

/* A signal the program itself sent to its parent (`kill -TERM $PPID`, a
 * server's "ready" SIGUSR1 to whoever started it): natively its parent is
 * the process that ran the command, so it goes there, not back to the
 * program (which it killed instead) nor nowhere. */
static int from_program(const siginfo_t *si)
{
	return child > 0 && si->si_pid == (pid_t)child &&
	       (si->si_code == SI_USER || si->si_code == SI_QUEUE ||
		si->si_code == SI_TKILL);
}

static void send_to(pid_t to, int sig, const siginfo_t *si)
{
	if (si->si_code == SI_QUEUE) {
		/* sigqueue's value goes along, as the receiver would get it */
		union sigval v = si->si_value;
		sigqueue(to, sig, v);
	} else {
		kill(to, sig);
	}
}

static void relay_up(int sig, const siginfo_t *si)
{
	pid_t pp = getppid();
	if (pp > 1)
		send_to(pp, sig, si);
}

static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int saved = errno;
	if (from_program(si))
		relay_up(sig, si);
	else if (child > 0)
		send_to((pid_t)child, sig, si);
	errno = saved;
}

static void forward_sent(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int saved = errno;
	/* Not the kernel's (terminal) signals: the program got them already. */
	if (from_program(si))
		relay_up(sig, si);
	else if (child > 0 && si->si_code != SI_KERNEL && si->si_pid != (pid_t)child)
		send_to((pid_t)child, sig, si);
	errno = saved;
}

void launch_free(struct launch *l)
{
	free(l->owned);
	l->owned = NULL;
}

void launch_setenv(struct launch *l, const char *name, const char *value)
{
	if (l->nenv == LAUNCH_MAX_ENV)
		die(EXIT_USAGE, "too many environment variables (internal limit)");
	l->env_name[l->nenv] = name;
	l->env_value[l->nenv] = value;
	l->nenv++;
}

/* Runs in the child: only async-signal-safe work is strictly needed, but the
 * parent is single threaded, so setenv's malloc is safe here. */
static void setup_env(const struct launch *l)
{
	const char *old = getenv("LD_PRELOAD");
	if (old && *old) {
		size_t n = strlen(l->runtime) + strlen(old) + 2;
		char *v = malloc(n);
		if (!v)
			_exit(EXIT_NOEXEC);
		snprintf(v, n, "%s:%s", l->runtime, old);
		setenv("LD_PRELOAD", v, 1);
	} else {
		setenv("LD_PRELOAD", l->runtime, 1);
	}
	if (l->hooks)
		setenv("LIBZPHOOK", l->hooks, 1);
	if (l->mode)
		setenv("ZPOLINE_MODE", l->mode, 1);
	setenv("ZPOLINE_STICKY", "1", 1);
	/* A program built with gcc's -fsanitize=address (libasan linked
	 * dynamically) checks that libasan comes first among the libraries
	 * and dies otherwise ("ASan runtime does not come first in initial
	 * library list"): the runtime in LD_PRELOAD comes before it.  ASan's
	 * own switch for that check is turned off, unless the user chose. */
	const char *asan = getenv("ASAN_OPTIONS");
	if (!asan || !strstr(asan, "verify_asan_link_order")) {
		const char *flag = "verify_asan_link_order=0";
		if (asan && *asan) {
			size_t n = strlen(asan) + strlen(flag) + 2;
			char *v = malloc(n);
			if (!v)
				_exit(EXIT_NOEXEC);
			snprintf(v, n, "%s:%s", asan, flag);
			setenv("ASAN_OPTIONS", v, 1);
		} else {
			setenv("ASAN_OPTIONS", flag, 1);
		}
	}
	if (l->trace_root) {
		char pid[24];
		snprintf(pid, sizeof pid, "%d", (int)getpid());
		setenv("ZPOLINE_TRACE_ROOT", pid, 1);
	}
	for (int i = 0; i < l->nenv; i++)
		setenv(l->env_name[i], l->env_value[i], 1);
}

/* zpoline-loader [--from-start] -- PROG ARGS...: the loader finds PROG in
 * $PATH as execvp does and keeps argv[0] as typed.  Returns only on error. */
static void exec_loader(const struct launch *l)
{
	int n = 0;
	while (l->argv[n])
		n++;
	char **av = calloc((size_t)n + 4, sizeof *av);
	if (!av)
		return;
	int k = 0;
	av[k++] = (char *)l->loader;
	if (l->from_start)
		av[k++] = "--from-start";
	av[k++] = "--";
	memcpy(av + k, l->argv, ((size_t)n + 1) * sizeof *av);
	execv(l->loader, av);
}

static int exec_failure(const char *prog, int e)
{
	if (e == ENOENT) {
		if (strchr(prog, '/'))
			say("%s: no such file", prog);
		else
			say("%s: command not found", prog);
		return EXIT_NOTFOUND;
	}
	say("cannot execute %s: %s", prog, strerror(e));
	return EXIT_NOEXEC;
}

int launch_run(const struct launch *l, pid_t *pid_out, int *wstatus_out)
{
	sigset_t fwd_set, old_mask;
	sigemptyset(&fwd_set);
	int nrt = SIGRTMAX - SIGRTMIN + 1;
	if (nrt > NRT)
		nrt = NRT;
	if (nrt < 0)
		nrt = 0;
	for (size_t i = 0; i < NFWD; i++)
		sigaddset(&fwd_set, forwarded[i]);
	for (size_t i = 0; i < NSENT; i++)
		sigaddset(&fwd_set, sent_fwd[i]);
	for (int i = 0; i < nrt; i++)
		sigaddset(&fwd_set, SIGRTMIN + i);
	/* Blocked until the child's pid is known, so none is lost or misdirected. */
	sigprocmask(SIG_BLOCK, &fwd_set, &old_mask);

	struct sigaction old_fwd[NFWD], old_sent[NSENT], old_rt[NRT];
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_RESTART | SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < NFWD; i++)
		sigaction(forwarded[i], &sa, &old_fwd[i]);
	sa.sa_sigaction = forward_sent;
	sa.sa_flags = SA_RESTART | SA_SIGINFO;
	for (size_t i = 0; i < NSENT; i++)
		sigaction(sent_fwd[i], &sa, &old_sent[i]);
	for (int i = 0; i < nrt; i++)
		sigaction(SIGRTMIN + i, &sa, &old_rt[i]);

	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		die(EXIT_NOEXEC, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die(EXIT_NOEXEC, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* The program gets the dispositions and mask the command got. */
		for (size_t i = 0; i < NFWD; i++)
			sigaction(forwarded[i], &old_fwd[i], NULL);
		for (size_t i = 0; i < NSENT; i++)
			sigaction(sent_fwd[i], &old_sent[i], NULL);
		for (int i = 0; i < nrt; i++)
			sigaction(SIGRTMIN + i, &old_rt[i], NULL);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		close(pipefd[0]);
		setup_env(l);
		if (l->loader)
			exec_loader(l);
		else
			execvp(l->argv[0], l->argv);
		int e = errno;
		ssize_t w = write(pipefd[1], &e, sizeof e);
		(void)w;
		_exit(EXIT_NOTFOUND);
	}
	child = pid;
	if (pid_out)
		*pid_out = pid;
	close(pipefd[1]);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);

	int exec_errno = 0;
	ssize_t r;
	do
		r = read(pipefd[0], &exec_errno, sizeof exec_errno);
	while (r < 0 && errno == EINTR);
	close(pipefd[0]);

	int status;
	pid_t w;
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	child = 0;
	if (r == (ssize_t)sizeof exec_errno)
		return exec_failure(l->argv[0], exec_errno);
	if (w < 0)
		die(EXIT_NOEXEC, "waitpid: %s", strerror(errno));
	if (wstatus_out)
		*wstatus_out = status;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_NOEXEC;
}

void launch_die_like(int wstatus)
{
	if (!WIFSIGNALED(wstatus))
		return;
	int sig = WTERMSIG(wstatus);
	fflush(NULL);
	/* The program dumped its core (or not) already: no second one. */
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
}
