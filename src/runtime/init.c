/*
 * init.c - start-up, in order.  Nothing else lives here.
 *
 *   trampoline at page 0 (or page 0 held, in auto mode until the sites are
 *   rewritten: trampoline.c) -> this thread's block -> hook libraries (their own
 *   namespace) -> signal handlers of the trap path -> find and rewrite the
 *   sites of every loaded object -> summary.
 *
 * Hooks are loaded before rewriting so that ld.so and libc do the loading
 * unhooked, and the hooks' namespace is simply not among the objects that
 * get rewritten.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "cache.h"
#include "decoder.h"
#include "detour.h"
#include "rewrite.h"
#include "relay.h"
#include "rt.h"
#include "maps.h"
#include "scan.h"

void zp_cpu_probe(void);
void zp_cpu_remember(unsigned char cpu_kind);
bool zp_hooks_need_xstate(void);
void zp_sites_report_init(const char *path);
void zp_self_range_init(void);
extern long zp_syscall_max(void);


static const char *const mode_names[] = {"auto", "zpoline", "net", "sud", "detour"};

/* zp_self_at_start(), read once and only where a decision needs it (a
 * read of /proc/self/status, ~15 us). */
static int self_at_start(void)
{
	static int status = -1;
	if (status < 0)
		status = zp_self_at_start();
	return status;
}

/* ZPOLINE_MODE: auto (page 0 if possible, else sud), zpoline (page 0 or
 * fail), net (page 0 plus the Syscall User Dispatch safety net), sud (no
 * page 0; every call traps), detour (no page 0; sites jump to trampolines
 * of their own, detour.c). */
static enum zp_mode parse_mode(void)
{
	const char *m = getenv("ZPOLINE_MODE");
	if (!m || !*m)
		return ZP_MODE_AUTO;
	for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
		if (!strcmp(m, mode_names[i]))
			return (enum zp_mode)i;
	zp_die("zpoline: ZPOLINE_MODE=%s is not a mode; use auto, zpoline, net, sud or detour", m);
}

/* valgrind's RUNNING_ON_VALGRIND client request (valgrind.h's magic
 * sequence: the four rotations of rdi add up to 128 and xchg %rbx,%rbx does
 * nothing, so natively rdx keeps the default 0; under valgrind it is the
 * nesting depth). */
static unsigned long under_valgrind(void)
{
	volatile unsigned long req[6] = {0x1001, 0, 0, 0, 0, 0};
	unsigned long r = 0;
	__asm__ volatile("rolq $3, %%rdi; rolq $13, %%rdi\n\t"
			 "rolq $61, %%rdi; rolq $51, %%rdi\n\t"
			 "xchgq %%rbx, %%rbx"
			 : "=d"(r)
			 : "a"(&req[0]), "0"(r)
			 : "cc", "memory");
	return r;
}

__attribute__((constructor(101))) static void zpoline_init(void)
{
	zp_debug = zp_env_int("ZPOLINE_DEBUG", 0);
	uint64_t t0 = zp_now_ns();

	/* valgrind will not run code at page 0 (the rewritten calls died on
	 * their first jump into the trampoline: "Jump to the invalid address"
	 * and SIGSEGV) nor implements Syscall User Dispatch: a program run
	 * under valgrind, e.g. as the guest of a valgrind started under
	 * `zpoline run`, is left alone and runs as it would without us, and
	 * says so only when asked: test suites run their program under
	 * valgrind and compare its standard error with an empty file (sed's
	 * bug32271-2 and newline-dfa-bug failed on this line). */
	if (under_valgrind()) {
		if (zp_debug)
			zp_log("zpoline: running under valgrind, which cannot run the "
			       "runtime's trampoline: this process is not hooked");
		return;
	}

	zp_mode = parse_mode();
	/* Programs whose NULL reads must fault (Java, Mono, Go), on a CPU
	 * without protection keys: in auto mode their sites are detoured, no
	 * page 0.  ZPOLINE_MODE=net asks for a safety net, not for page 0 at
	 * any price: Syscall User Dispatch alone covers all it would, and a
	 * Mono program run so died of its first null array store (the bounds
	 * check read the sled instead of faulting) where native raised
	 * NullReferenceException.  Only ZPOLINE_MODE=zpoline insists on
	 * page 0. */
	const char *why = NULL;
	if (zp_mode == ZP_MODE_AUTO || zp_mode == ZP_MODE_NET)
		why = zp_needs_null_faults();
	if (why && zp_mode == ZP_MODE_AUTO) {
		zp_mode = ZP_MODE_DETOUR;
		if (zp_debug)
			zp_log("zpoline: %s: reads through NULL must fault, and without "
			       "protection keys page 0 would be readable; detour mode instead "
			       "(ZPOLINE_MODE=zpoline overrides)",
			       why);
	} else if (why && zp_sud_available()) {
		/* zp_sud_available() forks a child to ask: only when needed. */
		zp_mode = ZP_MODE_SUD;
		if (zp_debug)
			zp_log("zpoline: %s: reads through NULL must fault, and without "
			       "protection keys page 0 would be readable; Syscall User "
			       "Dispatch mode instead (ZPOLINE_MODE=zpoline overrides)",
			       why);
	}
	zp_self_range_init();
	char err[512];
	int e = 0;
	if (zp_mode == ZP_MODE_DETOUR) {
		/* Another copy of the runtime (a hook's namespace) is in charge
		 * if its second stage is there. */
		if (zp_trampoline_is_ours(false))
			return;
		zp_sets_reserve(ZP_SITES_TYPICAL, ZP_TRAPS_TYPICAL);
		if (zp_stage2_map_alone(err, sizeof err) < 0) {
			if (!why)
				zp_die("%s", err);
			/* chosen for the program: page 0 as before, or for a
			 * VM Syscall User Dispatch */
			zp_mode = strcmp(why, "a Go program") && zp_sud_available() ? ZP_MODE_SUD
										   : ZP_MODE_AUTO;
		}
	}
	/* Sites rewritten only once the process has made this many calls
	 * (tier.c); not where a report of them (ZPOLINE_SITES) or routed vDSO
	 * functions were asked for at start-up, nor by default under a
	 * debugger or strace, which would stop at or report every trapped
	 * call's SIGSYS, or under a seccomp filter from before the runtime
	 * started, which may forbid arming Syscall User Dispatch or what the
	 * trap path calls (and kill for it).  Nor, whatever the count says, in
	 * a process with threads already: their code runs as it is and shares
	 * the handlers with the thread that would trap, and one installed
	 * blocking every signal (Go's are) makes a call there with SIGSYS
	 * blocked, which kills (a linked Go library: 1 run in 20 died). */
	const char *after = getenv("ZPOLINE_SWITCH_AFTER");
	int switch_after = zp_env_int("ZPOLINE_SWITCH_AFTER", ZP_SWITCH_AFTER_DEFAULT);
	if (switch_after < 0) {
		zp_log("zpoline: ZPOLINE_SWITCH_AFTER=%d: a count of calls cannot be negative; using %d",
		       switch_after, ZP_SWITCH_AFTER_DEFAULT);
		switch_after = ZP_SWITCH_AFTER_DEFAULT;
	}
	const char *report = getenv("ZPOLINE_SITES");
	bool vdso_routed = zp_env_bool("ZPOLINE_VDSO", false);
	/* zpoline-loader's process switches when the loader hands the runtime
	 * its program's image (zpoline_rewrite_image), whatever the count: an
	 * image none of whose sites can be found is then left to Syscall User
	 * Dispatch with no page 0 at all (zpoline_trap_image), so that its
	 * NULL reads fault as natively. */
	bool loader = zp_mode == ZP_MODE_AUTO && zp_program_is_loader();
	long tier_after = loader ? LONG_MAX : switch_after;
	bool may_defer = zp_mode == ZP_MODE_AUTO && (switch_after > 0 || loader) &&
			 !(report && *report) && !vdso_routed;
	zp_tier_pending = may_defer && !(self_at_start() & ZP_SELF_THREADS) &&
			  ((after && *after) || !(self_at_start() & ZP_SELF_TRACED_OR_FILTERED));
	if (zp_mode != ZP_MODE_SUD && zp_mode != ZP_MODE_DETOUR) {
		if (zp_tier_pending) {
			e = zp_trampoline_reserve(err, sizeof err);
		} else {
			/* The site tables' room first: the second stage is then
			 * mapped with their final address (no rewrite of it, two
			 * mprotects). */
			zp_sets_reserve(ZP_SITES_TYPICAL, ZP_TRAPS_TYPICAL);
			e = zp_trampoline_map(err, sizeof err);
		}
	}
	if (e == -17 /* EEXIST */ && zp_trampoline_is_ours(true))
		return; /* another copy of the runtime (e.g. in a hook's namespace) is in charge */
	if (e < 0) {
		if (zp_mode == ZP_MODE_ZPOLINE || !zp_sud_available()) {
			zp_log("%s", err);
			if (zp_mode != ZP_MODE_ZPOLINE)
				zp_log("zpoline: and this kernel has no Syscall User Dispatch to fall "
				       "back on (Linux 5.11 or later)");
			zp_raw1(SYS_exit_group, 1);
		}
		if ((e == -EADDRINUSE || e == -EEXIST) && (zp_mode == ZP_MODE_AUTO || zp_debug))
			zp_log("%s; running in Syscall User Dispatch mode: every call traps, "
			       "slower but still complete", err);
		else if (zp_mode == ZP_MODE_AUTO || zp_debug)
			zp_log("zpoline: page 0 is not available (vm.mmap_min_addr is not 0, or a "
			       "security policy forbids it); running in Syscall User Dispatch "
			       "mode: every call traps, slower but still complete. "
			       "Fix: sysctl -w vm.mmap_min_addr=0");
		zp_mode = ZP_MODE_SUD;
		zp_tier_pending = 0;
	}
	zp_detour_in_place_only = zp_mode == ZP_MODE_DETOUR && (self_at_start() & ZP_SELF_THREADS);
	uint64_t t_tramp = zp_now_ns();
	zp_cpu_probe();
	zp_cpu_remember(zp_xsave_kind);
	/* Where a read through %gs base 0 faults (page 0 execute-only, or
	 * none: detour and SUD modes), threads never met (running before the
	 * constructor, and their children) must not do it: the stub and the
	 * handlers ask the base first (entry.S, rt.h), by a system call where
	 * no instruction tells, which only such threads make worth it. */
	bool base0_faults = zp_exec_only || zp_mode == ZP_MODE_DETOUR || zp_mode == ZP_MODE_SUD;
	if (base0_faults && zp_wrgsbase)
		zp_gs_check_base = ZP_GS_CHECK_RDGSBASE;
	else if (base0_faults && (self_at_start() & ZP_SELF_THREADS))
		zp_gs_check_base = ZP_GS_CHECK_SYSCALL;
	zp_max_nr = zp_syscall_max();
	if (zp_thread_init_main() < 0)
		zp_die("zpoline: cannot set up the main thread's hook stack");

	uint64_t t_hooks0 = zp_now_ns();
	const char *hooks = getenv("LIBZPHOOK");
	if (hooks && *hooks && zp_hooks_load(hooks) < 0)
		zp_die("zpoline: stopping: a hook library named in LIBZPHOOK could not be used");
	if (!zp_hooks_need_xstate())
		zp_xsave_kind = 0;
	zp_class_rebuild();
	zp_stage2_finish();

	uint64_t t_hooks1 = zp_now_ns();
	if (zp_signals_init() < 0)
		zp_die("zpoline: cannot install the trap path's signal handlers");
	zp_sigdefault_init();

	zp_exec_init();
	zp_command_pid = zp_env_int(ZP_COMMAND_PID_VAR, 0);
	if (zp_mode != ZP_MODE_SUD) {
		if (report && *report)
			zp_sites_report_init(report);
		zp_decoder_configure();
		zp_maps_configure();
		zp_cache_init();
		int split = zp_env_int("ZPOLINE_SCAN_SPLIT", -1);
		if (split >= 0)
			zp_scan_split_min = (size_t)split << 10;
		int maps_err = 0;
		if (zp_tier_pending)
			zp_rewrite_collect();
		else
			maps_err = zp_rewrite_all();
		zp_detour_in_place_only = false; /* code loaded later is new */
		/* Code left as it was (no decoder, or no descriptor left to read
		 * the mappings: a low `ulimit -n`) would make its calls behind
		 * the hooks' back: in auto mode the Syscall User Dispatch safety
		 * net catches them instead. */
		if (maps_err < 0 && !(zp_mode == ZP_MODE_AUTO && zp_sud_available()))
			zp_die("zpoline: cannot read /proc/self/maps: %s", strerror(-maps_err));
		/* Out of descriptors is the program's own business: said only
		 * when debugging if every call still reaches the hooks. */
		bool starved = maps_err == -EMFILE || maps_err == -ENFILE || zp_decoder_starved();
		if (maps_err < 0) {
			zp_mode = ZP_MODE_NET;
			if (!starved || zp_debug)
				zp_log("zpoline: cannot read /proc/self/maps (%s): nothing is rewritten, "
				       "every system call traps (Syscall User Dispatch, "
				       "ZPOLINE_MODE=net)",
				       strerror(-maps_err));
		} else if (!zp_tier_pending && (zp_decoder_unavailable() || zp_unknown_sites())) {
			if (zp_mode == ZP_MODE_AUTO && zp_sud_available()) {
				zp_mode = ZP_MODE_NET;
				if ((!starved && zp_decoder_unavailable()) || zp_debug)
					zp_log("zpoline: sites left as they were are caught by Syscall "
					       "User Dispatch (ZPOLINE_MODE=net)");
			} else if (starved) {
				zp_log("zpoline: no file descriptor free to load the x86 decoder: code "
				       "that must be decoded is left as it is, and its system calls "
				       "bypass the hooks");
			} else if (zp_unknown_sites() && zp_mode != ZP_MODE_AUTO) {
				/* the mode was chosen: say what it costs */
				zp_log("zpoline: %lu system call sites outside the functions symbols "
				       "and unwind tables describe are left as they are: their calls "
				       "bypass the hooks (the default mode and ZPOLINE_MODE=net catch "
				       "them)",
				       zp_stats.no_boundary);
			}
		}
	}
	if (vdso_routed && zp_vdso_route() < 0)
		zp_log("zpoline: ZPOLINE_VDSO=1: could not route the vDSO's functions");
	if (zp_mode == ZP_MODE_NET || zp_mode == ZP_MODE_SUD) {
		zp_sud_armed = 1;
		if (zp_sud_arm(zp_thread_self()) < 0)
			zp_die("zpoline: cannot arm Syscall User Dispatch (ZPOLINE_MODE=%s needs "
			       "Linux 5.11 or later)",
			       zp_mode == ZP_MODE_NET ? "net" : "sud");
		if (self_at_start() & ZP_SELF_THREADS) {
			zp_signals_adopt_handlers();
			zp_sud_arm_others();
		}
	}
	bool lean_ok = zp_env_bool("ZPOLINE_LEAN", true) && !vdso_routed;
	int late_err;
	if (zp_tier_pending && !zp_tier_start(tier_after, lean_ok, zp_thread_self())) {
		/* No Syscall User Dispatch to trap with: rewrite now. */
		if (zp_trampoline_ensure() < 0)
			zp_die("zpoline: stopping: neither the trampoline nor Syscall User "
			       "Dispatch can be had");
		if ((late_err = zp_rewrite_objects()) < 0)
			zp_die("zpoline: cannot read /proc/self/maps: %s", strerror(-late_err));
	}
	zp_lean_decide(lean_ok);
	/* Last: everything that reads the environment has read it. */
	zp_exec_hide_added();
	/* For coverage tests: a call strace can see, marking the end of
	 * start-up (every later call must reach the hooks). */
	if (getenv("ZPOLINE_MARK_INIT"))
		zp_raw4(SYS_faccessat, -100 /* AT_FDCWD */, "/zpoline-init-done", 0, 0);

	if (zp_debug >= 3)
		zp_log("zpoline: start-up: trampoline %llu us, hooks %llu us, rewriting %llu us",
		       (unsigned long long)(t_tramp - t0) / 1000,
		       (unsigned long long)(t_hooks1 - t_hooks0) / 1000,
		       (unsigned long long)zp_stats.ns_scan / 1000);
	if (zp_debug >= 1) {
		struct zp_stats *s = &zp_stats;
		const struct zp_thread *me = zp_thread_self();
		if (zp_tier_pending && loader)
			zp_log("zpoline: mode %s; sites rewritten when zpoline-loader hands over its "
			       "program, until then every call traps (Syscall User Dispatch)",
			       mode_names[zp_mode]);
		else if (zp_tier_pending)
			zp_log("zpoline: mode %s; sites rewritten after %d calls (ZPOLINE_SWITCH_AFTER), "
			       "until then every call traps (Syscall User Dispatch)",
			       mode_names[zp_mode], switch_after);
		else
			zp_log("zpoline: mode %s", mode_names[zp_mode]);
		zp_log("zpoline: %lu objects, %lu executable segments, %lu KiB scanned "
		       "(%lu ranges on two CPUs, helper %lu of %lu blocks, %lu decoded on two), "
		       "%lu candidates; %lu instructions decoded; rewritten: %lu callq, %lu detour, %lu trap; skipped: %lu not an "
		       "instruction, %lu outside known functions, %lu shared, %lu failed; "
		       "%lu Go function tables; "
		       "%lu from cache, %lu segments shared; %d hook(s), called %s; xsave %s; page 0 %s%s; site lookup %s; back to the site by %s; thread block by %s; "
		       "hook stacks %lu x %lu KiB; %llu us",
		       s->objects, s->mappings, s->bytes / 1024, zp_scan_split_count,
		       zp_scan_helper_blocks, zp_scan_blocks, zp_decode_split_count, s->candidates, s->insns,
		       s->fast, zp_detour_count, s->trap,
		       s->not_insn, s->no_boundary, s->shared_skipped, s->failed, s->go_tables,
		       s->cache_hits, s->text_cached,
		       zp_nhooks,
		       zp_lean_keeps ? "by the stub (pre() keeps the call)"
		       : zp_lean     ? "by the stub"
				     : "by the dispatcher",
		       zp_xsave_kind ? "on" : "off",
		       /* SUD mode maps no page 0 and has no entry stub */
		       zp_mode == ZP_MODE_SUD ? "not mapped (SUD)"
		       : zp_mode == ZP_MODE_DETOUR ? "not mapped (detour)"
		       : !zp_page0_ours		   ? "held, built when sites are first rewritten"
		       : zp_exec_only		   ? "execute-only (PKU)"
						   : "exec (readable: no PKU)",
		       zp_mode == ZP_MODE_SUD || zp_mode == ZP_MODE_DETOUR || !zp_page0_ours ? ""
		       : zp_tail_indirect ? ", second stage through a pointer"
		       : zp_trampoline_units				    ? ", jmp rel32 units"
									    : ", rel8 sled",
		       zp_mode == ZP_MODE_SUD ? "none (SUD)"
		       : !zp_stage2_addr      ? "(chosen when page 0 is built)"
		       : zp_stage2_bmi2	      ? "flag-free (BMI2)"
					      : "with pushfq (no BMI2)",
		       zp_mode == ZP_MODE_SUD ? "sigreturn (SUD)"
		       : !zp_stage2_addr      ? "(chosen then too)"
		       : zp_return_by_ret     ? "ret"
					      : "jmp",
		       zp_wrgsbase ? "wrgsbase" : "arch_prctl",
		       me ? (unsigned long)(me->span / (me->recs[1] - me->recs[0])) : 0ul,
		       me ? (unsigned long)(me->recs[1] - me->recs[0]) / 1024 : 0ul,
		       (unsigned long long)(zp_now_ns() - t0) / 1000);
		unsigned long refused = 0;
		for (int i = 1; i < ZP_DETOUR_NREASONS; i++)
			refused += zp_detour_refused[i];
		if (zp_mode == ZP_MODE_DETOUR)
			zp_log("zpoline: detour: %lu sites patchable and detoured (%lu of them "
			       "through padding, %lu split around the next instruction); not patchable (trap): %lu in functions that keep data below rsp, %lu in "
			       "functions not decoded whole, %lu in functions with an indirect "
			       "jmp, %lu with a branch into the bytes to patch, %lu with "
			       "instructions that cannot move, %lu at a function's end, %lu "
			       "with no trampoline memory within 2 GiB, %lu covering bytes after the "
			       "call while threads run",
			       zp_detour_count, zp_detour_padded, zp_detour_split, s->trap - refused,
			       zp_detour_refused[ZP_DETOUR_NO_FUNCTION],
			       zp_detour_refused[ZP_DETOUR_INDIRECT], zp_detour_refused[ZP_DETOUR_TARGET],
			       zp_detour_refused[ZP_DETOUR_RELOC], zp_detour_refused[ZP_DETOUR_END],
			       zp_detour_refused[ZP_DETOUR_NO_ROOM], zp_detour_refused[ZP_DETOUR_THREADS]);
	}
}

/* Hooks' fini() runs when the process makes its last call (exit_group, in
 * dispatch.c), after every other call has reached the hooks: not from a
 * destructor, which runs before exit() flushes stdio and ends the process. */
