/*
 * A test hook that virtualises time: clock_gettime, gettimeofday and time
 * all say 2000-01-01 00:00:00 UTC.  Only effective for calls that reach
 * hooks, which for the vDSO needs ZPOLINE_VDSO=1.
 */
#include <sys/syscall.h>
#include <time.h>
#include <zpoline.h>

#define Y2K 946684800L

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	switch (call->nr) {
	case SYS_clock_gettime: {
		struct timespec *ts = (struct timespec *)call->args[1];
		ts->tv_sec = Y2K;
		ts->tv_nsec = 0;
		call->ret = 0;
		return ZPOLINE_SKIP;
	}
	case SYS_gettimeofday: {
		long *tv = (long *)call->args[0];
		if (tv) {
			tv[0] = Y2K;
			tv[1] = 0;
		}
		call->ret = 0;
		return ZPOLINE_SKIP;
	}
	case SYS_time:
		if (call->args[0])
			*(long *)call->args[0] = Y2K;
		call->ret = Y2K;
		return ZPOLINE_SKIP;
	default:
		return ZPOLINE_CONTINUE;
	}
}

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	(void)rt;
	hook->name = "faketime";
	hook->flags = ZPOLINE_HOOK_NO_XSTATE;
	hook->pre = pre;
	return 0;
}
