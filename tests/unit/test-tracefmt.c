/*
 * The tracer's number formatting (src/common/tracefmt.c) against printf,
 * at every length and around every power of ten.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

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

	/* A full buffer: as many characters as fit, and truncated set. */
	char small[4];
	tb_init(&b, small, 3);
	tb_dec(&b, 123456);
	T_CHECK(b.len == 3 && b.truncated && !memcmp(small, "123", 3),
		"a number longer than the room left is cut and marked truncated");
	T_DONE();
}
