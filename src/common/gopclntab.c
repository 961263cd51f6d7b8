/*
 * gopclntab.c - function boundaries from a Go binary's function table.
 *
 * Go writes no unwind table for its own code, and `-ldflags=-s` drops the
 * symbol table, but every Go binary keeps its pclntab (section .gopclntab,
 * .data.rel.ro.gopclntab in a PIE): the runtime needs it for tracebacks
 * and stack growth.  Its function table lists every Go function's entry in
 * address order, ending with the end of the last one; the functions lie
 * back to back (padded with int3), so entry i to entry i+1 is a range that
 * starts with an instruction and holds only instructions.
 *
 * Layout on 64-bit x86 (Go's runtime/symtab.go and debug/gosym): a header
 *   magic u32, 0, 0, quantum (1), pointer size (8), then 8-byte words:
 *   - Go 1.2-1.15 (magic 0xfffffffb): nfunc; the function table follows.
 *   - Go 1.16-1.17 (0xfffffffa): nfunc, nfiles, then five offsets from
 *     the header; the last is the function table's.
 *   - Go 1.18-1.19 (0xfffffff0) and 1.20+ (0xfffffff1): nfunc, nfiles,
 *     text start, then the same five offsets.
 * The function table is nfunc (entry, funcoff) pairs and one more entry,
 * the end.  Before 1.18 each field is 8 bytes and an entry is an address;
 * from 1.18 each is 4 bytes and an entry is an offset from the text start.
 * funcoff leads from the function table (from the header before 1.16) to
 * the function's own record, whose first field is its entry again.
 *
 * The table is data some program carries: nothing read from it is trusted.
 * Every read stays inside the buffer, and an entry is used only if it lies
 * in order between its neighbours and its own record names it: bytes that
 * merely look like a header give nothing.
 */
#include <stdbool.h>

#include "gopclntab.h"

enum {
	MAGIC_12 = 0xfffffffbu,
	MAGIC_116 = 0xfffffffau,
	MAGIC_118 = 0xfffffff0u,
	MAGIC_120 = 0xfffffff1u,
	/* Bytes 4-7 of the header as a little-endian word: two zero pad
	 * bytes, quantum 1, pointer size 8. */
	HDR_WORD1 = 0x08010000u,
	MAX_FUNCS = 1u << 24, /* Kubernetes-sized binaries have ~10^5 */
};

static uint64_t rd(const uint8_t *p, unsigned n)
{
	if (n == 4) {
		uint32_t v;
		__builtin_memcpy(&v, p, 4);
		return v;
	}
	uint64_t v;
	__builtin_memcpy(&v, p, 8);
	return v;
}

/* Field k (0-based) of the function table: entry i is field 2i. */
static uint64_t field(const struct zp_gopcln *g, size_t k)
{
	return rd(g->ftab + k * g->field, g->field);
}

/* Function i's own record names the entry the table gives it: what tells
 * a real table from data that happens to look like one.  Records follow
 * the function table; one inside it (funcoff 0 would make an entry its own
 * record) proves nothing. */
static bool consistent(const struct zp_gopcln *g, size_t i)
{
	size_t base = (size_t)(g->fdata - g->tab);
	size_t after = (size_t)(g->ftab - g->tab) + (2 * g->nfunc + 1) * g->field;
	uint64_t off = field(g, 2 * i + 1);
	if (off > g->len - base || g->len - base - off < g->field || base + off < after)
		return false;
	return rd(g->fdata + off, g->field) == field(g, 2 * i);
}

int zp_gopcln_init(struct zp_gopcln *g, const void *tab, size_t len, uintptr_t bias)
{
	*g = (struct zp_gopcln){0};
	const uint8_t *t = tab;
	if (!t || len < 16 || rd(t + 4, 4) != HDR_WORD1)
		return -1;
	uint64_t magic = rd(t, 4), nfunc = rd(t + 8, 8), text = 0;
	size_t hdr, ftab, fdata;
	unsigned fsz;
	switch (magic) {
	case MAGIC_12:
		hdr = 16;
		fsz = 8;
		ftab = 16;
		fdata = 0;
		break;
	case MAGIC_116:
	case MAGIC_118:
	case MAGIC_120: {
		bool v118 = magic != MAGIC_116;
		hdr = v118 ? 72 : 64;
		fsz = v118 ? 4 : 8;
		if (len < hdr)
			return -1;
		if (v118)
			text = rd(t + 24, 8);
		/* The five offsets (function names, compilation units, files,
		 * pc tables, function table) all point into the table. */
		for (size_t w = v118 ? 3 : 2; w < (v118 ? 8u : 7u); w++) {
			uint64_t o = rd(t + 8 + 8 * w, 8);
			if (o < hdr || o > len)
				return -1;
		}
		ftab = fdata = (size_t)rd(t + hdr - 8, 8);
		break;
	}
	default:
		return -1;
	}
	if (len < hdr || nfunc == 0 || nfunc > MAX_FUNCS || ftab < hdr || ftab > len ||
	    (2 * nfunc + 1) * fsz > len - ftab)
		return -1;
	g->tab = t;
	g->len = len;
	g->field = fsz;
	g->ftab = t + ftab;
	g->fdata = t + fdata;
	g->nfunc = (size_t)nfunc;
	g->text = (uintptr_t)text + bias;
	uint64_t first = field(g, 0), end = field(g, 2 * g->nfunc);
	if (first >= end || g->text + end < g->text + first || !consistent(g, 0) ||
	    !consistent(g, g->nfunc - 1) || field(g, 2 * (g->nfunc - 1)) >= end) {
		*g = (struct zp_gopcln){0};
		return -1;
	}
	g->lo = g->text + (uintptr_t)first;
	g->hi = g->text + (uintptr_t)end;
	return 0;
}

int zp_gopcln_lookup(const struct zp_gopcln *g, uintptr_t pc, uintptr_t *start, uintptr_t *end)
{
	if (!g->nfunc || pc < g->lo || pc >= g->hi)
		return -1;
	uint64_t off = pc - g->text;
	/* The last entry at or below pc. */
	size_t lo = 0, hi = g->nfunc;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (off < field(g, 2 * mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == 0)
		return -1;
	size_t i = lo - 1;
	uint64_t a = field(g, 2 * i), b = field(g, 2 * (i + 1));
	/* An unsorted table can mislead the search: the answer is checked,
	 * and so are both ends' records (the end is where decoding stops). */
	if (!(a <= off && off < b) || !consistent(g, i) || (i + 1 < g->nfunc && !consistent(g, i + 1)))
		return -1;
	*start = g->text + (uintptr_t)a;
	*end = g->text + (uintptr_t)b;
	return 0;
}

const void *zp_gopcln_scan(const void *buf, size_t len, uintptr_t bias, struct zp_gopcln *g)
{
	const uint8_t *b = buf;
	/* The linker aligns the table to at least 8 bytes. */
	for (size_t off = (8 - ((uintptr_t)b & 7)) & 7; off < len && len - off >= 16; off += 8) {
		uint64_t v = rd(b + off, 8);
		if ((uint32_t)(v >> 32) != HDR_WORD1)
			continue;
		uint32_t m = (uint32_t)v;
		if (m != MAGIC_120 && m != MAGIC_118 && m != MAGIC_116 && m != MAGIC_12)
			continue;
		if (zp_gopcln_init(g, b + off, len - off, bias) == 0)
			return b + off;
	}
	*g = (struct zp_gopcln){0};
	return NULL;
}
