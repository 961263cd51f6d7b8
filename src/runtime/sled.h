#ifndef ZP_SLED_H
#define ZP_SLED_H

#include <stddef.h>

/* Fills page[0, sled_end) with the sled (sled.c). */
void zp_sled_build(unsigned char *page, size_t sled_end);

/* zp_sled_build(image, ZP_SLED_END), computed at build time
 * (build/gen/sled_image.c). */
extern const unsigned char zp_sled_image[];

#endif
