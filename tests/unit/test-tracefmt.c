/*
 * The tracer's number formatting (src/common/tracefmt.c) against printf,
 * at every length and around every power of ten; its string quoting against
 * a byte-at-a-time statement of strace's rules, at every byte value and
 * alignment and on random strings.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tracefmt.h"
#include "t.h"

static bool dec_ok(long long v)
{
	char buf[64], want[64];
	struct tb b;
	tb_init(&b, buf, sizeof buf - 1);
	tb_dec(&b, v);
	buf[b.len] = '\0';
	snprintf(want, sizeof want, "%lld", v);
	if (strcmp(buf, want)) {
		printf("  tb_dec(%lld) wrote \"%s\"\n", v, buf);
		return false;
	}
	return true;
}

static bool udec_w_ok(unsigned long long v, int width)
{
	char buf[64], want[64];
	struct tb b;
	tb_init(&b, buf, sizeof buf - 1);
	tb_udec_w(&b, v, width, '0');
	buf[b.len] = '\0';
	snprintf(want, sizeof want, "%0*llu", width, v);
	if (strcmp(buf, want)) {
		printf("  tb_udec_w(%llu, %d) wrote \"%s\"\n", v, width, buf);
		return false;
	}
	return true;
}

/* strace's quoting, one byte at a time: printable ASCII but " and \ as
 * is, C escapes for " \ \t \n \v \f \r, octal for the rest, as short as
 * possible unless an octal digit follows; -x style: all \xNN. */
static size_t quote_ref(char *out, const unsigned char *s, size_t n, int next, bool hex)
{
	static const char letters[] = "\"\"\\\\\tt\nn\vv\ff\rr";
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i];
		if (hex) {
			k += (size_t)sprintf(out + k, "\\x%02x", c);
			continue;
		}
		const char *l = NULL;
		for (size_t j = 0; j + 1 < sizeof letters; j += 2)
			if ((unsigned char)letters[j] == c)
				l = &letters[j + 1];
		if (l) {
			out[k++] = '\\';
			out[k++] = *l;
		} else if (c >= 0x20 && c < 0x7f) {
			out[k++] = (char)c;
		} else {
			int after = i + 1 < n ? s[i + 1] : next;
			if (after >= '0' && after <= '7')
				k += (size_t)sprintf(out + k, "\\%03o", c);
			else
				k += (size_t)sprintf(out + k, "\\%o", c);
		}
	}
	out[k] = '\0';
	return k;
}

static bool quote_ok(const unsigned char *s, size_t n, int next, bool hex, size_t cap)
{
	static char got[32768], want[32768];
	size_t wn = quote_ref(want, s, n, next, hex);
	struct tb b;
	tb_init(&b, got, cap);
	tb_quote_part(&b, s, n, next, hex ? TBQ_HEX : 0);
	bool fits = wn <= cap;
	if (b.len == (fits ? wn : cap) && b.truncated == !fits && !memcmp(got, want, b.len))
		return true;
	got[b.len] = '\0';
	printf("  %zu bytes, next %d, hex %d, room %zu: got \"%s\"%s, want \"%s\"\n", n, next, hex,
	       cap, got, b.truncated ? " (truncated)" : "", want);
	return false;
}

int main(void)
{
	bool ok = true;
	unsigned long long p = 1;
	for (int e = 0; e <= 19; e++, p *= 10)
		for (long long d = -2; d <= 2; d++) {
			unsigned long long u = p + (unsigned long long)d;
			ok &= dec_ok((long long)u) & dec_ok(-(long long)u);
		}
	for (long long v = -1000; v <= 1000; v++)
		ok &= dec_ok(v);
	ok &= dec_ok(LLONG_MAX) & dec_ok(LLONG_MIN) & dec_ok(0);
	T_CHECK(ok, "tb_dec writes what printf's %%lld does");

	/* tb_udec's 8-digit lane arithmetic: every value below 10^5, then
	 * steps through the rest of the range below 10^8 and around it. */
	ok = true;
	for (long long v = 0; v < 100000; v++)
		ok &= dec_ok(v);
	for (long long v = 100000; v < 100001000; v += 997)
		ok &= dec_ok(v);
	for (long long v = 99999000; v < 100001000; v++)
		ok &= dec_ok(v);
	T_CHECK(ok, "tb_dec writes what printf's %%lld does, up to 10^8 and past it");

	char buf[64];
	struct tb b;
	tb_init(&b, buf, sizeof buf - 1);
	tb_udec(&b, ULLONG_MAX);
	buf[b.len] = '\0';
	T_CHECK(!strcmp(buf, "18446744073709551615"), "tb_udec of the largest value: %s", buf);

	ok = true;
	for (int w = 0; w <= 9; w++)
		for (unsigned long long v = 0; v < 2000; v += 7)
			ok &= udec_w_ok(v, w);
	T_CHECK(ok, "tb_udec_w pads as printf's %%0*llu does");

	/* Every byte value at every offset of a 24-byte run of plain text
	 * (the word-at-a-time test sees it in each lane), followed by a digit
	 * or not. */
	ok = true;
	for (unsigned c = 0; c < 256; c++)
		for (size_t at = 0; at < 24; at++)
			for (int tail = 0; tail < 2; tail++) {
				unsigned char str[25];
				memset(str, 'a', sizeof str);
				str[at] = (unsigned char)c;
				if (tail)
					str[at + 1] = '4';
				ok &= quote_ok(str, sizeof str, -1, false, 4096);
			}
	T_CHECK(ok, "tb_quote_part: every byte value in every position, as strace quotes it");

	/* Runs of one byte value (a zeroed buffer), at every length around
	 * the 8-byte steps and every alignment, with an octal digit after the
	 * run or after the string, and in a line that fills up. */
	ok = true;
	for (unsigned c = 0; c < 256 && ok; c++)
		for (size_t len = 1; len <= 26; len++)
			for (size_t at = 0; at < 9; at++)
				for (int tail = 0; tail < 3; tail++) {
					unsigned char str[40];
					memset(str, 'a', sizeof str);
					memset(str + at, (int)c, len);
					size_t n = at + len + (tail == 1);
					if (tail == 1)
						str[at + len] = '7';
					ok &= quote_ok(str, n, tail == 2 ? '0' : -1, false, 4096);
					ok &= quote_ok(str, n, -1, false, (size_t)(c + len + at) % 48);
				}
	T_CHECK(ok, "tb_quote_part: runs of every byte value, as strace quotes them");

	/* Long runs, which are escaped several words at a time: past the
	 * local buffer's 256 bytes (a line without room for the worst case
	 * takes that way, and is cut short), in a line with room, and with an
	 * octal digit or another byte after them. */
	ok = true;
	static const unsigned char run_bytes[] = {0, 1, 7, 8, 0x3f, 0x40, '"', '\\', '\n', 0x7f, 0xff};
	static const size_t run_lens[] = {15, 16, 17, 31, 32, 33, 63, 64, 65, 71, 72, 73, 255, 256,
					  257, 263, 1000, 4999};
	for (size_t c = 0; c < sizeof run_bytes && ok; c++)
		for (size_t l = 0; l < sizeof run_lens / sizeof run_lens[0]; l++)
			for (size_t at = 0; at < 3; at++)
				for (int tail = 0; tail < 3; tail++) {
					static unsigned char str[5008];
					memset(str, 'a', sizeof str);
					memset(str + at, run_bytes[c], run_lens[l]);
					size_t n = at + run_lens[l] + (tail == 1);
					if (tail == 1)
						str[at + run_lens[l]] = '5';
					int next = tail == 2 ? '3' : -1;
					ok &= quote_ok(str, n, next, false, 4 * n + 64);
					ok &= quote_ok(str, n, next, false, 4096);
					ok &= quote_ok(str, n, next, false, 100 + at);
				}
	T_CHECK(ok, "tb_quote_part: long runs of one byte, whole and cut short");

	/* Random strings: mostly plain text with escapes, octal digits and
	 * bytes above 0x7e mixed in; every length up to 300, both ends. */
	ok = true;
	srand(7);
	static const unsigned char mix[] = "\"\\\t\n\v\f\r\0\001\033\177\200\377 ~0123456789";
	for (int round = 0; round < 20000 && ok; round++) {
		unsigned char str[300];
		size_t n = (size_t)rand() % sizeof str;
		int rare = 1 + rand() % 40;
		for (size_t i = 0; i < n; i++)
			str[i] = rand() % rare ? (unsigned char)(0x20 + rand() % 95)
					       : mix[(size_t)rand() % (sizeof mix - 1)];
		int next = rand() % 3 == 0 ? '0' + rand() % 10 : -1;
		ok &= quote_ok(str, n, next, round % 50 == 0, 8000);
		/* a line that fills up: what fits of the same text, marked */
		ok &= quote_ok(str, n, next, false, (size_t)rand() % 64);
	}
	T_CHECK(ok, "tb_quote_part: 20,000 random strings as strace quotes them, whole and cut short");

	/* tb_puts_any: every length and alignment, up to a page that is not
	 * mapped (it reads ahead a word at a time), and into little room. */
	ok = true;
	char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pg == MAP_FAILED || mprotect(pg + 4096, 4096, PROT_NONE)) {
		ok = false;
	} else {
		for (size_t len = 0; len <= 40; len++)
			for (size_t room = 0; room <= 48; room += len % 3 + 1) {
				char *str = pg + 4096 - len - 1, out[64];
				memset(str, 'x', len);
				str[len] = '\0';
				for (size_t i = 0; i < len; i++)
					str[i] = (char)('a' + (i + room) % 26);
				tb_init(&b, out, room);
				tb_puts_any(&b, str);
				size_t want = len < room ? len : room;
				ok &= b.len == want && b.truncated == (len > room) && !memcmp(out, str, want);
				/* and from a string that starts at each alignment */
				char src[64];
				for (size_t off = 0; off < 8; off++) {
					memcpy(src + off, str, len + 1);
					tb_init(&b, out, room);
					tb_puts_any(&b, src + off);
					ok &= b.len == want && !memcmp(out, str, want);
				}
			}
		munmap(pg, 8192);
	}
	T_CHECK(ok, "tb_puts_any copies what fits of every length and alignment, to the end of a page");

	/* A full buffer: as many characters as fit, and truncated set. */
	char small[4];
	tb_init(&b, small, 3);
	tb_dec(&b, 123456);
	T_CHECK(b.len == 3 && b.truncated && !memcmp(small, "123", 3),
		"a number longer than the room left is cut and marked truncated");
	T_DONE();
}
