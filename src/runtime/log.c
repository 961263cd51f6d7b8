/*
 * log.c - messages from the runtime.  The runtime may have to speak from a
 * signal handler or the middle of a hooked call, where libc's stdio is off
 * limits, so it formats with this small printf of its own and writes with a
 * raw write(2).
 */
#include <stdarg.h>
#include <sys/syscall.h>
#include <time.h>

#include "rt.h"

int zp_debug;
int zp_log_fd = 2;

static void vlog(const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n = zp_fmt(buf, sizeof buf - 1, fmt, ap);
	if (n > sizeof buf - 2)
		n = sizeof buf - 2;
	if (n == 0 || buf[n - 1] != '\n')
		buf[n++] = '\n';
	size_t off = 0;
	while (off < n) {
		long w = zp_raw3(SYS_write, zp_log_fd, buf + off, n - off);
		if (w == -4) /* EINTR */
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

void zp_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void zp_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	zp_raw1(SYS_exit_group, 1);
	__builtin_unreachable();
}

uint64_t zp_now_ns(void)
{
	if (!zp_debug)
		return 0; /* only ZPOLINE_DEBUG reports times: no call for nothing */
	struct timespec ts;
	zp_raw2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
