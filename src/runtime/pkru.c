/*
 * pkru.c - the program's protection-key rights (PKRU) for the calls the
 * runtime makes in a signal handler.
 *
 * The kernel runs every handler with its default PKRU (access to key 0
 * only), and sigreturn puts back the PKRU saved in the signal frame.  A
 * call the trap path makes for the program (Syscall User Dispatch before
 * the switch, trap sites) ran under the handler's PKRU: a read or write
 * the program had the right to make through a key it had opened failed
 * with EFAULT, and the key pkey_alloc opened for the program was closed
 * again by sigreturn (a program then faulted on its own memory).  So the
 * call and its hooks run under the program's PKRU, read from the frame,
 * and what the call leaves there goes back into the frame.
 */
#include <cpuid.h>
#include <stdint.h>
#include <ucontext.h>
#include <sys/platform/x86.h>

#include "rt.h"

#define XFEATURE_PKRU 9
#define FP_SW_BYTES 464 /* struct _fpx_sw_bytes within the legacy area */
#define XSTATE_BV 512	/* the XSAVE header's first word */

/* Where PKRU lives in a signal frame's (standard-format) XSAVE area
 * (CPUID leaf 0xd, subleaf 9): 0 not asked yet, -1 none (no PKU). */
static long pkru_offset ZP_BIG_BSS;

static uint32_t *frame_pkru(ucontext_t *uc, uint64_t **bv)
{
	if (!pkru_offset) {
		unsigned a = 0, b = 0, c = 0, d = 0;
		long off = -1;
		if (CPU_FEATURE_ACTIVE(PKU) && __get_cpuid_count(0xd, XFEATURE_PKRU, &a, &b, &c, &d) &&
		    a >= 4 && b > 0)
			off = b;
		__atomic_store_n(&pkru_offset, off, __ATOMIC_RELAXED);
	}
	uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
	if (pkru_offset < 0 || !fp)
		return NULL;
	const struct {
		uint32_t magic1, extended_size;
		uint64_t xfeatures;
		uint32_t xstate_size;
	} *sw = (const void *)(fp + FP_SW_BYTES);
	if (sw->magic1 != FP_XSTATE_MAGIC1 || !(sw->xfeatures & (1ull << XFEATURE_PKRU)) ||
	    (uint64_t)pkru_offset + 4 > sw->xstate_size)
		return NULL;
	*bv = (uint64_t *)(fp + XSTATE_BV);
	return (uint32_t *)(fp + pkru_offset);
}

static uint32_t rdpkru(void)
{
	uint32_t eax, edx;
	__asm__ volatile("rdpkru" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

static void wrpkru(uint32_t v)
{
	__asm__ volatile("wrpkru" : : "a"(v), "c"(0), "d"(0) : "memory");
}

bool zp_pkru_enter(void *ucv)
{
	uint64_t *bv;
	uint32_t *pk = frame_pkru(ucv, &bv);
	if (!pk)
		return false;
	/* not in the frame: in its initial state, 0 */
	uint32_t want = (*bv & (1ull << XFEATURE_PKRU)) ? *pk : 0;
	if (rdpkru() != want)
		wrpkru(want);
	return true;
}

void zp_pkru_leave(void *ucv)
{
	uint64_t *bv;
	uint32_t *pk = frame_pkru(ucv, &bv);
	if (!pk)
		return;
	*pk = rdpkru();
	*bv |= 1ull << XFEATURE_PKRU;
}
