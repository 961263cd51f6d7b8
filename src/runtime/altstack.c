/*
 * altstack.c - the program's signal stacks, armed with SS_AUTODISARM.
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
 * So every signal stack the program sets is armed with SS_AUTODISARM
 * (Linux 4.7): the kernel disarms it when it delivers a signal onto it and
 * re-arms it from that frame at rt_sigreturn, and a nested signal meanwhile
 * is delivered on the stack the thread is on (the slot, or the sigaltstack
 * below the running handler), never over a live frame.
 *
 * The program sees what it set: queries report its stack and flags (and
 * SS_ONSTACK while it runs on it), changing the stack while running on it
 * fails with EPERM as before, and a handler left with siglongjmp gets the
 * stack re-armed at the next call the runtime sees from outside it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>

#include "rt.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static bool on_program_stack(const struct zp_thread *t, uintptr_t sp)
{
	return t->alt_hi && sp > t->alt_lo && sp <= t->alt_hi;
}

static long arm(const struct zp_thread *t)
{
	stack_t ss = {.ss_sp = (void *)t->alt_lo,
		      .ss_flags = (int)SS_AUTODISARM,
		      .ss_size = t->alt_hi - t->alt_lo};
	return zp_raw2(SYS_sigaltstack, &ss, 0);
}

void zp_altstack_adopt(struct zp_thread *t)
{
	if (zp_mode == ZP_MODE_SUD)
		return;
	stack_t ss = {0};
	if (zp_raw2(SYS_sigaltstack, 0, &ss) < 0 || (ss.ss_flags & SS_DISABLE) || !ss.ss_size)
		return;
	t->alt_lo = (uintptr_t)ss.ss_sp;
	t->alt_hi = (uintptr_t)ss.ss_sp + ss.ss_size;
	t->alt_autodisarm = (ss.ss_flags & SS_AUTODISARM) != 0;
	if (!(ss.ss_flags & SS_ONSTACK))
		arm(t);
}

/* scratch[0..2]: the stack_t passed to the kernel; [3]: the program's
 * pointer; [4]: 1 if a new stack is being set; [5..7]: its sp, size,
 * flags; [8..10]: the program's view of the stack before the call. */
int zp_sigaltstack_pre(struct zp_record *r, struct zp_thread *t)
{
	/* Not in SUD-only mode: there every call is completed inside a SIGSYS
	 * handler, and entering any handler disarms such a stack, so no
	 * signal could reach it. */
	if (!t || zp_mode == ZP_MODE_SUD)
		return ZP_ACT_SYSCALL;
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
	if (!t->alt_autodisarm && on_program_stack(t, r->call.sp)) {
		r->call.ret = -EPERM; /* what the kernel says on the stack it would change */
		r->rt_flags &= ~ZP_RTF_ALTSTACK;
		return ZP_ACT_RETURN;
	}
	int mode = ss.ss_flags & ~(int)SS_AUTODISARM;
	k[4] = 1;
	k[5] = (uintptr_t)ss.ss_sp;
	k[6] = ss.ss_size;
	k[7] = (uint64_t)(unsigned)ss.ss_flags;
	if (mode == 0 || mode == SS_ONSTACK) {
		ss.ss_flags |= (int)SS_AUTODISARM;
		__builtin_memcpy(&k[0], &ss, sizeof ss);
		k[3] = (uint64_t)r->call.args[0];
		r->call.args[0] = (long)&k[0];
	}
	return ZP_ACT_SYSCALL_POST;
}

void zp_sigaltstack_post(struct zp_record *r, struct zp_thread *t)
{
	uint64_t *k = r->scratch;
	if (r->call.args[0] == (long)&k[0])
		r->call.args[0] = (long)k[3]; /* post hooks see the program's argument */
	if (r->call.ret != 0 || !t)
		return;
	stack_t *oss = (stack_t *)r->call.args[1];
	if (oss) {
		stack_t view = {.ss_sp = (void *)k[8], .ss_flags = (int)k[10], .ss_size = k[9]};
		if (!t->alt_hi) { /* not set through us: the kernel's answer, less our flag */
			zp_safe_copy(&view, oss, sizeof view);
			view.ss_flags &= ~(int)SS_AUTODISARM;
		}
		zp_safe_copy(oss, &view, sizeof view);
	}
	if (k[4]) {
		int flags = (int)k[7];
		bool off = (flags & SS_DISABLE) != 0;
		t->alt_lo = off ? 0 : k[5];
		t->alt_hi = off ? 0 : k[5] + k[6];
		t->alt_autodisarm = !off && (flags & (int)SS_AUTODISARM);
	}
}

/* Every call that reaches zp_pre: a call made on the program's stack means
 * the kernel has disarmed it (a handler runs there); a later call from
 * neither that stack nor the runtime's slots means the handler was left
 * without rt_sigreturn (siglongjmp), which would have re-armed it. */
void zp_altstack_note(struct zp_record *r, struct zp_thread *t)
{
	if (!t || !t->alt_hi || t->alt_autodisarm)
		return;
	uintptr_t sp = r->call.sp;
	if (on_program_stack(t, sp)) {
		t->alt_in_use = true;
	} else if (t->alt_in_use && !(sp >= t->map_base && sp < t->map_base + t->map_size)) {
		t->alt_in_use = false;
		arm(t);
	}
}

/* sigaltstack(ss, oss) trapped (SUD, ud2 sites) while the runtime's handler
 * runs on the program's signal stack, which happens as soon as the program
 * gives its handlers SA_ONSTACK (Go does, for every signal): made from the
 * handler, the kernel would judge "on the stack" from the handler's rsp and
 * refuse any change with EPERM, where the program, running elsewhere,
 * expects it to work (Go then crashes on purpose).  So it is judged from
 * the program's rsp and made from the slot's stack, off the signal stack.
 * (The caller then writes the new stack into the frame, which rt_sigreturn
 * restores; from the old stack that restore succeeds, since the old stack
 * is no longer the signal stack.)  Returns the call's result, or 1 if the
 * call should simply be made. */
static long altstack_call(void *arg)
{
	const long *a = arg;
	return zp_raw2(SYS_sigaltstack, a[0], a[1]);
}

long zp_sigaltstack_trapped(const long *args, uintptr_t sp, void *slot_top)
{
	stack_t cur = {0};
	if (zp_raw2(SYS_sigaltstack, 0, &cur) < 0 || !(cur.ss_flags & SS_ONSTACK))
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
