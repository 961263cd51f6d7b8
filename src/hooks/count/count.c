/*
 * libzphook_count.so - counts calls per system call and prints a table when
 * the process ends: to stderr, or appended to $ZPOLINE_COUNT_OUTPUT.
 *
 *   calls  errors  name
 *
 * The per-call work is two relaxed atomic adds, so the hook declares it
 * leaves the vector registers alone (built with -mgeneral-regs-only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zpoline.h>

#define SLOTS 1024 /* numbers past this are counted together */

struct counts {
	unsigned long calls[SLOTS + 1];
	unsigned long errors[SLOTS + 1];
};

static struct counts counts;
static const struct zpoline_runtime *runtime;

static unsigned slot(long nr)
{
	return nr >= 0 && nr < SLOTS ? (unsigned)nr : SLOTS;
}

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	__atomic_fetch_add(&counts.calls[slot(call->nr)], 1, __ATOMIC_RELAXED);
	return ZPOLINE_CONTINUE;
}

static void post(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	if (call->ret < 0 && call->ret >= -4095)
		__atomic_fetch_add(&counts.errors[slot(call->nr)], 1, __ATOMIC_RELAXED);
}

static void fini(void *ctx)
{
	(void)ctx;
	const char *path = getenv("ZPOLINE_COUNT_OUTPUT");
	FILE *f = path && *path ? fopen(path, "a") : stderr;
	if (!f) {
		fprintf(stderr, "zpoline count: cannot open %s\n", path);
		f = stderr;
	}
	unsigned long total = 0, errs = 0;
	fprintf(f, "%10s %8s  %s  (pid %d)\n", "calls", "errors", "syscall", (int)getpid());
	for (unsigned i = 0; i <= SLOTS; i++) {
		if (!counts.calls[i])
			continue;
		const char *name = i < SLOTS && runtime->syscall_name ? runtime->syscall_name(i) : NULL;
		char buf[32];
		if (!name) {
			snprintf(buf, sizeof buf, i < SLOTS ? "syscall_%u" : "(out of range)", i);
			name = buf;
		}
		fprintf(f, "%10lu %8lu  %s\n", counts.calls[i], counts.errors[i], name);
		total += counts.calls[i];
		errs += counts.errors[i];
	}
	fprintf(f, "%10lu %8lu  total\n", total, errs);
	if (f != stderr)
		fclose(f);
}

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	runtime = rt;
	hook->name = "count";
	hook->flags = ZPOLINE_HOOK_NO_XSTATE;
	hook->pre = pre;
	hook->post = post;
	hook->fini = fini;
	return 0;
}
