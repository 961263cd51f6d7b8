/*
 * traceinject.h - fault injection rules, as strace's -e inject= takes them:
 *
 *     SET:error=ERRNO[:when=WHEN][:retval=VALUE][:path=PATH]
 *
 *   SET     system calls: names, %classes, "all", a leading "!" negates
 *           (the same syntax as -e trace=SET)
 *   error   errno name (ENOSPC) or number: the call fails with it
 *   retval  the call "succeeds" with this value instead (not with error)
 *   when    N: only the Nth matching call; N+: the Nth and all later ones;
 *           N+STEP: the Nth and then every STEPth.  Default: every call.
 *   path    only calls whose path argument is exactly PATH count or fail
 *
 * Several rules are separated by ';' (ZPOLINE_INJECT) or come as several
 * -e inject= options.  Each rule counts its own matching calls with an
 * atomic counter shared by the threads of a process (a forked child starts
 * from its parent's counts).  The injected call never reaches the kernel.
 *
 * Parsing uses libc (it runs at init); zp_inject_check() is raw: it runs on
 * the per-call path of any thread.
 */
#ifndef ZP_TRACEINJECT_H
#define ZP_TRACEINJECT_H

#include <stdbool.h>
#include <stddef.h>

#define ZP_TI_HIDDEN __attribute__((visibility("hidden")))

/* System call numbers a set can name: bitmap of [0, ZP_TRACE_NR_MAX). */
#define ZP_TRACE_NR_MAX 1024
#define ZP_TRACE_SET_BYTES (ZP_TRACE_NR_MAX / 8)
#define ZP_INJECT_MAX 16
#define ZP_INJECT_PATH_MAX 512

struct zp_syscall_set {
	unsigned char bits[ZP_TRACE_SET_BYTES];
};

static inline bool zp_set_test(const struct zp_syscall_set *s, long nr)
{
	return nr >= 0 && nr < ZP_TRACE_NR_MAX && ((s->bits[nr / 8] >> (nr % 8)) & 1);
}

enum zp_when { ZP_WHEN_ALWAYS, ZP_WHEN_ONCE, ZP_WHEN_FROM, ZP_WHEN_STEP };

struct zp_inject_rule {
	struct zp_syscall_set set;
	int error;          /* > 0: fail with -error */
	bool has_retval;
	long retval;
	enum zp_when when;
	unsigned long first, step;
	bool has_path;
	unsigned path_len;
	char path[ZP_INJECT_PATH_MAX];
	unsigned long count; /* matching calls so far (atomic) */
};

struct zp_inject_set {
	int n;
	struct zp_inject_rule r[ZP_INJECT_MAX];
};

/* Parse a system call set ("open,close", "%file", "!%desc", "all").
 * Returns 0, or -1 with a message in err. */
ZP_TI_HIDDEN int zp_syscall_set_parse(const char *spec, size_t len, struct zp_syscall_set *set,
				      char *err, size_t errlen);
/* One rule (no ';').  Returns 0 or -1 with a message naming the bad part. */
ZP_TI_HIDDEN int zp_inject_parse_rule(const char *spec, size_t len, struct zp_inject_rule *r,
				      char *err, size_t errlen);
/* Add the ';'-separated rules of list to s. */
ZP_TI_HIDDEN int zp_inject_parse_list(const char *list, struct zp_inject_set *s, char *err,
				      size_t errlen);
/* Numbers any rule could touch (for a hook's select bitmap). */
ZP_TI_HIDDEN void zp_inject_union(const struct zp_inject_set *s, struct zp_syscall_set *out);

/* Per call.  If a rule fires, returns its index and sets *ret (-errno or
 * the retval); else -1.  Raw code only. */
ZP_TI_HIDDEN int zp_inject_check(struct zp_inject_set *s, long nr, const long *args, long *ret);

/* Which argument of nr is a path (for path=), or -1. */
ZP_TI_HIDDEN int zp_path_arg(long nr);

/* errno name <-> number, from the generated tables. */
ZP_TI_HIDDEN int zp_errno_by_name(const char *name, size_t len);
ZP_TI_HIDDEN const char *zp_errno_name(long e);

#endif
