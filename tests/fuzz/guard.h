/*
 * guard.h - fuzz inputs copied into memory where any stray access faults.
 *
 * libFuzzer hands over its input in a heap block, so a read a few bytes past
 * it is caught by ASan, but a read far away (ehframe.c follows offsets taken
 * from the data, up to +-2 GiB) may land in another live block and go
 * unnoticed.  Uninstrumented code (the system's libZydis) is not checked by
 * ASan at all.  So each window sits between two large PROT_NONE guard
 * reservations (only address space, no memory), and inside the window
 * everything but the input is ASan-poisoned.
 *
 * ASan's shadow cannot mark "the last k bytes of a granule addressable", so
 * an input that does not start on an 8-byte boundary has a blind spot just
 * before it.  Each input is therefore checked twice: once starting at the
 * window's first byte (an underflow hits the guard below), once ending at
 * its last byte (an overflow hits the guard above).
 */
#ifndef ZP_FUZZ_GUARD_H
#define ZP_FUZZ_GUARD_H

#include <sanitizer/asan_interface.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ZF_WINDOW (1u << 20)             /* largest input (-max_len) */
#define ZF_GUARD ((size_t)5 << 29)       /* 2.5 GiB each side */

enum zf_place { ZF_AT_START, ZF_AT_END };

struct zf_window {
	uint8_t *lo;   /* ZF_WINDOW readable/writable bytes */
	uint8_t *live; /* the part left unpoisoned by the last zf_place */
	size_t live_len;
};

static void zf_window_init(struct zf_window *w)
{
	size_t total = 2 * ZF_GUARD + ZF_WINDOW;
	uint8_t *r = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			  -1, 0);
	if (r == MAP_FAILED) {
		perror("fuzz: reserving guard space");
		abort();
	}
	w->lo = r + ZF_GUARD;
	if (mprotect(w->lo, ZF_WINDOW, PROT_READ | PROT_WRITE) != 0) {
		perror("fuzz: mprotect window");
		abort();
	}
	ASAN_POISON_MEMORY_REGION(w->lo, ZF_WINDOW);
	w->live = w->lo;
	w->live_len = 0;
}

/* Copies data into the window; returns where it starts.  `align` (a power
 * of two) is the alignment the data has in a real process: ZF_AT_END then
 * leaves up to align-1 poisoned bytes after it, where ASan still sees an
 * overrun, only instrumented code is checked there. */
static uint8_t *zf_place(struct zf_window *w, const uint8_t *data, size_t len,
			 enum zf_place where, size_t align)
{
	if (len > ZF_WINDOW)
		abort(); /* run with -max_len <= ZF_WINDOW */
	uint8_t *dst = where == ZF_AT_START
			       ? w->lo
			       : (uint8_t *)((uintptr_t)(w->lo + ZF_WINDOW - len) & ~(align - 1));
	/* Only the bytes the previous input exposed need poisoning again
	 * (rounded out to whole granules, which the window's ends are). */
	uintptr_t a = (uintptr_t)w->live & ~(uintptr_t)7;
	uintptr_t b = ((uintptr_t)w->live + w->live_len + 7) & ~(uintptr_t)7;
	ASAN_POISON_MEMORY_REGION((void *)a, b - a);
	ASAN_UNPOISON_MEMORY_REGION(dst, len);
	if (len)
		memcpy(dst, data, len);
	w->live = dst;
	w->live_len = len;
	return dst;
}

#endif
