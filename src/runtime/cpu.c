/*
 * cpu.c - how to save the extended state (x87, SSE, AVX, AVX-512, ...)
 * around hooks that may touch it.  Sized from CPUID leaf 0xD, so AVX-512 and
 * anything newer the OS enabled in XCR0 is covered.
 */
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/platform/x86.h>

#include "rt.h"

/* Page 0 can be execute-only: the CPU has protection keys and the OS
 * turned them on; ZPOLINE_PKU=0 leaves page 0 readable, as CPUs without
 * them do, so that those machines' behaviour is tested here too
 * (test-nullfault, test-detour).  Asked before zp_cpu_probe runs. */
bool zp_pku_usable(void)
{
	static int usable = -1; /* asked twice: one word about a bad value */
	if (usable < 0)
		usable = CPU_FEATURE_ACTIVE(PKU) && zp_env_bool("ZPOLINE_PKU", true);
	return usable;
}

unsigned char zp_xsave_kind;
unsigned char zp_wrgsbase;
unsigned char zp_gs_check_base;

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE (1 << 1)
#endif
uint64_t zp_xsave_size;

/* The feature bits come from what ld.so already read (glibc 2.33's
 * <sys/platform/x86.h>): a CPUID instruction traps to the hypervisor on
 * this VM, several microseconds each (bench/machine-costs), and each of
 * the runtime's used to count at every start-up.  The one leaf glibc does
 * not keep, the XSAVE area's size, is asked for once. */
void zp_cpu_probe(void)
{
	/* Linux >= 5.9 on a CPU with FSGSBASE says so in AT_HWCAP2; the
	 * instruction faults where the kernel has not enabled it. */
	zp_wrgsbase = (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) != 0;
	/* ZPOLINE_FSGSBASE=0: arch_prctl, as without it, so that machines
	 * with FSGSBASE test that path too (test-modes). */
	if (!zp_env_bool("ZPOLINE_FSGSBASE", true))
		zp_wrgsbase = 0;
	zp_xsave_kind = 3; /* fxsave: every x86-64 has it */
	zp_xsave_size = 512 + 64;
	if (!CPU_FEATURE_ACTIVE(OSXSAVE))
		return;
	zp_xsave_kind = CPU_FEATURE_ACTIVE(XSAVEC) ? 1 /* compacted: skips components in init state */
						  : 2;
	/* XSAVEC's area: leaf 0xd subleaf 1's EBX, the compacted size of
	 * every state in XCR0 | IA32_XSS, a bound for XCR0's alone, which
	 * glibc kept (one CPUID less at every start: 3.5 us on the AMD EPYC
	 * VM, bench/machine-costs). */
	unsigned b = 0;
	if (zp_xsave_kind == 1)
		b = __x86_get_cpuid_feature_leaf(CPUID_INDEX_D_ECX_1)->cpuid_array[1];
	if (b < 576) {
		/* The standard layout's size, for XSAVE (never smaller than
		 * the compacted one). */
		unsigned a, c, d;
		__cpuid_count(0xd, 0, a, b, c, d);
		(void)a, (void)c, (void)d;
	}
	zp_xsave_size = ((uint64_t)b + 63) / 64 * 64 + 64;
}

/* Called once zp_xsave_kind is final: the kind the CPU supports stays known
 * for runtime work that must save the state whatever the hooks need. */
void zp_cpu_remember(unsigned char cpu_kind)
{
	zp_xsave_cpu_kind = cpu_kind;
}
