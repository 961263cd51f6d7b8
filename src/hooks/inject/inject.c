/*
 * libzphook_inject.so - fault injection, like strace -e inject=.
 *
 *   ZPOLINE_INJECT="SET:error=ERRNO[:when=N|N+|N+STEP][:retval=V][:path=P];..."
 *
 * e.g. "write:error=ENOSPC", "openat:error=ENOENT:when=2",
 * "%file:error=EACCES:path=/etc/passwd".  The syntax is described in
 * src/common/traceinject.h and docs/tracing.md.  A matching call never
 * reaches the kernel: the program sees the error (or the value) instead.
 * Counting is per rule, with atomics shared by the threads of a process.
 *
 * A malformed rule makes the init fail with a message naming the bad part
 * (the runtime then stops the program before main).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zpoline.h>
#include "hookflags.h"

#include "hooklibc.h"
#include "traceinject.h"

static struct zp_inject_set rules;
static unsigned char select_bits[ZPOLINE_NR_FAST / 8];

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	long ret;
	if (zp_inject_check(&rules, call->nr, call->args, &ret) < 0)
		return ZPOLINE_CONTINUE;
	call->ret = ret;
	return ZPOLINE_SKIP;
}

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	zp_hl_init(rt);
	const char *spec = getenv("ZPOLINE_INJECT");
	if (!spec || !*spec) {
		zp_hl_say("zpoline inject: ZPOLINE_INJECT is not set (e.g. "
			  "ZPOLINE_INJECT='write:error=ENOSPC')");
		return -EINVAL;
	}
	char err[512];
	if (zp_inject_parse_list(spec, &rules, err, sizeof err) < 0) {
		zp_hl_say("zpoline inject: bad ZPOLINE_INJECT: %s", err);
		return -EINVAL;
	}
	struct zp_syscall_set all;
	memset(&all, 0, sizeof all);
	zp_inject_union(&rules, &all);
	for (long nr = 0; nr < ZPOLINE_NR_FAST; nr++)
		if (zp_set_test(&all, nr))
			zpoline_select_set(select_bits, nr);
	hook->name = "inject";
	/* Built with -mgeneral-regs-only and gprmem.c: see mk/trace.mk. */
	hook->flags = ZP_SHIPPED_HOOK_FLAGS | ZPOLINE_HOOK_PRE_KEEPS_CALL; /* skips, never edits */
	hook->pre = pre;
	hook->select = select_bits;
	return 0;
}
