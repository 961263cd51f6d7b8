/*
 * msg.c - messages, and memory, without going through hooked libc calls.
 *
 * Everything the loader writes goes to stderr through zl_syscall, so that a
 * hook counting or tracing the program never sees the loader's own output.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "loader.h"

int zl_debug;

static void vmsg(const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof buf, "zpoline-loader: ");
	int m = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof buf - 2)
		len = sizeof buf - 2;
	buf[len++] = '\n';
	for (size_t off = 0; off < len;) {
		long w = zl_sys3(SYS_write, 2, buf + off, len - off);
		if (w == -4 /* EINTR */)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

void zl_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void zl_fail(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	zl_sys1(SYS_exit_group, status);
	__builtin_unreachable();
}

const char *zl_strerror(long err)
{
	const char *s = strerrordesc_np((int)(err < 0 ? -err : err));
	return s ? s : "unknown error";
}

void *zl_alloc(size_t bytes)
{
	long m = zl_sys6(SYS_mmap, 0, ZL_PAGE_UP(bytes), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0)
		zl_fail(ZL_EXIT_USAGE, "out of memory (%zu bytes): %s", bytes, zl_strerror(m));
	return (void *)m;
}

void zl_free(void *p, size_t bytes)
{
	if (p)
		zl_sys2(SYS_munmap, p, ZL_PAGE_UP(bytes));
}
