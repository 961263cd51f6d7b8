/*
 * launch.c - set up the environment, vfork, exec, wait.
 *
 * The program's environment is a copy built before the vfork (the
 * command's own stays untouched); ZPOLINE_TRACE_ROOT's value, the child's
 * own pid, is written into it by the child.
 * An exec failure's errno is left in the memory the child shares with the
 * command until it execs or exits (no pipe: under `ulimit -n 4` a program
 * runs natively, so the command must not need a descriptor of its own), so
 * the parent can tell "not found" from "the program exited 127".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cachedir.h"
#include "cli.h"
#include "launch.h"
#include "relay.h"

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
/* The program's process group when it ended, read before it was reaped:
 * its group kill may be handled after that (origin_of). */
static volatile sig_atomic_t child_pgid;

/* Is PID the program or one of its descendants?  Asked only for a signal
 * that came from a process, by walking /proc's parent links (open, read
 * and close are async-signal-safe).  A sender that has already exited is
 * not found: its signal is then treated as before (from outside). */
static bool in_program(pid_t pid)
{
	for (int depth = 0; pid > 1 && child > 0 && depth < 64; depth++) {
		if (pid == (pid_t)child)
			return true;
		/* "/proc/PID/stat", without stdio (a signal handler) */
		char path[32] = "/proc/", digits[12], buf[512];
		int k = 0, at = 6;
		for (unsigned v = (unsigned)pid; v; v /= 10)
			digits[k++] = (char)('0' + v % 10);
		while (k)
			path[at++] = digits[--k];
		memcpy(path + at, "/stat", 6);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			return false;
		buf[n] = '\0';
		/* "pid (comm) state ppid ...": comm may hold spaces and ')' */
		char *p = strrchr(buf, ')');
		if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
			return false;
		pid_t ppid = 0;
		for (p += 4; *p >= '0' && *p <= '9'; p++)
			ppid = ppid * 10 + (*p - '0');
		pid = ppid;
	}
	return false;
}

/* What a signal from a process is to the command (relay.h). */
enum origin { FROM_OUTSIDE, TO_PARENT, TO_PARENT_KILL, TO_GROUP };

static enum origin origin_of(const siginfo_t *si)
{
	if (child <= 0 || (si->si_code != SI_USER && si->si_code != SI_QUEUE &&
			   si->si_code != SI_TKILL))
		return FROM_OUTSIDE;
	/* The runtime's kill(command, sig), from any process of the program. */
	if (si->si_code == SI_QUEUE && si->si_errno == ZP_RELAY_ERRNO &&
	    (unsigned long long)(uintptr_t)si->si_value.sival_ptr == ZP_RELAY_VALUE)
		return TO_PARENT_KILL;
	if (!in_program(si->si_pid))
		return FROM_OUTSIDE;
	/* A plain kill from a process of the program in the command's group
	 * was a group's (the runtime turns a kill of the command into the
	 * above): natively it reached the group's other members, which it did.
	 * Outside the group it can only have been meant for the command: the
	 * program's parent (a set-user-ID program runs without the runtime). */
	pid_t group = getpgid(si->si_pid);
	if (group < 0 && si->si_pid == (pid_t)child) /* reaped since it sent it */
		group = (pid_t)child_pgid;
	if (si->si_code == SI_USER && group == getpgrp())
		return TO_GROUP;
	return TO_PARENT;
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

/* A signal the program sent to its parent (`kill -TERM $PPID`, a server's
 * "ready" SIGUSR1 to whoever started it): natively its parent is the
 * process that ran the command, so it goes there, not back to the program
 * (which it killed instead) nor nowhere.  Returns false if SI was not the
 * program's. */
static bool from_program(int sig, const siginfo_t *si)
{
	pid_t pp;
	switch (origin_of(si)) {
	case TO_PARENT:
		if ((pp = getppid()) > 1)
			send_to(pp, sig, si);
		return true;
	case TO_PARENT_KILL:
		if ((pp = getppid()) > 1)
			kill(pp, sig);
		return true;
	case TO_GROUP:
		return true;
	default:
		return false;
	}
}

static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int saved = errno;
	if (!from_program(sig, si) && child > 0)
		send_to((pid_t)child, sig, si);
	errno = saved;
}

static void forward_sent(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int saved = errno;
	/* Not the kernel's (terminal) signals: the program got them already. */
	if (!from_program(sig, si) && child > 0 && si->si_code != SI_KERNEL &&
	    si->si_pid != (pid_t)child)
		send_to((pid_t)child, sig, si);
	errno = saved;
}

void launch_free(struct launch *l)
{
	free(l->owned);
	l->owned = NULL;
	free(l->loader_prog);
	l->loader_prog = NULL;
}

void launch_setenv(struct launch *l, const char *name, const char *value)
{
	if (l->nenv == LAUNCH_MAX_ENV)
		die(EXIT_USAGE, "too many environment variables (internal limit)");
	l->env_name[l->nenv] = name;
	l->env_value[l->nenv] = value;
	l->nenv++;
}

/* The program's environment, built by the parent: the child is a vfork
 * child (a fork copies the command's page tables and then takes a fault
 * for each page either side writes: ~1.3 ms per run here), which must not
 * allocate.  The command's own environment stays as it was. */
struct env {
	char **v;
	size_t n, cap;
	char **owned; /* the strings made here, to free */
	size_t nowned;
	char *root;   /* ZPOLINE_TRACE_ROOT's digits, written by the child */
};

static void env_oom(void)
{
	die(EXIT_NOEXEC, "out of memory building the program's environment");
}

static char *env_str(struct env *e, const char *name, const char *a, const char *sep,
		     const char *b)
{
	size_t n = strlen(name) + 1 + strlen(a) + strlen(sep) + strlen(b) + 1;
	char *s = malloc(n);
	if (!s)
		env_oom();
	snprintf(s, n, "%s=%s%s%s", name, a, sep, b);
	e->owned[e->nowned++] = s;
	return s;
}

/* NAME=A SEP B in place of NAME's entry, or added. */
static char *env_put(struct env *e, const char *name, const char *a, const char *sep,
		     const char *b)
{
	char *s = env_str(e, name, a, sep, b);
	size_t len = strlen(name);
	for (size_t i = 0; i < e->n; i++)
		if (!strncmp(e->v[i], name, len) && e->v[i][len] == '=') {
			e->v[i] = s;
			return s;
		}
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
	return s;
}

/* ZPOLINE_STICKY_ADDED's list: the variables the command adds, which
 * the runtime takes back out of the program's environ once it has read
 * them (and puts back at each execve), so that the program sees the
 * environment it would natively (`env`, os.environ, a test comparing its
 * children's environment).  /proc/PID/environ still shows them. */
static void note_added(char *list, size_t len, const char *name)
{
	size_t at = strlen(list);
	if (at + strlen(name) + 2 > len)
		return; /* then it stays visible: harmless */
	if (at)
		list[at++] = ',';
	strcpy(list + at, name);
}

/* The site cache's directory, chosen once, from the environment the user
 * started the command with, by the runtime's rule (src/runtime/cache.c):
 * programs point HOME or XDG_CACHE_HOME at directories of their own, and
 * where one of those holds a .cache (git's credential-cache makes
 * ~/.cache/git in its test's HOME), every later process's runtime made a
 * zpoline directory there, which the program then found (git's t0301:
 * `rmdir -p .cache/git/credential` failed, .cache not empty).  NULL: the
 * user chose (a directory, or no cache). */
static const char *cache_dir(void)
{
	const char *d = getenv("ZPOLINE_CACHE_DIR");
	const char *off = getenv("ZPOLINE_CACHE");
	if ((d && *d) || (off && (!strcmp(off, "0") || !strcmp(off, "off"))))
		return NULL;
	static char dir[PATH_MAX];
	char parent[PATH_MAX];
	zp_cache_parent(getenv("XDG_CACHE_HOME"), getenv("HOME"), parent, sizeof parent);
	struct stat st;
	size_t need = (size_t)snprintf(dir, sizeof dir, "%s/zpoline", parent);
	if (!parent[0] || need >= sizeof dir || stat(parent, &st) || !S_ISDIR(st.st_mode))
		snprintf(dir, sizeof dir, "/var/tmp/zpoline-%u", (unsigned)geteuid());
	return dir;
}

static void env_build(struct env *e, const struct launch *l)
{
	extern char **environ;
	size_t n = 0;
	while (environ && environ[n])
		n++;
	enum { ADDED = 10 + LAUNCH_MAX_ENV }; /* at most this many env_put calls */
	memset(e, 0, sizeof *e);
	e->cap = n + ADDED + 1;
	e->v = calloc(e->cap, sizeof *e->v);
	e->owned = calloc(ADDED, sizeof *e->owned);
	if (!e->v || !e->owned)
		env_oom();
	if (n)
		memcpy(e->v, environ, n * sizeof *e->v);
	e->n = n;
	char added[512] = "";
	const char *old = getenv("LD_PRELOAD");
	if (old && *old)
		env_put(e, "LD_PRELOAD", l->runtime, ":", old);
	else
		env_put(e, "LD_PRELOAD", l->runtime, "", "");
	note_added(added, sizeof added, old && *old ? "LD_PRELOAD+" : "LD_PRELOAD");
	if (l->hooks) {
		if (!getenv("LIBZPHOOK"))
			note_added(added, sizeof added, "LIBZPHOOK");
		env_put(e, "LIBZPHOOK", l->hooks, "", "");
	}
	if (l->mode) {
		if (!getenv("ZPOLINE_MODE"))
			note_added(added, sizeof added, "ZPOLINE_MODE");
		env_put(e, "ZPOLINE_MODE", l->mode, "", "");
	}
	if (!getenv("ZPOLINE_STICKY"))
		note_added(added, sizeof added, "ZPOLINE_STICKY");
	env_put(e, "ZPOLINE_STICKY", "1", "", "");
	const char *cache = cache_dir();
	if (cache) {
		note_added(added, sizeof added, "ZPOLINE_CACHE_DIR");
		env_put(e, "ZPOLINE_CACHE_DIR", cache, "", "");
	}
	/* A program built with gcc's -fsanitize=address (libasan linked
	 * dynamically) checks that libasan comes first among the libraries
	 * and dies otherwise ("ASan runtime does not come first in initial
	 * library list"): the runtime in LD_PRELOAD comes before it.  ASan's
	 * own switch for that check is turned off, unless the user chose. */
	const char *asan = getenv("ASAN_OPTIONS");
	if (!asan || !strstr(asan, "verify_asan_link_order")) {
		const char *flag = "verify_asan_link_order=0";
		if (asan && *asan) {
			env_put(e, "ASAN_OPTIONS", asan, ":", flag);
		} else {
			note_added(added, sizeof added, "ASAN_OPTIONS");
			env_put(e, "ASAN_OPTIONS", flag, "", "");
		}
	}
	if (l->trace_root) { /* room for any pid; the child writes its own */
		if (!getenv("ZPOLINE_TRACE_ROOT"))
			note_added(added, sizeof added, "ZPOLINE_TRACE_ROOT");
		e->root = env_put(e, "ZPOLINE_TRACE_ROOT", "00000000000000000000", "", "") +
			  strlen("ZPOLINE_TRACE_ROOT=");
	}
	/* The runtime turns the program's kill(command, sig) into a signal
	 * the command passes up (relay.h). */
	char me[24];
	snprintf(me, sizeof me, "%d", (int)getpid());
	if (!getenv(ZP_COMMAND_PID_VAR))
		note_added(added, sizeof added, ZP_COMMAND_PID_VAR);
	env_put(e, ZP_COMMAND_PID_VAR, me, "", "");
	for (int i = 0; i < l->nenv; i++) {
		if (!getenv(l->env_name[i]))
			note_added(added, sizeof added, l->env_name[i]);
		env_put(e, l->env_name[i], l->env_value[i], "", "");
	}
	env_put(e, "ZPOLINE_STICKY_ADDED", added, "", "");
}

static void env_free(struct env *e)
{
	for (size_t i = 0; i < e->nowned; i++)
		free(e->owned[i]);
	free(e->owned);
	free(e->v);
}

/* In the child: no allocation, no stdio. */
static void put_pid(char *at, long pid)
{
	char d[24];
	int k = 0;
	do
		d[k++] = (char)('0' + pid % 10);
	while ((pid /= 10) > 0);
	while (k)
		*at++ = d[--k];
	*at = '\0';
}

/* zpoline-loader [--from-start] [--argv0 NAME] -- PROG ARGS...: a PROG
 * found in $PATH is passed as the path found, with argv[0] as typed, as
 * execvp passes it to the kernel (so a trace's first line shows the
 * execve("/usr/bin/prog", ["prog", ...]) strace shows); else the loader
 * finds PROG itself.  Returns only on error. */
static char **loader_argv(const struct launch *l)
{
	int n = 0;
	while (l->argv[n])
		n++;
	char **av = calloc((size_t)n + 6, sizeof *av);
	if (!av)
		env_oom();
	int k = 0;
	av[k++] = (char *)l->loader;
	if (l->from_start)
		av[k++] = "--from-start";
	if (l->loader_prog) {
		av[k++] = "--argv0";
		av[k++] = l->argv[0];
	}
	av[k++] = "--";
	memcpy(av + k, l->argv, ((size_t)n + 1) * sizeof *av);
	if (l->loader_prog)
		av[k] = l->loader_prog;
	return av;
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

/* What the child needs, all prepared by the parent. */
struct child {
	const struct launch *l;
	struct env *env;
	char **loader_av;
	volatile int *exec_errno;
	const sigset_t *mask;
	const struct sigaction *old_fwd, *old_sent, *old_rt;
	int nrt;
};

/* The child shares the command's memory until it execs (CLONE_VM |
 * CLONE_VFORK, as posix_spawn): it runs on a stack of its own, allocates
 * nothing and writes only ZPOLINE_TRACE_ROOT's digits.  The stack has
 * room for execvp's copy of argv (a script without "#!" is run by
 * /bin/sh with a new argv on the stack) and a guard page below: an
 * overflow kills the child, not the command's memory. */
static char *child_stack(size_t *size, char *const *argv)
{
	size_t n = 0;
	while (argv[n])
		n++;
	*size = ((256u << 10) + (n + 4) * sizeof(char *) + 4095) & ~(size_t)4095;
	char *m = mmap(NULL, *size + 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (m == MAP_FAILED)
		die(EXIT_NOEXEC, "cannot start the program: no memory for its stack: %s",
		    strerror(errno));
	if (mprotect(m, 4096, PROT_NONE) < 0)
		die(EXIT_NOEXEC, "cannot start the program: mprotect: %s", strerror(errno));
	return m;
}

static int child_main(void *arg)
{
	const struct child *c = arg;
	/* The program gets the dispositions and mask the command got. */
	for (size_t i = 0; i < NFWD; i++)
		sigaction(forwarded[i], &c->old_fwd[i], NULL);
	for (size_t i = 0; i < NSENT; i++)
		sigaction(sent_fwd[i], &c->old_sent[i], NULL);
	for (int i = 0; i < c->nrt; i++)
		sigaction(SIGRTMIN + i, &c->old_rt[i], NULL);
	sigprocmask(SIG_SETMASK, c->mask, NULL);
	if (c->env->root)
		put_pid(c->env->root, (long)getpid());
	if (c->loader_av)
		execve(c->l->loader, c->loader_av, c->env->v);
	else
		execvpe(c->l->argv[0], c->l->argv, c->env->v);
	*c->exec_errno = errno;
	/* clone's wrapper makes the exit call with this value; a noreturn
	 * _exit here would have ASan builds unwind a stack they do not know
	 * (a warning file under make sanitize). */
	return EXIT_NOTFOUND;
}

/* /proc/PID/comm, without its newline, into comm (16 bytes) */
static void read_comm(pid_t pid, char *comm)
{
	char path[32];
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	comm[0] = '\0';
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, 16, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
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

	/* Zeroed: the child sets them back, each as sigaction() left it. */
	struct sigaction old_fwd[NFWD] = {0}, old_sent[NSENT] = {0}, old_rt[NRT] = {0};
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

	struct env env;
	env_build(&env, l);
	char **loader_av = l->loader ? loader_argv(l) : NULL;
	/* volatile: written by the child, which shares this memory, while the
	 * parent is suspended in clone. */
	volatile int exec_errno = 0;
	fflush(NULL);
	struct child c = {l, &env, loader_av, &exec_errno, &old_mask,
			  old_fwd, old_sent, old_rt, nrt};
	size_t stack_size;
	char *stack = child_stack(&stack_size, l->argv);
	pid_t pid = clone(child_main, stack + 4096 + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
	munmap(stack, stack_size + 4096);
	if (pid < 0)
		die(EXIT_NOEXEC, "cannot start the program: clone: %s", strerror(errno));
	child = pid;
	if (pid_out)
		*pid_out = pid;
	env_free(&env);
	free(loader_av);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);

	/* Any child of ours is reaped, not only the program: one it made with
	 * CLONE_PARENT is ours (natively its caller's, a shell's, which reaps
	 * it: a program that waited for such a child to be gone hung), and
	 * the first process of a PID namespace (unshare -p -f, a container's
	 * entry point) is where orphans go (natively the program would be
	 * that process and reap them). */
	int status = 0;
	pid_t w;
	for (;;) {
		/* Ended, not reaped yet: its group is still there to read. */
		siginfo_t ended;
		memset(&ended, 0, sizeof ended);
		if (waitid(P_ALL, 0, &ended, WEXITED | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			w = -1;
			break;
		}
		if (ended.si_pid == pid) {
			child_pgid = getpgid(pid);
			if (l->root_comm)
				read_comm(pid, l->root_comm);
		}
		w = waitpid(ended.si_pid > 0 ? ended.si_pid : pid, &status, 0);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
	}
	child = 0;
	if (exec_errno)
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
