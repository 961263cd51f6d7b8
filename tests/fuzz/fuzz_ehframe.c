/*
 * fuzz_ehframe.c - libFuzzer harness for the FDE index (src/runtime/ehframe.c).
 *
 * The input is a memory image: .eh_frame_hdr at offset 0, and whatever the
 * header's table points to (normally .eh_frame) somewhere after it; table
 * offsets and DATAREL values are relative to the header, as in a loaded
 * object.  The image sits in a guarded window (guard.h), once against each
 * end, so any read outside it faults or is reported by ASan.  The index is
 * told the image is all it may read (zp_fde_index_init's [lo, hi)).
 *
 * A model here, written from the format (LSB "Exception Frame", DWARF CFI)
 * and the reader's stated rules, says what each call must return:
 *   - a record (CIE or FDE) is a 4-byte length, neither 0 nor 0xffffffff,
 *     and that many bytes, all inside the image; every field of a record is
 *     read inside the record; an FDE is at least 8 bytes, its CIE pointer is
 *     positive (the CIE lies before it) and names a record whose id is 0;
 *   - pointer encodings: absptr/udata/sdata 2, 4, 8 and (s)leb128, absolute,
 *     pcrel or datarel (to the header); never omit or indirect;
 *   - the header: version 1, table encoding datarel|sdata4, and fde_count
 *     entries fitting in the image after it;
 *   - zp_fde_lookup: the last table entry at or below pc (binary search, as
 *     a sorted table needs), its FDE's [start, end), end >= start, pc inside;
 *   - zp_fde_gap: that entry's FDE ends at or below pc, the gap runs to the
 *     next entry's start (or pc+16 after the last), and is not empty (with
 *     the bias added: near address 0 it may wrap);
 *   - the index's bias is added to everything returned.
 * Every call's result must be the model's, whatever the input; the CIE the
 * index remembers must have the encoding the model reads from it.
 * Queries: each table entry's start, start-1, start+1, the model's end-1,
 * end and end+1; then the first entries again with a bias of 0x10000 and
 * the bounds given by a zp_fde_index_set_readable() callback instead (and
 * the CIE cache as the first pass left it).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ehframe.h"
#include "guard.h"

#define BUG(...)                                                    \
	do {                                                        \
		fprintf(stderr, "fuzz_ehframe: property failed: "); \
		fprintf(stderr, __VA_ARGS__);                       \
		fprintf(stderr, "\n");                              \
		abort();                                            \
	} while (0)

/* Pointer encodings (DW_EH_PE_*). */
enum {
	ENC_ABS = 0x00, ENC_ULEB = 0x01, ENC_U2 = 0x02, ENC_U4 = 0x03, ENC_U8 = 0x04,
	ENC_SLEB = 0x09, ENC_S2 = 0x0a, ENC_S4 = 0x0b, ENC_S8 = 0x0c,
	ENC_PCREL = 0x10, ENC_DATAREL = 0x30, ENC_INDIRECT = 0x80, ENC_OMIT = 0xff,
};

static unsigned long n_inputs, n_indexed, n_queries, n_found, n_gaps, n_readable_calls;

/* The image: [lo, hi). */
struct model {
	uintptr_t lo, hi;
};

static bool inside(const struct model *m, uintptr_t a, size_t n)
{
	return a >= m->lo && a <= m->hi && m->hi - a >= n;
}

/* A bounded cursor. */
struct mcur {
	uintptr_t p, end;
	bool ok;
};

static bool mtake(struct mcur *c, void *out, size_t n)
{
	if (!c->ok || c->p > c->end || c->end - c->p < n) {
		c->ok = false;
		return false;
	}
	memcpy(out, (const void *)c->p, n);
	c->p += n;
	return true;
}

static uint8_t mu8(struct mcur *c)
{
	uint8_t v = 0;
	mtake(c, &v, 1);
	return v;
}

static uint64_t mleb(struct mcur *c, bool is_signed)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b = 0;
	do {
		if (!mtake(c, &b, 1))
			return 0;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (is_signed && shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return v;
}

static bool menc(struct mcur *c, uint8_t enc, uintptr_t datarel, uintptr_t *out)
{
	uintptr_t field = c->p;
	uint64_t v = 0;
	if (enc == ENC_OMIT || (enc & ENC_INDIRECT))
		return false;
	switch (enc & 0x0f) {
	case ENC_ABS:
	case ENC_U8:
	case ENC_S8:
		mtake(c, &v, 8);
		break;
	case ENC_U4:
	case ENC_S4: {
		uint32_t x = 0;
		mtake(c, &x, 4);
		v = (enc & 0x0f) == ENC_S4 ? (uint64_t)(int64_t)(int32_t)x : x;
		break;
	}
	case ENC_U2:
	case ENC_S2: {
		uint16_t x = 0;
		mtake(c, &x, 2);
		v = (enc & 0x0f) == ENC_S2 ? (uint64_t)(int64_t)(int16_t)x : x;
		break;
	}
	case ENC_ULEB:
	case ENC_SLEB:
		v = mleb(c, (enc & 0x0f) == ENC_SLEB);
		break;
	default:
		return false;
	}
	if (!c->ok)
		return false;
	switch (enc & 0x70) {
	case 0:
		break;
	case ENC_PCREL:
		v += field;
		break;
	case ENC_DATAREL:
		v += datarel;
		break;
	default:
		return false; /* textrel, funcrel, aligned: not in .eh_frame on x86-64 */
	}
	*out = (uintptr_t)v;
	return true;
}

/* The body of the record at `at`, or a failed cursor. */
static struct mcur mrecord(const struct model *m, uintptr_t at)
{
	struct mcur c = {at, at, false};
	uint32_t len;
	if (!inside(m, at, 4))
		return c;
	memcpy(&len, (const void *)at, 4);
	if (len == 0 || len == 0xffffffffu || !inside(m, at + 4, len))
		return c;
	return (struct mcur){at + 4, at + 4 + len, true};
}

struct hdr_model {
	int rc;
	uintptr_t table;
	uint64_t count;
};

static void model_hdr(const struct model *m, struct hdr_model *h)
{
	h->rc = -1;
	uint8_t f[4];
	if (!inside(m, m->lo, 4))
		return;
	memcpy(f, (const void *)m->lo, 4);
	if (f[0] != 1)
		return;
	struct mcur c = {m->lo + 4, m->hi, true};
	uintptr_t eh_frame, count;
	if (!menc(&c, f[1], m->lo, &eh_frame) || !menc(&c, f[2], m->lo, &count))
		return;
	if (f[3] != (ENC_DATAREL | ENC_S4) || count > (m->hi - c.p) / 8)
		return;
	h->rc = 0;
	h->table = c.p;
	h->count = count;
}

/* The FDE pointer encoding the CIE at `cie` gives, or false. */
static bool model_cie(const struct model *m, uintptr_t cie, uint8_t *enc)
{
	struct mcur c = mrecord(m, cie);
	uint32_t id = 1;
	mtake(&c, &id, 4);
	if (!c.ok || id != 0)
		return false;
	uint8_t version = mu8(&c);
	/* The augmentation string, read in place once its NUL is known to be
	 * inside the record. */
	const char *aug = (const char *)c.p;
	while (c.ok && mu8(&c))
		;
	if (!c.ok)
		return false;
	uint64_t skip;
	if (aug[0] == 'e' && aug[1] == 'h')
		mtake(&c, &skip, 8); /* old GCC's eh data pointer */
	if (version >= 4) {
		mu8(&c); /* address size, segment size */
		mu8(&c);
	}
	mleb(&c, false);
	mleb(&c, true);
	if (version == 1)
		mu8(&c);
	else
		mleb(&c, false);
	if (!c.ok)
		return false;
	*enc = ENC_ABS;
	if (aug[0] != 'z')
		return true;
	mleb(&c, false);
	for (const char *a = aug + 1; *a; a++) {
		switch (*a) {
		case 'R':
			*enc = mu8(&c);
			return c.ok;
		case 'L':
			mu8(&c);
			break;
		case 'P': {
			uint8_t penc = mu8(&c);
			uintptr_t ignored;
			if (!menc(&c, penc & 0x7f, 0, &ignored))
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
	return c.ok;
}

/* Entry k of the search table. */
static intptr_t entry(const struct hdr_model *h, size_t k)
{
	int32_t v;
	memcpy(&v, (const void *)(h->table + 4 * k), 4);
	return v;
}

/* The function the FDE at `fde` describes, or false. */
static bool model_fde(const struct model *m, uintptr_t fde, uintptr_t *start, uintptr_t *end)
{
	struct mcur c = mrecord(m, fde);
	if (!c.ok || c.end - c.p < 8)
		return false;
	uintptr_t field = c.p;
	int32_t cie_off = 0;
	mtake(&c, &cie_off, 4);
	if (cie_off <= 0)
		return false;
	uint8_t enc;
	if (!model_cie(m, field - (uintptr_t)(intptr_t)cie_off, &enc))
		return false;
	uintptr_t begin, range;
	if (!menc(&c, enc, m->lo, &begin) || !menc(&c, enc & 0x0f, 0, &range))
		return false;
	*start = begin;
	*end = begin + range;
	return *end >= *start;
}

/* The table entry at or below pc, as a binary search finds it; -1: none. */
static long model_entry(const struct model *m, const struct hdr_model *h, uintptr_t pc)
{
	size_t lo = 0, hi = h->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pc < m->lo + entry(h, 2 * mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	return (long)lo - 1;
}

static void print_stats(void)
{
	fprintf(stderr,
		"fuzz_ehframe: %lu inputs, %lu indexed; %lu queries: %lu in a function, %lu in a "
		"gap; %lu readable() calls\n",
		n_inputs, n_indexed, n_queries, n_found, n_gaps, n_readable_calls);
}

static struct zf_window window;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	zf_window_init(&window);
	const char *s = getenv("ZF_STATS");
	if (s && *s == '1')
		atexit(print_stats);
	return 0;
}

/* The remembered CIE must give the encoding the index holds for it. */
static void check_cache(const struct zp_fde_index *ix, const struct model *m)
{
	if (!ix->cie)
		return;
	uint8_t enc;
	if (!model_cie(m, (uintptr_t)ix->cie, &enc))
		BUG("the index remembers a CIE at image+%#lx that does not parse",
		    (unsigned long)((uintptr_t)ix->cie - m->lo));
	if (enc != ix->cie_enc)
		BUG("the index remembers the CIE at image+%#lx with encoding %#x; it has %#x",
		    (unsigned long)((uintptr_t)ix->cie - m->lo), ix->cie_enc, enc);
}

#define EXPECT(what, rc, s, e, wrc, ws, we)                                                  \
	do {                                                                                 \
		if ((rc) != (wrc) || ((rc) == 0 && ((s) != (ws) || (e) != (we))))            \
			BUG("%s(image+%#lx, bias %#lx): %d [%#lx, %#lx), the model says %d " \
			    "[%#lx, %#lx)",                                                  \
			    what, (unsigned long)(pc - m->lo), (unsigned long)bias, rc,      \
			    (unsigned long)((s) - m->lo), (unsigned long)((e) - m->lo), wrc, \
			    (unsigned long)((ws) - m->lo), (unsigned long)((we) - m->lo));   \
	} while (0)

/* zp_fde_lookup and zp_fde_gap for pc, compared with the model; returns
 * the end of the function the model found around or below pc (0: none). */
static uintptr_t query(struct zp_fde_index *ix, const struct model *m, const struct hdr_model *h,
		       uintptr_t pc)
{
	uintptr_t bias = (uintptr_t)ix->bias, upc = pc - bias;
	long i = model_entry(m, h, upc);
	uintptr_t fs = 0, fe = 0;
	bool parsed = i >= 0 && model_fde(m, m->lo + entry(h, 2 * (size_t)i + 1), &fs, &fe);

	uintptr_t ls = 0, le = 0, gs = 0, ge = 0;
	int lrc = zp_fde_lookup(ix, pc, &ls, &le);
	check_cache(ix, m);
	int grc = zp_fde_gap(ix, pc, &gs, &ge);
	check_cache(ix, m);
	n_queries++;

	bool in = parsed && upc >= fs && upc < fe;
	EXPECT("zp_fde_lookup", lrc, ls, le, in ? 0 : -1, fs + bias, fe + bias);
	uintptr_t next = 0;
	bool gap = parsed && fe <= upc;
	if (gap) {
		next = (size_t)i + 1 < h->count ? m->lo + entry(h, 2 * ((size_t)i + 1)) : upc + 16;
		gap = next + bias > fe + bias; /* compared as returned (wraps near 0) */
	}
	EXPECT("zp_fde_gap", grc, gs, ge, gap ? 0 : -1, fe + bias, next + bias);
	n_found += lrc == 0;
	n_gaps += grc == 0;
	return parsed ? fe + bias : 0;
}

/* A readable() that allows exactly the image. */
static bool image_readable(const void *ctx, const void *p, size_t n)
{
	const struct model *m = ctx;
	n_readable_calls++;
	return inside(m, (uintptr_t)p, n);
}

static void check_image(const uint8_t *img, size_t len)
{
	struct model m = {(uintptr_t)img, (uintptr_t)img + len};
	struct hdr_model h;
	model_hdr(&m, &h);
	struct zp_fde_index ix;
	memset(&ix, 0xa5, sizeof ix);
	int rc = zp_fde_index_init(&ix, img, img, img + len);
	if (rc != h.rc)
		BUG("zp_fde_index_init: %d, the model says %d", rc, h.rc);
	if (rc != 0)
		return;
	n_indexed++;
	if ((uintptr_t)ix.table != h.table || ix.count != h.count)
		BUG("zp_fde_index_init: table at +%#lx count %zu, the model says +%#lx count %lu",
		    (unsigned long)((uintptr_t)ix.table - m.lo), ix.count,
		    (unsigned long)(h.table - m.lo), (unsigned long)h.count);
	size_t n = h.count < 64 ? h.count : 64;
	for (size_t pass = 0; pass < 2; pass++) {
		if (pass) {
			ix.bias = 0x10000;
			zp_fde_index_set_readable(&ix, image_readable, &m);
		}
		for (size_t i = 0; i < (pass ? (n < 8 ? n : 8) : n); i++) {
			uintptr_t s = m.lo + entry(&h, 2 * i) + (uintptr_t)ix.bias;
			uintptr_t end = query(&ix, &m, &h, s);
			query(&ix, &m, &h, s - 1);
			query(&ix, &m, &h, s + 1);
			if (end) {
				query(&ix, &m, &h, end - 1);
				query(&ix, &m, &h, end);
				query(&ix, &m, &h, end + 1);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > ZF_WINDOW)
		return -1;
	n_inputs++;
	/* .eh_frame_hdr is 4-byte aligned in every object. */
	for (int where = ZF_AT_START; where <= ZF_AT_END; where++)
		check_image(zf_place(&window, data, size, (enum zf_place)where, 4), size);
	return 0;
}
