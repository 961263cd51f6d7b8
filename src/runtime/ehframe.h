#ifndef ZP_EHFRAME_H
#define ZP_EHFRAME_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct zp_fde_index {
	const void *hdr;      /* .eh_frame_hdr in memory */
	const int32_t *table; /* (start, fde) pairs, datarel to hdr */
	size_t count;
	const uint8_t *cie;   /* last CIE seen, and its FDE encoding */
	uint8_t cie_enc;
	/* Added to every address the tables yield: non-zero when the tables
	 * were read from a copy of the file, not from the loaded image. */
	intptr_t bias;
	const uint8_t *lo, *hi; /* everything read lies in [lo, hi)... */
	/* ...or, if set, wherever this says is readable (the header and the
	 * records it points to may live in different mappings). */
	bool (*readable)(const void *ctx, const void *p, size_t n);
	const void *ctx;
};

/* 0, or -1 if the header is missing, malformed, or in a form without a
 * search table.  [lo, hi) is the memory that may be read: the header, its
 * table, and the .eh_frame records it points to must all lie inside. */
int zp_fde_index_init(struct zp_fde_index *ix, const void *eh_frame_hdr, const void *lo,
		      const void *hi);
/* After init: the records may be read wherever `readable` says (the
 * header and the .eh_frame it indexes may lie in different mappings). */
void zp_fde_index_set_readable(struct zp_fde_index *ix,
			       bool (*readable)(const void *ctx, const void *p, size_t n),
			       const void *ctx);

/* The function [start, end) that contains pc: 0, or -1 if none does. */
int zp_fde_lookup(struct zp_fde_index *ix, uintptr_t pc, uintptr_t *start, uintptr_t *end);

/* [lo, hi): from the first function the table knows to the end of the
 * last.  0, or -1 for an empty or unreadable table. */
int zp_fde_span(struct zp_fde_index *ix, uintptr_t *lo, uintptr_t *hi);

/* pc lies between functions: [start, end) is the gap from the end of the
 * function before it to the start of the next (an instruction boundary:
 * glibc's clone ends its FDE right before the syscall).  0 or -1. */
int zp_fde_gap(struct zp_fde_index *ix, uintptr_t pc, uintptr_t *start, uintptr_t *end);

#endif
