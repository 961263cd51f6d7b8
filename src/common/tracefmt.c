/*
 * tracefmt.c - see tracefmt.h.  Freestanding on purpose: this runs in the
 * middle of other programs' system calls.
 */
#include "tracefmt.h"

size_t zp_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int zp_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

void zp_memcpy(void *dst, const void *src, size_t n)
{
	/* Inline code or a call to the hook namespace's memcpy: either way no
	 * thread state is touched. */
	__builtin_memcpy(dst, src, n);
}

void zp_memset(void *dst, int c, size_t n)
{
	__builtin_memset(dst, c, n);
}

void tb_putn_any(struct tb *b, const char *s, size_t n)
{
	size_t room = b->cap - b->len;
	if (n > room) {
		n = room;
		b->truncated = true;
	}
	char *d = b->p + b->len;
	b->len += n;
	/* Names and numbers: two overlapping word copies, not a call. */
	if (n >= 8 && n <= 16) {
		__builtin_memcpy(d, s, 8);
		__builtin_memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4 && n < 8) {
		__builtin_memcpy(d, s, 4);
		__builtin_memcpy(d + n - 4, s + n - 4, 4);
	} else if (n < 4) {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	} else {
		zp_memcpy(d, s, n);
	}
}

/* The word-at-a-time loop reads past a string's end (within its page):
 * AddressSanitizer builds (make sanitize) take the byte loop alone. */
#ifdef __SANITIZE_ADDRESS__
#define ZP_WORD_READS 0
#else
#define ZP_WORD_READS 1
#endif

void tb_puts_any(struct tb *b, const char *s)
{
	char *d = b->p + b->len;
	size_t room = b->cap - b->len, n = 0;
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	/* Eight bytes a step while the load stays in its page (the string may
	 * end right before an unmapped one) and the store in the room: the
	 * bytes past the NUL are stored too, and then not counted. */
	while (ZP_WORD_READS && room - n >= 8 && ((uintptr_t)(s + n) & 4095) <= 4096 - 8) {
		uint64_t w;
		__builtin_memcpy(&w, s + n, 8);
		__builtin_memcpy(d + n, &w, 8);
		uint64_t zero = (w - ones) & ~w & high; /* exact up to the first NUL */
		if (zero) {
			b->len += n + (size_t)__builtin_ctzll(zero) / 8;
			return;
		}
		n += 8;
	}
	for (; s[n]; n++) {
		if (n >= room) {
			b->truncated = true;
			break;
		}
		d[n] = s[n];
	}
	b->len += n;
}

/* "00" to "99": two digits a division (a traced I/O line has five or six
 * numbers; one digit at a time was a tenth of the tracer's time). */
#define D10(t) t "0" t "1" t "2" t "3" t "4" t "5" t "6" t "7" t "8" t "9"
static const char digit_pairs[201] = D10("0") D10("1") D10("2") D10("3") D10("4") D10("5")
	D10("6") D10("7") D10("8") D10("9");

/* v's digits, written backwards so that they end at `end`. */
static inline void udec_at(char *end, unsigned long long v)
{
	while (v > 0xffffffffu) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		end -= 2;
		__builtin_memcpy(end, &digit_pairs[2 * r], 2);
	}
	/* Most numbers fit 32 bits, whose division by 100 is a shorter
	 * multiplication. */
	unsigned w = (unsigned)v;
	while (w >= 100) {
		unsigned r = w % 100;
		w /= 100;
		end -= 2;
		__builtin_memcpy(end, &digit_pairs[2 * r], 2);
	}
	if (w >= 10) {
		end -= 2;
		__builtin_memcpy(end, &digit_pairs[2 * w], 2);
	} else {
		*--end = (char)('0' + w);
	}
}

/* How many decimal digits v has: the bit length gives the power of ten
 * within one (1233 / 4096 is just above log10(2)). */
static inline unsigned udec_len(unsigned long long v)
{
	static const unsigned long long p10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
		10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull};
	if (v < 10)
		return 1;
	unsigned t = (unsigned)((64 - __builtin_clzll(v)) * 1233) >> 12;
	return t + 1 - (v < p10[t]);
}

/* Numbers of 9 digits or more, or where the buffer is nearly full: out of
 * tb_udec_any()'s way, so that its common case needs no stack frame. */
static __attribute__((noinline)) void udec_long(struct tb *b, unsigned long long v)
{
	unsigned n = udec_len(v);
	if (b->cap - b->len < n) {
		char tmp[20];
		udec_at(tmp + n, v);
		tb_putn_any(b, tmp, n);
		return;
	}
	b->len += n;
	udec_at(b->p + b->len, v);
}

/* Digits go straight into the buffer: built in a scratch array and copied
 * out, the copy's word loads waited for the digit pairs' stores to reach
 * the cache (a store-forwarding stall per number, half of the copy's
 * time). */
void tb_udec_any(struct tb *b, unsigned long long v)
{
	if (__builtin_expect(v >= 100000000 || b->cap - b->len < 8, 0)) {
		udec_long(b, v);
		return;
	}
	/* Up to 8 digits gathered in a register and stored at once, the most
	 * significant (the last found) at the lowest address: no table of
	 * powers of ten to count them first, nor a copy. */
	unsigned w = (unsigned)v, n = 0;
	uint64_t text = 0;
	uint16_t pair;
	while (w >= 100) {
		__builtin_memcpy(&pair, &digit_pairs[2 * (w % 100)], 2);
		w /= 100;
		text = text << 16 | pair;
		n += 2;
	}
	if (w >= 10) {
		__builtin_memcpy(&pair, &digit_pairs[2 * w], 2);
		text = text << 16 | pair;
		n += 2;
	} else {
		text = text << 8 | ('0' + w);
		n++;
	}
	__builtin_memcpy(b->p + b->len, &text, 8);
	b->len += n;
}

void tb_udec_w(struct tb *b, unsigned long long v, int width, char fill)
{
	unsigned n = udec_len(v);
	for (int k = (int)n; k < width; k++)
		tb_putc(b, fill);
	tb_udec(b, v);
}

static const char hexdig[] = "0123456789abcdef";

void tb_hex(struct tb *b, unsigned long long v)
{
	if (v == 0) { /* like printf's %#llx */
		tb_putc(b, '0');
		return;
	}
	unsigned n = 2 + (67 - (unsigned)__builtin_clzll(v)) / 4;
	char tmp[18], *p = b->cap - b->len >= n ? b->p + b->len : tmp;
	for (unsigned i = n; i > 2; v >>= 4)
		p[--i] = hexdig[v & 15];
	p[0] = '0';
	p[1] = 'x';
	if (p == tmp)
		tb_putn_any(b, tmp, n);
	else
		b->len += n;
}

void tb_hex_w(struct tb *b, unsigned long long v, int width)
{
	char tmp[16];
	int i = sizeof tmp;
	do {
		tmp[--i] = hexdig[v & 15];
		v >>= 4;
	} while (v && i > 0);
	while ((int)sizeof tmp - i < width && i > 0)
		tmp[--i] = '0';
	tb_putn(b, tmp + i, sizeof tmp - (size_t)i);
}

void tb_oct(struct tb *b, unsigned long long v, int width)
{
	char tmp[26];
	int i = sizeof tmp;
	while (v) {
		tmp[--i] = (char)('0' + (v & 7));
		v >>= 3;
	}
	tmp[--i] = '0';
	while ((int)sizeof tmp - i < width)
		tmp[--i] = '0';
	tb_putn(b, tmp + i, sizeof tmp - (size_t)i);
}

void tb_pad_to(struct tb *b, size_t col)
{
	/* Eight spaces a store (the column strace aligns results at is 40,
	 * and a byte loop was an eighth of a short traced call's cost). */
	size_t end = col < b->cap ? col : b->cap;
	if (b->len >= end)
		return;
	char *p = b->p + b->len;
	size_t n = end - b->len;
	const uint64_t spaces = 0x2020202020202020ull;
	if (n >= 8) {
		for (size_t i = 0; i + 8 <= n; i += 8)
			__builtin_memcpy(p + i, &spaces, 8);
		__builtin_memcpy(p + n - 8, &spaces, 8);
	} else {
		for (size_t i = 0; i < n; i++)
			p[i] = ' ';
	}
	b->len = end;
}

int tb_hex_strings;

bool tb_quote_hex(const unsigned char *s, size_t n)
{
	if (tb_hex_strings >= 2)
		return true;
	if (tb_hex_strings == 1)
		for (size_t i = 0; i < n; i++)
			if (s[i] > 0x7e || (s[i] < 0x20 && (s[i] < '\t' || s[i] > '\r')))
				return true;
	return false;
}

void tb_quote(struct tb *b, const unsigned char *s, size_t n, bool more, unsigned flags)
{
	if (tb_quote_hex(s, n))
		flags |= TBQ_HEX;
	tb_putc(b, '"');
	tb_quote_part(b, s, n, -1, flags);
	tb_putc(b, '"');
	if (more)
		tb_putn(b, "...", 3);
}

/* How strace writes each byte inside quotes, outside hex mode: itself, a
 * letter escape, or the shortest octal escape (the 3-digit form when an
 * octal digit follows).  The compiler builds the table from the rules
 * below: a byte at a time through branches was most of a traced I/O
 * line's cost (a 512-byte pwrite of NULs).  One word a byte: the escape's
 * bytes (low 32 bits, in memory order), its length (bits 32-39), and
 * Q_SHORT, set for the octal escapes shorter than 3 digits, the only ones
 * whose form depends on the next byte. */
#define Q_PLAIN(c) ((c) >= 0x20 && (c) < 0x7f && (c) != '"' && (c) != '\\')
#define Q_LETTER(c)                                                                              \
	((c) == '"' ? '"' : (c) == '\\' ? '\\' : (c) == '\t' ? 't' : (c) == '\n' ? 'n' :         \
	 (c) == '\v' ? 'v' : (c) == '\f' ? 'f' : (c) == '\r' ? 'r' : 0)
#define Q_ODIGITS(c) ((c) >= 0100 ? 3 : (c) >= 010 ? 2 : 1)
#define Q_OCT(c, i) ('0' + (((c) >> (3 * (Q_ODIGITS(c) - 1 - (i)))) & 7))
#define Q_CH(c, i)                                                                               \
	(Q_PLAIN(c)        ? ((i) == 0 ? (c) : 0) :                                               \
	 (i) == 0          ? '\\' :                                                               \
	 Q_LETTER(c)       ? ((i) == 1 ? Q_LETTER(c) : 0) :                                       \
	 (i) <= Q_ODIGITS(c) ? Q_OCT(c, (i) - 1) : 0)
#define Q_LEN(c) (Q_PLAIN(c) ? 1 : Q_LETTER(c) ? 2 : 1 + Q_ODIGITS(c))
#define Q_SHORT (1ull << 40)
#define Q1(c)                                                                                    \
	((uint64_t)Q_CH(c, 0) | (uint64_t)Q_CH(c, 1) << 8 | (uint64_t)Q_CH(c, 2) << 16 |          \
	 (uint64_t)Q_CH(c, 3) << 24 | (uint64_t)Q_LEN(c) << 32 |                                  \
	 (!Q_PLAIN(c) && !Q_LETTER(c) && Q_ODIGITS(c) < 3 ? Q_SHORT : 0)),
#define Q4(c) Q1(c) Q1((c) + 1) Q1((c) + 2) Q1((c) + 3)
#define Q16(c) Q4(c) Q4((c) + 4) Q4((c) + 8) Q4((c) + 12)
#define Q64(c) Q16(c) Q16((c) + 16) Q16((c) + 32) Q16((c) + 48)
static const uint64_t qesc[256] = {Q64(0) Q64(64) Q64(128) Q64(192)};

/* Byte i of s[n] escaped into o (room for 4); `next` is the byte after
 * s[n - 1] (-1: none). */
static inline size_t quote_byte(char *o, const unsigned char *s, size_t i, size_t n, int next)
{
	uint64_t e = qesc[s[i]];
	if (__builtin_expect((e & Q_SHORT) != 0, 0)) {
		int after = i + 1 < n ? s[i + 1] : next;
		if (after >= '0' && after <= '7') {
			unsigned char c = s[i];
			o[0] = '\\';
			o[1] = (char)('0' + (c >> 6));
			o[2] = (char)('0' + ((c >> 3) & 7));
			o[3] = (char)('0' + (c & 7));
			return 4;
		}
	}
	/* the table's words are little-endian: their low bytes first */
	uint32_t ch = (uint32_t)e;
	__builtin_memcpy(o, &ch, 4);
	return (size_t)(e >> 32 & 0xff);
}

/* 8 * words copies of byte s[i], escaped (it does not print as itself)
 * into o, which has room for 32 a word: runs of one byte are common in
 * binary data (zeros above all), and the escape's bytes are replicated a
 * word at a time instead of looked up once a byte.  Only the last copy's
 * form can depend on the byte after it: the byte before each other copy
 * is the same escaped byte, never an octal digit. */
static size_t quote_run(char *o, const unsigned char *s, size_t i, size_t n, int next,
			size_t words)
{
	uint64_t e = qesc[s[i]];
	size_t len = (size_t)(e >> 32 & 0xff);
	uint32_t ch = (uint32_t)e;
	size_t k = 8 * len * words;
	if (len == 2) {
		uint64_t w = (uint64_t)(ch & 0xffff) * 0x0001000100010001ull;
		for (size_t j = 0; j < k; j += 8)
			__builtin_memcpy(o + j, &w, 8);
	} else if (len == 4) {
		uint64_t w = (uint64_t)ch | (uint64_t)ch << 32;
		for (size_t j = 0; j < k; j += 8)
			__builtin_memcpy(o + j, &w, 8);
	} else {
		for (size_t j = 0; j < k; j += len)
			__builtin_memcpy(o + j, &ch, 4);
	}
	if (e & Q_SHORT)
		k += quote_byte(o + k - len, s, i + 8 * words - 1, n, next) - len;
	return k;
}

/* Eight bytes that all print as themselves?  Word-at-a-time tests (any
 * byte below 0x20, above 0x7e, or equal to '"' or '\\'), exact for every
 * byte value: a 512-byte text buffer was tested a byte at a time. */
static bool plain8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t below = (w - 0x20 * ones) & ~w & high;
	uint64_t above = ((w + (0x7f - 0x7e) * ones) | w) & high;
	uint64_t q = w ^ ('"' * ones), bs = w ^ ('\\' * ones);
	uint64_t quote = (q - ones) & ~q & high, backslash = (bs - ones) & ~bs & high;
	return !(below | above | quote | backslash);
}

void tb_quote_part(struct tb *b, const unsigned char *s, size_t n, int next, unsigned flags)
{
	/* Escaped into a local buffer and copied out a block at a time: a
	 * buffer of NULs was two bounds-checked stores per byte.  When the
	 * line has room for the worst case (4 bytes a byte, and the 4-byte
	 * store of the last), straight into the line instead. */
	char local[256 + 32];
	char *out = local;
	size_t lim = sizeof local - 32;
	if (n < (size_t)1 << 20 && b->cap - b->len >= 4 * n + 4) {
		out = b->p + b->len;
		lim = (size_t)-1;
	}
	size_t k = 0;
	bool hex = flags & TBQ_HEX;
	for (size_t i = 0; i < n;) {
		if (k > lim) {
			tb_putn_any(b, out, k);
			k = 0;
			if (b->truncated)
				return;
		}
		if (hex) {
			unsigned char c = s[i++];
			out[k++] = '\\';
			out[k++] = 'x';
			out[k++] = hexdig[c >> 4];
			out[k++] = hexdig[c & 15];
			continue;
		}
		if (n - i >= 8) {
			uint64_t w;
			__builtin_memcpy(&w, s + i, 8);
			if (plain8(w)) {
				__builtin_memcpy(out + k, &w, 8);
				k += 8;
			} else if (w == (w & 0xff) * 0x0101010101010101ull) {
				/* the run's further words at once, as many as the
				 * buffer has room for (32 bytes a word) */
				size_t words = 1, most = lim == (size_t)-1 ? (n - i) / 8 : (lim + 32 - k) / 32;
				uint64_t v;
				while (words < most && n - i - 8 * words >= 8 &&
				       (__builtin_memcpy(&v, s + i + 8 * words, 8), v == w))
					words++;
				k += quote_run(out + k, s, i, n, next, words);
				i += 8 * words;
				continue;
			} else {
				/* All eight through the table, not the word test
				 * again at each byte. */
				for (size_t j = 0; j < 8; j++)
					k += quote_byte(out + k, s, i + j, n, next);
			}
			i += 8;
			continue;
		}
		k += quote_byte(out + k, s, i, n, next);
		i++;
	}
	if (out == local)
		tb_putn_any(b, out, k);
	else
		b->len += k;
}

void tb_json(struct tb *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			tb_putc(b, '\\');
			tb_putc(b, (char)c);
		} else if (c < 0x20 || c >= 0x7f) {
			/* bytes outside ASCII as code points, so the output stays
			 * valid UTF-8 whatever a path holds */
			char e[6] = {'\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15]};
			tb_putn(b, e, 6);
		} else {
			tb_putc(b, (char)c);
		}
	}
}

/* Text between angle brackets (-y's paths, -Y's names), escaped as strace
 * escapes it: as in a quoted string (a newline in a file name split the
 * line), and '<' and '>' as octal too. */
void tb_angled(struct tb *b, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t run = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '<' && s[i] != '>')
			continue;
		if (i > run)
			tb_quote_part(b, s + run, i - run, i < n ? s[i] : -1, 0);
		if (i < n) {
			bool digit = i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7';
			tb_puts(b, s[i] == '<' ? (digit ? "\\074" : "\\74") : (digit ? "\\076" : "\\76"));
		}
		run = i + 1;
	}
}
