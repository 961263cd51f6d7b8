/*
 * scan.h - the first pass of the site finder over one range of code: every
 * `0f 05` / `0f 34` byte pair (finder.c's zp_find_candidates), read from
 * memory (a file's mapping populated first) or from the file the code was
 * mapped from.  A big range is
 * scanned on two CPUs at once, with a short-lived helper thread of the
 * runtime's own (scan.c).
 */
#ifndef ZP_SCAN_H
#define ZP_SCAN_H

#include "rt.h"

/* Candidate offsets (from the range's start), in address order, in raw
 * mmap'ed memory: sized for one pair per KiB, and pages never written cost
 * nothing.  Not on the stack: finding may run in a signal handler. */
struct cands {
	size_t *v;
	size_t n, cap, bytes;
	bool helper_ok; /* a helper scanned part of it: none was forbidden */
};

/* The len bytes of file fd from offset off.  0, or -errno with nothing
 * held (the caller then scans memory). */
ZP_HIDDEN int zp_cands_from_file(struct cands *c, int fd, uint64_t off, size_t len);
/* The len bytes at p.  0, or -ENOMEM with nothing held. */
ZP_HIDDEN int zp_cands_from_memory(struct cands *c, const uint8_t *p, size_t len);
/* What to do with each block's pairs on the thread that found them, when
 * a range is scanned on two CPUs: fn(ctx[0], ...) on the caller,
 * fn(ctx[1], ...) on the helper, with the block's candidates (offsets from
 * the range's start, in address order; blocks in no particular order).
 * fn runs where the helper does: libc-free code only.  Non-zero: the
 * split fails (see below). */
struct zp_scan_visit {
	int (*fn)(void *ctx, const size_t *v, size_t n);
	void *ctx[2];
};
/* The same for code mapped from a file, its pages mapped in first
 * (MADV_POPULATE_READ), block by block on the CPU that scans them.
 * *visited: the range was scanned on two CPUs and every block's pairs
 * went to visit (NULL: none).  When false, visit may have seen some
 * blocks of a split that then failed: the caller starts again from c. */
ZP_HIDDEN int zp_cands_from_mapping(struct cands *c, const uint8_t *p, size_t len,
				    const struct zp_scan_visit *visit, bool *visited);
ZP_HIDDEN void zp_cands_free(struct cands *c);

/* Ranges of at least this many bytes get a helper when the process may
 * run on two CPUs; 0: never (ZPOLINE_SCAN_SPLIT, in KiB). */
extern ZP_HIDDEN size_t zp_scan_split_min;
/* Ranges scanned with a helper thread, and how many of their blocks the
 * helper took (the debug summary). */
extern ZP_HIDDEN unsigned long zp_scan_split_count, zp_scan_helper_blocks, zp_scan_blocks;
/* Ranges whose candidates were decoded on two CPUs (rewrite.c). */
extern ZP_HIDDEN unsigned long zp_decode_split_count;

/* Runs fn(arg) on a helper thread (as the scan's: invisible to the
 * program, every signal blocked, only libc-free code) while the caller
 * runs own(oarg); returns when both are done, true if fn ran on the
 * helper.  Where no helper may or can start, the caller runs both, own
 * first.  checked: a helper was just allowed here (struct cands'
 * helper_ok): the thread's status need not be read again. */
ZP_HIDDEN bool zp_beside(void (*fn)(void *), void *arg, void (*own)(void *), void *oarg,
			bool checked);

#endif
