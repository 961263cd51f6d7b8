/*
 * hooklibc.c - the few libc functions the shipped hooks (trace, inject,
 * count) call, so that they load without a libc of their own.
 *
 * A hook library lives in a link namespace of its own (dlmopen); one that
 * needs libc.so.6 makes ld.so load and relocate a second copy of libc into
 * that namespace in every process: ~60 page faults, ~2 ms a process on this
 * project's VM (docs/performance.md), which a traced `make` pays at every
 * exec.  These hooks call libc for little: system calls, which are made
 * here directly (src/common/raw.h), number parsing and formatting
 * (gprfmt.c), and, while they start, the program's environment, its
 * auxiliary vector and error messages, which come from the program's own
 * libc through the runtime (zpoline_runtime.program_symbol).
 *
 * Everything is hidden: each hook binds to its own copy, and nothing here
 * is seen by the program.  errno is one variable for all threads: only
 * start-up and error paths read it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>

#include "gprfmt.h"
#include "hooklibc.h"
#include "raw.h"

#define HIDDEN __attribute__((visibility("hidden")))

static int hl_errno;
static void *(*program_symbol)(const char *name);
static char ***program_environ;
static unsigned long (*program_getauxval)(unsigned long);
static char *(*program_strerror)(int);

HIDDEN int *__errno_location(void)
{
	return &hl_errno;
}

void zp_hl_init(const struct zpoline_runtime *rt)
{
	if (rt && rt->size >= offsetof(struct zpoline_runtime, program_symbol) + sizeof(void *))
		program_symbol = rt->program_symbol;
	if (rt && rt->size >= offsetof(struct zpoline_runtime, safe_copy) + sizeof(void *))
		zp_hook_safe_copy = (long (*)(void *, const void *, unsigned long))rt->safe_copy;
	if (rt && rt->size >= offsetof(struct zpoline_runtime, vm_readv_refused) + sizeof(void *))
		zp_hook_vm_readv_refused = rt->vm_readv_refused;
	program_environ = (char ***)zp_hl_program_symbol("environ");
	program_getauxval = (unsigned long (*)(unsigned long))zp_hl_program_symbol("getauxval");
	program_strerror = (char *(*)(int))zp_hl_program_symbol("strerror");
}

void *zp_hl_program_symbol(const char *name)
{
	return program_symbol ? program_symbol(name) : NULL;
}

char **zp_hl_environ(void)
{
	return program_environ ? *program_environ : NULL;
}

void zp_hl_env_remove(const char *name)
{
	char **env = zp_hl_environ();
	size_t n = 0;
	if (!env || !name)
		return;
	while (name[n])
		n++;
	char **w = env;
	for (char **r = env; *r; r++) {
		const char *e = *r;
		size_t i = 0;
		while (i < n && e[i] == name[i])
			i++;
		if (!(i == n && e[i] == '='))
			*w++ = *r;
	}
	*w = NULL;
}

void zp_hl_say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	size_t n = zp_fmt(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n > sizeof buf - 2)
		n = sizeof buf - 2;
	buf[n++] = '\n';
	for (size_t off = 0; off < n;) {
		long w = zp_raw3(SYS_write, 2, buf + off, n - off);
		if (w == -EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

/* ---- from the program's libc, while the hook starts ------------------------ */

HIDDEN char *getenv(const char *name)
{
	char **env = zp_hl_environ();
	if (!env || !name)
		return NULL;
	size_t n = 0;
	while (name[n])
		n++;
	for (; *env; env++) {
		const char *e = *env;
		size_t i = 0;
		while (i < n && e[i] == name[i])
			i++;
		if (i == n && e[n] == '=')
			return (char *)e + n + 1;
	}
	return NULL;
}

HIDDEN unsigned long getauxval(unsigned long type)
{
	return program_getauxval ? program_getauxval(type) : 0;
}

HIDDEN char *strerror(int e)
{
	static char other[32];
	if (program_strerror)
		return program_strerror(e);
	zp_snprintf(other, sizeof other, "error %d", e);
	return other;
}

/* ---- system calls ------------------------------------------------------------ */

static long ret(long r)
{
	if (r < 0 && r >= -4095) {
		hl_errno = (int)-r;
		return -1;
	}
	return r;
}

HIDDEN int open(const char *path, int flags, ...)
{
	int mode = 0;
	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	return (int)ret(zp_raw4(SYS_openat, AT_FDCWD, path, flags, mode));
}

HIDDEN int close(int fd)
{
	return (int)ret(zp_raw1(SYS_close, fd));
}

HIDDEN ssize_t read(int fd, void *buf, size_t n)
{
	return ret(zp_raw3(SYS_read, fd, buf, n));
}

HIDDEN ssize_t write(int fd, const void *buf, size_t n)
{
	return ret(zp_raw3(SYS_write, fd, buf, n));
}

HIDDEN ssize_t pread(int fd, void *buf, size_t n, off_t at)
{
	return ret(zp_raw4(SYS_pread64, fd, buf, n, at));
}

HIDDEN ssize_t pwrite(int fd, const void *buf, size_t n, off_t at)
{
	return ret(zp_raw4(SYS_pwrite64, fd, buf, n, at));
}

HIDDEN void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = ret(zp_raw6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off));
	return (void *)r;
}

HIDDEN int munmap(void *addr, size_t len)
{
	return (int)ret(zp_raw2(SYS_munmap, addr, len));
}

HIDDEN int fstat(int fd, struct stat *st)
{
	return (int)ret(zp_raw2(SYS_fstat, fd, st));
}

HIDDEN int ftruncate(int fd, off_t len)
{
	return (int)ret(zp_raw2(SYS_ftruncate, fd, len));
}

HIDDEN int fallocate(int fd, int mode, off_t off, off_t len)
{
	return (int)ret(zp_raw4(SYS_fallocate, fd, mode, off, len));
}

HIDDEN int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return (int)ret(zp_raw3(SYS_fcntl, fd, cmd, arg));
}

HIDDEN int flock(int fd, int op)
{
	return (int)ret(zp_raw2(SYS_flock, fd, op));
}

HIDDEN char *getcwd(char *buf, size_t n)
{
	return ret(zp_raw2(SYS_getcwd, buf, n)) < 0 ? NULL : buf;
}

HIDDEN pid_t getpid(void)
{
	return (pid_t)zp_raw0(SYS_getpid);
}

HIDDEN int getrlimit(__rlimit_resource_t which, struct rlimit *rl)
{
	return (int)ret(zp_raw4(SYS_prlimit64, 0, which, 0, rl));
}

HIDDEN int memfd_create(const char *name, unsigned flags)
{
	return (int)ret(zp_raw2(SYS_memfd_create, name, flags));
}

HIDDEN int unlink(const char *path)
{
	return (int)ret(zp_raw3(SYS_unlinkat, AT_FDCWD, path, 0));
}

HIDDEN int clock_gettime(clockid_t clk, struct timespec *ts)
{
	return (int)ret(zp_raw2(SYS_clock_gettime, clk, ts));
}

/* ---- formatting and parsing --------------------------------------------------- */

HIDDEN int vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	return (int)zp_fmt(buf, len, fmt, ap);
}

HIDDEN int snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = (int)zp_fmt(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

/* strtoull's digits and base rules; *neg says whether a '-' came first. */
static unsigned long long parse(const char *s, char **end, int base, int *neg, int *overflow)
{
	const char *p = s;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	*neg = 0;
	*overflow = 0;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    ((p[2] >= '0' && p[2] <= '9') || ((p[2] | 0x20) >= 'a' && (p[2] | 0x20) <= 'f'))) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = *p == '0' ? 8 : 10;
	}
	unsigned long long v = 0;
	const char *digits = p;
	for (;; p++) {
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
			d = (*p | 0x20) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (~0ull - (unsigned)d) / (unsigned)base)
			*overflow = 1;
		v = v * (unsigned)base + (unsigned)d;
	}
	if (end)
		*end = (char *)(p == digits ? s : p);
	return v;
}

HIDDEN unsigned long long strtoull(const char *s, char **end, int base)
{
	int neg, overflow;
	unsigned long long v = parse(s, end, base, &neg, &overflow);
	if (overflow) {
		hl_errno = ERANGE;
		return ~0ull;
	}
	return neg ? -v : v;
}

HIDDEN long strtol(const char *s, char **end, int base)
{
	int neg, overflow;
	unsigned long long v = parse(s, end, base, &neg, &overflow);
	unsigned long long lim = neg ? (unsigned long long)LONG_MAX + 1 : LONG_MAX;
	if (overflow || v > lim) {
		hl_errno = ERANGE;
		return neg ? LONG_MIN : LONG_MAX;
	}
	return neg ? (long)-v : (long)v;
}
