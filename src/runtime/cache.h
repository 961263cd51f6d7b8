#ifndef ZP_CACHE_H
#define ZP_CACHE_H

#include "rewrite.h"

ZP_HIDDEN void zp_cache_init(void);
/* 0 and the sites of the object at `base` that lie in [lo, hi), or -1 (no
 * usable entry). */
ZP_HIDDEN int zp_cache_load(const uint8_t *id, size_t idlen, uintptr_t base, uintptr_t lo,
			    uintptr_t hi, struct zp_sites *out);
ZP_HIDDEN void zp_cache_store(const uint8_t *id, size_t idlen, uintptr_t base,
			      const struct zp_sites *s);

#endif
