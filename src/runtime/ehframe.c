/*
 * ehframe.c - function boundaries from .eh_frame_hdr.
 *
 * The linker's .eh_frame_hdr holds a table of (function start, FDE) pairs
 * sorted by start; each FDE gives the function's length.  These are the
 * instruction boundaries the site finder trusts: it decodes whole functions
 * from their first byte, never a byte stream that might be data.  (Format:
 * LSB "Exception Frame" and DWARF call frame information.)
 *
 * The tables come from whatever object the program loads, so nothing read
 * from them is trusted: every read stays inside the range the caller says
 * is readable, and inside the record it belongs to.
 */
#include <string.h>

#include "ehframe.h"

enum {
	PE_ABSPTR = 0x00,
	PE_ULEB128 = 0x01,
	PE_UDATA2 = 0x02,
	PE_UDATA4 = 0x03,
	PE_UDATA8 = 0x04,
	PE_SLEB128 = 0x09,
	PE_SDATA2 = 0x0a,
	PE_SDATA4 = 0x0b,
	PE_SDATA8 = 0x0c,
	PE_PCREL = 0x10,
	PE_DATAREL = 0x30,
	PE_INDIRECT = 0x80,
	PE_OMIT = 0xff,
};

/* A cursor over [p, end). */
struct cur {
	const uint8_t *p, *end;
	bool ok;
};

static bool take(struct cur *c, void *out, size_t n)
{
	if (!c->ok || (size_t)(c->end - c->p) < n || c->p > c->end) {
		c->ok = false;
		return false;
	}
	memcpy(out, c->p, n);
	c->p += n;
	return true;
}

static uint8_t u8(struct cur *c)
{
	uint8_t v = 0;
	take(c, &v, 1);
	return v;
}

static uint64_t uleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		b = u8(c);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (c->ok && (b & 0x80));
	return v;
}

static int64_t sleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		b = u8(c);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (c->ok && (b & 0x80));
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

/* Reads a pointer in encoding `enc`; `datarel` is the base for DATAREL.
 * Indirect encodings are refused: nothing legitimate uses them for the
 * fields read here, and following them would read wherever the data says. */
static bool read_enc(struct cur *c, uint8_t enc, uintptr_t datarel, uintptr_t *out)
{
	const uint8_t *start = c->p;
	uint64_t v = 0;
	if (enc == PE_OMIT || (enc & PE_INDIRECT))
		return false;
	switch (enc & 0x0f) {
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8:
		take(c, &v, 8);
		break;
	case PE_UDATA4: {
		uint32_t x = 0;
		take(c, &x, 4);
		v = x;
		break;
	}
	case PE_SDATA4: {
		int32_t x = 0;
		take(c, &x, 4);
		v = (uint64_t)(int64_t)x;
		break;
	}
	case PE_UDATA2: {
		uint16_t x = 0;
		take(c, &x, 2);
		v = x;
		break;
	}
	case PE_SDATA2: {
		int16_t x = 0;
		take(c, &x, 2);
		v = (uint64_t)(int64_t)x;
		break;
	}
	case PE_ULEB128:
		v = uleb(c);
		break;
	case PE_SLEB128:
		v = (uint64_t)sleb(c);
		break;
	default:
		return false;
	}
	if (!c->ok)
		return false;
	switch (enc & 0x70) {
	case 0:
		break;
	case PE_PCREL:
		v += (uintptr_t)start;
		break;
	case PE_DATAREL:
		v += datarel;
		break;
	default:
		return false;
	}
	*out = (uintptr_t)v;
	return true;
}

/* May [p, p+n) be read? */
static bool in_bounds(const struct zp_fde_index *ix, const uint8_t *p, size_t n)
{
	if (ix->readable)
		return ix->readable(ix->ctx, p, n);
	return p >= ix->lo && p <= ix->hi && (size_t)(ix->hi - p) >= n;
}

/* A cursor over a record of `len` bytes after its 4-byte length field, or
 * one that fails at once. */
static struct cur record(const struct zp_fde_index *ix, const uint8_t *at, uint32_t *len)
{
	struct cur c = {at, at, false};
	if (!in_bounds(ix, at, 4))
		return c;
	memcpy(len, at, 4);
	if (*len == 0xffffffffu || *len == 0 || !in_bounds(ix, at + 4, *len))
		return c;
	c.p = at + 4;
	c.end = at + 4 + *len;
	c.ok = true;
	return c;
}

static int32_t table_at(const struct zp_fde_index *ix, size_t i)
{
	int32_t v;
	memcpy(&v, (const uint8_t *)ix->table + 4 * i, 4);
	return v;
}

int zp_fde_index_init(struct zp_fde_index *ix, const void *hdr, const void *lo, const void *hi)
{
	memset(ix, 0, sizeof *ix);
	const uint8_t *h = hdr, *l = lo, *e = hi;
	if (!h || h < l || h >= e || (size_t)(e - h) < 4 || h[0] != 1)
		return -1;
	struct cur c = {h + 4, e, true};
	uint8_t ptr_enc = h[1], count_enc = h[2], table_enc = h[3];
	uintptr_t eh_frame, count;
	if (!read_enc(&c, ptr_enc, (uintptr_t)hdr, &eh_frame) ||
	    !read_enc(&c, count_enc, (uintptr_t)hdr, &count))
		return -1;
	/* Binary search needs fixed-size entries: the linker always writes
	 * datarel|sdata4. */
	if (table_enc != (PE_DATAREL | PE_SDATA4))
		return -1;
	if (count > (size_t)(e - c.p) / 8)
		return -1;
	ix->hdr = hdr;
	ix->table = (const int32_t *)(const void *)c.p;
	ix->count = count;
	ix->lo = l;
	ix->hi = e;
	return 0;
}

/* The FDE pointer encoding of a CIE ('R' in a "z" augmentation). */
static bool cie_fde_enc(const struct zp_fde_index *ix, const uint8_t *cie, uint8_t *encp)
{
	uint32_t len = 0, id = 1;
	struct cur c = record(ix, cie, &len);
	take(&c, &id, 4);
	if (!c.ok || id != 0)
		return false;
	uint8_t version = u8(&c);
	const char *aug = (const char *)c.p;
	while (c.ok && u8(&c))
		;
	if (!c.ok)
		return false;
	uint8_t enc = PE_ABSPTR;
	if (aug[0] == 'e' && aug[1] == 'h') {
		uint64_t skip;
		take(&c, &skip, 8);
	}
	if (version >= 4) {
		u8(&c);
		u8(&c);
	}
	uleb(&c);
	sleb(&c);
	if (version == 1)
		u8(&c);
	else
		uleb(&c);
	if (!c.ok)
		return false;
	if (aug[0] != 'z') {
		*encp = enc;
		return true;
	}
	uleb(&c);
	for (const char *a = aug + 1; *a; a++) {
		switch (*a) {
		case 'R':
			enc = u8(&c);
			*encp = enc;
			return c.ok;
		case 'L':
			u8(&c);
			break;
		case 'P': {
			uint8_t penc = u8(&c);
			uintptr_t ignored;
			if (!read_enc(&c, penc & 0x7f, 0, &ignored))
				return false;
			break;
		}
		case 'S':
		case 'B':
		case 'G':
			break;
		default:
			return false;
		}
	}
	*encp = enc;
	return c.ok;
}

static bool fde_range(struct zp_fde_index *ix, const uint8_t *fde, uintptr_t *start,
		      uintptr_t *end)
{
	uint32_t len = 0;
	int32_t cie_off = 0;
	struct cur c = record(ix, fde, &len);
	if (!c.ok || len < 8)
		return false;
	const uint8_t *cie_field = c.p;
	take(&c, &cie_off, 4);
	if (!c.ok || cie_off <= 0)
		return false; /* 0 would make this a CIE */
	const uint8_t *cie = cie_field - cie_off;
	if (cie != ix->cie) {
		uint8_t enc;
		if (!cie_fde_enc(ix, cie, &enc))
			return false;
		ix->cie = cie;
		ix->cie_enc = enc;
	}
	uintptr_t begin, range;
	if (!read_enc(&c, ix->cie_enc, (uintptr_t)ix->hdr, &begin) ||
	    !read_enc(&c, ix->cie_enc & 0x0f, 0, &range))
		return false;
	*start = begin;
	*end = begin + range;
	return *end >= *start;
}

/* Index of the last table entry whose start is <= pc, or -1. */
static long last_at_or_below(const struct zp_fde_index *ix, uintptr_t pc)
{
	size_t lo = 0, hi = ix->count;
	uintptr_t base = (uintptr_t)ix->hdr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (pc < base + (intptr_t)table_at(ix, 2 * mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	return (long)lo - 1;
}

static const uint8_t *fde_of(const struct zp_fde_index *ix, size_t i)
{
	return (const uint8_t *)((uintptr_t)ix->hdr + (intptr_t)table_at(ix, 2 * i + 1));
}

int zp_fde_gap(struct zp_fde_index *ix, uintptr_t pc, uintptr_t *start, uintptr_t *end)
{
	pc -= (uintptr_t)ix->bias;
	long i = last_at_or_below(ix, pc);
	if (i < 0)
		return -1;
	uintptr_t base = (uintptr_t)ix->hdr, s, e;
	if (!fde_range(ix, fde_of(ix, (size_t)i), &s, &e) || e > pc)
		return -1;
	*start = e + (uintptr_t)ix->bias;
	*end = ((size_t)i + 1 < ix->count ? base + (intptr_t)table_at(ix, 2 * ((size_t)i + 1)) : pc + 16) +
	       (uintptr_t)ix->bias;
	return *end > *start ? 0 : -1;
}

int zp_fde_span(struct zp_fde_index *ix, uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t s, e;
	if (!ix->count || !fde_range(ix, fde_of(ix, ix->count - 1), &s, &e))
		return -1;
	*lo = (uintptr_t)ix->hdr + (intptr_t)table_at(ix, 0) + (uintptr_t)ix->bias;
	*hi = e + (uintptr_t)ix->bias;
	return *hi > *lo ? 0 : -1;
}

int zp_fde_lookup(struct zp_fde_index *ix, uintptr_t pc, uintptr_t *start, uintptr_t *end)
{
	pc -= (uintptr_t)ix->bias;
	long i = last_at_or_below(ix, pc);
	if (i < 0)
		return -1;
	if (!fde_range(ix, fde_of(ix, (size_t)i), start, end))
		return -1;
	if (pc < *start || pc >= *end)
		return -1;
	*start += (uintptr_t)ix->bias;
	*end += (uintptr_t)ix->bias;
	return 0;
}

void zp_fde_index_set_readable(struct zp_fde_index *ix,
			       bool (*readable)(const void *ctx, const void *p, size_t n),
			       const void *ctx)
{
	ix->readable = readable;
	ix->ctx = ctx;
}
