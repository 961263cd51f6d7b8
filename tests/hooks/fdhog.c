/*
 * A test hook that takes every free descriptor in its init, so the runtime
 * starts with none left (a program started under a low `ulimit -n` whose
 * descriptors are all in use): its reading of /proc/self/maps fails.
 * (Up to 256: run it under `ulimit -n` below that.)  It keeps a copy of
 * stderr first, for its report.  Counts the writes to fd 1 it sees and, at
 * exit, gives the descriptors back and prints
 *   fdhog: T taken, W writes to fd 1 seen
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <zpoline.h>

static const struct zpoline_runtime *rt;
static int fds[256], taken, report_fd = 2;
static unsigned long writes;

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	if (call->nr == SYS_write && call->args[0] == 1)
		__atomic_add_fetch(&writes, 1, __ATOMIC_RELAXED);
	return ZPOLINE_CONTINUE;
}

static void fini(void *ctx)
{
	(void)ctx;
	for (int i = 0; i < taken; i++)
		rt->syscall(SYS_close, fds[i], 0, 0, 0, 0, 0);
	char line[96];
	int n = snprintf(line, sizeof line, "fdhog: %d taken, %lu writes to fd 1 seen\n", taken,
			 writes);
	rt->syscall(SYS_write, report_fd, (long)line, n, 0, 0, 0);
}

int zpoline_hook_init(const struct zpoline_runtime *r, struct zpoline_hook *hook)
{
	rt = r;
	/* The program may close its stderr before it exits (echo does). */
	long dup = rt->syscall(SYS_fcntl, 2, F_DUPFD_CLOEXEC, 0, 0, 0, 0);
	if (dup >= 0)
		report_fd = (int)dup;
	while (taken < (int)(sizeof fds / sizeof fds[0])) {
		long fd = rt->syscall(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDONLY | O_CLOEXEC, 0,
				      0, 0);
		if (fd < 0)
			break;
		fds[taken++] = (int)fd;
	}
	hook->name = "fdhog";
	hook->pre = pre;
	hook->fini = fini;
	return 0;
}
