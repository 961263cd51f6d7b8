#ifndef ZP_REWRITE_H
#define ZP_REWRITE_H

#include "rt.h"

struct zp_site {
	uintptr_t addr;
	uint8_t kind; /* enum zp_site_kind */
	/* ZP_SITE_DETOUR: the bytes replaced, from addr + dstart (detour.c) */
	int8_t dstart;
	uint8_t dlen;
	/* ZP_SITE_TRAP in detour mode: why not detoured (enum
	 * zp_detour_refusal; 0: its function keeps data below rsp) */
	uint8_t why;
	/* Detour mode: a padding slot before or after the function, at
	 * addr + 2 + pad (zp_detour_pad_plan), for a site that would trap, or
	 * whose detour may not be applied while threads run; 0: none */
	int8_t pad;
	/* Detour mode: the length of the one instruction after the call,
	 * where the site may be split around it (zp_detour_split_plan) while
	 * threads run; 0: it may not */
	uint8_t split;
};

struct zp_sites {
	struct zp_site *v;
	size_t n, cap;
};

ZP_HIDDEN int zp_sites_push(struct zp_sites *s, uintptr_t addr, int kind);
/* The site holds its rewritten instruction (callq *%rax or ud2). */
ZP_HIDDEN bool zp_site_rewritten(const struct zp_site *site);
/* The same for the site's two bytes read from elsewhere (a file). */
ZP_HIDDEN bool zp_site_bytes_rewritten(const struct zp_site *site, const uint8_t *b);
/* Room for n more sites. */
ZP_HIDDEN int zp_sites_reserve(struct zp_sites *s, size_t n);
ZP_HIDDEN void zp_sites_free(struct zp_sites *s);
/* The sites in [lo, hi) entered in the lookup tables before their
 * patched copy is mapped (textcache.c); rewrite.c counts them after. */
ZP_HIDDEN void zp_sites_register_ahead(const struct zp_sites *s, uintptr_t lo, uintptr_t hi);

struct zp_fde_index;
struct zp_maps;
/* Finds the sites in [start, end) of an object whose functions ix knows. */
ZP_HIDDEN int zp_find_in_range(struct zp_fde_index *ix, uintptr_t start, uintptr_t end,
			       struct zp_sites *out);
/* The same, with candidates read from `fd` at `off` (the file the range is
 * a private, unmodified mapping of); falls back to memory on any error. */
ZP_HIDDEN int zp_find_in_range_file(struct zp_fde_index *ix, uintptr_t start, uintptr_t end,
				    int fd, uint64_t off, struct zp_sites *out);
/* The same, with Go's function table of the object at `base` (program
 * headers `phdr`) as a second source of boundaries; *go_used says whether
 * it was found and used. */
ZP_HIDDEN int zp_find_in_range_obj(struct zp_fde_index *ix, const struct zp_maps *maps,
				   uintptr_t base, const void *phdr, int phnum, uintptr_t start,
				   uintptr_t end, struct zp_sites *out, bool *go_used);
/* Rewrites the sites (sorted); pages get their exact protection back. */
ZP_HIDDEN int zp_patch_sites(const struct zp_maps *maps, const struct zp_sites *s);
/* The same, where the mappings starting at premapped[] hold patched code
 * already checked: their sites are only registered. */
ZP_HIDDEN int zp_patch_sites_premapped(const struct zp_maps *maps, const struct zp_sites *s,
				       const uintptr_t *premapped, int npremapped);

#include <link.h>
ZP_HIDDEN bool zp_object_has_textrel(uintptr_t base, const ElfW(Phdr) * ph, int phnum);

/* Set by the sites report (ZPOLINE_SITES): called for each object. */
extern ZP_HIDDEN void (*zp_sites_report)(const char *path, uintptr_t base,
					 const struct zp_sites *s);

#endif
