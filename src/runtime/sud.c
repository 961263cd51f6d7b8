/*
 * sud.c - Syscall User Dispatch (Linux >= 5.11): the kernel raises SIGSYS
 * for every system call made outside an allowed address range while a
 * per-thread selector byte says BLOCK, reporting where it came from.
 *
 * Two uses (ZPOLINE_MODE):
 *   net  the safety net: page 0 and rewriting as usual, plus SUD armed in
 *        every thread.  Whatever still issues a real `syscall` (code written
 *        into RWX memory after it was scanned, anything the finder missed)
 *        traps; the call goes through the same hook chain, and the site the
 *        kernel reported is rewritten so it is fast next time.
 *   sud  no page 0 at all (mmap_min_addr > 0, SELinux, no root): every call
 *        traps.  Slower, still exhaustive, same hooks.
 * The allowed range is this library: the entry stub's own syscall
 * instructions and the runtime's raw calls never trap.  Hook code (the hook
 * namespace's libc) runs with the selector on ALLOW.
 *
 * SUD is per thread, is not inherited by threads created with clone, and is
 * cleared by execve: every thread the runtime starts arms it (entry.S, child
 * path; thread.c for adopted and forked ones).  Armed, it costs every system
 * call on this machine some tens of nanoseconds even when allowed, which is
 * why it is not the default.
 */
#define _GNU_SOURCE
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "ehframe.h"
#include "finder.h"
#include "maps.h"
#include "rewrite.h"
#include "rt.h"

#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2
#endif
#define PR_SYS_DISPATCH_ON 1
#define SEL_ALLOW 0
#define SEL_BLOCK 1

enum zp_mode zp_mode = ZP_MODE_AUTO;
unsigned char zp_sud_armed;
uintptr_t zp_self_len;

int zp_sud_arm(struct zp_thread *t)
{
	t->sud_selector = SEL_ALLOW;
	long e = zp_raw5(SYS_prctl, ZP_PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, zp_self_lo,
			 zp_self_len, &t->sud_selector);
	t->sud_off = e != 0;
	if (e)
		t->vmask = 0; /* its own calls to the mask may go unseen (entry.S, child path) */
	if (e < 0)
		return (int)e;
	__atomic_store_n(&t->sud_selector, SEL_BLOCK, __ATOMIC_RELEASE);
	return 0;
}

/* Hook code makes its own system calls through its own libc. */
void zp_sud_block(struct zp_thread *t)
{
	if (zp_sud_armed && t)
		__atomic_store_n(&t->sud_selector, SEL_BLOCK, __ATOMIC_RELEASE);
}

/* Can this kernel dispatch?  Tried in a child, which then exits. */
bool zp_sud_available(void)
{
	long pid = zp_raw5(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		static volatile unsigned char sel = SEL_ALLOW;
		long e = zp_raw5(SYS_prctl, ZP_PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0,
				 &sel);
		zp_raw1(SYS_exit_group, e == 0 ? 0 : 1);
	}
	if (pid < 0)
		return false;
	int st = 0;
	zp_raw4(SYS_wait4, pid, &st, 0, 0);
	return (st & 0x7f) == 0 && ((st >> 8) & 0xff) == 0;
}

/* The safety net caught a real syscall instruction at `site`: rewrite it,
 * unless its function keeps data below rsp. */
static void rewrite_caught(uintptr_t site)
{
	const uint8_t *b = (const uint8_t *)site;
	if (site < ZP_PAGE || (site >= zp_self_lo && site < zp_self_hi) ||
	    (zp_stage2_addr && site - zp_stage2_addr < ZP_PAGE))
		return; /* the runtime's own code is never rewritten */
	if (b[0] != 0x0f || (b[1] != 0x05 && b[1] != 0x34))
		return;
	struct zp_maps maps;
	if (zp_maps_read(&maps) < 0)
		return;
	int kind = ZP_SITE_FAST;
	struct dl_find_object dfo;
	const struct zp_map *em;
	/* _dl_find_object is async-signal-safe, and we are in a handler.  The
	 * tables are read only within their own mapping. */
	if (_dl_find_object((void *)site, &dfo) == 0 && dfo.dlfo_eh_frame &&
	    (em = zp_maps_find(&maps, (uintptr_t)dfo.dlfo_eh_frame)) && (em->prot & PROT_READ)) {
		struct zp_fde_index ix;
		uintptr_t s, e;
		if (zp_fde_index_init(&ix, dfo.dlfo_eh_frame, (const void *)em->start,
				      (const void *)em->end) == 0 &&
		    (zp_fde_index_set_readable(&ix, zp_maps_readable, &maps), true) &&
		    (zp_fde_lookup(&ix, site, &s, &e) == 0 || zp_fde_gap(&ix, site, &s, &e) == 0)) {
			struct zp_func_result *fr = zp_func_result_new();
			bool found = false;
			if (fr) {
				zp_decode_function((const uint8_t *)s, e - s, site - s, fr);
				for (size_t i = 0; i < fr->nsites && i < ZP_FUNC_MAX_SITES; i++)
					found |= s + fr->sites[i] == site;
				kind = fr->redzone ? ZP_SITE_TRAP : ZP_SITE_FAST;
				zp_func_result_free(fr);
			}
			if (!found) {
				zp_maps_free(&maps);
				return;
			}
		}
	}
	/* Code without known functions (a JIT's RWX buffer): the kernel says
	 * this is a syscall instruction; callq it is. */
	struct zp_sites one = {0};
	if (zp_sites_push(&one, site, kind) == 0)
		zp_patch_sites(&maps, &one);
	zp_sites_free(&one);
	zp_maps_free(&maps);
}

/* SIGSYS: ours if the dispatch mechanism raised it. */
bool zp_sud_signal(void *ucv, siginfo_t *si)
{
	if (!zp_sud_armed || si->si_code != SYS_USER_DISPATCH)
		return false;
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t resume = (uintptr_t)g[REG_RIP];
	uintptr_t site = resume - 2;
	if (zp_mode == ZP_MODE_NET && ZP_PAGE /* page 0 is there */)
		rewrite_caught(site);
	zp_trap_enter(uc, site, resume, (uintptr_t)g[REG_RSP], ZPOLINE_ORIGIN_SUD);
	return true;
}
