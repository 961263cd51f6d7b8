/*
 * trampoline.c - page 0.
 *
 * A rewritten site does `callq *%rax` and lands at address rax.  Page 0
 * is made of jmp rel32 units (map_stage2_units below): two jumps from any
 * number to the second stage's entry.  Where their pages are taken, it
 * holds a sled that slides from any address below ZP_SLED_END to the tail,
 * without touching memory, registers or flags:
 *
 *   - even offsets hold `eb d` (jmp rel8), odd offsets hold the displacement
 *     d of the jump before them.  d is always a byte that is also a harmless
 *     prefix (a segment override, a REX prefix, fs/gs), so landing on an odd
 *     offset executes `d eb d'`: the same jump with one ignored prefix.  The
 *     displacements are chosen (by a small dynamic programme, sled.c) so that every
 *     landing point reaches the tail in as few jumps as possible; the last
 *     few dozen bytes, too close to the tail for any allowed displacement,
 *     are nops.  A 512-nop sled costs ~470 nops for read(2); this costs at
 *     most 6 jumps.
 *   - the tail is `jmp rel32` to a "stage 2" page, whose rel32 bytes are
 *     cc cc cc <prefix>: landing inside it (numbers ZP_SLED_END+1..+4)
 *     executes int3.  The rest of the page is int3 too.  Numbers there, and
 *     beyond page 0, trap; the signal handler completes them as system
 *     calls (signals.c), so they return what the kernel says.
 *   - stage 2 is a copy of zp_stage2_template (entry.S): the fast path, its
 *     class bytes and the site table's address, in one page.
 *
 * Page 0 ends up PROT_EXEC only: execute-only where the CPU has PKU, and
 * never writable, so a NULL write still faults.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/platform/x86.h>
#include <sys/uio.h>

#include "rt.h"
#include "sled.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

bool zp_exec_only;
/* Read only when a fault is delivered (signals.c). */
bool zp_page0_ours ZP_BIG_BSS;
bool zp_page0_held ZP_BIG_BSS;
bool zp_stage2_bmi2;
bool zp_return_by_ret = true;
uintptr_t zp_stage2_addr;

/* Page 0 held PROT_NONE while every call traps (zp_trampoline_reserve),
 * being mapped over (zp_trampoline_ensure), or neither. */
enum { PAGE0_FREE, PAGE0_RESERVED, PAGE0_MAPPING };
static int page0_state;
static int page0_error; /* why the reserved page could not become the trampoline */

/* A page at addr and nowhere else.  A kernel before 4.17, or an emulator
 * (qemu-user 7.2 does), takes MAP_FIXED_NOREPLACE for a hint and maps
 * elsewhere where addr is taken: that counts as taken, and writing at
 * addr then would hit someone else's page (a guest under qemu-user
 * shares addresses with its host, whose runtime holds page 0). */
static long map_at(uintptr_t addr, int prot, int flags)
{
	long m = zp_raw6(SYS_mmap, (long)addr, ZP_PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags,
			 -1, 0);
	if (m >= 0 && (uintptr_t)m != addr) {
		zp_raw2(SYS_munmap, m, ZP_PAGE);
		return -EADDRNOTAVAIL;
	}
	return m;
}

static long try_map(uintptr_t addr, int prot)
{
	/* Populated: filled right away, and a page the kernel hands over
	 * with the mapping costs a third of one taken by a fault here.  Our
	 * own reservation of page 0 is replaced in one step. */
	bool held = addr == 0 && page0_state == PAGE0_MAPPING;
	long m = map_at(addr, prot, (held ? MAP_FIXED : MAP_FIXED_NOREPLACE) | MAP_POPULATE);
	/* A program that gave up root since page 0 was reserved (util-linux's
	 * test helpers setuid() at once) may no longer map below
	 * vm.mmap_min_addr; the reservation itself can still be opened. */
	if (held && (m == -EPERM || m == -EACCES) && zp_raw3(SYS_mprotect, 0, ZP_PAGE, prot) == 0)
		return 0;
	return m;
}

/* With PKU a PROT_EXEC-only page is execute-only; asked to stay readable
 * (ZPOLINE_PKU=0), it says so. */
static long page0_prot(void)
{
	return CPU_FEATURE_ACTIVE(PKU) && !zp_pku_usable() ? PROT_READ | PROT_EXEC : PROT_EXEC;
}

/* Stage 2: at 517 + 0xXXcccccc, for the first prefix byte XX whose page is
 * free.  Values below 0x40 keep it under 1 GiB, clear of MAP_32BIT.  The
 * page is a copy of zp_stage2_template (entry.S): the fast path and its
 * data, filled in by zp_stage2_finish(). */
/* How a call goes back to its site after the kernel: `ret`, which keeps
 * the return-stack predictor in step with the site's `callq` (Intel here:
 * ~10 ns less per call from a libc wrapper, the same inline), or
 * an indirect `jmp` (AMD here, where the first `ret` after any kernel entry
 * costs 30-50 ns whatever came before it: PITFALLS).  ZPOLINE_RETURN=ret|jmp
 * chooses for tests and measurements. */
static bool return_by_ret(void)
{
	static const char *const ways[] = {"jmp", "ret"};
	int v = zp_env_word("ZPOLINE_RETURN", ways, 2, -1);
	if (v >= 0)
		return v == 1;
	/* Detoured sites enter by push and jmp, not call (detour.c): a `ret`
	 * would have no call to pair with. */
	if (zp_mode == ZP_MODE_DETOUR)
		return false;
	/* AMD's CPUs (and Hygon's) have SSE4A, Intel's never had it: the
	 * bits ld.so read already, where one more CPUID would trap to the
	 * hypervisor (several microseconds, cpu.c). */
	return !CPU_FEATURE_PRESENT(SSE4A);
}

/* The BMI2 path masks an index by shifting it left and back right by
 * 64 - log2(slots). */
static uint64_t shift_of(uint64_t mask)
{
	return (uint64_t)__builtin_clzll(mask + 1) + 1;
}

/* Fill a fresh page (mapped read-write) as the second stage, make it
 * read-execute; false if that is refused. */
static void fill_stage2(uintptr_t page)
{
	memcpy((void *)page, zp_stage2_template, ZP_PAGE);
	uint64_t slow = (uint64_t)(uintptr_t)zp_slow_path;
	uint64_t verify = (uint64_t)(uintptr_t)zp_verify_site;
	uint64_t slots = (uint64_t)(uintptr_t)zp_site_table->slot;
	uint64_t mask = zp_site_table->mask;
	memcpy((void *)(page + S2_SLOW), &slow, 8);
	memcpy((void *)(page + S2_VERIFY), &verify, 8);
	memcpy((void *)(page + S2_TABLE), &slots, 8);
	memcpy((void *)(page + S2_MASK), &mask, 8);
	uint64_t shift = shift_of(mask);
	memcpy((void *)(page + S2_SHIFT), &shift, 8);
	zp_return_by_ret = return_by_ret();
	if (!zp_return_by_ret) {
		long to = zp_stage2_jmp - (zp_stage2_ret + 2);
		if (to > 127)
			zp_die("zpoline: internal error: stage 2's jmp path beyond a jmp rel8 (entry.S)");
		((unsigned char *)page)[zp_stage2_ret - zp_stage2_template] = 0xeb;
		((unsigned char *)page)[zp_stage2_ret - zp_stage2_template + 1] =
			(unsigned char)(signed char)to;
	}
	zp_stage2_bmi2 = CPU_FEATURE_ACTIVE(BMI2);
	if (!zp_stage2_bmi2) {
		/* jmp rel8 to the path that pushes the flags instead */
		long to = zp_stage2_legacy - (zp_stage2_template + S2_ENTRY + 2);
		if (to > 127)
			zp_die("zpoline: internal error: stage 2's legacy path beyond a jmp rel8 (entry.S)");
		((unsigned char *)page)[S2_ENTRY] = 0xeb;
		((unsigned char *)page)[S2_ENTRY + 1] = (unsigned char)(signed char)to;
	}
	size_t image = zp_gdbjit_image((unsigned char *)(page + S2_ELF), S2_LAND - S2_ELF, page);
	/* Left writable until zp_stage2_finish() has written the class
	 * bytes: nothing runs it before (no site is rewritten yet), and one
	 * mprotect then does instead of three. */
	zp_stage2_addr = page;
	zp_site_table_moved = zp_stage2_set_table;
	if (image)
		zp_gdbjit_register((const void *)(page + S2_ELF), image);
}

static const unsigned char stage2_top[] = {0x3e, 0x36, 0x2e, 0x26, 0x64, 0x65, 0x4f, 0x4e};

static int map_stage2(unsigned char *tail)
{
	for (size_t i = 0; i < sizeof stage2_top; i++) {
		uint32_t rel = 0x00cccccc | ((uint32_t)stage2_top[i] << 24);
		uintptr_t target = ZP_SLED_END + 5 + (uintptr_t)rel;
		uintptr_t page = target & ~(uintptr_t)(ZP_PAGE - 1);
		if ((target & (ZP_PAGE - 1)) != S2_ENTRY)
			return -1; /* layout.h and the tail disagree */
		long m = try_map(page, PROT_READ | PROT_WRITE);
		if (m < 0)
			continue;
		fill_stage2(page);
		if (tail) {
			tail[0] = 0xe9;
			memcpy(tail + 1, &rel, 4);
		}
		return 0;
	}
	return -1;
}

/* Page 0 as jmp rel32 units (sled.c): every number reaches the second
 * stage in two jumps, where the sled above takes up to seven (a getpid, 39,
 * took ~1 ns longer so on the AMD VM, build/bench/percall).  The stage
 * goes at XX YY ZP_UNITS_S2_LOW, XX and YY prefixes, because the units'
 * rel32 bytes are all prefixes: a number landing inside a unit runs them
 * in front of the next unit's jump. */
static const unsigned char units_top[] = {0x3e, 0x36, 0x2e, 0x26};
static const unsigned char units_mid[] = {0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65};
#define UNITS_NTOP (sizeof units_top / sizeof units_top[0])
#define UNITS_NMID (sizeof units_mid / sizeof units_mid[0])
#define UNITS_NSTAGE2 (UNITS_NTOP * UNITS_NMID)

static uintptr_t units_stage2(size_t i)
{
	return ((uintptr_t)units_top[i / UNITS_NMID] << 24) |
	       ((uintptr_t)units_mid[i % UNITS_NMID] << 16) | ZP_UNITS_S2_LOW;
}

static int map_stage2_units(unsigned char *page)
{
	for (size_t i = 0; i < UNITS_NSTAGE2; i++) {
		uintptr_t s2 = units_stage2(i);
		if (try_map(s2, PROT_READ | PROT_WRITE) < 0)
			continue;
		fill_stage2(s2);
		memcpy((void *)(s2 + S2_LAND), zp_land_image, S2_LAND_END - S2_LAND);
		memcpy(page, zp_units_image, ZP_UNITS_END);
		for (size_t u = 0; u < ZP_NUNITS; u++) {
			page[zp_units_at[u] + 3] = (unsigned char)(s2 >> 16);
			page[zp_units_at[u] + 4] = (unsigned char)(s2 >> 24);
		}
		return 0;
	}
	return -1;
}

/* Where all of those are taken (Chromium reserves the low 4 GiB before any
 * constructor runs), the tail is `jmp *ADDR` through a pointer kept in a
 * read-only page just above page 0 (ADDR = 0x1000..0x4000), and the second
 * stage goes anywhere.  The pointer page is not executable: numbers that
 * land on it fault as unmapped ones do.  The tail's own bytes
 * (ff 24 25 00 P0 00 00) are not all traps: a number landing inside them
 * (ZP_SLED_END + 1 .. + 6) runs one or two instructions that end in a
 * write to page 0 (which faults) or the int3 after the tail, some with rax
 * changed on the way; the signal handler then knows the number only to be
 * out of range (signals.c).  ADDR's second byte is 0x10..0x40, so those
 * instructions address [rax] (or [rax + 0]) and push nothing; with page 0
 * execute-only they fault the same way. */
bool zp_tail_indirect;
uintptr_t zp_tail_ptr;
ZP_BIG_BSS bool zp_trampoline_units;

static int map_stage2_indirect(unsigned char *tail)
{
	for (uintptr_t ptr = 0x1000; ptr <= 0x4000; ptr += ZP_PAGE) {
		if (try_map(ptr, PROT_READ | PROT_WRITE) < 0)
			continue;
		long page = zp_raw6(SYS_mmap, 0, ZP_PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (page < 0) {
			zp_raw2(SYS_munmap, ptr, ZP_PAGE);
			return -1;
		}
		fill_stage2((uintptr_t)page);
		uint64_t entry = (uint64_t)page + S2_ENTRY;
		memcpy((void *)ptr, &entry, 8);
		zp_raw3(SYS_mprotect, ptr, ZP_PAGE, PROT_READ);
		uint32_t abs = (uint32_t)ptr;
		tail[0] = 0xff;
		tail[1] = 0x24;
		tail[2] = 0x25;
		memcpy(tail + 3, &abs, 4);
		zp_tail_ptr = ptr;
		zp_tail_indirect = true;
		return 0;
	}
	return -1;
}

static bool stage2_sealed; /* read-execute, no longer writable */

/* The second stage, which other threads may be running, made writable
 * for a moment (and back). */
static void stage2_open(void)
{
	if (!stage2_sealed)
		return;
	long e = zp_raw3(SYS_mprotect, zp_stage2_addr, ZP_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC);
	if (e < 0) /* W^X policy: only before any thread runs it, i.e. at start-up */
		e = zp_raw3(SYS_mprotect, zp_stage2_addr, ZP_PAGE, PROT_READ | PROT_WRITE);
	if (e < 0)
		zp_die("zpoline: cannot update the trampoline's second stage");
}

static void stage2_close(void)
{
	if (stage2_sealed)
		zp_raw3(SYS_mprotect, zp_stage2_addr, ZP_PAGE, PROT_READ | PROT_EXEC);
}

static void stage2_write(size_t off, const void *src, size_t n)
{
	if (!zp_stage2_addr)
		return;
	stage2_open();
	memcpy((void *)(zp_stage2_addr + off), src, n);
	stage2_close();
}

void zp_stage2_finish(void)
{
	unsigned char cls[ZP_SLED_END + 1];
	memcpy(cls, zp_nr_class, sizeof cls);
	/* Syscall User Dispatch armed: its selector is set around the hooks,
	 * which only the dispatcher does. */
	if (zp_mode == ZP_MODE_NET || zp_tier_pending)
		memset(cls, ZP_CLASS_RUNTIME, sizeof cls);
	stage2_write(S2_CLASS, cls, sizeof cls);
	if (zp_stage2_addr && !stage2_sealed) {
		if (zp_raw3(SYS_mprotect, zp_stage2_addr, ZP_PAGE, PROT_READ | PROT_EXEC) < 0)
			zp_die("zpoline: cannot make the trampoline's second stage executable");
		stage2_sealed = true;
	}
}

/* The site table moved (it grew): the new slots first, then the new mask
 * (the fast path reads them in the other order; see entry.S). */
void zp_stage2_set_table(const struct zp_site_table *tab)
{
	if (!zp_stage2_addr)
		return;
	stage2_open();
	__atomic_store_n((uint64_t *)(zp_stage2_addr + S2_TABLE), (uint64_t)(uintptr_t)tab->slot,
			 __ATOMIC_RELEASE);
	__atomic_store_n((uint64_t *)(zp_stage2_addr + S2_MASK), tab->mask, __ATOMIC_RELEASE);
	__atomic_store_n((uint64_t *)(zp_stage2_addr + S2_SHIFT), shift_of(tab->mask),
			 __ATOMIC_RELEASE);
	stage2_close();
}

/* Why page 0 could not be had (m, from mmap), in err. */
static int page0_refused(long m, char *err, size_t errlen)
{
	if (m == -EEXIST) {
		zp_snprintf(err, errlen,
			    "zpoline: something is already mapped at address 0 "
			    "(is libzpoline.so loaded twice, or does the program map page 0?)");
		return -EEXIST;
	}
	if (m == -EADDRNOTAVAIL) {
		zp_snprintf(err, errlen,
			    "zpoline: asked for address 0, the kernel mapped the trampoline elsewhere: "
			    "it does not know MAP_FIXED_NOREPLACE (Linux before 4.17, or an emulator "
			    "such as qemu-user), and address 0 is taken or refused");
		return -EADDRNOTAVAIL;
	}
	zp_snprintf(err, errlen,
		    "zpoline: cannot map the trampoline at address 0 (%s).\n"
		    "zpoline: vm.mmap_min_addr must be 0: run as root\n"
		    "zpoline:     sysctl -w vm.mmap_min_addr=0\n"
		    "zpoline: (with SELinux also: setsebool -P mmap_low_allowed 1)",
		    m == -EPERM ? "permission denied" : "mmap failed");
	return (int)m;
}

/* While every call traps (tier.c), nothing runs page 0: a process that
 * never rewrites its sites (`/bin/true`, most of a shell script's
 * commands) need not build it.  Page 0 and the second stage are new
 * page-table ranges, first written then executed, which on the PVM guest
 * cost ~0.13 ms of its ~0.6 ms start-up (build/bench/spawn-time, by hand).
 * Page 0 is held PROT_NONE instead, untouched: a NULL access faults as
 * natively, vm.mmap_min_addr is tested now, the program cannot take the
 * page (dispatch.c refuses), and a second copy of the runtime finds it
 * taken (zp_trampoline_is_ours). */
int zp_trampoline_reserve(char *err, size_t errlen)
{
	long m = map_at(0, PROT_NONE, MAP_FIXED_NOREPLACE);
	if (m < 0)
		return page0_refused(m, err, errlen);
	page0_state = PAGE0_RESERVED;
	zp_page0_held = true;
	return 0;
}

/* The held page 0 let go, never built: the process goes on in SUD mode
 * (zpoline_trap_image), where nothing runs page 0 and the program may map
 * it as natively.  false if it was not held (built, or being built). */
bool zp_trampoline_release(void)
{
	int state = PAGE0_RESERVED;
	if (!__atomic_compare_exchange_n(&page0_state, &state, PAGE0_FREE, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_ACQUIRE))
		return false;
	page0_error = -ENXIO; /* for zp_trampoline_ensure: not built, not to be */
	zp_raw2(SYS_munmap, 0, ZP_PAGE);
	zp_page0_held = false; /* a fault at page 0 is the program's own from here on */
	return true;
}

/* Before the first site is rewritten: the reserved page 0 becomes the
 * trampoline.  Normally while one thread runs (tier.c switches before a
 * second starts); where the switch could not be made, threads may load
 * code at once: one builds, the others' code keeps trapping meanwhile
 * (Syscall User Dispatch stays armed there), as does a handler's that
 * interrupted the building.  Fails for good where no second stage can be
 * mapped any more: every call then goes on trapping, as complete. */
int zp_trampoline_ensure(void)
{
	int state = PAGE0_RESERVED;
	if (!__atomic_compare_exchange_n(&page0_state, &state, PAGE0_MAPPING, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
		return state == PAGE0_FREE ? page0_error : -EAGAIN;
	char err[512];
	int e = zp_sets_reserve(ZP_SITES_TYPICAL, ZP_TRAPS_TYPICAL);
	if (e == 0)
		e = zp_trampoline_map(err, sizeof err);
	else
		zp_snprintf(err, sizeof err, "zpoline: no memory for the site tables");
	if (e < 0) {
		page0_error = e;
		__atomic_store_n(&page0_state, PAGE0_FREE, __ATOMIC_RELEASE);
		zp_log("%s; every system call goes on trapping (Syscall User Dispatch), slower "
		       "but still complete", err);
		return e;
	}
	zp_stage2_finish();
	__atomic_store_n(&page0_state, PAGE0_FREE, __ATOMIC_RELEASE);
	return 0;
}

int zp_trampoline_map(char *err, size_t errlen)
{
	long m = try_map(0, PROT_READ | PROT_WRITE);
	if (m < 0)
		return page0_refused(m, err, errlen);
	unsigned char *page = (unsigned char *)(uintptr_t)m; /* == NULL */
	/* Page 0 is address 0: GCC must not see a null pointer here. */
	__asm__("" : "+r"(page));
	memset(page, 0xcc, ZP_PAGE);
	/* ZPOLINE_STAGE2=sled takes the rel8 sled and =indirect its
	 * fallback at once (tests). */
	static const char *const ways[] = {"units", "sled", "indirect"};
	int how = zp_env_word("ZPOLINE_STAGE2", ways, 3, 0);
	/* Wine reserves every page the direct ways take (nullfault.c): the
	 * pointer page lies below its reservation, the stage anywhere. */
	if (zp_program_reserves_low())
		how = 2;
	bool forced = how == 2;
	bool sled = how >= 1;
	if (!sled && map_stage2_units(page) == 0)
		zp_trampoline_units = true;
	else
		memcpy(page, zp_sled_image, ZP_SLED_END);
	if (!zp_trampoline_units && (forced || map_stage2(page + ZP_SLED_END) < 0) &&
	    map_stage2_indirect(page + ZP_SLED_END) < 0) {
		zp_raw2(SYS_munmap, 0, ZP_PAGE);
		/* Page 0 itself was fine: every address the tail's jump can
		 * reach (below 2 GiB) is taken, typically by a reservation the
		 * program made before the runtime's constructor ran or, with
		 * page 0 held until the switch, since (Chromium's PartitionAlloc
		 * takes the low 4 GiB).  Not vm.mmap_min_addr. */
		zp_snprintf(err, errlen,
			    "zpoline: no room for the trampoline's second stage: the eight pages "
			    "it may take (0x26ccc000 to 0x65ccc000) and those for a pointer to it "
			    "(0x1000 to 0x4000) are already mapped, most likely by a reservation of "
			    "the program's (zpoline run --from-start maps them before the program "
			    "runs)");
		return -EADDRINUSE;
	}
	if (zp_raw3(SYS_mprotect, 0, ZP_PAGE, page0_prot()) < 0) {
		zp_raw2(SYS_munmap, 0, ZP_PAGE);
		zp_snprintf(err, errlen, "zpoline: cannot make page 0 executable");
		return -EACCES;
	}
	zp_exec_only = zp_pku_usable();
	zp_page0_ours = true;
	return 0;
}

/* ZPOLINE_MODE=detour: the second stage alone, no page 0 (detour.c's
 * trampolines call it).  At one of the addresses map_stage2() tries if
 * free, so zp_trampoline_is_ours() finds it, else (or for a program that
 * takes those addresses for itself later) anywhere. */
int zp_stage2_map_alone(char *err, size_t errlen)
{
	if (!zp_program_reserves_low() && map_stage2(NULL) == 0)
		return 0;
	long page = zp_raw6(SYS_mmap, 0, ZP_PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (page >= 0) {
		fill_stage2((uintptr_t)page);
		return 0;
	}
	zp_snprintf(err, errlen, "zpoline: cannot map the trampoline's second stage");
	return -ENOMEM;
}

/* Is page 0 a trampoline built by a copy of this runtime, or held for
 * one (zp_trampoline_reserve: unreadable, and another copy of the library
 * loaded)?  Page 0 itself
 * may not be readable (execute-only), so look for stage 2 instead: it is
 * readable and sits at one of the few addresses map_stage2() tries, or,
 * with page 0 there (page0), map_stage2_units() too.  Detour mode maps no
 * page 0 and asks only for the former: its start-up makes no system call
 * for the 24 others. */
bool zp_trampoline_is_ours(bool page0)
{
	/* The probes below read with process_vm_readv, for which a seccomp
	 * filter the program started under may kill (firejail's helpers died
	 * at start-up in detour mode): under such a filter, another copy in
	 * the link maps (a hook's namespace) is taken to be in charge.  (The
	 * probes also find a copy no link map shows: the one zpoline-loader
	 * runs with, for a program whose own ld.so loads another.) */
	if (zp_vm_readv_refused())
		return zp_other_runtime_loaded();
	long pid = zp_raw0(SYS_getpid);
	/* Held (or execute-only): no read of it, so none of the probes below,
	 * each a system call the first copy's hooks would see. */
	unsigned char b;
	if (page0 && zp_peek(pid, &b, 0, 1) != 1 && zp_other_runtime_loaded())
		return true;
	size_t nunits = page0 ? UNITS_NSTAGE2 : 0;
	for (size_t j = 0; j < nunits + sizeof stage2_top + 4; j++) {
		uintptr_t target;
		size_t i = j - nunits;
		if (j < nunits) {
			target = units_stage2(j) + S2_ENTRY;
		} else if (i < sizeof stage2_top) {
			uint32_t rel = 0x00cccccc | ((uint32_t)stage2_top[i] << 24);
			target = ZP_SLED_END + 5 + (uintptr_t)rel;
		} else {
			/* the fallback's pointer pages */
			uint64_t ptr;
			if (zp_peek(pid, &ptr, (i - sizeof stage2_top + 1) * ZP_PAGE, 8) != 8)
				continue;
			target = (uintptr_t)ptr;
		}
		unsigned char probe[32]; /* past the two bytes a CPU without BMI2 changes */
		if (zp_peek(pid, probe, target + 2, sizeof probe) != sizeof probe)
			continue;
		if (!memcmp(probe, (const unsigned char *)zp_stage2_template + S2_ENTRY + 2,
			    sizeof probe))
			return true;
	}
	return false;
}
