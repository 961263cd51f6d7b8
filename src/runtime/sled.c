/*
 * sled.c - the jumps of page 0: the rel8 sled and the jmp rel32 units
 * (see trampoline.c and docs/design.md for their shapes).
 *
 * A small dynamic programme picks, for every even offset, the displacement
 * that reaches the tail in the fewest jumps.  Its inputs never change, so
 * it runs at build time (tools/gen-sled.c writes build/gen/sled_image.c)
 * and the runtime copies the result: run at every start it cost ~10 us of
 * a 0.9 ms /bin/true here (perf, AMD EPYC VM).  Pure: no system call,
 * only memset and memcpy, so the generator links it as it is.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "layout.h"
#include "sled.h"

/* Prefixes the CPU ignores in front of a jump (es/cs/ss/ds overrides, REX,
 * fs/gs overrides; not 0x66, which shortens a jmp's operand on AMD), in
 * increasing order: the sled's displacements and the bytes of the units'
 * rel32s, so that landing on one runs the jump after it. */
static const unsigned char ignored_prefix[] = {
	0x26, 0x2e, 0x36, 0x3e, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x64, 0x65,
};
#define JUMP_COST 4 /* a taken jump costs about four nops */

void zp_sled_build(unsigned char *page, size_t end)
{
	/* Even offsets below `zone` start a jump; [zone, end) are nops. */
	size_t zone = ((end - 2 - ignored_prefix[0]) & ~(size_t)1) + 2;
	unsigned cost[ZP_SLED_END + 1];
	for (size_t p = zone; p <= end; p++)
		cost[p] = (unsigned)(end - p);
	for (size_t q = zone; q-- > 0;) {
		if (q % 2) {
			cost[q] = cost[q + 1] + 1;
			continue;
		}
		unsigned best = ~0u;
		unsigned char bd = ignored_prefix[0];
		for (size_t i = 0; i < sizeof ignored_prefix; i++) {
			size_t t = q + 2 + ignored_prefix[i];
			if (t > end)
				break;
			if (cost[t] + JUMP_COST <= best) {
				best = cost[t] + JUMP_COST;
				bd = ignored_prefix[i];
			}
		}
		page[q] = 0xeb;
		page[q + 1] = bd;
		cost[q] = best;
	}
	for (size_t p = zone; p < end; p++)
		page[p] = 0x90;
}

int zp_units_build(unsigned char *page, unsigned char *land, unsigned short *at)
{
	memset(page, 0xcc, ZP_UNITS_END);
	memset(land, 0xcc, S2_LAND_END - S2_LAND);
	size_t n = 0;
	for (size_t a = 0; a + ZP_UNIT <= ZP_SLED_END - 2; a += ZP_UNIT)
		at[n++] = (unsigned short)a;
	/* Two prefix bytes join the last of those to the unit at the sled's
	 * end (at most 6 prefixes run in front of an e9). */
	page[ZP_SLED_END - 2] = page[ZP_SLED_END - 1] = 0x2e;
	at[n++] = ZP_SLED_END;
	if (n != ZP_NUNITS)
		return -1;
	for (size_t u = 0; u < n; u++) {
		size_t a = at[u];
		bool placed = false;
		/* The unit's rel32 is stage2 + off - (a + 5); with the stage's
		 * low 16 bits ZP_UNITS_S2_LOW, its two low bytes are r0 and
		 * 0x40 + k for off = a + 5 + r0 + 256 k: both prefixes. */
		for (unsigned k = 0; k < 16 && !placed; k++)
			for (size_t i = 0; i < sizeof ignored_prefix && !placed; i++) {
				size_t off = a + ZP_UNIT + ignored_prefix[i] + 256 * k;
				if (off < S2_LAND || off + ZP_UNIT > S2_LAND_END)
					continue;
				unsigned char *l = land + (off - S2_LAND);
				bool free = true;
				for (size_t b = 0; b < ZP_UNIT; b++)
					free = free && l[b] == 0xcc;
				if (!free)
					continue;
				int32_t rel = (int32_t)S2_ENTRY - (int32_t)(off + ZP_UNIT);
				l[0] = 0xe9;
				memcpy(l + 1, &rel, 4);
				page[a] = 0xe9;
				page[a + 1] = ignored_prefix[i];
				page[a + 2] = (unsigned char)(0x40 + k);
				page[a + 3] = page[a + 4] = 0; /* the stage's address: at start-up */
				placed = true;
			}
		if (!placed)
			return -1;
	}
	return 0;
}
