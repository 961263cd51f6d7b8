/*
 * defer.c - a signal that comes while the hooks run waits for the call's
 * edge.
 *
 * A program's handler that interrupts the dispatcher or a hook runs on the
 * runtime's stack and is shown the runtime's pc: a garbage collector that
 * scans from the interrupted rsp scans a slot, a crash report names code
 * the program never had.  Natively the signal comes before the `syscall`
 * or after it.  So while zp_pre() or zp_post() runs the hooks for a call
 * (t->defer_rec), such a signal is put back: blocked for real (the frame's
 * mask keeps it so after the handler returns) and queued again, with its
 * siginfo.  When the hooks are done the call goes on to an edge where the
 * kernel delivers it, with the program's registers in view:
 *   - before the call (zp_pre): the stub's int3 at zp_defer_trap brings
 *     the SIGTRAP handler, which makes the context the stub's own at the
 *     `syscall` that will make the call (zp_app_syscall_release, or
 *     zp_app_syscall_post1 when post() is wanted) with the record's
 *     registers loaded, and unblocks the signal in the frame's mask: the
 *     kernel delivers it there on sigreturn, where the handler is shown the
 *     site (signals.c, app_view_show), and the stub then makes the call;
 *   - after the call, or instead of it (the hooks made it): the context
 *     becomes the program's as the call leaves it, at the return address,
 *     as for a signal the program sends itself (signals.c, self_signal).
 * The stub's own instructions on the slot before any hook (the record
 * being written) and on the way back are sent on to the site themselves
 * (zp_rewind_signal).
 *
 * A trapped call (Syscall User Dispatch, a trap site) runs its hooks and
 * the call itself inside the runtime's SIGSYS or SIGSEGV handler
 * (signals.c, zp_trap_enter).  A signal there waits too (zp_defer_trapped):
 * before the call, unblocked by zp_trap_syscall (entry.S) just before it
 * makes it, where it is shown the site; after it, until the trap handler's
 * sigreturn, which delivers it at the return address.
 *
 * After the hooks, the stub's own steps to the call's edge still run on the
 * slot (the record read back into the registers, the lean path's checks):
 * a signal there waits too, and the stub is single-stepped (RFLAGS.TF)
 * until rsp leaves the slots or ip the runtime, where it comes
 * (zp_defer_late, zp_late_step).
 *
 * A call made on the program's signal stack that goes
 * back to it has them come once the stub is back there.  Anything else (a
 * call with runtime work after it, a clone, a signal the program sends
 * itself) unblocks the signal at once, which delivers it where it came, as
 * before.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "detour.h"
#include "rt.h"

#define BIT(s) (1ull << ((s) - 1))

extern ZP_HIDDEN char zp_defer_trap[];
extern ZP_HIDDEN char zp_lean_pre_back[], zp_lean_post_back[], zp_lean_keeps_back[],
	zp_lean_keeps_jmp_back[], zp_lean_pre_deferred[], zp_lean_post_deferred[],
	zp_lean_keeps_deferred[];

/* The lean path calls the hook straight from the stub (entry.S), with no
 * dispatcher to say so: the call's return address, in the slot below the
 * record (LEAN_CALL's at record - 24, LEAN_KEEPS's at record - 8), tells,
 * while rsp is at or below it (the stub clears it when the call is back).
 * It is pointed at the stub's way through the dispatcher instead.  The
 * record, or NULL. */
static struct zp_record *lean_call(struct zp_thread *t, uintptr_t sp)
{
	static const struct {
		char *back, *instead;
		int below;
	} calls[] = {
		{zp_lean_pre_back, zp_lean_pre_deferred, 24},
		{zp_lean_post_back, zp_lean_post_deferred, 24},
		{zp_lean_keeps_back, zp_lean_keeps_deferred, 8},
		{zp_lean_keeps_jmp_back, zp_lean_keeps_deferred, 8},
	};
	uint32_t level = __atomic_load_n(&t->level, __ATOMIC_ACQUIRE);
	if (!level)
		return NULL;
	struct zp_record *r = zp_slot_record(t, level - 1);
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		uintptr_t *slot = (uintptr_t *)((uintptr_t)r - calls[i].below);
		if (sp > (uintptr_t)slot || !zp_on_slots(t, sp))
			continue;
		if (*slot == (uintptr_t)calls[i].back)
			*slot = (uintptr_t)calls[i].instead;
		if (*slot == (uintptr_t)calls[i].instead)
			return r;
	}
	return NULL;
}

/* Signals the CPU raises for an instruction: made again, not deferred. */
static bool from_instruction(int sig, const siginfo_t *si)
{
	return si->si_code > 0 && si->si_code < SI_KERNEL &&
	       (sig == SIGILL || sig == SIGFPE || sig == SIGSEGV || sig == SIGBUS || sig == SIGTRAP ||
		sig == SIGSYS);
}

/* The signal queued again to this thread, blocked until the handler
 * returns (the frame's mask, restored then, decides).  Not a real-time
 * signal: queued again behind another of its number it would come out of
 * the order they were sent in, and one can always arrive between a look
 * at what is pending and the queueing; those are delivered where they
 * came.  Another one of its number pending already stands for it: the
 * two merge, as they would natively had this one come a little later
 * (which a signal may).  Run where it came instead, its handler ran on
 * the runtime's stack, where a SIGALRM handler that left by siglongjmp,
 * while the timer's next signal was already pending, made its next call
 * and was interrupted again, over and over, until the slot overflowed
 * (an interval timer of 50 us, sud and auto mode). */
static bool requeue(int sig, const siginfo_t *si)
{
	if (sig >= 32)
		return false;
	uint64_t bit = BIT(sig), old = 0, pending = 0;
	zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &bit, &old, 8);
	if (zp_raw2(SYS_rt_sigpending, &pending, 8) == 0 && (pending & bit))
		return true;
	if (zp_raw4(SYS_rt_tgsigqueueinfo, zp_raw0(SYS_getpid), zp_raw0(SYS_gettid), sig, si) < 0) {
		zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
		return false; /* the queue is full: run the handler here */
	}
	return true;
}

bool zp_defer_signal(struct zp_thread *t, int sig, const siginfo_t *si, ucontext_t *uc)
{
	if (!t || !uc || from_instruction(sig, si))
		return false;
	uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
	if (!zp_on_slots(t, sp))
		return false;
	struct zp_record *r = t->defer_rec;
	if (!r)
		r = lean_call(t, sp);
	if (!r)
		return false;
	uint64_t bit = BIT(sig);
	if (!requeue(sig, si))
		return false;
	*(uint64_t *)(void *)&uc->uc_sigmask |= bit;
	/* The call of the first one delivers them all: a call made since
	 * (the return of this handler, through the program's restorer, is
	 * one) comes back to it. */
	if (!t->defer_mask)
		t->defer_owner = (uint32_t)r->level + 1;
	t->defer_mask |= bit;
	return true;
}

/* Before any hook or the dispatcher ran, on the slot (entry.S's windows
 * ZP_WIN_SLOT_A and _B), nothing has been done that the call made again
 * would not do: the context goes back to the site, with the program's
 * registers, and the signal, queued again, comes there once the handler
 * it came to has returned.  The level stays taken: the return of this
 * handler is a hooked call, which must not take the slot its frame is
 * on (levels are used round-robin; one left costs nothing).  A detoured
 * site's call is made again from its trampoline's entry to the second
 * stage, past the instruction it moved (detour.c), where the handler is
 * shown the site. */
bool zp_rewind_signal(struct zp_thread *t, int sig, const siginfo_t *si, ucontext_t *uc)
{
	if (!t || !uc || from_instruction(sig, si))
		return false;
	greg_t *g = uc->uc_mcontext.gregs;
	int kind = zp_stub_window_at((uintptr_t)g[REG_RIP]);
	uint32_t level = __atomic_load_n(&t->level, __ATOMIC_ACQUIRE);
	if ((kind != ZP_WIN_SLOT_A && kind != ZP_WIN_SLOT_B && kind != ZP_WIN_SLOT_BACK) || !level)
		return false;
	const struct zp_record *r = zp_slot_record(t, level - 1);
	uintptr_t sp = (uintptr_t)g[REG_RSP];
	/* A program %gs base would have to go back too. */
	if (sp > (uintptr_t)r || (uintptr_t)r - sp > 4096 || t->gs_in ||
	    (kind == ZP_WIN_SLOT_B && r->gs_out))
		return false;
	if (kind == ZP_WIN_SLOT_BACK) {
		/* The rest of the way back is the registers' loads (the lean
		 * path's post() may still have held signals to let go). */
		if (r->alt_swap || r->call.origin != ZPOLINE_ORIGIN_REWRITTEN || r->gs_out || t->vrelease ||
		    !requeue(sig, si))
			return false;
		zp_context_after_call(uc, r, t, false);
		return true;
	}
	uintptr_t app_sp = kind == ZP_WIN_SLOT_A ? (uintptr_t)g[REG_R11] + 16 : r->call.sp;
	uint64_t top[3]; /* nr, flags, return address: app-24 .. app-8 */
	if (zp_safe_copy(top, (const void *)(app_sp - 24), sizeof top) < 0 || !zp_site_table ||
	    !zp_set_has(zp_site_table, top[2]))
		return false;
	uintptr_t again = zp_mode == ZP_MODE_DETOUR ? zp_detour_reentry(top[2]) : top[2] - 2;
	if (!again)
		return false;
	if (!requeue(sig, si))
		return false;
	zp_late_release(t, uc);
	if (kind == ZP_WIN_SLOT_B) {
		static const int arg[6] = {REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9};
		for (int i = 0; i < 6; i++)
			g[arg[i]] = (greg_t)r->call.args[i];
		g[REG_RBX] = (greg_t)r->saved[6];
	}
	g[REG_RAX] = (greg_t)top[0];
	g[REG_EFL] = (greg_t)top[1];
	g[REG_RIP] = (greg_t)again;
	g[REG_RSP] = (greg_t)app_sp;
	return true;
}

/* Is sp where the trap handler of r runs: on its slot (the hooks), or
 * just below its signal frame (its own code)?  A handler of the program
 * that ran inside the trap and left by siglongjmp leaves r behind as the
 * thread's trapped call, and its level taken: a signal that came later in
 * other runtime code, deferred to r's end, which never comes, stayed
 * blocked for good (a SIGALRM handler leaving by siglongjmp, sud mode).
 * The slot's top counts: zp_call_on_stack sets rsp to the record itself
 * before it calls the hook and after (a handler run there, on the slot,
 * left by siglongjmp, was interrupted again, nested until the slot
 * overflowed: sigjump, 2 runs in 200 under load, sud mode). */
static bool in_trap_of(const struct zp_thread *t, const struct zp_record *r, uintptr_t sp)
{
	enum { HANDLER_ROOM = 64 << 10 };
	uintptr_t top = (uintptr_t)r, slot = (uintptr_t)(REC_SIZE + ZP_STAGE_ROOM - t->stage);
	return (sp <= top && top - sp < slot) ||
	       (sp < r->trap_frame && r->trap_frame - sp < HANDLER_ROOM);
}

/* In a trap handler's own code or its hooks, for the call it makes (its
 * record the innermost: a handler of the program that runs meanwhile, and
 * the calls it makes, are not), away from its edges: the call's
 * `syscall` and zp_trap_syscall's instructions (signals.c shows the site
 * there). */
bool zp_defer_trapped(struct zp_thread *t, int sig, const siginfo_t *si, ucontext_t *uc)
{
	if (!t || !uc || !t->trap_defer_rec || from_instruction(sig, si))
		return false;
	const struct zp_record *r = t->trap_defer_rec;
	if ((uint32_t)r->level + 1 != __atomic_load_n(&t->level, __ATOMIC_ACQUIRE) ||
	    (r->rt_flags & ~ZP_RTF_MASK_UNTOUCHED) || r->alt_swap)
		return false;
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t ip = (uintptr_t)g[REG_RIP], raw = (uintptr_t)zp_app_syscall_raw;
	if (ip == raw || ip == raw + 2 ||
	    (ip >= (uintptr_t)zp_trap_syscall && ip < (uintptr_t)zp_trap_syscall_end) ||
	    zp_signal_entry(ip))
		return false;
	/* Not the program's code on a slot: a handler delivered where it
	 * came (not deferred) runs there, and may leave by siglongjmp. */
	bool runtime = ip >= zp_self_lo && ip < zp_self_hi;
	if ((!runtime && !t->hook_base) || !in_trap_of(t, r, (uintptr_t)g[REG_RSP]))
		return false;
	if (!requeue(sig, si))
		return false;
	uint64_t bit = BIT(sig);
	*(uint64_t *)(void *)&uc->uc_sigmask |= bit;
	t->trap_defer_mask |= bit;
	return true;
}

/* A trap handler on its way back (zp_trap_enter's last look at the mask
 * taken, t->trap_tail its frame) or at its restorer's instructions (rsp
 * at the frame then): a handler run here would edit the real mask, which
 * the frame's sigreturn then replaces (SBCL's deferred interrupt, the
 * block lost).  The signal waits, blocked here, for that sigreturn, which
 * delivers it at the call's return address, the frame's mask its own. */
bool zp_defer_tail(struct zp_thread *t, int sig, const siginfo_t *si, ucontext_t *uc)
{
	enum { HANDLER_ROOM = 64 << 10 };
	if (!t || !uc || from_instruction(sig, si))
		return false;
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t ip = (uintptr_t)g[REG_RIP], sp = (uintptr_t)g[REG_RSP];
	uintptr_t frame = __atomic_load_n(&t->trap_tail, __ATOMIC_ACQUIRE);
	bool restorer = ip >= (uintptr_t)zp_trap_sigreturn && ip <= (uintptr_t)zp_trap_sigreturn_syscall;
	bool tail = frame && ip >= zp_self_lo && ip < zp_self_hi && sp < frame && frame - sp < HANDLER_ROOM;
	if (!(restorer || tail) || !requeue(sig, si))
		return false;
	uint64_t bit = BIT(sig);
	*(uint64_t *)(void *)&uc->uc_sigmask |= bit;
	__atomic_fetch_or(&t->trap_tail_held, bit, __ATOMIC_ACQ_REL);
	return true;
}

/* The calls whose edge can be reached from the trap (see above).  One
 * with runtime work after it needs zp_post() (the released call does
 * not go there); with work on the mask (a clone's: every signal blocked
 * until then) the signal would come with that mask. */
static bool edge_reachable(const struct zp_record *r, int act)
{
	if (r->call.origin != ZPOLINE_ORIGIN_REWRITTEN || r->alt_swap)
		return false;
	if (act == ZP_ACT_RETURN)
		return true;
	if (r->gs_out)
		return false;
	if (r->rt_flags)
		return act == ZP_ACT_SYSCALL_POST && !(r->rt_flags & ~ZP_RTF_MASK_UNTOUCHED);
	return act == ZP_ACT_SYSCALL || act == ZP_ACT_SYSCALL_POST;
}

int zp_defer_take(struct zp_record *r, struct zp_thread *t, int act)
{
	if (!t || !t->defer_mask)
		return act;
	/* An owner deeper than this call is gone without taking them (a
	 * handler's call left by siglongjmp): this one does. */
	if (t->defer_owner > (uint32_t)r->level + 1)
		t->defer_owner = (uint32_t)r->level + 1;
	if (t->defer_owner != (uint32_t)r->level + 1)
		return act;
	if (r->call.nr == SYS_rt_sigreturn && act == ZP_ACT_SYSCALL) {
		/* Its frame's mask, where they are open, becomes the mask:
		 * they come after it, where it returns. */
		t->defer_mask = 0;
		return act;
	}
	/* Not under a debugger: gdb stops at the int3's SIGTRAP and keeps it
	 * (zp_defer_undo then lets them go on the slot). */
	if (edge_reachable(r, act) && !zp_self_traced_now()) {
		r->defer_act = act;
		return ZP_ACT_DEFER;
	}
	uint64_t m = t->defer_mask;
	t->defer_mask = 0;
	/* Back to the program's signal stack: it is armed again, and a signal
	 * now would be delivered at its top, over the frames of the handler
	 * that made the call.  They come once the stub is back on it, with
	 * the mask it restores there (entry.S, .Lreturn_altstack). */
	if (r->alt_swap && (act == ZP_ACT_RETURN || r->alt_swap == ZP_ALT_HELD_MAKE)) {
		r->alt_mask &= ~m;
		return act;
	}
	zp_raw4(SYS_rt_sigprocmask, SIG_UNBLOCK, &m, NULL, 8);
	return act;
}


/* The int3 at zp_defer_trap came back with no handler run (a debugger
 * kept the SIGTRAP): the signals are let go here, the call goes on. */
long zp_defer_undo(struct zp_record *r)
{
	struct zp_thread *t = zp_thread_self();
	if (t && t->defer_mask) {
		uint64_t m = t->defer_mask;
		t->defer_mask = 0;
		zp_raw4(SYS_rt_sigprocmask, SIG_UNBLOCK, &m, NULL, 8);
	}
	r->action = (uint64_t)r->defer_act;
	return r->defer_act;
}

bool zp_defer_deliver(ucontext_t *uc, uintptr_t rip)
{
	if (rip != (uintptr_t)zp_defer_trap + 1)
		return false;
	greg_t *g = uc->uc_mcontext.gregs;
	struct zp_record *r = (struct zp_record *)(uintptr_t)g[REG_RBX];
	struct zp_thread *t = zp_thread_self();
	if (!t)
		return false;
	if (r->defer_act == ZP_ACT_RETURN) {
		zp_context_after_call(uc, r, t, true);
	} else {
		static const int arg[6] = {REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9};
		static const int callee[6] = {REG_RBX, REG_RBP, REG_R12, REG_R13, REG_R14, REG_R15};
		for (int i = 0; i < 6; i++) {
			g[arg[i]] = (greg_t)r->call.args[i];
			g[callee[i]] = (greg_t)r->saved[6 + i];
		}
		uintptr_t sp = (uintptr_t)r->call.sp;
		g[REG_RAX] = r->call.nr;
		g[REG_EFL] = (greg_t)r->flags;
		g[REG_RSP] = (greg_t)sp;
		/* The red zone slots the stub keeps there (entry.S): the return
		 * address the released call goes back to, the record the held
		 * one finds again. */
		((uint64_t *)sp)[-1] = r->retaddr;
		if (r->defer_act == ZP_ACT_SYSCALL_POST) {
			((uint64_t *)sp)[-3] = (uint64_t)(uintptr_t)r;
			g[REG_RIP] = (greg_t)(uintptr_t)zp_app_syscall_post1;
		} else {
			g[REG_RIP] = (greg_t)(uintptr_t)zp_app_syscall_release;
			__atomic_store_n(&t->level, (uint32_t)r->level, __ATOMIC_RELEASE);
		}
		r->action = (uint64_t)r->defer_act;
	}
	*(uint64_t *)(void *)&uc->uc_sigmask &= ~t->defer_mask;
	t->defer_mask = 0;
	zp_late_release(t, uc);
	return true;
}

#define TF 0x100ull /* RFLAGS: a debug trap after each instruction */
/* Steps before a signal held for the stub's way to the edge comes anyway,
 * on the slot: no path from the hooks to the edge takes a tenth of it. */
#define LATE_STEPS 20000
/* How far below the record the stub's way to the edge takes rsp: the
 * extended state it saved for the hooks (zp_xsave_size), and its calls of
 * C functions' last steps after defer_close.  A handler of the runtime's
 * that runs on the slot (self_signal's SIGTRAP, which blocks every signal:
 * a step's trap then kills) is below that: the kernel's frame under the
 * interrupted rsp holds the red zone, the full extended state (no smaller
 * than the stub's) and 440 bytes more. */
#define LATE_ROOM (zp_xsave_size + 512)

/* The stub after the hooks for a call of the program's (the innermost
 * record's: rsp on its slot, ip in the runtime), on its way to the call's
 * edge: the lean path's checks, the record read back into the registers,
 * the extended state restored, zp_pre()'s last steps.  The defer above
 * has ended (defer_close), the
 * hooks' return slot is cleared, and what remains is not one window of
 * entry.S but many short paths, each with registers half loaded.  Run
 * here, the handler ran on the slot, shown the runtime's pc (stepmask's
 * off-stack check: 20-45 such steps of each hooked call in page-0 and
 * detour modes, with any hook).  So the signal is held, as above, and
 * the stub goes on one instruction at a time (TF) to where it comes:
 * once rsp leaves the slots (the registers then are the program's: a
 * window of entry.S, where signals.c shows the site) or ip the runtime;
 * or, if the hooks run again meanwhile, with their defer (zp_late_step).
 * Not the trap path's (its own defers), nor runtime work on a slot
 * (zp_call_on_slot), nor a call back to the program's signal stack; nor
 * under a debugger, which would stop at each step's SIGTRAP and keep it
 * (gdb's default for SIGTRAP): the handler runs where it came, as before. */
bool zp_defer_late(struct zp_thread *t, int sig, const siginfo_t *si, ucontext_t *uc)
{
	if (!t || !uc || t->slot_work || from_instruction(sig, si))
		return false;
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t ip = (uintptr_t)g[REG_RIP], sp = (uintptr_t)g[REG_RSP];
	uint32_t level = __atomic_load_n(&t->level, __ATOMIC_ACQUIRE);
	if (!level || ip < zp_self_lo || ip >= zp_self_hi || zp_signal_entry(ip))
		return false;
	const struct zp_record *r = zp_slot_record(t, level - 1);
	if (sp > (uintptr_t)r || (uintptr_t)r - sp >= LATE_ROOM ||
	    r->call.origin != ZPOLINE_ORIGIN_REWRITTEN || r->alt_swap || zp_self_traced_now() ||
	    !requeue(sig, si))
		return false;
	uint64_t bit = BIT(sig);
	*(uint64_t *)(void *)&uc->uc_sigmask |= bit;
	t->late_mask |= (uint32_t)bit;
	t->late_steps = 0;
	g[REG_EFL] |= (greg_t)TF;
	return true;
}

/* The held signals come with the context uc: unblocked in its mask, the
 * stepping over. */
void zp_late_release(struct zp_thread *t, ucontext_t *uc)
{
	if (!t || !t->late_mask)
		return;
	*(uint64_t *)(void *)&uc->uc_sigmask &= ~(uint64_t)t->late_mask;
	uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)TF;
	t->late_mask = 0;
}

/* Is the instruction at the context's ip a `syscall` that a step must not
 * take: one that blocks SIGTRAP (the step after it would be a trap the
 * kernel cannot deliver: it kills), replaces the context (rt_sigreturn),
 * or starts a thread (which would inherit TF, and not the held signals)? */
static bool step_unsafe(const greg_t *g)
{
	const unsigned char *ip = (const unsigned char *)(uintptr_t)g[REG_RIP];
	if (ip[0] != 0x0f || ip[1] != 0x05)
		return false;
	long nr = (long)g[REG_RAX];
	if (nr == SYS_rt_sigprocmask) {
		const uint64_t *set = (const uint64_t *)(uintptr_t)g[REG_RSI];
		uint64_t m = 0;
		return g[REG_RDI] != SIG_UNBLOCK && set && (zp_safe_copy(&m, set, 8) < 0 || (m & BIT(SIGTRAP)));
	}
	return nr == SYS_rt_sigreturn || nr == SYS_clone || nr == SYS_clone3 || nr == SYS_fork ||
	       nr == SYS_vfork;
}

/* One step of the stub with signals held by zp_defer_late (SIGTRAP,
 * TRAP_TRACE).  false: not one of those. */
bool zp_late_step(ucontext_t *uc)
{
	struct zp_thread *t = zp_thread_self();
	if (!t || !t->late_mask)
		return false;
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t ip = (uintptr_t)g[REG_RIP], sp = (uintptr_t)g[REG_RSP];
	bool slot = zp_on_slots(t, sp);
	struct zp_record *r = t->defer_rec;
	if (!r && slot)
		r = lean_call(t, sp);
	if (r) {
		/* The hooks run again (the dispatcher for a changed call, a
		 * post()): their defer takes the signals to the edge. */
		if (!t->defer_mask)
			t->defer_owner = (uint32_t)r->level + 1;
		t->defer_mask |= t->late_mask;
		t->late_mask = 0;
		g[REG_EFL] &= ~(greg_t)TF;
		return true;
	}
	if (!slot || ip < zp_self_lo || ip >= zp_self_hi || ++t->late_steps > LATE_STEPS ||
	    step_unsafe(g)) {
		zp_late_release(t, uc);
		return true;
	}
	if (*(const unsigned char *)ip == 0x9d) /* popfq: TF stays */
		*(uint64_t *)sp |= TF;
	return true;
}
