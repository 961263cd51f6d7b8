/*
 * gprfmt.h - see gprfmt.c.
 */
#ifndef ZP_GPRFMT_H
#define ZP_GPRFMT_H

#include <stdarg.h>
#include <stddef.h>

#define ZP_FMT_HIDDEN __attribute__((visibility("hidden")))

/* Like vsnprintf: returns the length the whole text needs. */
ZP_FMT_HIDDEN size_t zp_fmt(char *buf, size_t len, const char *fmt, va_list ap);
ZP_FMT_HIDDEN size_t zp_snprintf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
