/*
 * altstack.c - the program's signal stacks, left as the program set them.
 *
 * The kernel decides from rsp whether a thread is on its sigaltstack.  A
 * hooked call runs on the runtime's own stack (a slot), so while a handler
 * that runs on the sigaltstack is inside a hooked call, the thread does not
 * look as if it were on that stack: a second signal would be delivered at
 * the top of the sigaltstack again, over the frames of the running handler
 * and over the signal frame it will return through.  (CPython's
 * test_signal stress tests died of it: the outer rt_sigreturn restored the
 * inner frame's registers.)
 *
 * So no signal may find the thread off that stack while the stack is
 * armed.  The stub (entry.S), still on the program's stack, blocks every
 * signal (the old mask goes to the thread block) and only then moves to
 * the slot; a trapped call's handler resumes on the slot with every signal
 * blocked (signals.c).  From there, one of two ways:
 *   - held (a rewritten site's call, ZP_ALT_HELD): the hooks run with every
 *     signal still blocked.  A call that goes back with a result, and one
 *     the stub makes itself (ZP_ALT_HELD_MAKE), have the program's mask
 *     put back by the stub once rsp is on the program's stack again, and
 *     the call is made there: a signal during it is delivered below it, as
 *     natively.  Two extra system calls in all; rt_sigreturn needs only
 *     the first (the kernel restores the mask from the frame).  Where a
 *     post() is wanted (ZP_ALT_HELD_POST) the stub blocks every signal
 *     again after the call, still on that stack, and post() runs held:
 *     four.  The hooks' own blocking calls wait for no signal.
 *   - disarmed (ZP_ALT_SWAPPED): when the call is made from the slot (the
 *     runtime handles it itself, perhaps reading or changing the mask, a
 *     hook makes it through rt->syscall, or it trapped), zp_altstack_enter or
 *     zp_altstack_unhold disarms the stack and puts the mask back: a
 *     nested signal is now delivered on the slot, below our frames; when
 *     the call is about to go back, zp_altstack_leave blocks every signal
 *     again and re-arms the stack, and the stub restores the mask once
 *     rsp is back on the program's stack.  Six extra system calls.
 * Under a tracer such as strace each of those costs tens of microseconds:
 * a handler making a call on every timer tick of a 1 kHz timer outran the
 * timer with six (tests/programs/sigstorm).
 *
 * The stack itself stays exactly as the program set it, so everything the
 * kernel does with it is native: queries, EPERM when a handler changes the
 * stack it runs on, and a handler left with longjmp leaving it armed for
 * the next signal (a stack overflow caught twice in a row: gnulib's c-stack
 * and libsigsegv recover that way).  A stack the program set with
 * SS_AUTODISARM is disarmed by the kernel while a handler runs on it, so
 * calls made there need nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>

#include "rt.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

_Static_assert(offsetof(struct zp_thread, alt_swap) == TB_ALTSWAP, "TB_ALTSWAP");
_Static_assert(offsetof(struct zp_thread, alt_pending) == TB_ALTPEND, "TB_ALTPEND");
_Static_assert(offsetof(struct zp_thread, alt_lo) == TB_ALTLO, "TB_ALTLO");
_Static_assert(offsetof(struct zp_thread, alt_hi) == TB_ALTHI, "TB_ALTHI");
_Static_assert(offsetof(struct zp_thread, alt_entry_mask) == TB_ALTMASK, "TB_ALTMASK");
_Static_assert(offsetof(struct zp_record, alt_mask) == REC_ALTMASK, "REC_ALTMASK");
_Static_assert(offsetof(struct zp_record, alt_swap) == REC_ALTSWAP, "REC_ALTSWAP");

/* What the kernel calls being on the stack. */
static bool on_program_stack(const struct zp_thread *t, uintptr_t sp)
{
	return t->alt_hi && sp > t->alt_lo && sp <= t->alt_hi;
}

/* Records the program's stack; calls made on it swap (alt_swap) unless the
 * program asked for SS_AUTODISARM, or in SUD-only mode, where every call is
 * completed inside a SIGSYS handler, on whatever stack the kernel chose. */
static void set_stack(struct zp_thread *t, uintptr_t lo, uintptr_t hi, bool autodisarm)
{
	t->alt_swap = 0; /* the stub must not see a half-written range */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->alt_lo = lo;
	t->alt_hi = hi;
	t->alt_autodisarm = autodisarm;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->alt_swap = hi && !autodisarm && zp_mode != ZP_MODE_SUD;
}

bool zp_altstack_swaps(const struct zp_thread *t, uintptr_t sp)
{
	return t && t->alt_swap && on_program_stack(t, sp);
}

void zp_altstack_adopt(struct zp_thread *t)
{
	stack_t ss = {0};
	if (zp_raw2(SYS_sigaltstack, 0, &ss) < 0 || (ss.ss_flags & SS_DISABLE) || !ss.ss_size)
		return;
	set_stack(t, (uintptr_t)ss.ss_sp, (uintptr_t)ss.ss_sp + ss.ss_size,
		  (ss.ss_flags & SS_AUTODISARM) != 0);
}

/* scratch[4]: 1 if a new stack is being set; [5..7]: its sp, size, flags;
 * [8..10]: the program's view of the stack before the call. */
int zp_sigaltstack_pre(struct zp_record *r, struct zp_thread *t)
{
	if (!t || zp_mode == ZP_MODE_SUD)
		return ZP_ACT_SYSCALL;
	/* Asked on the stack with every signal held: the kernel's answer is
	 * known, and nothing need be disarmed for it.  (A change made there
	 * is refused below.) */
	if (r->alt_swap == ZP_ALT_HELD && !r->call.args[0]) {
		stack_t view = {.ss_sp = (void *)t->alt_lo, .ss_flags = SS_ONSTACK,
				.ss_size = t->alt_hi - t->alt_lo};
		stack_t *oss = (stack_t *)r->call.args[1];
		r->call.ret = oss && zp_safe_copy(oss, &view, sizeof view) < 0 ? -EFAULT : 0;
		return ZP_ACT_RETURN;
	}
	uint64_t *k = r->scratch;
	k[4] = 0;
	k[8] = t->alt_lo;
	k[9] = t->alt_hi - t->alt_lo;
	k[10] = t->alt_hi ? (t->alt_autodisarm ? SS_AUTODISARM : 0) |
				    (on_program_stack(t, r->call.sp) ? SS_ONSTACK : 0)
			  : SS_DISABLE;
	r->rt_flags |= ZP_RTF_ALTSTACK;
	stack_t ss;
	const stack_t *in = (const stack_t *)r->call.args[0];
	if (!in || zp_safe_copy(&ss, in, sizeof ss) < 0)
		return ZP_ACT_SYSCALL_POST; /* a query, or EFAULT from the kernel */
	/* The kernel would refuse it itself, but it is disarmed right now. */
	if (!t->alt_autodisarm && on_program_stack(t, r->call.sp)) {
		r->call.ret = -EPERM;
		r->rt_flags &= ~ZP_RTF_ALTSTACK;
		return ZP_ACT_RETURN;
	}
	k[4] = 1;
	k[5] = (uintptr_t)ss.ss_sp;
	k[6] = ss.ss_size;
	k[7] = (uint64_t)(unsigned)ss.ss_flags;
	return ZP_ACT_SYSCALL_POST;
}

void zp_sigaltstack_post(struct zp_record *r, struct zp_thread *t)
{
	uint64_t *k = r->scratch;
	if (r->call.ret != 0 || !t)
		return;
	/* While a call made on the stack runs, the kernel reports it disabled:
	 * the program sees its own. */
	stack_t *oss = (stack_t *)r->call.args[1];
	if (oss && t->alt_hi) {
		stack_t view = {.ss_sp = (void *)k[8], .ss_flags = (int)k[10], .ss_size = k[9]};
		zp_safe_copy(oss, &view, sizeof view);
	}
	if (k[4]) {
		int flags = (int)k[7];
		bool off = (flags & SS_DISABLE) != 0;
		set_stack(t, off ? 0 : k[5], off ? 0 : k[5] + k[6],
			  !off && (flags & (int)SS_AUTODISARM));
	}
}

static void disarm_now(struct zp_record *r)
{
	r->alt_swap = ZP_ALT_SWAPPED;
	stack_t off = {.ss_flags = SS_DISABLE};
	zp_raw2(SYS_sigaltstack, &off, 0);
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &r->alt_mask, 0, 8);
}

/* zp_altstack_enter (rt.h) for a call made on that stack: a rewritten
 * site's is held, a trapped one's (made by a signal handler, which
 * resumes on the slot) disarmed at once. */
void zp_altstack_hold(struct zp_record *r, struct zp_thread *t)
{
	t->alt_pending = 0;
	r->alt_mask = t->alt_entry_mask;
	if (r->call.origin == ZPOLINE_ORIGIN_REWRITTEN)
		r->alt_swap = ZP_ALT_HELD;
	else
		disarm_now(r);
}

/* The runtime is about to handle the call itself (dispatch.c): what it
 * does may read or change the mask, or want the call made from the slot,
 * so the stack is disarmed first.  rt_sigreturn stays held. */
void zp_altstack_unhold(struct zp_record *r)
{
	if (r->alt_swap == ZP_ALT_HELD && r->call.nr != SYS_rt_sigreturn)
		disarm_now(r);
}

/* The call goes back to the program (act): re-arm its stack with every
 * signal blocked; the stub restores r->alt_mask once it is back on it.
 * Calls that go back through the kernel instead (rt_sigreturn restores
 * both) or never do need nothing; every other call comes back through
 * zp_post, where this is done. */
int zp_altstack_rearm(struct zp_record *r, struct zp_thread *t, int act)
{
	/* Back from post(), held throughout: the stub restores the mask. */
	if (r->alt_swap == ZP_ALT_HELD_POST)
		return act;
	if (r->alt_swap == ZP_ALT_HELD) {
		/* Still armed, the program's mask in alt_mask for the stub. */
		if (act == ZP_ACT_RETURN ||
		    (act == ZP_ACT_SYSCALL && r->call.nr == SYS_rt_sigreturn))
			return act;
		if (act == ZP_ACT_SYSCALL) {
			r->alt_swap = ZP_ALT_HELD_MAKE;
			return act;
		}
		if (act == ZP_ACT_SYSCALL_POST) {
			r->alt_swap = ZP_ALT_HELD_POST;
			return act;
		}
		disarm_now(r);
	}
	if (act == ZP_ACT_SYSCALL) {
		long nr = r->call.nr;
		if (nr == SYS_rt_sigreturn || nr == SYS_exit || nr == SYS_exit_group)
			return act;
		return ZP_ACT_SYSCALL_POST;
	}
	if (act != ZP_ACT_RETURN)
		return act;
	uint64_t all = ~0ull;
	zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &all, &r->alt_mask, 8);
	if (t && t->alt_hi && !t->alt_autodisarm) {
		stack_t ss = {.ss_sp = (void *)t->alt_lo, .ss_size = t->alt_hi - t->alt_lo};
		zp_raw2(SYS_sigaltstack, &ss, 0);
	}
	return act;
}

/* sigaltstack(ss, oss) trapped (SUD, ud2 sites) while the runtime's handler
 * runs on the program's signal stack, which happens as soon as the program
 * gives its handlers SA_ONSTACK (Go does, for every signal): made from the
 * handler, the kernel would judge "on the stack" from the handler's rsp and
 * refuse any change with EPERM, where the program, running elsewhere,
 * expects it to work (Go then crashes on purpose); with SS_AUTODISARM it
 * would answer SS_DISABLE (saved: the frame's uc_stack, the program's).
 * So it is judged from the program's rsp and made from the slot's stack,
 * off the signal stack.
 * (The caller then writes the new stack into the frame, which rt_sigreturn
 * restores; from the old stack that restore succeeds, since the old stack
 * is no longer the signal stack.)  Returns the call's result, or 1 if the
 * call should simply be made. */
static long altstack_call(void *arg)
{
	const long *a = arg;
	return zp_raw2(SYS_sigaltstack, a[0], a[1]);
}

long zp_sigaltstack_trapped(const long *args, uintptr_t sp, void *slot_top, const stack_t *saved)
{
	stack_t cur = {0};
	if (zp_raw2(SYS_sigaltstack, 0, &cur) < 0)
		return 1;
	/* The handler runs on a stack set with SS_AUTODISARM, which the kernel
	 * disabled for it (the frame holds the stack it puts back): the
	 * program's stack is the frame's.  The kernel never finds a thread on
	 * such a stack, so it never refuses a change nor answers SS_ONSTACK. */
	uintptr_t here = (uintptr_t)__builtin_frame_address(0), slo = (uintptr_t)saved->ss_sp;
	if ((cur.ss_flags & SS_DISABLE) && ((unsigned)saved->ss_flags & SS_AUTODISARM) &&
	    !(saved->ss_flags & SS_DISABLE) && here > slo && here - slo <= saved->ss_size) {
		long r = 0;
		if (args[0]) {
			long a[2] = {args[0], 0};
			r = zp_call_on_stack(altstack_call, a, slot_top);
		}
		if (r == 0 && args[1] && zp_safe_copy((void *)args[1], saved, sizeof *saved) < 0)
			r = -EFAULT;
		return r;
	}
	if (!(cur.ss_flags & SS_ONSTACK))
		return 1;
	uintptr_t lo = (uintptr_t)cur.ss_sp;
	bool on = sp > lo && sp - lo <= cur.ss_size;
	if (args[0] && on) {
		stack_t probe;
		return zp_safe_copy(&probe, (const void *)args[0], sizeof probe) < 0 ? -EFAULT : -EPERM;
	}
	long a[2] = {args[0], args[1]};
	long r = zp_call_on_stack(altstack_call, a, slot_top);
	stack_t *out = (stack_t *)args[1];
	if (r == 0 && out && on) {
		stack_t v;
		if (zp_safe_copy(&v, out, sizeof v) == 0) {
			v.ss_flags |= SS_ONSTACK;
			zp_safe_copy(out, &v, sizeof v);
		}
	}
	return r;
}
