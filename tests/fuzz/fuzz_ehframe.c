/*
 * fuzz_ehframe.c - libFuzzer harness for the FDE index (src/runtime/ehframe.c).
 *
 * The input is a memory image: .eh_frame_hdr at offset 0, and whatever the
 * header's table points to (normally .eh_frame) somewhere after it; table
 * offsets and DATAREL values are relative to the header, as in a loaded
 * object.  The image sits in a guarded window (guard.h), once against each
 * end, so any read outside it faults or is reported by ASan.
 *
 * zp_fde_index_init(), zp_fde_lookup() and zp_fde_gap() take no sizes: they
 * trust the object they read, and follow counts and offsets wherever they
 * point.  So a model here, written from the format (LSB "Exception Frame", DWARF CFI),
 * walks the same fields with bounds checks and says, for each call:
 *   - unsafe: the runtime would read outside the image (a check it does not
 *     have).  The call is skipped, and counted under its reason (printed at
 *     exit with ZF_STATS=1), unless the harness is built with ZF_RAW
 *     (fuzz_ehframe_raw), which makes the call anyway and shows the crash;
 *   - valid: well-formed by the format.  The runtime's answers must then be
 *     exactly the model's: the function around pc (lookup) or the gap from
 *     the end of the function below pc to the next table entry (gap), with
 *     the index's bias added, or "none";
 *   - otherwise: malformed but inside the image.  The runtime must not crash
 *     or read outside; its answer is not compared.
 * After every call, the CIE the index remembers must still have the pointer
 * encoding that the model reads from it.
 * Queries: each table entry's start, start-1, start+1, the model's end-1,
 * end and end+1; then the first entries again with a bias of 0x10000 (and
 * the CIE cache as the first pass left it).
 *
 * Known runtime bugs (docs/fuzzing.md; reproducers in corpus/ehframe-bugs/)
 * would stop every run within seconds.  Built with ZF_ALLOW_KNOWN_BUGS
 * (build/fuzz/fuzz_ehframe), a stale CIE cache is counted and cleared
 * instead of failing, and ehframe.c is built without UBSan's shift-base
 * and signed-integer-overflow checks (sleb() at shift 63).  The harness in
 * build/fuzz/strict/ has neither allowance and is built with ZF_RAW.
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

/* Why a call would read outside the image: one counter each. */
enum unsafe_why {
	U_NONE,
	U_HDR_SHORT,      /* header fields past the end */
	U_HDR_INDIRECT,   /* indirect header pointer followed outside */
	U_TABLE_ALIGN,    /* table not 4-byte aligned: its int32_t loads are UB */
	U_TABLE_COUNT,    /* fde_count entries do not fit in the image */
	U_FDE_OUTSIDE,    /* an FDE offset from the table points outside */
	U_CIE_OUTSIDE,    /* an FDE's CIE pointer points outside */
	U_CIE_FIELDS,     /* CIE fields (aug string, LEB128s) run past the end */
	U_FDE_FIELDS,     /* FDE pc_begin / pc_range run past the end */
	U_FDE_INDIRECT,   /* indirect pc_begin followed outside */
	U_COUNT
};
static const char *const why_name[U_COUNT] = {
	"none",
	"header fields past the image",
	"indirect header pointer leads outside or is misaligned",
	"search table not 4-byte aligned (misaligned int32_t loads)",
	"fde_count larger than the table in the image",
	"table FDE offset points outside",
	"FDE's CIE pointer points outside",
	"CIE fields run past the image",
	"FDE fields run past the image",
	"indirect pc_begin leads outside or is misaligned",
};
static unsigned long why_count[U_COUNT], n_valid, n_malformed, n_inputs, n_stale_cie;

struct model {
	uintptr_t lo, hi; /* the image */
	enum unsafe_why unsafe;
	bool invalid; /* breaks the format somewhere the runtime does not check */
};

static bool inside(const struct model *m, uintptr_t a, size_t n)
{
	return a >= m->lo && n <= m->hi - m->lo && a - m->lo <= m->hi - m->lo - n;
}

/* A read of n bytes the runtime makes at *a. */
static bool take(struct model *m, uintptr_t *a, size_t n, void *out, enum unsafe_why why)
{
	if (!inside(m, *a, n)) {
		if (!m->unsafe)
			m->unsafe = why;
		return false;
	}
	memcpy(out, (const void *)*a, n);
	*a += n;
	return true;
}

static bool take_leb(struct model *m, uintptr_t *a, bool is_signed, uint64_t *out,
		     enum unsafe_why why)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		if (!take(m, a, 1, &b, why))
			return false;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift > 63 + 7)
		m->invalid = true; /* longer than any 64-bit value */
	if (is_signed && shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	*out = v;
	return true;
}

/* 1: value in *out; 0: an encoding the runtime rejects; -1: unsafe. */
static int take_enc(struct model *m, uintptr_t *a, uint8_t enc, uintptr_t datarel,
		    enum unsafe_why why, uintptr_t *out)
{
	uintptr_t field = *a;
	uint64_t v = 0;
	if (enc == ENC_OMIT)
		return 0;
	switch (enc & 0x0f) {
	case ENC_ABS:
	case ENC_U8:
	case ENC_S8:
		if (!take(m, a, 8, &v, why))
			return -1;
		break;
	case ENC_U4:
	case ENC_S4: {
		uint32_t x;
		if (!take(m, a, 4, &x, why))
			return -1;
		v = (enc & 0x0f) == ENC_S4 ? (uint64_t)(int64_t)(int32_t)x : x;
		break;
	}
	case ENC_U2:
	case ENC_S2: {
		uint16_t x;
		if (!take(m, a, 2, &x, why))
			return -1;
		v = (enc & 0x0f) == ENC_S2 ? (uint64_t)(int64_t)(int16_t)x : x;
		break;
	}
	case ENC_ULEB:
	case ENC_SLEB:
		if (!take_leb(m, a, (enc & 0x0f) == ENC_SLEB, &v, why))
			return -1;
		break;
	default:
		return 0;
	}
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
		return 0; /* textrel, funcrel, aligned: not in .eh_frame on x86-64 */
	}
	if (enc & ENC_INDIRECT) {
		/* The runtime loads a uint64_t there: it must be inside, and
		 * aligned (a misaligned load is UB that UBSan reports). */
		uintptr_t at = (uintptr_t)v;
		enum unsafe_why w = why == U_HDR_SHORT ? U_HDR_INDIRECT : U_FDE_INDIRECT;
		if ((at & 7) && !m->unsafe)
			m->unsafe = w;
		if (!take(m, &at, 8, &v, w))
			return -1;
	}
	*out = (uintptr_t)v;
	return 1;
}

struct hdr_model {
	int rc; /* what zp_fde_index_init must return (if safe) */
	uintptr_t table;
	uint64_t count;
};

static void model_hdr(struct model *m, struct hdr_model *h)
{
	uintptr_t a = m->lo;
	uint8_t f[4];
	h->rc = -1;
	if (!take(m, &a, 1, f, U_HDR_SHORT) || f[0] != 1)
		return;
	a = m->lo;
	if (!take(m, &a, 4, f, U_HDR_SHORT))
		return;
	uintptr_t eh_frame, count;
	if (take_enc(m, &a, f[1], m->lo, U_HDR_SHORT, &eh_frame) != 1)
		return;
	if (take_enc(m, &a, f[2], m->lo, U_HDR_SHORT, &count) != 1)
		return;
	if (f[3] != (ENC_DATAREL | ENC_S4))
		return;
	h->rc = 0;
	h->table = a;
	h->count = count;
	/* Every entry the binary search may touch must be in the image. */
	if (m->unsafe)
		return;
	if (count > (m->hi - m->lo) / 8 || !inside(m, a, count * 8))
		m->unsafe = U_TABLE_COUNT;
	else if (count && (a & 3))
		m->unsafe = U_TABLE_ALIGN;
}

struct cie_model {
	int ok; /* 1 parsed, 0 runtime rejects, -1 unsafe */
	uint8_t enc;
};

/* The FDE pointer encoding of the CIE at `cie`, reading what the runtime
 * reads (and noting what the format requires on top). */
static struct cie_model model_cie(struct model *m, uintptr_t cie)
{
	struct cie_model r = {-1, ENC_ABS};
	uintptr_t a = cie;
	uint32_t len, id;
	if (!take(m, &a, 4, &len, U_CIE_OUTSIDE))
		return r;
	uint64_t len64 = len;
	if (len == 0xffffffffu) {
		m->invalid = true; /* 64-bit DWARF: not in .eh_frame */
		a += 8;
	}
	uintptr_t end = cie + 4 + len64;
	if (len == 0)
		m->invalid = true; /* a terminator, not a CIE */
	if (!take(m, &a, 4, &id, U_CIE_OUTSIDE))
		return r;
	if (id != 0)
		m->invalid = true; /* not a CIE at all */
	uint8_t version, c;
	if (!take(m, &a, 1, &version, U_CIE_FIELDS))
		return r;
	if (version != 1 && version != 3 && version != 4)
		m->invalid = true;
	char aug[16];
	size_t naug = 0;
	do {
		if (!take(m, &a, 1, &c, U_CIE_FIELDS))
			return r;
		if (naug < sizeof aug)
			aug[naug] = (char)c;
		naug++;
	} while (c);
	if (naug > sizeof aug)
		aug[sizeof aug - 1] = 0;
	if (aug[0] == 'e' && aug[1] == 'h') {
		m->invalid = true; /* old GCC's eh data: not handled by the model */
		a += 8;
	}
	if (version >= 4)
		a += 2;
	uint64_t u;
	if (!take_leb(m, &a, false, &u, U_CIE_FIELDS) || !take_leb(m, &a, true, &u, U_CIE_FIELDS))
		return r;
	if (version == 1)
		a += 1;
	else if (!take_leb(m, &a, false, &u, U_CIE_FIELDS))
		return r;
	r.enc = ENC_ABS;
	if (aug[0] != 'z') {
		if (aug[0])
			m->invalid = true;
		r.ok = 1;
		goto done;
	}
	if (!take_leb(m, &a, false, &u, U_CIE_FIELDS))
		return r;
	for (const char *l = aug + 1; *l; l++) {
		uint8_t b;
		switch (*l) {
		case 'R':
			if (!take(m, &a, 1, &r.enc, U_CIE_FIELDS))
				return r;
			r.ok = 1;
			goto done;
		case 'L':
			a += 1;
			break;
		case 'P': {
			uintptr_t ignored;
			if (!take(m, &a, 1, &b, U_CIE_FIELDS))
				return r;
			int e = take_enc(m, &a, b & 0x7f, 0, U_CIE_FIELDS, &ignored);
			if (e <= 0) {
				r.ok = e;
				return r;
			}
			break;
		}
		case 'S':
		case 'B':
		case 'G':
			break;
		default:
			r.ok = 0;
			return r;
		}
	}
	r.ok = 1;
done:
	if (a > end || end > m->hi)
		m->invalid = true; /* fields past the CIE's own length */
	return r;
}

/* Entry k of the search table (read unaligned: the model must not trip
 * over what it is checking). */
static intptr_t entry(const struct hdr_model *h, size_t k)
{
	int32_t v;
	memcpy(&v, (const void *)(h->table + 4 * k), 4);
	return v;
}

/* What the index holds for pc (already less the bias). */
struct fde_model {
	long idx;    /* the table entry at or below pc, -1 for none */
	bool parsed; /* its FDE gave [start, end) */
	uintptr_t start, end;
};

static void model_find(struct model *m, const struct hdr_model *h, uintptr_t pc,
		       struct fde_model *out)
{
	out->idx = -1;
	out->parsed = false;
	out->start = out->end = 0;
	/* The entry the runtime's binary search lands on, found as the last
	 * entry with start <= pc; the same thing only if the table is sorted. */
	size_t lo = 0, hi = h->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pc < m->lo + entry(h, 2 * mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	size_t linear = 0;
	for (size_t i = 0; i < h->count; i++) {
		if (i && entry(h, 2 * i) < entry(h, 2 * i - 2))
			m->invalid = true; /* unsorted */
		if (pc >= m->lo + entry(h, 2 * i))
			linear = i + 1;
	}
	if (!m->invalid && linear != lo)
		BUG("model: binary search and linear scan disagree on a sorted table");
	if (lo == 0)
		return;
	out->idx = (long)lo - 1;
	uintptr_t fde = m->lo + entry(h, 2 * (lo - 1) + 1);
	uintptr_t a = fde;
	uint32_t len;
	int32_t cie_off;
	if (!take(m, &a, 4, &len, U_FDE_OUTSIDE))
		return;
	if (len == 0xffffffffu) {
		m->invalid = true;
		a += 8;
	}
	uintptr_t end = fde + 4 + (uint64_t)len;
	if (!take(m, &a, 4, &cie_off, U_FDE_OUTSIDE))
		return;
	if (cie_off == 0)
		m->invalid = true; /* a CIE where an FDE should be */
	struct cie_model c = model_cie(m, a - 4 - (intptr_t)cie_off);
	if (c.ok != 1)
		return;
	uintptr_t begin, range;
	if (take_enc(m, &a, c.enc, m->lo, U_FDE_FIELDS, &begin) != 1)
		return;
	if (take_enc(m, &a, c.enc & 0x0f, 0, U_FDE_FIELDS, &range) != 1)
		return;
	if (a > end || end > m->hi)
		m->invalid = true;
	out->parsed = true;
	out->start = begin;
	out->end = begin + range;
}

static void print_stats(void)
{
	fprintf(stderr, "fuzz_ehframe: %lu inputs; queries compared %lu, malformed-but-inside %lu\n",
		n_inputs, n_valid, n_malformed);
	fprintf(stderr, "fuzz_ehframe: stale CIE cache (known bug) seen %lu times\n", n_stale_cie);
	for (int i = 1; i < U_COUNT; i++)
		fprintf(stderr, "fuzz_ehframe: skipped as unsafe (%s): %lu\n", why_name[i],
			why_count[i]);
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

#ifdef ZF_RAW
#define SKIP_UNSAFE 0
#else
#define SKIP_UNSAFE 1
#endif

/* The remembered CIE must still give the encoding the index holds for it. */
static void check_cache(struct zp_fde_index *ix, const struct model *base)
{
	if (!ix->cie)
		return;
	struct model cm = *base;
	struct cie_model c = model_cie(&cm, (uintptr_t)ix->cie);
	if (cm.unsafe || (c.ok == 1 && c.enc == ix->cie_enc))
		return;
#ifdef ZF_ALLOW_KNOWN_BUGS
	n_stale_cie++;
	ix->cie = NULL; /* forces the next lookup to parse again */
	return;
#endif
	BUG("the index remembers the CIE at image+%#lx with encoding %#x, but that CIE %s %#x",
	    (unsigned long)((uintptr_t)ix->cie - base->lo), ix->cie_enc,
	    c.ok == 1 ? "has encoding" : "does not parse; encoding", c.enc);
}

#define EXPECT(what, rc, s, e, wrc, ws, we)                                                  \
	do {                                                                                 \
		if ((rc) != (wrc) || ((rc) == 0 && ((s) != (ws) || (e) != (we))))            \
			BUG("%s(image+%#lx, bias %#lx): %d [%#lx, %#lx), the model says %d " \
			    "[%#lx, %#lx)",                                                  \
			    what, (unsigned long)(pc - m.lo), (unsigned long)bias, rc,       \
			    (unsigned long)((s) - m.lo), (unsigned long)((e) - m.lo), wrc,   \
			    (unsigned long)((ws) - m.lo), (unsigned long)((we) - m.lo));     \
	} while (0)

/* zp_fde_lookup and zp_fde_gap for pc, compared with the model.  false:
 * skipped as unsafe.  *model_end: the end of the function the model found. */
static bool query(struct zp_fde_index *ix, struct model *base, const struct hdr_model *h,
		  uintptr_t pc, uintptr_t *model_end)
{
	struct model m = *base;
	struct fde_model f;
	uintptr_t bias = (uintptr_t)ix->bias, upc = pc - bias;
	model_find(&m, h, upc, &f);
	*model_end = m.unsafe || !f.parsed ? 0 : f.end + bias;
	if (m.unsafe) {
		why_count[m.unsafe]++;
		if (SKIP_UNSAFE)
			return false;
	}
	uintptr_t ls = 0, le = 0, gs = 0, ge = 0;
	int lrc = zp_fde_lookup(ix, pc, &ls, &le);
	check_cache(ix, base);
	int grc = zp_fde_gap(ix, pc, &gs, &ge);
	check_cache(ix, base);
	if (m.unsafe)
		return true;
	if (m.invalid) {
		n_malformed++;
		return true;
	}
	n_valid++;
	bool in = f.parsed && upc >= f.start && upc < f.end;
	EXPECT("zp_fde_lookup", lrc, ls, le, in ? 0 : -1, f.start + bias, f.end + bias);
	bool gap = f.parsed && f.end <= upc;
	uintptr_t next = (size_t)f.idx + 1 < h->count ? m.lo + entry(h, 2 * (f.idx + 1)) : upc + 16;
	EXPECT("zp_fde_gap", grc, gs, ge, gap ? 0 : -1, f.end + bias, next + bias);
	return true;
}

static void check_image(const uint8_t *img, size_t len)
{
	struct model base = {(uintptr_t)img, (uintptr_t)img + len, U_NONE, false};
	struct model m = base;
	struct hdr_model h;
	model_hdr(&m, &h);
	if (m.unsafe == U_HDR_SHORT || m.unsafe == U_HDR_INDIRECT) {
		why_count[m.unsafe]++;
		if (SKIP_UNSAFE)
			return;
	}
	struct zp_fde_index ix;
	memset(&ix, 0xa5, sizeof ix);
	int rc = zp_fde_index_init(&ix, img, img, img + len);
	if (m.unsafe == U_HDR_SHORT || m.unsafe == U_HDR_INDIRECT)
		return;
	if (rc != h.rc)
		BUG("zp_fde_index_init: %d, the model says %d", rc, h.rc);
	if (rc != 0)
		return;
	if ((uintptr_t)ix.table != h.table || ix.count != h.count)
		BUG("zp_fde_index_init: table at +%#lx count %zu, the model says +%#lx count %lu",
		    (unsigned long)((uintptr_t)ix.table - base.lo), ix.count,
		    (unsigned long)(h.table - base.lo), (unsigned long)h.count);
	if (m.unsafe == U_TABLE_COUNT || m.unsafe == U_TABLE_ALIGN) {
		why_count[m.unsafe]++;
		if (SKIP_UNSAFE)
			return;
	}
	/* Lookups: the model's table reads need the table inside the image. */
	size_t n = h.count < 64 ? h.count : 64;
	if (m.unsafe == U_TABLE_COUNT) {
		/* Raw build: the runtime reads the table anyway; query a few. */
		for (int k = 0; k < 4; k++) {
			uintptr_t s, e;
			zp_fde_lookup(&ix, base.lo + (uintptr_t)k * 0x1000, &s, &e);
		}
		return;
	}
	/* A second pass with a bias (tables read from a copy of the file), which
	 * also finds the CIE cache in whatever state the first pass left. */
	for (size_t pass = 0; pass < 2; pass++) {
		ix.bias = pass ? 0x10000 : 0;
		for (size_t i = 0; i < (pass ? (n < 8 ? n : 8) : n); i++) {
			uintptr_t s = base.lo + entry(&h, 2 * i) + (uintptr_t)ix.bias, end;
			if (!query(&ix, &base, &h, s, &end))
				continue;
			query(&ix, &base, &h, s - 1, &end);
			query(&ix, &base, &h, s + 1, &end);
			if (end) {
				uintptr_t e = end;
				query(&ix, &base, &h, e - 1, &end);
				query(&ix, &base, &h, e, &end);
				query(&ix, &base, &h, e + 1, &end);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > ZF_WINDOW)
		return -1;
	n_inputs++;
	for (int where = ZF_AT_START; where <= ZF_AT_END; where++)
		/* .eh_frame_hdr is 4-byte aligned in every object. */
		check_image(zf_place(&window, data, size, (enum zf_place)where, 4), size);
	return 0;
}
