/*
 * libzphook_origin.so (bench only) - counts the calls that reached the hooks
 * by each origin (rewritten site, trap, Syscall User Dispatch) and prints
 *
 *     zpoline-origin: rewritten=N trap=N sud=N other=N
 *
 * to stderr when the process ends.  bench/percall.sh uses it to tell whether
 * ZPOLINE_MODE=sud really routes calls through SUD before timing that mode:
 * a runtime that ignores the variable would otherwise be timed as "SUD".
 */
#include <stdio.h>
#include <unistd.h>
#include <zpoline.h>

static unsigned long by_origin[4];

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	unsigned o = call->origin <= ZPOLINE_ORIGIN_SUD ? call->origin : 3;
	__atomic_fetch_add(&by_origin[o], 1, __ATOMIC_RELAXED);
	return ZPOLINE_CONTINUE;
}

static void fini(void *ctx)
{
	(void)ctx;
	char line[160];
	int n = snprintf(line, sizeof line, "zpoline-origin: rewritten=%lu trap=%lu sud=%lu other=%lu\n",
			 by_origin[ZPOLINE_ORIGIN_REWRITTEN], by_origin[ZPOLINE_ORIGIN_TRAP],
			 by_origin[ZPOLINE_ORIGIN_SUD], by_origin[3]);
	if (n > 0 && write(2, line, (size_t)n) < 0)
		return; /* nothing better to do at exit */
}

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	(void)rt;
	hook->name = "origin";
	hook->flags = ZPOLINE_HOOK_NO_XSTATE;
	hook->pre = pre;
	hook->fini = fini;
	return 0;
}
