/*
 * A test hook for tests/programs/vdsojump.c: getppid(MARK) sends the
 * calling thread SIGUSR1 from inside the hook (the program's handler then
 * runs nested in hook code, and leaves it with siglongjmp);
 * getppid(MARK + 1) returns how many clock_gettime calls the hook has
 * seen, getppid(MARK + 2) how many getuid calls.  pre() only and ZPOLINE_HOOK_NO_XSTATE: the lean path unless
 * ZPOLINE_LEAN=0.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <zpoline.h>

#define MARK 0x5a5a0000L

static const struct zpoline_runtime *rt;
static long clocks, getuids;

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	if (call->nr == SYS_clock_gettime)
		__atomic_fetch_add(&clocks, 1, __ATOMIC_RELAXED);
	if (call->nr == SYS_getuid)
		__atomic_fetch_add(&getuids, 1, __ATOMIC_RELAXED);
	if (call->nr != SYS_getppid)
		return ZPOLINE_CONTINUE;
	if (call->args[0] == MARK) {
		/* delivered as this call returns: inside the hook */
		rt->syscall(SYS_tgkill, call->pid, call->tid, SIGUSR1, 0, 0, 0);
		call->ret = 0;
		return ZPOLINE_SKIP;
	}
	if (call->args[0] == MARK + 1 || call->args[0] == MARK + 2) {
		call->ret = __atomic_load_n(call->args[0] == MARK + 1 ? &clocks : &getuids,
					    __ATOMIC_RELAXED);
		return ZPOLINE_SKIP;
	}
	return ZPOLINE_CONTINUE;
}

int zpoline_hook_init(const struct zpoline_runtime *runtime, struct zpoline_hook *hook)
{
	rt = runtime;
	hook->name = "sigjump";
	hook->flags = ZPOLINE_HOOK_NO_XSTATE;
	hook->pre = pre;
	return 0;
}
