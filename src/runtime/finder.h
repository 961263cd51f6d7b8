#ifndef ZP_FINDER_H
#define ZP_FINDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum zp_site_kind {
	ZP_SITE_FAST = 0, /* rewritten to callq *%rax */
	ZP_SITE_TRAP = 1, /* rewritten to ud2: the function uses the red zone */
	ZP_SITE_DETOUR = 2, /* ZPOLINE_MODE=detour: a jmp rel32 to a trampoline (detour.c) */
};

/* Offsets of every 0f 05 / 0f 34 pair in buf; returns how many there are
 * (only the first `max` are stored). */
size_t zp_find_candidates(const uint8_t *buf, size_t len, size_t *out, size_t max);
/* The same with one way of scanning (tests: each must find the same
 * pairs), and the way zp_find_candidates takes on this CPU. */
enum { ZP_SCAN_BYTES, ZP_SCAN_SSE2, ZP_SCAN_AVX2, ZP_SCAN_AVX512 };
size_t zp_find_candidates_with(int how, const uint8_t *buf, size_t len, size_t *out, size_t max);
int zp_find_candidates_widest(void);

#define ZP_FUNC_MAX_SITES 4096
#define ZP_FUNC_TARGET_SPAN 65536
struct zp_func_result {
	size_t sites[ZP_FUNC_MAX_SITES]; /* offsets of syscall/sysenter instructions */
	size_t nsites; /* how many there are; only the first ZP_FUNC_MAX_SITES are stored */
	bool redzone;  /* the function addresses memory below rsp */
	bool complete; /* the whole function decoded */
	size_t insns;  /* instructions decoded (the debug summary counts them) */
	/* For the detour planner (detour.c): where each site's previous
	 * instruction starts (SIZE_MAX: none), every direct branch target in
	 * the function's first ZP_FUNC_TARGET_SPAN bytes, and whether a target
	 * lay beyond that or the function jumps indirectly (a jump table's
	 * targets are unknown). */
	size_t prev[ZP_FUNC_MAX_SITES];
	uint64_t target[ZP_FUNC_TARGET_SPAN / 64];
	bool far_target;
	bool indirect_jmp;
};

static inline bool zp_func_is_target(const struct zp_func_result *r, size_t off)
{
	if (off >= ZP_FUNC_TARGET_SPAN)
		return true; /* unknown: assume so */
	return (r->target[off / 64] >> (off % 64)) & 1;
}

/* Decodes one function from its first byte.  0, or -1 if some bytes did not
 * decode (sites before that point are still reported).  With no site found
 * by offset `last_candidate` it stops there (nothing after can matter). */
int zp_decode_function(const uint8_t *code, size_t len, size_t last_candidate,
		       struct zp_func_result *res);

/* Decodes code without known boundaries from its start, stepping over
 * undecodable bytes; red-zone use anywhere counts for every site.  Like
 * zp_decode_function() it stops at the last 0f 05 / 0f 34 pair with no site
 * found by then, and decodes nothing (0, no sites) when there is no pair. */
int zp_decode_linear(const uint8_t *code, size_t len, struct zp_func_result *res);

/* Loads the decoder if it is not yet (before decoding on two threads at
 * once: its state is set up by the first use).  false: no decoder. */
bool zp_finder_ready(void);

/* A result is 32 KiB: too big for a signal handler's stack.  These map
 * one (raw mmap; NULL if out of memory). */
struct zp_func_result *zp_func_result_new(void);
void zp_func_result_free(struct zp_func_result *r);

/* Rewrites the 2-byte instruction at `at`, safely for other threads
 * running it (a site across a cache line goes through int3). */
void zp_patch_bytes(uint8_t *at, enum zp_site_kind kind);

#endif
