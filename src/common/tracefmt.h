/*
 * tracefmt.h - text formatting for the tracer's per-call path.
 *
 * Everything here is plain code over a caller-supplied buffer: no libc, no
 * errno, no locale, no thread-local state, so it can run in any thread of
 * the traced program (raw clone threads, Go, signal handlers).  A buffer
 * never overflows: output past its end is dropped and `truncated` is set.
 */
#ifndef ZP_TRACEFMT_H
#define ZP_TRACEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZP_TF_HIDDEN __attribute__((visibility("hidden")))

struct tb {
	char *p;
	size_t len;
	size_t cap;
	bool truncated;
};

static inline void tb_init(struct tb *b, char *buf, size_t cap)
{
	b->p = buf;
	b->len = 0;
	b->cap = cap;
	b->truncated = false;
}

static inline void tb_putc(struct tb *b, char c)
{
	if (b->len < b->cap)
		b->p[b->len++] = c;
	else
		b->truncated = true;
}

ZP_TF_HIDDEN void tb_putn_any(struct tb *b, const char *s, size_t n);

/* Inline for what most calls put, a literal or a short name: a length the
 * compiler knows becomes a few register moves instead of a call and a
 * copy loop (hundreds of calls a traced line). */
static inline void tb_putn(struct tb *b, const char *s, size_t n)
{
	if (__builtin_constant_p(n) && n <= 16 && b->cap - b->len >= n) {
		__builtin_memcpy(b->p + b->len, s, n);
		b->len += n;
		return;
	}
	tb_putn_any(b, s, n);
}

/* A string whose length is not known here (a name from a table): copied
 * as it is measured, not measured first. */
ZP_TF_HIDDEN void tb_puts_any(struct tb *b, const char *s);

static inline void tb_puts(struct tb *b, const char *s)
{
	if (__builtin_constant_p(__builtin_strlen(s)))
		tb_putn(b, s, __builtin_strlen(s));
	else
		tb_puts_any(b, s);
}
ZP_TF_HIDDEN void tb_udec_any(struct tb *b, unsigned long long v);
/* Decimal.  A single digit (descriptors, a 0 result) is one store here:
 * a traced I/O line has four or five numbers. */
static inline void tb_udec(struct tb *b, unsigned long long v)
{
	if (v < 10 && b->len < b->cap) {
		b->p[b->len++] = (char)('0' + v);
		return;
	}
	tb_udec_any(b, v);
}
static inline void tb_dec(struct tb *b, long long v)
{
	if (v < 0) {
		tb_putc(b, '-');
		v = -(v + 1); /* -LLONG_MIN overflows: one less, added back below */
		tb_udec(b, (unsigned long long)v + 1);
		return;
	}
	tb_udec(b, (unsigned long long)v);
}
/* Like printf("%#llx"): 0x-prefixed lowercase hex, "0" for zero. */
ZP_TF_HIDDEN void tb_hex(struct tb *b, unsigned long long v);
/* Like printf("%0*llx", width): lowercase hex, no prefix, zero-padded. */
ZP_TF_HIDDEN void tb_hex_w(struct tb *b, unsigned long long v, int width);
/* Like printf("%#0*llo", width): 0644, 022, 000. */
ZP_TF_HIDDEN void tb_oct(struct tb *b, unsigned long long v, int width);
/* Unsigned decimal padded on the left with spaces (or zeros) to width. */
ZP_TF_HIDDEN void tb_udec_w(struct tb *b, unsigned long long v, int width, char fill);
/* Spaces up to column col (no-op if already there). */
ZP_TF_HIDDEN void tb_pad_to(struct tb *b, size_t col);

/* How tb_quote escapes bytes. */
#define TBQ_HEX 0x1 /* every byte as \xNN (getrandom and friends) */
/* strace's -x (1: a string with a byte outside printable ASCII and
 * \t\n\v\f\r is printed all in hex) and -xx (2: every string in hex).
 * Set once at start-up; tb_quote() applies it, callers quoting a string
 * in parts ask tb_quote_hex() about all of it first. */
extern ZP_TF_HIDDEN int tb_hex_strings;
ZP_TF_HIDDEN bool tb_quote_hex(const unsigned char *s, size_t n);
/* Quote n bytes of s the way strace does: printable ASCII as is, \" \\ \t
 * \n \v \f \r, anything else octal (\0, \177, \0001 before a digit).  If
 * `more` the string went on: "..." follows the closing quote. */
ZP_TF_HIDDEN void tb_quote(struct tb *b, const unsigned char *s, size_t n, bool more, unsigned flags);
/* The escaped bytes alone, no quotes: a piece of a longer string whose
 * next byte is `next` (-1: none), for strings quoted piece by piece. */
ZP_TF_HIDDEN void tb_quote_part(struct tb *b, const unsigned char *s, size_t n, int next, unsigned flags);
/* Text as it goes between angle brackets (-y's paths, -Y's names): escaped
 * as in a quoted string, '<' and '>' in octal too (strace's form). */
ZP_TF_HIDDEN void tb_angled(struct tb *b, const char *p, size_t n);
/* JSON string body (no quotes): escapes " \ , control bytes and bytes
 * outside ASCII (as \u00XX). */
ZP_TF_HIDDEN void tb_json(struct tb *b, const char *s, size_t n);

ZP_TF_HIDDEN size_t zp_strlen(const char *s);
ZP_TF_HIDDEN int zp_strcmp(const char *a, const char *b);
ZP_TF_HIDDEN void zp_memcpy(void *dst, const void *src, size_t n);
ZP_TF_HIDDEN void zp_memset(void *dst, int c, size_t n);

#endif
