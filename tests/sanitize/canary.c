/*
 * canary.c - a hook library with two planted bugs, to show that sanitizer
 * reports get out of a hook loaded with dlmopen: with ZP_CANARY=heap its
 * pre() reads one byte past a heap block when the program calls getppid;
 * with ZP_CANARY=ubsan it overflows a signed int there instead.  Anything
 * else: it does nothing.  Built only by `make sanitize`.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <zpoline.h>

static char *block;
static int mode; /* 0 none, 1 heap, 2 ubsan */
static volatile int big = 0x7fffffff;

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	if (call->nr != SYS_getppid)
		return ZPOLINE_CONTINUE;
	if (mode == 1)
		call->args[5] = (unsigned char)block[16]; /* block has 16 bytes */
	else if (mode == 2)
		call->args[5] = (unsigned long)(big + (int)call->nr);
	return ZPOLINE_CONTINUE;
}

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	(void)rt;
	const char *m = getenv("ZP_CANARY");
	mode = m && !strcmp(m, "heap") ? 1 : m && !strcmp(m, "ubsan") ? 2 : 0;
	block = malloc(16);
	if (!block)
		return -12;
	memset(block, 0, 16);
	hook->name = "canary";
	hook->pre = pre;
	return 0;
}
