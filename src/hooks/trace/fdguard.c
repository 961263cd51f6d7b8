/*
 * fdguard.c - keeping the tracer's descriptors alive in programs that
 * close or reuse every descriptor (daemons, shells, close_range(0, ~0U)).
 *
 *   close(ours)            fails with EBADF, as for any descriptor the
 *                          program never opened
 *   close_range(a, b, f)   is done piecewise around ours
 *   dup2/dup3(x, ours)     first moves ours to another number
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>

#include "raw.h"
#include "trace_hook.h"

#define GUARD_LIMIT 65536 /* zp_tout_owns() knows descriptors below this */

static int guard_close_range(struct zpoline_call *c)
{
	unsigned long first = (unsigned int)c->args[0], last = (unsigned int)c->args[1];
	unsigned long flags = (unsigned long)c->args[2];
	if (first > last)
		return ZPOLINE_CONTINUE;
	unsigned long top = last < GUARD_LIMIT - 1 ? last : GUARD_LIMIT - 1;
	bool any = false;
	for (unsigned long fd = first; fd <= top; fd++)
		if (zp_tout_owns(&g.out, (long)fd)) {
			any = true;
			break;
		}
	if (!any)
		return ZPOLINE_CONTINUE;
	long ret = 0;
	unsigned long lo = first;
	for (unsigned long fd = first; fd <= top; fd++) {
		if (!zp_tout_owns(&g.out, (long)fd))
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

int fd_guard(struct zpoline_call *c)
{
	switch (c->nr) {
	case SYS_close:
		if (zp_tout_owns(&g.out, (int)c->args[0])) {
			c->ret = -EBADF;
			return ZPOLINE_SKIP;
		}
		return ZPOLINE_CONTINUE;
	case SYS_close_range:
		return guard_close_range(c);
	case SYS_dup2:
	case SYS_dup3:
		if (c->args[0] != c->args[1] && zp_tout_owns(&g.out, (int)c->args[1]))
			zp_tout_evict(&g.out, (int)c->args[1]);
		return ZPOLINE_CONTINUE;
	default:
		return ZPOLINE_CONTINUE;
	}
}
