/*
 * sled.c - the jumps of page 0's sled (see trampoline.c for its shape).
 *
 * A small dynamic programme picks, for every even offset, the displacement
 * that reaches the tail in the fewest jumps.  Its inputs never change, so
 * it runs at build time (tools/gen-sled.c writes build/gen/sled_image.c)
 * and the runtime copies the result: run at every start it cost ~10 us of
 * a 0.9 ms /bin/true here (perf, AMD EPYC VM).  Pure: no system call, no
 * libc, so the generator links it as it is.
 */
#include <stddef.h>

#include "layout.h"
#include "sled.h"

/* Displacements that are also prefixes the CPU ignores in front of a short
 * jump: es/cs/ss/ds overrides, REX, fs/gs overrides. */
static const unsigned char sled_disp[] = {
	0x26, 0x2e, 0x36, 0x3e, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x64, 0x65,
};
#define JUMP_COST 4 /* a taken jump costs about four nops */

void zp_sled_build(unsigned char *page, size_t end)
{
	/* Even offsets below `zone` start a jump; [zone, end) are nops. */
	size_t zone = ((end - 2 - sled_disp[0]) & ~(size_t)1) + 2;
	unsigned cost[ZP_SLED_END + 1];
	for (size_t p = zone; p <= end; p++)
		cost[p] = (unsigned)(end - p);
	for (size_t q = zone; q-- > 0;) {
		if (q % 2) {
			cost[q] = cost[q + 1] + 1;
			continue;
		}
		unsigned best = ~0u;
		unsigned char bd = sled_disp[0];
		for (size_t i = 0; i < sizeof sled_disp; i++) {
			size_t t = q + 2 + sled_disp[i];
			if (t > end)
				break;
			if (cost[t] + JUMP_COST <= best) {
				best = cost[t] + JUMP_COST;
				bd = sled_disp[i];
			}
		}
		page[q] = 0xeb;
		page[q + 1] = bd;
		cost[q] = best;
	}
	for (size_t p = zone; p < end; p++)
		page[p] = 0x90;
}
