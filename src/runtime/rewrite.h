#ifndef ZP_REWRITE_H
#define ZP_REWRITE_H

#include "rt.h"

struct zp_site {
	uintptr_t addr;
	uint8_t kind; /* enum zp_site_kind */
};

struct zp_sites {
	struct zp_site *v;
	size_t n, cap;
};

ZP_HIDDEN int zp_sites_push(struct zp_sites *s, uintptr_t addr, int kind);
ZP_HIDDEN void zp_sites_free(struct zp_sites *s);

/* Set by the sites report (ZPOLINE_SITES): called for each object. */
extern ZP_HIDDEN void (*zp_sites_report)(const char *path, uintptr_t base,
					 const struct zp_sites *s);

#endif
