/*
 * Go's function table (src/common/gopclntab.c) on crafted buffers: the
 * layouts of Go 1.2, 1.16, 1.18 and 1.20 give the right functions, and a
 * malformed table - wrong header fields, parts outside the buffer, entries
 * out of order or not matching their records, any truncation, any single
 * corrupted byte - gives nothing wrong and never a read outside the
 * buffer (the buffer ends at an unmapped page).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gopclntab.h"
#include "t.h"

#define TEXT 0x400000u
static const uint32_t entries[] = {0x0, 0x40, 0x100, 0x180, 0x200}; /* the last: the end */
#define NFUNC 4

enum ver { V12, V116, V118, V120 };
static const char *const vname[] = {"1.2", "1.16", "1.18", "1.20"};

static void put(uint8_t *b, size_t off, uint64_t v, unsigned n)
{
	memcpy(b + off, &v, n);
}

/* Writes a table of version v into b; returns its length. */
static size_t build(uint8_t *b, enum ver v)
{
	static const uint32_t magic[] = {0xfffffffb, 0xfffffffa, 0xfffffff0, 0xfffffff1};
	memset(b, 0, 1024);
	put(b, 0, magic[v], 4);
	b[6] = 1; /* quantum */
	b[7] = 8; /* pointer size */
	put(b, 8, NFUNC, 8);
	size_t hdr = v == V12 ? 16 : v == V116 ? 64 : 72;
	unsigned fsz = v >= V118 ? 4 : 8;
	uint64_t base = v >= V118 ? 0 : TEXT; /* entries: offsets from 1.18, addresses before */
	if (v >= V118)
		put(b, 24, TEXT, 8); /* text start */
	if (v != V12)
		for (unsigned w = v >= V118 ? 3 : 2; w < (v >= V118 ? 8u : 7u); w++)
			put(b, 8 + 8 * w, hdr, 8); /* the other tables: empty, right after */
	size_t ftab = hdr, fdata = v == V12 ? 0 : ftab;
	size_t rec = ftab + (2 * NFUNC + 1) * fsz + 8; /* the functions' records */
	for (size_t i = 0; i <= NFUNC; i++) {
		put(b, ftab + 2 * i * fsz, base + entries[i], fsz);
		if (i < NFUNC) {
			put(b, ftab + (2 * i + 1) * fsz, rec + 48 * i - fdata, fsz);
			put(b, rec + 48 * i, base + entries[i], fsz); /* the record's own entry */
		}
	}
	return rec + 48 * NFUNC;
}

/* A buffer whose end is followed by an unmapped page: reading past it
 * crashes the test. */
static uint8_t *guarded;
static size_t guard_len;

static uint8_t *at_end(const uint8_t *src, size_t n)
{
	uint8_t *p = guarded + guard_len - n;
	memcpy(p, src, n);
	return p;
}

/* Whatever a (possibly corrupt) table answers must be one of the real
 * functions, containing pc. */
static bool sane(const struct zp_gopcln *g, uintptr_t pc)
{
	uintptr_t s, e;
	if (zp_gopcln_lookup(g, pc, &s, &e) < 0)
		return true;
	if (!(s <= pc && pc < e))
		return false;
	for (size_t i = 0; i < NFUNC; i++)
		if (s == TEXT + entries[i] && e == TEXT + entries[i + 1])
			return true;
	return false;
}

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	guard_len = 4 * (size_t)pg;
	uint8_t *m = mmap(NULL, guard_len + (size_t)pg, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	munmap(m + guard_len, (size_t)pg);
	guarded = m;

	uint8_t b[1024];
	struct zp_gopcln g;
	uintptr_t s, e;
	for (enum ver v = V12; v <= V120; v++) {
		size_t n = build(b, v);
		uint8_t *t = at_end(b, n);
		T_CHECK(zp_gopcln_init(&g, t, n, 0) == 0 && g.nfunc == NFUNC && g.lo == TEXT &&
				g.hi == TEXT + 0x200,
			"Go %s table: %d functions, text [0x%x, 0x%x)", vname[v], NFUNC, TEXT,
			TEXT + 0x200);
		T_CHECK(zp_gopcln_lookup(&g, TEXT + 0x40, &s, &e) == 0 && s == TEXT + 0x40 &&
				e == TEXT + 0x100,
			"Go %s: an entry is its function's start", vname[v]);
		T_CHECK(zp_gopcln_lookup(&g, TEXT + 0x1ff, &s, &e) == 0 && s == TEXT + 0x180 &&
				e == TEXT + 0x200,
			"Go %s: the last function ends at the table's end entry", vname[v]);
		T_CHECK(zp_gopcln_lookup(&g, TEXT + 0x200, &s, &e) < 0 &&
				zp_gopcln_lookup(&g, TEXT - 1, &s, &e) < 0,
			"Go %s: nothing outside the text", vname[v]);
		T_CHECK(zp_gopcln_init(&g, t, n, 0x1000) == 0 &&
				zp_gopcln_lookup(&g, TEXT + 0x1000 + 0x50, &s, &e) == 0 &&
				s == TEXT + 0x1040,
			"Go %s: a bias moves every function", vname[v]);

		/* Every truncation: refused, or (once the function table and
		 * the records it checks are in) a table that answers sanely. */
		bool ok = true;
		for (size_t k = 0; k < n; k++) {
			uint8_t *tk = at_end(b, k);
			if (zp_gopcln_init(&g, tk, k, 0) == 0)
				for (uintptr_t pc = TEXT; pc < TEXT + 0x200; pc += 0x20)
					ok &= sane(&g, pc);
		}
		T_CHECK(ok, "Go %s: every truncation refused or sane, no read past the end", vname[v]);

		/* Every byte, corrupted every way: no crash, no wrong answer
		 * (a flip inside an entry's field gives a function start that
		 * its record does not confirm).  Two fields have no second copy
		 * to check them against, the text start and the end entry: a
		 * wrong one moves the functions or the last one's end, which the
		 * runtime catches only if that leaves the code segment
		 * (gotab.c); they are left out here. */
		size_t fsz = v >= V118 ? 4 : 8, ftab = v == V12 ? 16 : v == V116 ? 64 : 72;
		size_t end_at = ftab + 2 * NFUNC * fsz;
		ok = true;
		size_t accepted = 0;
		for (size_t k = 0; k < n; k++)
			for (int x = 0; x < 256; x += 7) {
				if ((v >= V118 && k >= 24 && k < 32) || (k >= end_at && k < end_at + fsz))
					continue;
				uint8_t c[1024];
				memcpy(c, b, n);
				c[k] ^= (uint8_t)(x | 1);
				uint8_t *tc = at_end(c, n);
				if (zp_gopcln_init(&g, tc, n, 0) == 0) {
					accepted++;
					for (uintptr_t pc = TEXT; pc < TEXT + 0x200; pc += 0x10)
						ok &= sane(&g, pc);
				}
			}
		T_CHECK(ok, "Go %s: single corrupted bytes never give a wrong function (%zu of %zu "
			    "corrupt tables still parse: padding and unused fields)",
			vname[v], accepted, n * 37);
	}

	size_t n = build(b, V118);
	struct {
		const char *what;
		size_t off;
		uint64_t val;
		unsigned len;
	} bad[] = {
		{"another magic", 0, 0xfffffff2, 4},
		{"a pad byte set", 4, 1, 1},
		{"quantum 4 (not x86)", 6, 4, 1},
		{"pointer size 4", 7, 4, 1},
		{"no functions", 8, 0, 8},
		{"more functions than the buffer holds", 8, 1000, 8},
		{"absurdly many functions", 8, 1ull << 40, 8},
		{"function table offset past the end", 64, 5000, 8},
		{"function table offset inside the header", 64, 8, 8},
		{"a table offset past the end", 40, 1ull << 63, 8},
		{"first record elsewhere", 72 + 4, 4, 4},
		{"a function its own record (funcoff 0)", 72 + 4, 0, 4},
		{"last function's entry after the end", 72 + 6 * 4, 0x300, 4},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t c[1024];
		memcpy(c, b, n);
		put(c, bad[i].off, bad[i].val, bad[i].len);
		T_CHECK(zp_gopcln_init(&g, at_end(c, n), n, 0) < 0, "refused: %s", bad[i].what);
	}

	/* Entries out of order, or whose record disagrees: those functions
	 * are not given (the rest still are). */
	uint8_t c[1024];
	memcpy(c, b, n);
	put(c, 72 + 2 * 4, 0x150, 4); /* function 1 claims 0x150: after function 2 */
	T_CHECK(zp_gopcln_init(&g, at_end(c, n), n, 0) == 0 &&
			zp_gopcln_lookup(&g, TEXT + 0x60, &s, &e) < 0 &&
			zp_gopcln_lookup(&g, TEXT + 0x160, &s, &e) == 0 && s == TEXT + 0x100 &&
			e == TEXT + 0x180,
		"an entry out of order, not matching its record: the function before it is not "
		"used, those after it are");
	memcpy(c, b, n);
	put(c, 72 + 3 * 4, 0xfffffff0, 4); /* function 1's record far outside */
	T_CHECK(zp_gopcln_init(&g, at_end(c, n), n, 0) == 0 &&
			zp_gopcln_lookup(&g, TEXT + 0x40, &s, &e) < 0 &&
			zp_gopcln_lookup(&g, TEXT + 0x20, &s, &e) < 0 &&
			zp_gopcln_lookup(&g, TEXT + 0x100, &s, &e) == 0,
		"a record outside the buffer: that function and the one ending at it are not used");

	/* Found by its header in a larger buffer, past a lookalike. */
	uint8_t big[2048];
	size_t nn = (n + 7) & ~(size_t)7; /* the table 8-aligned, as a linker puts it */
	memset(big, 0x5a, sizeof big);
	memcpy(big + 64, b, 8); /* a header with nothing behind it */
	memcpy(big + 512, b, n);
	uint8_t *bt = at_end(big, 512 + nn);
	const void *found = zp_gopcln_scan(bt, 512 + nn, 0, &g);
	T_CHECK(found == bt + 512 && zp_gopcln_lookup(&g, TEXT + 0x10, &s, &e) == 0 && s == TEXT,
		"scan: the table found past a lookalike header");
	T_CHECK(zp_gopcln_scan(bt, 512, 0, &g) == NULL && g.nfunc == 0,
		"scan: a lookalike header alone is not a table");
	T_CHECK(zp_gopcln_scan(bt, 0, 0, &g) == NULL && zp_gopcln_scan(bt + 512 + nn - 7, 7, 0, &g) == NULL,
		"scan: empty and tiny buffers");
	T_DONE();
}
