/*
 * probes.c - the doctor's probes (see probes.h).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probes.h"
#include "raw.h"

#define PROBE_NR_TOP 1023

void probe_pku(bool *pku, bool *ospke)
{
	unsigned a, b, c, d;
	*pku = *ospke = false;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return;
	*pku = (c >> 3) & 1;
	*ospke = (c >> 4) & 1;
}

/* Forks; the child runs fn(fd) with the write end of a pipe and exits with
 * its result.  The parent reads up to size bytes into buf (*got), waits,
 * and returns the wait status (or -1). */
static int in_child(int (*fn)(int fd, const void *arg), const void *arg, void *buf,
		    size_t size, size_t *got)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		/* A probe killed by a signal must not leave a core file. */
		struct rlimit no_core = {0, 0};
		setrlimit(RLIMIT_CORE, &no_core);
		_exit(fn(p[1], arg));
	}
	close(p[1]);
	size_t n = 0;
	while (n < size) {
		ssize_t r = read(p[0], (char *)buf + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(p[0]);
	if (got)
		*got = n;
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

static int exec_only_child(int fd, const void *arg)
{
	(void)arg;
	unsigned char *page =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 2;
	page[0] = 0xc3; /* ret */
	if (mprotect(page, 4096, PROT_EXEC) < 0)
		return 3;
	void (*fn)(void) = (void (*)(void))(void *)page;
	fn();
	if (write(fd, "x", 1) != 1) /* it executed */
		return 4;
	unsigned char v = *(volatile unsigned char *)page; /* should fault */
	return v == 0xc3 ? 0 : 5;
}

int probe_exec_only(char *why, size_t n)
{
	char c;
	size_t got = 0;
	int st = in_child(exec_only_child, NULL, &c, 1, &got);
	if (st < 0) {
		snprintf(why, n, "could not fork: %s", strerror(errno));
		return -1;
	}
	if (got != 1) {
		snprintf(why, n, "an execute-only page could not be executed");
		return -1;
	}
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV)
		return 1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	snprintf(why, n, "the test ended unexpectedly (status 0x%x)", st);
	return -1;
}

static int sud_child(int fd, const void *arg)
{
	(void)fd;
	(void)arg;
	/* Selector "allow": every call still goes to the kernel, including
	 * the ones that turn dispatch off again and exit. */
	static volatile char selector = SYSCALL_DISPATCH_FILTER_ALLOW;
	if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0, &selector) < 0)
		return errno & 0xff;
	prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0);
	return 0;
}

int probe_sud(void)
{
	int st = in_child(sud_child, NULL, NULL, 0, NULL);
	if (st < 0)
		return errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return EFAULT;
}

static int max_nr_child(int fd, const void *arg)
{
	(void)arg;
	long answer[2] = {-1, 0};
	for (long nr = PROBE_NR_TOP; nr >= 0; nr--) {
		long r = zp_raw6(nr, -1, -1, -1, -1, -1, -1);
		if (r != -ENOSYS) {
			answer[0] = nr;
			answer[1] = r < 0 && r >= -4095 ? -r : 0;
			break;
		}
	}
	return write(fd, answer, sizeof answer) == (ssize_t)sizeof answer ? 0 : 1;
}

long probe_max_syscall(int *answer, char *why, size_t n)
{
	long res[2];
	size_t got = 0;
	int st = in_child(max_nr_child, NULL, res, sizeof res, &got);
	if (st < 0) {
		snprintf(why, n, "could not fork: %s", strerror(errno));
		return -1;
	}
	if (got != sizeof res) {
		if (WIFSIGNALED(st))
			snprintf(why, n, "the probe was killed by signal %d (%s; a seccomp filter?)",
				 WTERMSIG(st), strsignal(WTERMSIG(st)));
		else
			snprintf(why, n, "the probe failed (status 0x%x)", st);
		return -1;
	}
	if (res[0] < 0) {
		snprintf(why, n, "every number answered ENOSYS");
		return -1;
	}
	*answer = (int)res[1];
	return res[0];
}

struct runtime_arg {
	const char *runtime;
	const char *mode;
	bool debug; /* ZPOLINE_DEBUG=1: the start-up summary on stderr */
};

static int runtime_child(int fd, const void *a)
{
	const struct runtime_arg *ra = a;
	dup2(fd, 2);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	setenv("LD_PRELOAD", ra->runtime, 1);
	unsetenv("LIBZPHOOK");
	setenv("ZPOLINE_CACHE", "0", 1);
	/* Rewritten at start-up: /bin/true's one call would otherwise trap,
	 * and the trampoline (what the summary describes) never be built. */
	setenv("ZPOLINE_SWITCH_AFTER", "0", 1);
	if (ra->debug)
		setenv("ZPOLINE_DEBUG", "1", 1);
	if (ra->mode)
		setenv("ZPOLINE_MODE", ra->mode, 1);
	char *const argv[] = {"true", NULL};
	execv("/bin/true", argv);
	dprintf(2, "cannot execute /bin/true: %s\n", strerror(errno));
	return 127;
}

int probe_runtime_summary(const char *runtime, char *out, size_t n)
{
	struct runtime_arg ra = {runtime, NULL, true};
	size_t got = 0;
	int st = in_child(runtime_child, &ra, out, n - 1, &got);
	out[got] = '\0';
	return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int probe_runtime(const char *runtime, const char *mode, char *msg, size_t n)
{
	struct runtime_arg ra = {runtime, mode, false};
	size_t got = 0;
	msg[0] = '\0';
	int st = in_child(runtime_child, &ra, msg, n - 1, &got);
	msg[got] = '\0';
	char *nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
	if (st < 0)
		return 126;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}
