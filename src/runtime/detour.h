/*
 * detour.h - sites rewritten to `jmp rel32` to a trampoline of their own,
 * for ZPOLINE_MODE=detour (no page 0; see detour.c).
 */
#ifndef ZP_DETOUR_H
#define ZP_DETOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zp_func_result;

/* Why a site was not detoured (the debug summary counts them). */
enum zp_detour_refusal {
	ZP_DETOUR_OK = 0,
	ZP_DETOUR_NO_FUNCTION,  /* the function did not decode whole */
	ZP_DETOUR_INDIRECT,     /* the function jumps indirectly (a jump table?) */
	ZP_DETOUR_TARGET,       /* a branch lands inside the bytes to patch */
	ZP_DETOUR_RELOC,        /* an instruction to displace cannot be moved */
	ZP_DETOUR_END,          /* the bytes to patch run past the function */
	ZP_DETOUR_NO_ROOM,      /* no memory for a trampoline within 2 GiB */
	ZP_DETOUR_THREADS,      /* threads may be in the call: not past the site */
	ZP_DETOUR_NREASONS
};
extern unsigned long zp_detour_refused[ZP_DETOUR_NREASONS];
extern unsigned long zp_detour_count;
/* Set while code other threads may be running is patched (a process with
 * threads at start-up: init.c): no detour covers bytes after the
 * `syscall`, where a thread inside the call would return. */
extern bool zp_detour_in_place_only;

/* The bytes a detour of the site at offset `off` of the function `fn`
 * (decoded into r; `k` the site's index there) replaces: from
 * site + *start (0, or minus the previous instruction's length) for *len
 * bytes (5 or more).  ZP_DETOUR_OK or why not. */
int zp_detour_plan(const uint8_t *fn, size_t flen, const struct zp_func_result *r, size_t k,
		   int8_t *start, uint8_t *len);

/* A site no plan above fits, or whose jmp would cover bytes after the
 * call while threads the runtime did not start may run, may instead
 * become a 2-byte `jmp rel8` to a `jmp rel32` to its trampoline, written
 * into the padding between two functions: gap, gap_len, the bytes
 * between two unwind entries; fn, flen, the function before them, whose
 * code from offset `from` (an instruction's start) to its end must decode
 * and end the path.  The slot is the nth from the gap's start (the sites
 * of the function before it) or from its end (the function after it:
 * from_end).  Its offset from site + 2 (-128..127), or 0: no room within
 * reach, or something might run into it. */
int8_t zp_detour_pad_plan(const uint8_t *fn, size_t flen, size_t from, uintptr_t site,
			  const uint8_t *gap, size_t gap_len, unsigned nth, bool from_end);

/* Writes the trampoline of the site (planned as above, its bytes still the
 * original ones) and then the site's jmp; the page must be writable.
 * Registers the trampoline's return address as a site.  0, or a
 * refusal (the site is left as it was). */
int zp_detour_apply(uintptr_t site, int8_t start, uint8_t len);

/* The same for a site with a padding slot (zp_detour_pad_plan): nothing
 * but the `syscall` is replaced, and its trampoline returns straight to
 * the site + 2.  The slot must still hold padding, claimed by no site. */
int zp_detour_apply_pad(uintptr_t site, int8_t pad);
extern unsigned long zp_detour_padded;

/* A site whose `syscall` is followed by one instruction of 5 bytes or
 * more, which may move and which no branch targets, may be detoured while
 * threads the runtime did not start run, in two parts (detour.c, "Split
 * around the call"): that instruction becomes the `jmp rel32`, and the
 * `syscall` a `mov $imm8, %cl`, which tells a call arriving at the site
 * from a thread returning from the kernel to site + 2 (rcx = site + 2).
 * The instruction's length, or 0 where the shape does not fit. */
uint8_t zp_detour_split_plan(const uint8_t *fn, size_t flen, const struct zp_func_result *r,
			     size_t k);

/* The same as zp_detour_apply for a site planned so: split, the length
 * of the instruction after the call. */
int zp_detour_apply_split(uintptr_t site, uint8_t split);
extern unsigned long zp_detour_split;

/* Around a run of zp_detour_apply() calls (the patching lock held):
 * trampoline blocks are made writable once, not once a site. */
void zp_detour_batch_begin(void);
void zp_detour_batch_end(void);

/* The site whose trampoline's call returns to `ret`, or 0. */
uintptr_t zp_detour_site_of(uintptr_t ret);
/* Where a call whose trampoline's call returns to (or traps before) `ret`
 * may resume: site + 2 where the trampoline would only jump there (what
 * a signal handler then sees is the program's own address), else ret. */
uintptr_t zp_detour_resume(uintptr_t ret);
/* Where a call that returns to `ret` is made again from its trampoline
 * (the program's registers, rsp at the site's, rax the number): the
 * trampoline's entry to the second stage, past what it ran in the
 * program's stead.  0 if `ret` has no trampoline. */
uintptr_t zp_detour_reentry(uintptr_t ret);
/* Where the program stands at pc, one of a trampoline's instructions
 * before the call reaches the second stage or in the continuation after
 * it, or a split site's jmp (rcx: the thread's, which tells a call
 * arriving there from one returning): ZP_DETOUR_AT_NONE for any other
 * pc; ZP_DETOUR_AT_PROGRAM: at *shown with the registers as they are,
 * rsp *below bytes lower (what the trampoline pushed): before the call
 * the site (or the first byte replaced when the displaced instruction
 * has not run yet), after it where the moved instructions stand;
 * ZP_DETOUR_AT_RETURN: just back from the call, at *shown (site + 2),
 * which is then rcx too, as the kernel leaves it. */
enum { ZP_DETOUR_AT_NONE, ZP_DETOUR_AT_PROGRAM, ZP_DETOUR_AT_RETURN };
int zp_detour_view_at(uintptr_t pc, uintptr_t rcx, uintptr_t *shown, unsigned *below);
/* Is `addr` the first byte of a detour being written (an int3 for a
 * moment), or written since (its trap handled after the jmp was done)? */
bool zp_detour_patching(uintptr_t addr);
/* Does [lo, hi) reach a trampoline block? */
bool zp_detour_touches(uintptr_t lo, uintptr_t hi);

#endif
