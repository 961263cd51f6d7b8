/*
 * traceinject.c - see traceinject.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "raw.h"
#include "syscall_table.h"
#include "trace_consts.h"
#include "traceclass.h"
#include "traceinject.h"

static void set_bit(struct zp_syscall_set *s, long nr)
{
	if (nr >= 0 && nr < ZP_TRACE_NR_MAX)
		s->bits[nr / 8] = (unsigned char)(s->bits[nr / 8] | (1u << (nr % 8)));
}

int zp_errno_by_name(const char *name, size_t len)
{
	for (unsigned i = 0; i < zpx_errno_n; i++)
		if (strlen(zpx_errno[i].name) == len && memcmp(zpx_errno[i].name, name, len) == 0)
			return (int)zpx_errno[i].val;
	/* The aliases the table leaves out. */
	if (len == 11 && memcmp(name, "EWOULDBLOCK", 11) == 0)
		return zp_errno_by_name("EAGAIN", 6);
	if (len == 9 && memcmp(name, "EDEADLOCK", 9) == 0)
		return zp_errno_by_name("EDEADLK", 7);
	return -1;
}

const char *zp_errno_name(long e)
{
	for (unsigned i = 0; i < zpx_errno_n; i++)
		if ((long)zpx_errno[i].val == e)
			return zpx_errno[i].name;
	return NULL;
}

static void errf(char *err, size_t errlen, const char *what, const char *s, size_t n)
{
	snprintf(err, errlen, "%s '%.*s'", what, (int)n, s);
}

int zp_syscall_set_parse(const char *spec, size_t len, struct zp_syscall_set *set, char *err,
			 size_t errlen)
{
	struct zp_syscall_set s;
	memset(&s, 0, sizeof s);
	bool negate = false;
	if (len && spec[0] == '!') {
		negate = true;
		spec++;
		len--;
	}
	if (len == 0) {
		snprintf(err, errlen, "empty system call set");
		return -1;
	}
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && spec[j] != ',')
			j++;
		const char *e = spec + i;
		size_t n = j - i;
		bool optional = false;
		if (n && e[0] == '?') {
			optional = true;
			e++;
			n--;
		}
		if (n == 0) {
			snprintf(err, errlen, "empty name in system call set '%.*s'", (int)len, spec);
			return -1;
		}
		if ((n == 3 && memcmp(e, "all", 3) == 0)) {
			memset(s.bits, 0xff, sizeof s.bits);
		} else if (n == 4 && memcmp(e, "none", 4) == 0) {
			/* nothing */
		} else if (e[0] == '%') {
			if (zp_class_add(e + 1, n - 1, &s) < 0 && !optional) {
				snprintf(err, errlen, "unknown system call class '%.*s' (classes: %s)",
					 (int)n, e, zp_class_list());
				return -1;
			}
		} else if (e[0] == '/') {
			/* The zpoline command expands them (the tracer has no regex
			 * engine: it loads without libc) */
			errf(err, errlen, "a regular expression in a system call set needs the zpoline "
			     "command to expand it:", e, n);
			return -1;
		} else {
			char name[64];
			long nr = -1;
			if (n < sizeof name) {
				memcpy(name, e, n);
				name[n] = '\0';
				nr = zp_syscall_number(name);
			}
			/* strace's old class names without '%' */
			if (nr < 0 && zp_class_add(e, n, &s) == 0)
				nr = -2;
			if (nr == -1 && !optional) {
				errf(err, errlen, "unknown system call", e, n);
				return -1;
			}
			set_bit(&s, nr);
		}
		i = j + 1;
	}
	if (negate)
		for (size_t k = 0; k < sizeof s.bits; k++)
			s.bits[k] = (unsigned char)~s.bits[k];
	*set = s;
	return 0;
}

static int parse_ulong(const char *s, size_t n, unsigned long *out)
{
	if (n == 0 || n > 19)
		return -1;
	unsigned long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_long(const char *s, size_t n, long *out)
{
	char buf[32];
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	long v = strtol(buf, &end, 0);
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static bool key_is(const char *s, size_t n, const char *key)
{
	size_t k = strlen(key);
	return n > k && memcmp(s, key, k) == 0 && s[k] == '=';
}

int zp_inject_parse_rule(const char *spec, size_t len, struct zp_inject_rule *r, char *err,
			 size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->when = ZP_WHEN_ALWAYS;
	size_t colon = 0;
	while (colon < len && spec[colon] != ':')
		colon++;
	if (colon == len) {
		snprintf(err, errlen, "inject rule '%.*s' has no action (expected SET:error=ERRNO or "
			 "SET:retval=VALUE)", (int)len, spec);
		return -1;
	}
	char serr[256];
	if (zp_syscall_set_parse(spec, colon, &r->set, serr, sizeof serr) < 0) {
		snprintf(err, errlen, "inject rule '%.*s': %s", (int)len, spec, serr);
		return -1;
	}
	bool have_action = false;
	size_t i = colon + 1;
	while (i <= len) {
		size_t j = i;
		/* Fields end at ':' (a path= value cannot contain one). */
		while (j < len && spec[j] != ':')
			j++;
		const char *p = spec + i;
		size_t n = j - i;
		if (n == 0) {
			snprintf(err, errlen, "inject rule '%.*s': empty field", (int)len, spec);
			return -1;
		}
		if (key_is(p, n, "error")) {
			const char *v = p + 6;
			size_t vn = n - 6;
			int e = zp_errno_by_name(v, vn);
			unsigned long num;
			if (e < 0 && parse_ulong(v, vn, &num) == 0 && num > 0 && num < 4096)
				e = (int)num;
			if (e <= 0) {
				snprintf(err, errlen, "inject rule '%.*s': unknown error '%.*s'", (int)len,
					 spec, (int)vn, v);
				return -1;
			}
			r->error = e;
			have_action = true;
		} else if (key_is(p, n, "retval")) {
			if (parse_long(p + 7, n - 7, &r->retval) < 0) {
				snprintf(err, errlen, "inject rule '%.*s': bad retval '%.*s'", (int)len, spec,
					 (int)(n - 7), p + 7);
				return -1;
			}
			r->has_retval = true;
			have_action = true;
		} else if (key_is(p, n, "when")) {
			const char *v = p + 5;
			size_t vn = n - 5;
			size_t plus = 0;
			while (plus < vn && v[plus] != '+')
				plus++;
			if (parse_ulong(v, plus, &r->first) < 0 || r->first == 0) {
				snprintf(err, errlen, "inject rule '%.*s': bad when '%.*s' (expected N, N+ "
					 "or N+STEP, N >= 1)", (int)len, spec, (int)vn, v);
				return -1;
			}
			if (plus == vn) {
				r->when = ZP_WHEN_ONCE;
			} else if (plus + 1 == vn) {
				r->when = ZP_WHEN_FROM;
			} else if (parse_ulong(v + plus + 1, vn - plus - 1, &r->step) == 0 && r->step > 0) {
				r->when = ZP_WHEN_STEP;
			} else {
				snprintf(err, errlen, "inject rule '%.*s': bad when '%.*s' (expected N, N+ "
					 "or N+STEP, STEP >= 1)", (int)len, spec, (int)vn, v);
				return -1;
			}
		} else if (key_is(p, n, "path")) {
			if (n - 5 >= ZP_INJECT_PATH_MAX || n == 5) {
				snprintf(err, errlen, "inject rule '%.*s': path is empty or too long",
					 (int)len, spec);
				return -1;
			}
			memcpy(r->path, p + 5, n - 5);
			r->path[n - 5] = '\0';
			r->path_len = (unsigned)(n - 5);
			r->has_path = true;
		} else {
			snprintf(err, errlen, "inject rule '%.*s': unknown field '%.*s' (expected "
				 "error=, retval=, when= or path=)", (int)len, spec, (int)n, p);
			return -1;
		}
		i = j + 1;
	}
	if (!have_action) {
		snprintf(err, errlen, "inject rule '%.*s' needs error= or retval=", (int)len, spec);
		return -1;
	}
	if (r->error && r->has_retval) {
		snprintf(err, errlen, "inject rule '%.*s': error= and retval= exclude each other",
			 (int)len, spec);
		return -1;
	}
	return 0;
}

int zp_inject_parse_list(const char *list, struct zp_inject_set *s, char *err, size_t errlen)
{
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ";");
		if (n) {
			if (s->n == ZP_INJECT_MAX) {
				snprintf(err, errlen, "at most %d inject rules", ZP_INJECT_MAX);
				return -1;
			}
			if (zp_inject_parse_rule(p, n, &s->r[s->n], err, errlen) < 0)
				return -1;
			s->n++;
		}
		p += n;
		if (*p == ';')
			p++;
	}
	return 0;
}

void zp_inject_union(const struct zp_inject_set *s, struct zp_syscall_set *out)
{
	for (int i = 0; i < s->n; i++)
		for (size_t k = 0; k < sizeof out->bits; k++)
			out->bits[k] |= s->r[i].set.bits[k];
}

int zp_path_arg(long nr)
{
	switch (nr) {
	case SYS_open:
	case SYS_creat:
	case SYS_stat:
	case SYS_lstat:
	case SYS_access:
	case SYS_readlink:
	case SYS_mkdir:
	case SYS_rmdir:
	case SYS_unlink:
	case SYS_rename:
	case SYS_link:
	case SYS_chdir:
	case SYS_chroot:
	case SYS_chmod:
	case SYS_chown:
	case SYS_lchown:
	case SYS_truncate:
	case SYS_utime:
	case SYS_utimes:
	case SYS_mknod:
	case SYS_execve:
	case SYS_statfs:
	case SYS_getxattr:
	case SYS_lgetxattr:
	case SYS_setxattr:
	case SYS_lsetxattr:
	case SYS_listxattr:
	case SYS_llistxattr:
	case SYS_removexattr:
	case SYS_lremovexattr:
		return 0;
	case SYS_openat:
	case SYS_openat2:
	case SYS_newfstatat:
	case SYS_statx:
	case SYS_faccessat:
	case SYS_faccessat2:
	case SYS_readlinkat:
	case SYS_mkdirat:
	case SYS_unlinkat:
	case SYS_renameat:
	case SYS_renameat2:
	case SYS_linkat:
	case SYS_fchmodat:
	case SYS_fchownat:
	case SYS_futimesat:
	case SYS_utimensat:
	case SYS_mknodat:
	case SYS_execveat:
	case SYS_symlink:
		return 1;
	case SYS_symlinkat:
		return 2;
	default:
		return -1;
	}
}

/* Does the string at user address `addr` equal want (len bytes)?  The
 * pointer comes straight from the program and the kernel has not looked at
 * it yet, so it is read with process_vm_readv, which fails cleanly. */
static bool user_str_eq(long addr, const char *want, unsigned len)
{
	char buf[ZP_INJECT_PATH_MAX + 1];
	if (!addr)
		return false;
	unsigned long got = zp_peek(zp_raw0(SYS_getpid), buf, (unsigned long)addr, len + 1);
	/* A short read means unreadable bytes within len + 1: such a string
	 * cannot be the wanted one (the kernel would fail it with EFAULT). */
	if (got != len + 1 || buf[len] != '\0') // NOLINT: zp_peek's system call filled buf
		return false;
	for (unsigned i = 0; i < len; i++)
		if (buf[i] != want[i])
			return false;
	return true;
}

int zp_inject_check(struct zp_inject_set *s, long nr, const long *args, long *ret)
{
	for (int i = 0; i < s->n; i++) {
		struct zp_inject_rule *r = &s->r[i];
		if (!zp_set_test(&r->set, nr))
			continue;
		if (r->has_path) {
			int k = zp_path_arg(nr);
			if (k < 0 || !user_str_eq(args[k], r->path, r->path_len))
				continue;
		}
		unsigned long n = __atomic_add_fetch(&r->count, 1, __ATOMIC_RELAXED);
		bool fire;
		switch (r->when) {
		case ZP_WHEN_ONCE:
			fire = n == r->first;
			break;
		case ZP_WHEN_FROM:
			fire = n >= r->first;
			break;
		case ZP_WHEN_STEP:
			fire = n >= r->first && (n - r->first) % r->step == 0;
			break;
		default:
			fire = true;
		}
		if (!fire)
			continue;
		*ret = r->error ? -(long)r->error : r->retval;
		return i;
	}
	return -1;
}
