/*
 * A test hook that changes calls instead of completing them, for
 * tests/programs/argedit.c: the program must get the changed call's
 * result and its own registers back.  Only pre() and
 * ZPOLINE_HOOK_NO_XSTATE, so the runtime calls it from the stub's lean
 * path unless ZPOLINE_LEAN=0; with ARGEDIT_POST=1 it has a post() too,
 * which changes two results.  Each change is keyed to an argument no real
 * call passes, so the program's other calls go on untouched.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <zpoline.h>

#define MARK 0x5a5a0000L

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	switch (call->nr) {
	case SYS_dup:
		/* an argument changed: dup(MARK + fd) becomes dup(fd) */
		if (call->args[0] >= MARK && call->args[0] < MARK + 3)
			call->args[0] -= MARK;
		break;
	case SYS_getppid:
		/* the number changed: getppid(MARK) becomes getpid() */
		if (call->args[0] == MARK)
			call->nr = SYS_getpid;
		break;
	case SYS_getpgid:
		/* changed into a call the runtime wants: kill(pid, 0) */
		if (call->args[1] == MARK) {
			call->nr = SYS_kill;
			call->args[1] = 0;
		}
		break;
	case SYS_getsid:
		/* completed here */
		if (call->args[0] == MARK) {
			call->ret = 4242;
			return ZPOLINE_SKIP;
		}
		break;
	default:
		break;
	}
	return ZPOLINE_CONTINUE;
}

static void post(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	/* the call pre() changed (getppid into getpid) */
	if (call->nr == SYS_getpid && call->args[0] == MARK)
		call->ret = 777;
	/* one pre() let go as it came */
	if (call->nr == SYS_getsid && call->args[0] == MARK + 1)
		call->ret = 555;
}

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	(void)rt;
	hook->name = "argedit";
	hook->flags = ZPOLINE_HOOK_NO_XSTATE;
	hook->pre = pre;
	const char *p = getenv("ARGEDIT_POST");
	if (p && *p == '1')
		hook->post = post;
	return 0;
}
