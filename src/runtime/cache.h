#ifndef ZP_CACHE_H
#define ZP_CACHE_H

#include "rewrite.h"

/* Bump when the finder's answers change: every cached list and text goes.
 * 8: lists stored under a debugger (breakpoints in the scanned code) could
 * lack sites; no longer stored (cache.c), and older ones dropped.
 * 9: a call opening a gap where an unwind entry ends is decoded from that
 * entry's start (rewrite.c): detours of such calls change shape.
 * 10: detour lists carry each site's padding slot (detour.c).
 * 11: ... and the length of the instruction it may be split around. */
#define ZP_FINDER_VERSION 11
/* The layout of patched copies (textcache.c): 6, whole object files. */
#define ZP_TEXT_CACHE_VERSION 6

ZP_HIDDEN void zp_cache_init(void);
struct stat;
/* A cache file may be used: owned by the user the runtime started as and
 * writable by nobody else. */
ZP_HIDDEN bool zp_cache_file_trusted(const struct stat *st);
/* A build-id as lower-case hex (at most 64 bytes of it). */
ZP_HIDDEN void zp_build_id_hex(char out[2 * 64 + 1], const uint8_t *id, size_t idlen);
/* The cache directory, or NULL when caching is off. */
ZP_HIDDEN const char *zp_cache_dir(void);
/* 0 and the sites of the object at `base` that lie in [lo, hi), or -1 (no
 * usable entry).  `whole`: [lo, hi) is all of the object's code, so a site
 * outside it means the list is bad; otherwise it is in a segment not mapped
 * yet.  `check_bytes`: every site must hold syscall/sysenter now, else the
 * list is dropped (without it the caller checks, see
 * zp_sites_hold_syscalls). */
ZP_HIDDEN int zp_cache_load(const uint8_t *id, size_t idlen, uintptr_t base, uintptr_t lo,
			    uintptr_t hi, bool whole, bool check_bytes, struct zp_sites *out);
/* Every site of `s` in [lo, hi) holds a syscall or sysenter instruction. */
ZP_HIDDEN bool zp_sites_hold_syscalls(const struct zp_sites *s, uintptr_t lo, uintptr_t hi);
ZP_HIDDEN void zp_cache_store(const uint8_t *id, size_t idlen, uintptr_t base,
			      const struct zp_sites *s);

/* Patched code kept between processes (textcache.c). */
struct zp_map;
ZP_HIDDEN bool zp_text_cache_map(const struct zp_map *m, const uint8_t *id, size_t idlen,
				 uintptr_t vaddr, const struct zp_sites *s);
/* Puts the original code back over a segment zp_text_cache_map replaced. */
ZP_HIDDEN void zp_text_cache_unmap(const struct zp_map *m);
ZP_HIDDEN void zp_text_cache_store(const struct zp_map *m, const uint8_t *id, size_t idlen,
				   uintptr_t vaddr, const struct zp_sites *s);

#endif
