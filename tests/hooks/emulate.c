/*
 * A test hook that makes read(2) itself, through rt->syscall, and returns
 * its result without the call being made again: the way a hook emulates
 * or brokers a call.  Such a call may block and must stay open to signals
 * (altblock.c, src/runtime/altstack.c).
 */
#include <sys/syscall.h>
#include <zpoline.h>

static const struct zpoline_runtime *rt;

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	if (call->nr != SYS_read)
		return ZPOLINE_CONTINUE;
	call->ret = rt->syscall(SYS_read, call->args[0], call->args[1], call->args[2], 0, 0, 0);
	return ZPOLINE_SKIP;
}

int zpoline_hook_init(const struct zpoline_runtime *runtime, struct zpoline_hook *hook)
{
	rt = runtime;
	hook->name = "emulate";
	hook->pre = pre;
	return 0;
}
