/*
 * signals.c - the trap path, and the signals it needs.
 *
 * Four kinds of system call reach the runtime through a signal instead of
 * the trampoline (SIGSYS from Syscall User Dispatch: see sud.c):
 *   - SIGILL:  sites whose function keeps data in the red zone are rewritten
 *              to `ud2`, not `callq *%rax` (the kernel builds signal frames
 *              below the red zone, so this path is red-zone safe);
 *   - SIGTRAP: numbers that land in page 0 past the sled (int3 fill);
 *   - SIGSEGV: numbers beyond page 0 (-1, the x32 bit, ...).
 * The handler completes each as the system call it is, through the same
 * zp_pre()/zp_post() as the fast path, and returns what the kernel returns.
 *
 * The program may want these signals itself (JVMs, sanitizers, debuggers'
 * helpers), so the runtime owns the real handlers and keeps the program's
 * wishes in a virtual table: rt_sigaction on them is emulated, faults that
 * are not ours are passed to the program's handler exactly as the kernel
 * would have called it (the real handler is installed with the program's
 * flags and mask), and a default action is reproduced by restoring SIG_DFL
 * and letting the fault happen again.  The runtime also keeps the three
 * signals from being blocked for real (rt_sigprocmask, sa_mask and
 * rt_sigreturn masks are edited; the program sees the mask it asked for),
 * because the kernel kills a process whose synchronous fault signal is
 * blocked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <linux/sched.h>

#include "rt.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

/* The kernel's struct sigaction on x86-64. */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static const int ours[] = {SIGILL, SIGTRAP, SIGSEGV, SIGSYS};
#define BIT(s) (1ull << ((s)-1))
uint64_t zp_ours_mask = BIT(SIGILL) | BIT(SIGTRAP) | BIT(SIGSEGV) | BIT(SIGSYS);

/* The program's handlers for ours, in the order of ours[]. */
static struct ksigaction virt[sizeof ours / sizeof ours[0]];
/* For the other signals: which of ours the program put in sa_mask. */
static uint64_t asked_ours[65];

_Static_assert(sizeof(struct ksigaction) == sizeof(((struct zp_thread *)0)->vsig[0]),
	       "a thread block holds a private copy of each of our signals");
_Static_assert(sizeof ours / sizeof ours[0] == sizeof(((struct zp_thread *)0)->vsig) /
							sizeof(((struct zp_thread *)0)->vsig[0]),
	       "one private copy per signal of ours");

/* A task that shares our memory but got a copy of the signal handlers
 * (vfork, posix_spawn): what it does to them must not reach the program's
 * table, which lives in that shared memory.  (Go's os/exec and posix_spawn
 * with POSIX_SPAWN_SETSIGDEF reset every handler in the child: the parent
 * then lost its SIGSEGV handler.) */
void zp_signals_private(struct zp_thread *c)
{
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
		memcpy(c->vsig[i], &virt[i], sizeof c->vsig[i]);
	c->sig_private = true;
}

/* The program's handler for one of our signals, as this task sees it. */
static struct ksigaction *view(int sig)
{
	size_t i = 0;
	while (i + 1 < sizeof ours / sizeof ours[0] && ours[i] != sig)
		i++;
	struct zp_thread *t = zp_thread_self();
	if (t && t->sig_private)
		return (struct ksigaction *)(void *)t->vsig[i];
	return &virt[i];
}

bool zp_signal_is_ours(int sig)
{
	return sig > 0 && sig <= 64 && (zp_ours_mask & BIT(sig));
}

static void handler(int sig, siginfo_t *si, void *ucv);

static long install(int sig)
{
	/* SA_NODEFER: a signal handler of the program may interrupt ours and
	 * make a call that traps again; the kernel kills a process whose trap
	 * signal is blocked. */
	const struct ksigaction *v = view(sig);
	struct ksigaction k = {
		.handler = (void *)handler,
		.flags = SA_SIGINFO | SA_RESTORER | SA_NODEFER | (v->flags & (SA_ONSTACK | SA_RESTART)),
		.restorer = (void *)zp_sigreturn,
		.mask = v->mask & ~zp_ours_mask,
	};
	return zp_raw4(SYS_rt_sigaction, sig, &k, 0, 8);
}

int zp_signals_init(void)
{
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
		int sig = ours[i];
		long r = zp_raw4(SYS_rt_sigaction, sig, 0, &virt[i], 8);
		if (r < 0)
			return (int)r;
		r = install(sig);
		if (r < 0)
			return (int)r;
	}
	/* If the program starts with them blocked, it believes they are. */
	uint64_t cur = 0, none = 0;
	zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &none, &cur, 8);
	if (cur & zp_ours_mask) {
		struct zp_thread *t = zp_thread_self();
		if (t)
			t->vmask = cur & zp_ours_mask;
		uint64_t un = zp_ours_mask;
		zp_raw4(SYS_rt_sigprocmask, SIG_UNBLOCK, &un, 0, 8);
	}
	return 0;
}

/* rt_sigaction(sig, act, oldact, size).  For our signals: emulated, returns
 * the result.  For others: strips our signals from act->sa_mask (through a
 * copy in the record). */
long zp_sigaction_virtual(struct zp_record *r)
{
	int sig = (int)r->call.args[0];
	const struct ksigaction *act = (const struct ksigaction *)r->call.args[1];
	struct ksigaction *oldact = (struct ksigaction *)r->call.args[2];
	struct ksigaction a;
	if (!zp_signal_is_ours(sig)) {
		/* The kernel gets sa_mask without our signals (they must stay
		 * deliverable); the program is shown what it asked for. */
		if (sig <= 0 || sig > 64 || r->call.args[3] != 8)
			return 0;
		r->scratch[5] = asked_ours[sig];
		r->scratch[6] = (uint64_t)(uintptr_t)oldact;
		r->rt_flags |= ZP_RTF_SIGACTION;
		/* A bad pointer is left for the kernel to refuse. */
		if (act && zp_safe_copy(&a, act, sizeof a) == 0) {
			/* Not from a vfork child: the table is the parent's. */
			struct zp_thread *t = zp_thread_self();
			if (!t || !t->sig_private)
				asked_ours[sig] = a.mask & zp_ours_mask;
			if (a.mask & zp_ours_mask) {
				struct ksigaction *copy = (struct ksigaction *)r->scratch;
				*copy = a;
				copy->mask &= ~zp_ours_mask;
				r->call.args[1] = (long)copy;
			}
		}
		return 0;
	}
	if (r->call.args[3] != 8)
		return -EINVAL;
	if (act && zp_safe_copy(&a, act, sizeof a) < 0)
		return -EFAULT;
	struct ksigaction *v = view(sig), prev = *v;
	if (oldact && zp_safe_copy(oldact, &prev, sizeof prev) < 0)
		return -EFAULT;
	if (act) {
		*v = a;
		long e = install(sig);
		if (e < 0) {
			*v = prev;
			return e;
		}
	}
	return 0;
}

/* rt_sigaction of another signal came back: oldact shows the runtime's
 * signals the program had put in that handler's sa_mask. */
void zp_sigaction_post(struct zp_record *r)
{
	struct ksigaction *oldact = (struct ksigaction *)(uintptr_t)r->scratch[6];
	struct ksigaction o;
	if (r->call.ret != 0 || !oldact || !r->scratch[5] || zp_safe_copy(&o, oldact, sizeof o) < 0)
		return;
	o.mask |= r->scratch[5];
	zp_safe_copy(oldact, &o, sizeof o);
}

void zp_sigmask_pre(struct zp_record *r)
{
	struct zp_thread *t = zp_thread_self();
	uint64_t vm = t ? t->vmask : 0;
	r->scratch[10] = vm; /* old virtual bits, for oldset */
	r->scratch[9] = vm;  /* new virtual bits, if the call succeeds */
	r->rt_flags |= ZP_RTF_SIGMASK;
	const uint64_t *setp = (const uint64_t *)r->call.args[1];
	uint64_t set;
	if (!setp || r->call.args[3] != 8 || zp_safe_copy(&set, setp, 8) < 0)
		return; /* the kernel says EINVAL or EFAULT */
	uint64_t want = set & zp_ours_mask;
	switch (r->call.args[0]) {
	case SIG_BLOCK:
		r->scratch[9] = vm | want;
		break;
	case SIG_UNBLOCK:
		r->scratch[9] = vm & ~want;
		break;
	case SIG_SETMASK:
		r->scratch[9] = want;
		break;
	default:
		return;
	}
	if (set & zp_ours_mask) {
		r->scratch[0] = set & ~zp_ours_mask;
		r->call.args[1] = (long)&r->scratch[0];
	}
}

void zp_sigmask_post(struct zp_record *r)
{
	if (r->call.ret != 0)
		return;
	struct zp_thread *t = zp_thread_self();
	if (t)
		t->vmask = r->scratch[9];
	uint64_t *oldset = (uint64_t *)r->call.args[2], old;
	if (oldset && zp_safe_copy(&old, oldset, 8) == 0) {
		old = (old & ~zp_ours_mask) | r->scratch[10];
		zp_safe_copy(oldset, &old, 8);
	}
}

/* rt_sigreturn: the frame's saved mask is about to become the real one. */
void zp_sigreturn_pre(struct zp_record *r)
{
	uint64_t *maskp = (uint64_t *)(r->call.sp + offsetof(ucontext_t, uc_sigmask)), mask;
	if (zp_safe_copy(&mask, maskp, 8) < 0)
		return; /* not a signal frame: the kernel will say so */
	struct zp_thread *t = zp_thread_self();
	if (t)
		t->vmask = mask & zp_ours_mask;
	mask &= ~zp_ours_mask;
	zp_safe_copy(maskp, &mask, 8);
}

/* ---- the handler -------------------------------------------------------- */

static long pre_on_slot(void *r)
{
	return zp_pre(r);
}

static long post_on_slot(void *r)
{
	return zp_post(r);
}

/* Calls that must leave the signal handler to be made: a child that shares
 * our memory or starts on another stack, and rt_sigreturn. */
static bool needs_stub(const struct zp_record *r)
{
	switch (r->call.nr) {
	case SYS_rt_sigreturn:
	case SYS_vfork:
	case SYS_clone3:
		return true;
	case SYS_clone:
		return (r->call.args[0] & CLONE_VM) || r->call.args[1];
	default:
		return false;
	}
}

/* The system call the program was making at `site`, made on its behalf.
 * A record goes in this thread's slot, filled from the signal context.
 *   - Most calls are completed right here, on the slot's stack (hooks never
 *     run on the program's stack), under the program's signal mask, and the
 *     result goes into the context: the kernel's sigreturn puts everything
 *     back at once.
 *   - Calls that cannot be made from inside a signal handler (clone with a
 *     shared address space or a new stack, vfork, rt_sigreturn) continue in
 *     the entry stub: the context is pointed at zp_trap_resume with rsp and
 *     rbx at the record; when the handler returns, the kernel restores the
 *     program's registers and mask and the stub takes over. */
void zp_trap_enter(void *ucv, uintptr_t site, uintptr_t resume, uintptr_t sp, unsigned origin)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	struct zp_thread *t = zp_thread_self();
	if (!t) {
		zp_thread_adopt();
		t = zp_thread_self();
	}
	/* Take the level first: a signal arriving while the record is filled
	 * must find the slot in use. */
	uint32_t my = __atomic_fetch_add(&t->level, 1, __ATOMIC_ACQ_REL);
	uintptr_t top = t->slots + ((uintptr_t)(my % ZP_NSLOTS) + 1) * ZP_SLOT_SIZE;
	struct zp_record *rec = (struct zp_record *)(top - REC_SIZE);
	memset(rec, 0, sizeof *rec);
	rec->level = my;
	const int argreg[6] = {REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9};
	const int calleereg[6] = {REG_RBX, REG_RBP, REG_R12, REG_R13, REG_R14, REG_R15};
	for (int i = 0; i < 6; i++) {
		rec->call.args[i] = g[argreg[i]];
		rec->saved[i] = (uint64_t)g[argreg[i]];
		rec->saved[6 + i] = (uint64_t)g[calleereg[i]];
	}
	rec->call.nr = g[REG_RAX];
	rec->call.site = (const void *)site;
	rec->call.origin = origin;
	rec->flags = (uint64_t)g[REG_EFL];
	rec->retaddr = resume;
	rec->call.sp = sp;

	/* The call was made on the program's signal stack: resume on the slot
	 * with every signal blocked until the stack is disarmed (altstack.c). */
	if (zp_altstack_swaps(t, sp)) {
		uint64_t *ucmask = (uint64_t *)&uc->uc_sigmask;
		t->alt_entry_mask = *ucmask & ~zp_ours_mask;
		t->alt_pending = 1;
		*ucmask = ~0ull;
	}
	if (t->alt_pending || needs_stub(rec)) {
		g[REG_RSP] = (greg_t)(uintptr_t)rec;
		g[REG_RBX] = (greg_t)(uintptr_t)rec;
		g[REG_RIP] = (greg_t)(uintptr_t)zp_trap_resume;
		return;
	}

	/* The call runs under the program's mask, not the handler's, and any
	 * change it makes to the mask must survive our sigreturn. */
	uint64_t *ucmask = (uint64_t *)&uc->uc_sigmask;
	uint64_t app_mask = *ucmask & ~zp_ours_mask;
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &app_mask, 0, 8);

	long act = zp_call_on_stack(pre_on_slot, rec, rec);
	if (act == ZP_ACT_EXIT_THREAD) {
		zp_thread_free(t);
		zp_raw1(rec->call.nr, rec->call.args[0]);
	}
	if (act != ZP_ACT_RETURN) {
		long r = 1;
		if (rec->call.nr == SYS_sigaltstack)
			r = zp_sigaltstack_trapped(rec->call.args, sp, rec);
		rec->call.ret = r != 1 ? r
				       : zp_syscall6(rec->call.nr, rec->call.args[0], rec->call.args[1],
						     rec->call.args[2], rec->call.args[3],
						     rec->call.args[4], rec->call.args[5]);
		if (act == ZP_ACT_SYSCALL_POST)
			zp_call_on_stack(post_on_slot, rec, rec);
	}
	long ret = rec->call.ret;
	uint64_t cur = 0, none = 0;
	zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &none, &cur, 8);
	*ucmask = cur & ~zp_ours_mask;
	/* rt_sigreturn also restores the signal stack from the frame: a stack
	 * set here must be the one the frame holds, or it would be undone. */
	if (rec->call.nr == SYS_sigaltstack && ret == 0)
		zp_raw2(SYS_sigaltstack, 0, &uc->uc_stack);
	__atomic_store_n(&t->level, my, __ATOMIC_RELEASE);
	g[REG_RAX] = ret;
	g[REG_RCX] = (greg_t)resume;
	g[REG_R11] = g[REG_EFL];
	g[REG_RIP] = (greg_t)resume;
	g[REG_RSP] = (greg_t)sp;
}

static bool is_site_ret(uintptr_t ret)
{
	return zp_set_has(zp_site_table, ret);
}

/* Hand a signal that is not ours to the program, as the kernel would have. */
static void forward(int sig, siginfo_t *si, ucontext_t *uc)
{
	struct ksigaction *va = view(sig);
	void *h = va->handler;
	struct zp_thread *t = zp_thread_self();
	bool blocked = t && (t->vmask & BIT(sig));
	bool sync = si->si_code > 0 && si->si_code < 0x80; /* raised by the CPU */
	if (h == SIG_DFL || (h == SIG_IGN && sync) || (blocked && sync)) {
		/* What the kernel does: the default action.  A fault happens again
		 * when we return; anything else is raised again. */
		struct ksigaction dfl = {0};
		dfl.handler = SIG_DFL;
		zp_raw4(SYS_rt_sigaction, sig, &dfl, 0, 8);
		if (!sync)
			zp_raw3(SYS_tgkill, zp_raw0(SYS_getpid), zp_raw0(SYS_gettid), sig);
		return;
	}
	if (h == SIG_IGN)
		return;
	if (va->flags & SA_RESETHAND) {
		va->handler = SIG_DFL;
		va->flags &= ~SA_RESETHAND;
		install(sig);
	}
	if (va->flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))h)(sig, si, uc);
	else
		((void (*)(int))h)(sig);
}

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t rip = (uintptr_t)g[REG_RIP];
	uintptr_t rsp = (uintptr_t)g[REG_RSP];
	bool from_cpu = si->si_code > 0 && si->si_code < 0x80;

	if (sig == SIGSYS && zp_sud_signal(uc, si))
		return;
	/* The runtime read or wrote a bad pointer the program gave it. */
	if ((sig == SIGSEGV || sig == SIGBUS) && rip >= (uintptr_t)zp_safe_copy &&
	    rip < (uintptr_t)zp_safe_copy_end) {
		g[REG_RIP] = (greg_t)(uintptr_t)zp_safe_copy_fault;
		return;
	}

	if (sig == SIGILL && from_cpu && zp_set_has(zp_trap_table, rip)) {
		zp_trap_enter(uc, rip, rip + 2, rsp, ZPOLINE_ORIGIN_TRAP);
		return;
	}
	if (sig == SIGTRAP && rip >= 1 && rip - 1 < ZP_PAGE && is_site_ret(*(uintptr_t *)rsp)) {
		uintptr_t ret = *(uintptr_t *)rsp;
		zp_trap_enter(uc, ret - 2, ret, rsp + 8, ZPOLINE_ORIGIN_TRAP);
		return;
	}
	/* A site being rewritten across a cache line holds int3 for a moment:
	 * go back and run it again. */
	if (sig == SIGTRAP && rip >= 1 &&
	    (is_site_ret(rip + 1) || zp_set_has(zp_trap_table, rip - 1))) {
		g[REG_RIP] = (greg_t)(rip - 1);
		return;
	}
	if (sig == SIGSEGV && from_cpu) {
		/* The call reached an unmapped number: the fault is at rip == rax. */
		if (rip == (uintptr_t)g[REG_RAX] && is_site_ret(*(uintptr_t *)rsp)) {
			uintptr_t ret = *(uintptr_t *)rsp;
			zp_trap_enter(uc, ret - 2, ret, rsp + 8, ZPOLINE_ORIGIN_TRAP);
			return;
		}
		/* A non-canonical number faults on the call itself. */
		if (is_site_ret(rip + 2) && ((const unsigned char *)rip)[0] == 0xff &&
		    ((const unsigned char *)rip)[1] == 0xd0) {
			zp_trap_enter(uc, rip, rip + 2, rsp, ZPOLINE_ORIGIN_TRAP);
			return;
		}
	}
	if (zp_debug && from_cpu)
		zp_log("zpoline: signal %d (code %d) at %p not the runtime's: rax %lx, rsp %p, [rsp] %lx",
		       sig, si->si_code, (void *)rip, (unsigned long)g[REG_RAX], (void *)rsp,
		       rsp ? *(unsigned long *)rsp : 0ul);
	forward(sig, si, uc);
}
