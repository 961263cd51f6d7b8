#ifndef ZP_SLED_H
#define ZP_SLED_H

#include <stddef.h>

/* Fills page[0, sled_end) with the sled (sled.c). */
void zp_sled_build(unsigned char *page, size_t sled_end);

/* zp_sled_build(image, ZP_SLED_END), computed at build time
 * (build/gen/sled_image.c). */
extern const unsigned char zp_sled_image[];

/* Page 0 as jmp rel32 units instead (sled.c): page[0, ZP_UNITS_END) with
 * the units' two high rel32 bytes left 0, at[] the units' offsets, land[]
 * the second stage's [S2_LAND, S2_LAND_END) with the jumps they reach.
 * -1 if the layout cannot hold them. */
int zp_units_build(unsigned char *page, unsigned char *land, unsigned short *at);

/* zp_units_build's output, computed at build time. */
extern const unsigned char zp_units_image[];
extern const unsigned char zp_land_image[];
extern const unsigned short zp_units_at[];

#endif
