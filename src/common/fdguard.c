/*
 * fdguard.c - keeping a hook's own descriptors (the tracer's output, the
 * counting hook's copy of stderr) alive and out of sight in programs that
 * close, reuse or list every descriptor (daemons, shells,
 * close_range(0, ~0U), CPython's test_subprocess).
 *
 *   close(ours)            fails with EBADF, as for any descriptor the
 *                          program never opened
 *   close_range(a, b, f)   is done piecewise around ours
 *   dup2/dup3(x, ours)     first moves ours to another number
 *   fstat/fcntl/dup(ours), dup2/dup3(ours, x), newfstatat/statx(ours, "",
 *   AT_EMPTY_PATH)         fail with EBADF, as close does
 *   getdents of the process's own /proc/PID/fd (or fdinfo, or a task's):
 *                          ours are taken out of the listing, so that a
 *                          program closing "every open descriptor" it
 *                          lists, or checking which it has (CPython's
 *                          test_subprocess does), does not see them
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "fdguard.h"
#include "raw.h"

#define GUARD_LIMIT 65536 /* zp_tout_owns() knows descriptors below this */

/* Is the program's string empty?  Read with process_vm_readv, which
 * survives a bad pointer. */
static bool string_empty(int pid, const char *path)
{
	char c0 = 1;
	return zp_peek(pid, &c0, (unsigned long)path, 1) == 1 && c0 == 0;
}

static int guard_close_range(const struct zp_fdguard *g, struct zpoline_call *c)
{
	unsigned long first = (unsigned int)c->args[0], last = (unsigned int)c->args[1];
	unsigned long flags = (unsigned long)c->args[2];
	if (first > last)
		return ZPOLINE_CONTINUE;
	unsigned long top = last < GUARD_LIMIT - 1 ? last : GUARD_LIMIT - 1;
	bool any = false;
	for (unsigned long fd = first; fd <= top; fd++)
		if (g->owns((long)fd)) {
			any = true;
			break;
		}
	if (!any)
		return ZPOLINE_CONTINUE;
	long ret = 0;
	unsigned long lo = first;
	for (unsigned long fd = first; fd <= top; fd++) {
		if (!g->owns((long)fd))
			continue;
		if (fd > lo) {
			long r = zp_raw3(SYS_close_range, lo, fd - 1, flags);
			if (r < 0 && !ret)
				ret = r;
		}
		lo = fd + 1;
	}
	if (lo <= last) {
		long r = zp_raw3(SYS_close_range, lo, last, flags);
		if (r < 0 && !ret)
			ret = r;
	}
	c->ret = ret;
	return ZPOLINE_SKIP;
}

/* A call on one of ours answers as on a descriptor never opened. */
static int closed_if_ours(const struct zp_fdguard *g, struct zpoline_call *c, long fd)
{
	if (!g->owns(fd))
		return ZPOLINE_CONTINUE;
	c->ret = -EBADF;
	return ZPOLINE_SKIP;
}

int zp_fd_guard(const struct zp_fdguard *g, struct zpoline_call *c)
{
	switch (c->nr) {
	/* close, and what programs probe descriptors with (CPython's
	 * fd_status.py calls fstat on every number).  Not read, write and the
	 * like: they are the hottest calls, and a program that uses a
	 * descriptor it never opened has a bug whatever it gets back. */
	case SYS_close:
	case SYS_fstat:
	case SYS_fcntl:
	case SYS_dup:
		return closed_if_ours(g, c, (int)c->args[0]);
	case SYS_close_range:
		return guard_close_range(g, c);
	case SYS_dup2:
	case SYS_dup3:
		if (closed_if_ours(g, c, (int)c->args[0]) == ZPOLINE_SKIP)
			return ZPOLINE_SKIP;
		if (c->args[0] != c->args[1] && g->owns((int)c->args[1]))
			g->evict((int)c->args[1]);
		return ZPOLINE_CONTINUE;
	case SYS_newfstatat:
	case SYS_statx: {
		int flags = (int)c->args[c->nr == SYS_newfstatat ? 3 : 2];
		const char *path = (const char *)c->args[1];
		if ((flags & AT_EMPTY_PATH) && path && g->owns((int)c->args[0]) &&
		    string_empty(c->pid, path))
			return closed_if_ours(g, c, (int)c->args[0]);
		return ZPOLINE_CONTINUE;
	}
	default:
		return ZPOLINE_CONTINUE;
	}
}

/* The decimal number at *p (which then points past it), or -1. */
static long name_number_prefix(const char **p)
{
	long n = 0;
	const char *q = *p;
	if (*q < '0' || *q > '9')
		return -1;
	while (*q >= '0' && *q <= '9' && n < (1L << 40)) /* pids and descriptors */
		n = n * 10 + (*q++ - '0');
	*p = q;
	return n;
}

/* The decimal number a directory entry's name spells (a pid, a tid, a
 * descriptor), or -1. */
long zp_dirent_number(const char *name)
{
	long n = name_number_prefix(&name);
	return *name ? -1 : n;
}

static long name_number(const char *name)
{
	long n = zp_dirent_number(name);
	return n >= GUARD_LIMIT ? -1 : n;
}

/* Is directory descriptor fd a process's (or a task's) fd or fdinfo
 * directory?  Asked only when a listing holds one of our numbers.  Any
 * process's: the traced ones of a session hold the same numbers (a shell
 * listing /proc/$$/fd runs ls in a child); an untraced process with a
 * descriptor of exactly such a number is left to chance. */
static bool is_fd_dir(long fd)
{
	static const char prefix[] = "/proc/self/fd/";
	char link[40], target[96], digits[20];
	int nd = 0;
	do {
		digits[nd++] = (char)('0' + fd % 10);
		fd /= 10;
	} while (fd > 0 && nd < (int)sizeof digits);
	size_t k = sizeof prefix - 1;
	memcpy(link, prefix, k);
	while (nd > 0)
		link[k++] = digits[--nd];
	link[k] = '\0';
	long n = zp_raw3(SYS_readlink, link, target, sizeof target - 1);
	if (n <= 6 || memcmp(target, "/proc/", 6))
		return false;
	target[n] = '\0';
	const char *rest = target + 6;
	if (name_number_prefix(&rest) < 0 || *rest++ != '/')
		return false;
	if (!strncmp(rest, "task/", 5)) {
		rest += 5;
		if (name_number_prefix(&rest) < 0 || *rest++ != '/')
			return false;
	}
	return !strcmp(rest, "fd") || !strcmp(rest, "fdinfo");
}

void zp_fd_guard_listing(const struct zp_fdguard *g, struct zpoline_call *c)
{
	bool d64 = c->nr == SYS_getdents64;
	size_t name_at = d64 ? 19 : 18; /* linux_dirent64 / linux_dirent */
	char *buf = (char *)c->args[1];
	long fd = c->args[0];
	bool checked = false;
	for (int round = 0; round < 64 && c->ret > 0; round++) {
		long len = c->ret, out = 0;
		for (long off = 0; off + (long)name_at < len;) {
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, sizeof reclen);
			if (!reclen || off + reclen > len)
				return; /* not what the kernel writes: leave it alone */
			long num = name_number(buf + off + name_at);
			bool drop = num >= 0 && g->owns(num);
			if (drop && !checked) {
				if (!is_fd_dir(fd))
					return;
				checked = true;
			}
			if (!drop) {
				if (out != off)
					memmove(buf + out, buf + off, reclen);
				out += reclen;
			}
			off += reclen;
		}
		c->ret = out;
		if (out > 0 || !checked)
			return;
		/* Everything in this batch was ours: the program would take an
		 * empty answer for the end of the directory. */
		c->ret = zp_raw3(c->nr, fd, buf, c->args[2]);
	}
}
