/*
 * getppid-hook.c - an out-of-tree hook library, built by test-install.sh
 * against an installed zpoline with nothing but
 *     cc $(pkg-config --cflags --libs zpoline) -o getppid-hook.so getppid-hook.c
 * getppid() answers 4242 without entering the kernel.
 */
#include <sys/syscall.h>
#include <zpoline.h>

static unsigned char wanted[ZPOLINE_NR_FAST / 8];

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	if (call->nr != SYS_getppid)
		return ZPOLINE_CONTINUE;
	call->ret = 4242;
	return ZPOLINE_SKIP;
}

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	(void)rt;
	zpoline_select_set(wanted, SYS_getppid);
	hook->name = "getppid-4242";
	hook->flags = ZPOLINE_HOOK_NO_XSTATE;
	hook->pre = pre;
	hook->select = wanted;
	return 0;
}
