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

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_str(struct out *o, const char *s, int width, bool left)
{
	size_t n = 0;
	if (!s)
		s = "(null)";
	while (s[n])
		n++;
	if (!left)
		for (int i = (int)n; i < width; i++)
			put(o, ' ');
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		for (int i = (int)n; i < width; i++)
			put(o, ' ');
}

static void put_num(struct out *o, unsigned long long v, bool neg, unsigned base, int width,
		    char pad, bool left)
{
	char tmp[32];
	int n = 0;
	do {
		unsigned d = (unsigned)(v % base);
		tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	if (!left)
		for (int i = n; i < width; i++)
			put(o, pad);
	while (n)
		put(o, tmp[--n]);
	if (left)
		for (int i = n; i < width; i++)
			put(o, ' ');
}

size_t zp_fmt(char *buf, size_t len, const char *fmt, va_list ap)
{
	struct out o = {buf, len, 0};
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		p++;
		bool left = false;
		char pad = ' ';
		int width = 0;
		if (*p == '-') {
			left = true;
			p++;
		}
		if (*p == '0') {
			pad = '0';
			p++;
		}
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		int lng = 0;
		while (*p == 'l') {
			lng++;
			p++;
		}
		if (*p == 'z') {
			lng = 1;
			p++;
		}
		switch (*p) {
		case 's':
			put_str(&o, va_arg(ap, const char *), width, left);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 'd':
		case 'i': {
			long long v = lng ? va_arg(ap, long) : va_arg(ap, int);
			put_num(&o, v < 0 ? -(unsigned long long)v : (unsigned long long)v, v < 0, 10,
				width, pad, left);
			break;
		}
		case 'u':
			put_num(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), false, 10,
				width, pad, left);
			break;
		case 'x':
			put_num(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), false, 16,
				width, pad, left);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uintptr_t)va_arg(ap, void *), false, 16, width, pad, left);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			p--;
			break;
		default:
			put(&o, '%');
			put(&o, *p);
		}
	}
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = '\0';
	return o.pos;
}

size_t zp_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = zp_fmt(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

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
