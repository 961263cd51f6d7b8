/*
 * ehframe.c - function boundaries from .eh_frame_hdr.
 *
 * The linker's .eh_frame_hdr holds a table of (function start, FDE) pairs
 * sorted by start; each FDE gives the function's length.  These are the
 * instruction boundaries the site finder trusts: it decodes whole functions
 * from their first byte, never a byte stream that might be data.  (Format:
 * LSB "Exception Frame" and DWARF call frame information.)
 */
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

static uint64_t uleb(const uint8_t **p)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		b = *(*p)++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	return v;
}

static int64_t sleb(const uint8_t **p)
{
	int64_t v = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		b = *(*p)++;
		if (shift < 64)
			v |= (int64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= -((int64_t)1 << shift);
	return v;
}

/* Reads a pointer in encoding `enc`; `datarel` is the base for DATAREL.
 * Returns false for encodings this reader does not know. */
static bool read_enc(const uint8_t **p, uint8_t enc, uintptr_t datarel, uintptr_t *out)
{
	const uint8_t *start = *p;
	uint64_t v;
	if (enc == PE_OMIT)
		return false;
	switch (enc & 0x0f) {
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8:
		__builtin_memcpy(&v, *p, 8);
		*p += 8;
		break;
	case PE_UDATA4: {
		uint32_t x;
		__builtin_memcpy(&x, *p, 4);
		v = x;
		*p += 4;
		break;
	}
	case PE_SDATA4: {
		int32_t x;
		__builtin_memcpy(&x, *p, 4);
		v = (uint64_t)(int64_t)x;
		*p += 4;
		break;
	}
	case PE_UDATA2: {
		uint16_t x;
		__builtin_memcpy(&x, *p, 2);
		v = x;
		*p += 2;
		break;
	}
	case PE_SDATA2: {
		int16_t x;
		__builtin_memcpy(&x, *p, 2);
		v = (uint64_t)(int64_t)x;
		*p += 2;
		break;
	}
	case PE_ULEB128:
		v = uleb(p);
		break;
	case PE_SLEB128:
		v = (uint64_t)sleb(p);
		break;
	default:
		return false;
	}
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
	if (enc & PE_INDIRECT)
		v = *(const uint64_t *)(uintptr_t)v;
	*out = (uintptr_t)v;
	return true;
}

int zp_fde_index_init(struct zp_fde_index *ix, const void *hdr)
{
	const uint8_t *p = hdr;
	ix->count = 0;
	if (!p || p[0] != 1)
		return -1;
	uint8_t ptr_enc = p[1], count_enc = p[2], table_enc = p[3];
	p += 4;
	uintptr_t eh_frame, count;
	if (!read_enc(&p, ptr_enc, (uintptr_t)hdr, &eh_frame))
		return -1;
	if (!read_enc(&p, count_enc, (uintptr_t)hdr, &count))
		return -1;
	/* Binary search needs fixed-size entries: the linker always writes
	 * datarel|sdata4. */
	if (table_enc != (PE_DATAREL | PE_SDATA4))
		return -1;
	ix->hdr = hdr;
	ix->table = (const int32_t *)p;
	ix->count = count;
	ix->cie = NULL;
	ix->bias = 0;
	return 0;
}

/* The FDE pointer encoding of a CIE ('R' in a "z" augmentation). */
static bool cie_fde_enc(const uint8_t *cie, uint8_t *enc)
{
	const uint8_t *p = cie;
	uint32_t len;
	__builtin_memcpy(&len, p, 4);
	p += 4;
	if (len == 0xffffffffu)
		p += 8;
	p += 4; /* CIE id */
	uint8_t version = *p++;
	const char *aug = (const char *)p;
	while (*p)
		p++;
	p++;
	*enc = PE_ABSPTR;
	if (aug[0] == 'e' && aug[1] == 'h')
		p += 8;
	if (version >= 4)
		p += 2; /* address size, segment size */
	uleb(&p);
	sleb(&p);
	if (version == 1)
		p++;
	else
		uleb(&p);
	if (aug[0] != 'z')
		return true;
	uleb(&p);
	for (const char *a = aug + 1; *a; a++) {
		switch (*a) {
		case 'R':
			*enc = *p++;
			return true;
		case 'L':
			p++;
			break;
		case 'P': {
			uint8_t penc = *p++;
			uintptr_t ignored;
			if (!read_enc(&p, penc & 0x7f, 0, &ignored))
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
	return true;
}

static bool fde_range(struct zp_fde_index *ix, const uint8_t *fde, uintptr_t *start,
		      uintptr_t *end)
{
	const uint8_t *p = fde;
	uint32_t len;
	__builtin_memcpy(&len, p, 4);
	p += 4;
	if (len == 0xffffffffu)
		p += 8;
	int32_t cie_off;
	__builtin_memcpy(&cie_off, p, 4);
	const uint8_t *cie = p - cie_off;
	p += 4;
	if (cie != ix->cie) {
		if (!cie_fde_enc(cie, &ix->cie_enc))
			return false;
		ix->cie = cie;
	}
	uintptr_t begin, range;
	if (!read_enc(&p, ix->cie_enc, (uintptr_t)ix->hdr, &begin))
		return false;
	if (!read_enc(&p, ix->cie_enc & 0x0f, 0, &range))
		return false;
	*start = begin;
	*end = begin + range;
	return true;
}

/* Index of the last table entry whose start is <= pc, or -1. */
static long last_at_or_below(const struct zp_fde_index *ix, uintptr_t pc)
{
	size_t lo = 0, hi = ix->count;
	uintptr_t base = (uintptr_t)ix->hdr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (pc < base + (intptr_t)ix->table[2 * mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return (long)lo - 1;
}

int zp_fde_gap(struct zp_fde_index *ix, uintptr_t pc, uintptr_t *start, uintptr_t *end)
{
	pc -= (uintptr_t)ix->bias;
	long i = last_at_or_below(ix, pc);
	if (i < 0)
		return -1;
	uintptr_t base = (uintptr_t)ix->hdr, s, e;
	const uint8_t *fde = (const uint8_t *)(base + (intptr_t)ix->table[2 * i + 1]);
	if (!fde_range(ix, fde, &s, &e) || e > pc)
		return -1;
	*start = e + (uintptr_t)ix->bias;
	*end = ((size_t)i + 1 < ix->count ? base + (intptr_t)ix->table[2 * (i + 1)] : pc + 16) +
	       (uintptr_t)ix->bias;
	return 0;
}

int zp_fde_lookup(struct zp_fde_index *ix, uintptr_t pc, uintptr_t *start, uintptr_t *end)
{
	pc -= (uintptr_t)ix->bias;
	long i = last_at_or_below(ix, pc);
	if (i < 0)
		return -1;
	uintptr_t base = (uintptr_t)ix->hdr;
	const uint8_t *fde = (const uint8_t *)(base + (intptr_t)ix->table[2 * i + 1]);
	if (!fde_range(ix, fde, start, end))
		return -1;
	if (pc < *start || pc >= *end)
		return -1;
	*start += (uintptr_t)ix->bias;
	*end += (uintptr_t)ix->bias;
	return 0;
}
