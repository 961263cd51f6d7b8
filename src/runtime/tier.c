/*
 * tier.c - the sites are rewritten once a process has made enough system
 * calls to pay for it.
 *
 * Rewriting costs a process most of the runtime's start-up: the objects'
 * site lists, the pagemap checks, the patched copies mapped over libc's and
 * ld.so's code and faulted in again (~0.8-1.3 ms of a warm start on the PVM
 * guest, ZPOLINE_DEBUG=3).  Many processes never repay it: `/bin/true`,
 * a shell's `test`, a compiler driver's helpers make a few dozen calls.  So
 * in auto mode a process starts with the hooks loaded, as always, page 0
 * held but not yet built (trampoline.c: it is built with the first site
 * rewritten), its sites as they are and Syscall User Dispatch armed:
 * every call traps and reaches the hooks through the trap path (sud.c),
 * complete but ~5 us slower a call here.
 * After ZPOLINE_SWITCH_AFTER such calls (0: rewrite at start-up) the
 * objects loaded at start-up are rewritten, as the start-up would have
 * done, and Syscall User Dispatch is left: from then on the program runs
 * exactly as if they had been rewritten at start-up.  The trapped call is
 * made again from its site, now through page 0.  Code loaded meanwhile
 * (dlopen, a JIT) was rewritten when it appeared (watch.c), as at any time.
 *
 * The switch is made only where it is simple: in the thread the trap
 * interrupted, between calls (no hook of this thread's is running), in a
 * process that owns its memory (not a vfork child, which shares its
 * parent's), and before anything else would arm Syscall User Dispatch in
 * the same memory.  So a call that starts a thread or a process sharing
 * the memory (clone or clone3 with CLONE_VM, not CLONE_VFORK) makes the
 * switch first, whatever the count; so do a seccomp filter (the trap path
 * may be what it forbids) and the program's own Syscall User Dispatch; and
 * a call that may sleep for long (may_sleep_long), where a debugger is
 * likely to be attached, which would stop at each trap.  If
 * such a call finds the switch impossible (made inside a hook, or by a vfork
 * child), the process keeps the trap path for good: slower, as complete.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "decoder.h"
#include "rt.h"

/* Neither is read on the rewritten path: not among the small variables. */
unsigned char zp_tier_pending ZP_BIG_BSS;

static struct {
	long left;        /* trapped calls before the switch */
	long after;       /* ZPOLINE_SWITCH_AFTER */
	long trapped;     /* so far */
	int owner;        /* the process whose memory this is */
	bool lean_ok;     /* zp_lean_decide's argument, kept for the switch */
	unsigned char blocked;
	unsigned char switched;
	uint64_t trap_mask; /* the trap handler's mask, while the switch keeps it closed */
} tier ZP_BIG_BSS;

/* At start-up, page 0 held, the hooks loaded: from here on every call
 * traps, until `after` of them have.  false: Syscall User Dispatch could not
 * be armed, or a signal stack is set already, and the caller rewrites now. */
bool zp_tier_start(long after, bool lean_ok, struct zp_thread *main)
{
	tier.left = after;
	tier.after = after;
	tier.lean_ok = lean_ok;
	tier.owner = main ? main->pid : 0;
	/* Each trapped call puts a signal frame (~3.9 KiB with AVX-512 state:
	 * tinystack stackuse) on the stack it is made on, where natively a
	 * call takes none: on a signal stack of 8 or 12 KiB a handler's calls
	 * overflowed it.  A process with a signal stack has its sites
	 * rewritten at once. */
	if (main && main->alt_hi) {
		zp_tier_pending = 0;
		zp_stage2_finish();
		return false;
	}
	if (main) {
		/* A refusal forgets the thread's view of its mask (zp_sud_arm):
		 * not for a thread that goes on without SUD, its calls
		 * rewritten. */
		uint64_t vmask = main->vmask;
		zp_sud_armed = 1;
		if (zp_sud_arm(main) == 0)
			return true;
		zp_sud_armed = 0;
		main->vmask = vmask;
		main->sud_off = 0;
	}
	zp_tier_pending = 0;
	zp_stage2_finish(); /* the call classes the stub reads, no longer all "runtime" */
	return false;
}

/* A forked child owns its memory: it counts on from its parent's count. */
void zp_tier_forked(int pid)
{
	tier.owner = pid;
}

/* Rewrites the start-up objects and leaves Syscall User Dispatch; the
 * caller is the only thread that has it armed (see above).  in_trap: made
 * from the trap handler, on the slot, whose return puts the program's mask
 * back: once made, the program's signals stay blocked till then (the
 * handler's mask kept in tier.trap_mask).  Unblocked here, one that came
 * during the rewriting (a 50 us timer's, sigjump) was delivered at once,
 * its handler running on the slot (and leaving the trap handler by
 * siglongjmp). */
static int switch_now(const char *why, bool in_trap)
{
	uint64_t t0 = zp_now_ns();
	/* No handler of the program may run meanwhile: a patched copy of
	 * libc's code is mapped before its sites are registered, and a
	 * handler that ran into one of them then (bash's SIGCHLD handler did,
	 * in bash's own tests) was taken for a call through a NULL pointer
	 * and crashed; code being patched may also be writable but not
	 * executable for a moment (W^X policies); nor between SUD going off
	 * and the stub's classes and lean path set for it.  Only the runtime's
	 * own signals stay open, whose faults it needs. */
	uint64_t block = ~zp_ours_mask, old = 0;
	zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &block, &old, sizeof block);
	int e = zp_rewrite_objects();
	/* Code the decoder was needed for and could not be loaded (a broken
	 * library) is left as it was: SUD stays armed to catch its calls, the
	 * safety net of net mode, as at start-up (init.c). */
	bool net = e == 0 && (zp_mode == ZP_MODE_NET /* zpoline_trap_image */ ||
			      zp_decoder_unavailable() || zp_unknown_sites());
	if (e == 0) {
		tier.switched = 1;
		if (net) {
			zp_mode = ZP_MODE_NET;
			if (zp_debug)
				zp_log("zpoline: sites left as they were are caught by Syscall User "
				       "Dispatch (ZPOLINE_MODE=net)");
		} else {
			zp_sud_armed = 0;
			zp_sud_leave_task();
		}
		zp_tier_pending = 0;
		zp_stage2_finish();
		zp_lean_decide(tier.lean_ok);
	}
	if (!in_trap || e < 0)
		zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof old);
	else
		tier.trap_mask = old;
	if (e < 0) {
		tier.blocked = 1;
		if (zp_debug)
			zp_log("zpoline: cannot rewrite this process's sites (%s): every call keeps "
			       "trapping",
			       strerror(-e));
		return -1;
	}
	if (zp_debug) {
		const struct zp_stats *s = &zp_stats;
		zp_log("zpoline: process %d: sites rewritten after %ld trapped calls (%s): %lu objects, "
		       "%lu KiB scanned, %lu callq, %lu trap, %lu from cache, %lu segments shared; %llu us",
		       tier.owner, tier.trapped, why, s->objects,
		       s->bytes / 1024,
		       s->fast, s->trap, s->cache_hits, s->text_cached,
		       (unsigned long long)(zp_now_ns() - t0) / 1000);
	}
	return 0;
}

static long switch_on_slot(void *why)
{
	return switch_now((const char *)why, true);
}

/* Rewriting opens files (the maps and pagemap queries, site lists,
 * patched copies, the decoder): four at most at once.  A program that has
 * used up its descriptors (coreutils' sort-merge-fdlimit test runs sort
 * under `ulimit -n 10` with all ten open) would leave code it could not
 * read unrewritten, and with SUD off those calls would bypass the hooks. */
static bool fds_free(void)
{
	long fd[4];
	int n = 0;
	while (n < 4 && (fd[n] = zp_raw3(SYS_open, "/", O_PATH | O_CLOEXEC, 0)) >= 0)
		n++;
	for (int i = 0; i < n; i++)
		zp_raw1(SYS_close, fd[i]);
	return n == 4;
}

static bool may_switch(void)
{
	const struct zp_thread *t = zp_thread_self_safe();
	return !tier.blocked && t && __atomic_load_n(&t->level, __ATOMIC_ACQUIRE) == 0 &&
	       zp_raw0(SYS_getpid) == tier.owner && fds_free();
}

/* Calls after which another task may have Syscall User Dispatch armed in
 * this memory, or under which the trap path may not work. */
static const char *must_switch_before(long nr, const greg_t *g)
{
	uint64_t flags = 0;
	switch (nr) {
	case SYS_clone:
		flags = (uint64_t)g[REG_RDI];
		break;
	case SYS_clone3:
		if (zp_safe_copy(&flags, (const void *)g[REG_RDI], sizeof flags) < 0)
			return NULL; /* EFAULT for the program, as natively */
		break;
	case SYS_seccomp:
		return "a seccomp filter";
	case SYS_sigaltstack: {
		/* Calls made on it would each leave a signal frame there (see
		 * zp_tier_start). */
		stack_t ss;
		if (!g[REG_RDI] || zp_safe_copy(&ss, (const void *)g[REG_RDI], sizeof ss) < 0 ||
		    (ss.ss_flags & SS_DISABLE))
			return NULL;
		return "a signal stack";
	}
	case SYS_ptrace:
		/* A debugger is about to trace this task: from then on each
		 * trap's SIGSYS would stop it (a signal-delivery stop) where the
		 * debugger waits for the exec. */
		return g[REG_RDI] == 0 /* PTRACE_TRACEME */ ? "a debugger (PTRACE_TRACEME)" : NULL;
	case SYS_prctl:
		if (g[REG_RDI] == PR_SET_SECCOMP)
			return "a seccomp filter";
		if (g[REG_RDI] == ZP_PR_SET_SYSCALL_USER_DISPATCH)
			return "the program's Syscall User Dispatch";
		return NULL;
	default:
		return NULL;
	}
	return (flags & CLONE_VM) && !(flags & CLONE_VFORK) ? "a thread" : NULL;
}

/* Is a timeout pointer's timespec/timeval absent (wait for ever) or not
 * zero?  An unreadable one is the kernel's EFAULT to give: no wait. */
static bool timeout_waits(const void *p)
{
	long tv[2];
	if (!p)
		return true;
	if (zp_safe_copy(tv, p, sizeof tv) < 0)
		return false;
	return tv[0] != 0 || tv[1] != 0;
}

/* Calls that may put the process to sleep for long: a process that goes
 * to sleep within its first calls (a small server at accept or epoll_wait,
 * a daemon in sigwaitinfo, `sleep`, a program waiting on a pipe with poll)
 * is rewritten first, so
 * that a debugger or `strace -p` attached to it meanwhile does not meet
 * the trap phase (a SIGSYS stop at every call; gdb's inferior calls
 * abandoned).  Not wait4/waitid nor read: a shell waits for each of its
 * short commands, and most short programs read. */
static bool may_sleep_long(long nr, const greg_t *g)
{
	switch (nr) {
	case SYS_pause:
	case SYS_rt_sigsuspend:
	case SYS_nanosleep:
	case SYS_clock_nanosleep:
	case SYS_accept:
	case SYS_accept4:
		return true;
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
		return (int)g[REG_R10] != 0;
	case SYS_epoll_pwait2:
		return timeout_waits((const void *)g[REG_R10]);
	case SYS_poll:
		return (int)g[REG_RDX] != 0;
	case SYS_ppoll:
	case SYS_rt_sigtimedwait:
		return timeout_waits((const void *)g[REG_RDX]);
	case SYS_select:
	case SYS_pselect6:
		return timeout_waits((const void *)g[REG_R8]);
	default:
		return false;
	}
}

/* The trapped call at `site` made again from there once the sites are
 * rewritten; false: the site was not (not in a start-up object), and the
 * trap path makes it. */
static bool again_from_site(greg_t *g, uintptr_t site)
{
	uint8_t b[2];
	if (zp_safe_copy(b, (const void *)site, 2) < 0 || (b[0] == 0x0f && (b[1] == 0x05 || b[1] == 0x34)))
		return false;
	/* rax is the number still: SUD rolled the call back */
	g[REG_RIP] = (greg_t)site;
	return true;
}

/* Called for each trapped call while the switch is pending, before the
 * trap path makes it.  true: the switch was made and the context now makes
 * the call again from its site, rewritten. */
bool zp_tier_trap(void *ucv, uintptr_t site)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	const char *why = must_switch_before(g[REG_RAX], g);
	bool forced = why != NULL;
	tier.trapped++;
	bool counted = false;
	if (!why && __atomic_sub_fetch(&tier.left, 1, __ATOMIC_RELAXED) <= 0) {
		why = "their count reached ZPOLINE_SWITCH_AFTER";
		counted = true;
	}
	if (!why && may_sleep_long(g[REG_RAX], g))
		why = "a call that may sleep";
	/* A call made on a signal stack of the program's known otherwise
	 * (adopted with its thread): the same. */
	if (!why) {
		struct zp_thread *t = zp_thread_self_safe();
		uintptr_t sp = (uintptr_t)g[REG_RSP];
		if (t && t->alt_hi && sp > t->alt_lo && sp <= t->alt_hi)
			why = "a call on a signal stack";
	}
	if (!why || tier.blocked)
		return false;
	if (!may_switch()) {
		if (forced) {
			tier.blocked = 1;
			if (zp_debug)
				zp_log("zpoline: %s started where the sites cannot be rewritten (in a "
				       "hook, in a vfork child, or out of file descriptors): every "
				       "call keeps trapping",
				       why);
		} else if (counted) {
			tier.left = tier.after / 4 + 1; /* again later */
		}
		return false;
	}
	/* Rewriting takes ~20 KiB of stack: not the program's, which may be
	 * a coroutine's or a signal stack of 8 KiB (a coroutine library's
	 * 16 KiB stack overflowed at the switch). */
	if (zp_call_on_slot(switch_on_slot, (void *)why) < 0)
		return false;
	if (again_from_site(g, site))
		return true; /* the handler's return opens the program's mask */
	/* The trap path makes the call: with the mask it was delivered with. */
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &tier.trap_mask, NULL, sizeof tier.trap_mask);
	return false;
}

/* A trap can be raised before the switch and delivered after it: a signal
 * that came with it is delivered first, and its handler's own call makes
 * the switch (a timer's handler did, in a loop of calls).  SUD is off by
 * then, and zp_sud_armed no longer says the SIGSYS is the runtime's. */
bool zp_tier_switched(void)
{
	return tier.switched;
}

/* Such a trap's call, made again from its site; false: not rewritten, the
 * trap path makes it. */
bool zp_tier_again(void *ucv, uintptr_t site)
{
	ucontext_t *uc = ucv;
	return again_from_site(uc->uc_mcontext.gregs, site);
}

/* Outside a trap (zpoline-loader about to run an image it rewrote): now. */
void zp_tier_now(const char *why)
{
	if (zp_tier_pending && may_switch())
		switch_now(why, false);
}
