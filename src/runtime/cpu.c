/*
 * cpu.c - how to save the extended state (x87, SSE, AVX, AVX-512, ...)
 * around hooks that may touch it.  Sized from CPUID leaf 0xD, so AVX-512 and
 * anything newer the OS enabled in XCR0 is covered.
 */
#include <cpuid.h>

#include "rt.h"

unsigned char zp_xsave_kind;
uint64_t zp_xsave_size;

void zp_cpu_probe(void)
{
	unsigned a, b, c, d;
	zp_xsave_kind = 3; /* fxsave: every x86-64 has it */
	zp_xsave_size = 512 + 64;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return;
	bool osxsave = c & (1u << 27);
	if (!osxsave || !__get_cpuid_count(0xd, 0, &a, &b, &c, &d))
		return;
	/* EBX: bytes XSAVE needs for the features enabled in XCR0 (standard
	 * layout, never smaller than the compacted one). */
	zp_xsave_size = ((uint64_t)b + 63) / 64 * 64 + 64;
	zp_xsave_kind = 2;
	if (__get_cpuid_count(0xd, 1, &a, &b, &c, &d) && (a & (1u << 1)))
		zp_xsave_kind = 1; /* XSAVEC: compacted, skips components in init state */
}

/* Called once zp_xsave_kind is final: the kind the CPU supports stays known
 * for runtime work that must save the state whatever the hooks need. */
void zp_cpu_remember(unsigned char cpu_kind)
{
	zp_xsave_cpu_kind = cpu_kind;
}
