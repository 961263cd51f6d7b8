#ifndef ZP_GOPCLNTAB_H
#define ZP_GOPCLNTAB_H

/* Function boundaries from a Go binary's function table (gopclntab.c).
 * Shared by the runtime (dynamic Go programs) and the loader (static
 * ones): pure functions over memory the caller says is readable. */

#include <stddef.h>
#include <stdint.h>

struct zp_gopcln {
	const uint8_t *tab;   /* the table's header */
	size_t len;           /* bytes readable from tab */
	unsigned field;       /* bytes per function-table field: 4 (Go 1.18+) or 8 */
	uintptr_t text;       /* added to every entry: the text start (Go 1.18+) or the bias */
	const uint8_t *ftab;  /* nfunc (entry, funcoff) pairs, then the end entry */
	const uint8_t *fdata; /* what funcoff is relative to */
	size_t nfunc;
	uintptr_t lo, hi;     /* [first function's entry, end of the last one) */
};

/* 0 if [tab, tab + len) starts with a well-formed table for 64-bit x86
 * (magic of Go 1.2 to 1.20+, quantum 1, pointer size 8, every part of it
 * inside the buffer, first and last functions consistent), else -1.
 * `bias` is added to the addresses the table holds (its text start, or
 * before Go 1.18 every entry): 0 for a table ld.so has relocated, the
 * load bias for one still as in the file. */
int zp_gopcln_init(struct zp_gopcln *g, const void *tab, size_t len, uintptr_t bias);

/* The function [start, end) containing pc: 0, or -1 if none does or the
 * entries around pc are not consistent (entry order, each function's own
 * record naming the same entry).  end is the next function's entry: Go
 * lays its functions out back to back, padded with int3. */
int zp_gopcln_lookup(const struct zp_gopcln *g, uintptr_t pc, uintptr_t *start, uintptr_t *end);

/* A well-formed table starting at an 8-byte boundary of [buf, buf + len)
 * (for files without section headers): its header, or NULL. */
const void *zp_gopcln_scan(const void *buf, size_t len, uintptr_t bias, struct zp_gopcln *g);

#endif
