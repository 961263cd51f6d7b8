/*
 * libzphook_pass.so - passes every call on untouched.  The baseline for
 * measuring what the hook path itself costs.
 */
#include <zpoline.h>
#include "hookflags.h"

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)call;
	(void)ctx;
	return ZPOLINE_CONTINUE;
}

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	(void)rt;
	hook->name = "pass";
	hook->flags = ZP_SHIPPED_HOOK_FLAGS | ZPOLINE_HOOK_PRE_KEEPS_CALL;
	hook->pre = pre;
	return 0;
}
