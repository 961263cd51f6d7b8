/*
 * init.c - start-up, in order.  Nothing else lives here.
 *
 *   trampoline at page 0 -> this thread's block -> hook libraries (their own
 *   namespace) -> signal handlers of the trap path -> find and rewrite the
 *   sites of every loaded object -> summary.
 *
 * Hooks are loaded before rewriting so that ld.so and libc do the loading
 * unhooked, and the hooks' namespace is simply not among the objects that
 * get rewritten.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "cache.h"
#include "rewrite.h"
#include "rt.h"

void zp_cpu_probe(void);
void zp_cpu_remember(unsigned char cpu_kind);
bool zp_hooks_need_xstate(void);
void zp_sites_report_init(const char *path);
extern long zp_syscall_max(void);

static bool initialised;

static int env_int(const char *name, int dflt)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end) {
		zp_log("zpoline: %s=%s is not a number; using %d", name, v, dflt);
		return dflt;
	}
	return (int)n;
}

__attribute__((constructor(101))) static void zpoline_init(void)
{
	zp_debug = env_int("ZPOLINE_DEBUG", 0);
	uint64_t t0 = zp_now_ns();

	char err[512];
	int e = zp_trampoline_map(err, sizeof err);
	if (e == -17 /* EEXIST */ && zp_trampoline_is_ours())
		return; /* another copy of the runtime (e.g. in a hook's namespace) is in charge */
	if (e < 0) {
		zp_log("%s", err);
		zp_raw1(SYS_exit_group, 1);
	}
	zp_cpu_probe();
	zp_cpu_remember(zp_xsave_kind);
	zp_max_nr = zp_syscall_max();
	if (zp_thread_init_main() < 0)
		zp_die("zpoline: cannot set up the main thread's hook stack");

	const char *hooks = getenv("LIBZPHOOK");
	if (hooks && *hooks && zp_hooks_load(hooks) < 0)
		zp_die("zpoline: stopping: a hook library named in LIBZPHOOK could not be used");
	if (!zp_hooks_need_xstate())
		zp_xsave_kind = 0;
	zp_class_rebuild();

	if (zp_signals_init() < 0)
		zp_die("zpoline: cannot install the trap path's signal handlers");

	const char *report = getenv("ZPOLINE_SITES");
	if (report && *report)
		zp_sites_report_init(report);
	zp_cache_init();
	if (zp_rewrite_all() < 0)
		zp_die("zpoline: cannot read /proc/self/maps");
	initialised = true;

	if (zp_debug >= 1) {
		struct zp_stats *s = &zp_stats;
		zp_log("zpoline: %lu objects, %lu executable segments, %lu KiB scanned, "
		       "%lu candidates; rewritten: %lu callq, %lu trap; skipped: %lu not an "
		       "instruction, %lu outside known functions, %lu shared, %lu failed; "
		       "%lu from cache; %d hook(s); xsave %s; page 0 %s; %llu us",
		       s->objects, s->mappings, s->bytes / 1024, s->candidates, s->fast, s->trap,
		       s->not_insn, s->no_boundary, s->shared_skipped, s->failed, s->cache_hits,
		       zp_nhooks, zp_xsave_kind ? "on" : "off",
		       zp_exec_only ? "execute-only (PKU)" : "exec (readable: no PKU)",
		       (unsigned long long)(zp_now_ns() - t0) / 1000);
	}
}

__attribute__((destructor)) static void zpoline_fini(void)
{
	if (initialised)
		zp_hooks_fini();
}
