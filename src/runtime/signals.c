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

#include "detour.h"
#include "rt.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
/* The page-fault error code's bits (arch/x86/include/asm/trap_pf.h). */
#define X86_PF_PROT 0x1 /* the page was present */
#define X86_PF_PK 0x20	/* a protection key refused the access */
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

static const int ours[] = {SIGILL, SIGTRAP, SIGSEGV, SIGSYS};
#define BIT(s) (1ull << ((s)-1))
uint64_t zp_ours_mask = BIT(SIGILL) | BIT(SIGTRAP) | BIT(SIGSEGV) | BIT(SIGSYS);

/* The program's handlers for ours, in the order of ours[]. */
static struct ksigaction virt[sizeof ours / sizeof ours[0]];
/* For the other signals: which of ours the program put in sa_mask, one bit
 * per entry of ours[] (a byte each keeps the small variables in one page). */
/* With prog_act[], which every call that writes it touches too (ZP_BIG_BSS). */
static uint8_t asked_ours[65] ZP_BIG_BSS;

static uint8_t ours_pack(uint64_t mask)
{
	uint8_t p = 0;
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
		if (mask & BIT(ours[i]))
			p |= (uint8_t)(1u << i);
	return p;
}

static uint64_t ours_unpack(uint8_t p)
{
	uint64_t mask = 0;
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
		if (p & (1u << i))
			mask |= BIT(ours[i]);
	return mask;
}

/* handlercall.S: with the registers the context shows (gregs) */
void zp_call_handler(void *handler, int sig, siginfo_t *si, void *uc, const greg_t *gregs)
	__attribute__((visibility("hidden")));

/* The program's handlers of the other signals run through wrapped() (see
 * there); the handler and flags the program gave, for each signal whose
 * kernel handler is wrapped. */
struct prog_action {
	void *handler;
	unsigned long flags;
};
static struct prog_action prog_act[65] ZP_BIG_BSS;
static void wrapped(int sig, siginfo_t *si, void *uc);
static void signal_notify(struct zp_thread *t, const siginfo_t *si, int fatal,
			  const ucontext_t *uc);

/* struct zpoline_runtime.sigreturn_blocked_own: the program's blocks of
 * ours live in the thread's view only (the kernel's mask and signal frames
 * never hold them).  The rt_sigreturn's own record is the thread's last;
 * a call with a mask for its duration that the signal cut short is the
 * one before, and the frame restores the mask from before that call (the
 * kernel saved it), whose view of ours waits in the call's record until
 * its end (zp_tempmask_post). */
unsigned long zp_sigreturn_blocked_own(void)
{
	const struct zp_thread *t = zp_thread_self();
	if (!t)
		return 0;
	uint32_t level = __atomic_load_n(&t->level, __ATOMIC_ACQUIRE);
	const struct zp_record *r = level >= 2 ? zp_slot_record(t, level - 2) : NULL;
	if (r && (r->rt_flags & ZP_RTF_TEMPMASK))
		return (unsigned long)(r->scratch[10] & zp_ours_mask);
	return (unsigned long)(t->vmask & zp_ours_mask);
}

/* Which of ours the program put in the sa_mask of its action for sig. */
uint64_t zp_signal_asked_ours(int sig)
{
	return sig > 0 && sig <= 64 ? ours_unpack(asked_ours[sig]) : 0;
}

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
static uint64_t held(const struct zp_thread *t);
static uint64_t release(struct zp_thread *t, uint64_t open, bool block);

/* Installs the runtime's handler for sig, keeping what the program's view
 * v asks of the kernel; the action it replaces goes to old (if not NULL). */
static bool sigsys_restart ZP_BIG_BSS;

static long install_as(int sig, const struct ksigaction *v, struct ksigaction *old)
{
	/* SA_NODEFER: a signal handler of the program may interrupt ours and
	 * make a call that traps again; the kernel kills a process whose trap
	 * signal is blocked.  SA_RESTART for SIGSYS once the runtime asks
	 * threads to arm Syscall User Dispatch by sending it (sud.c): the
	 * request must not end a blocking call the thread is in (a trap's
	 * SIGSYS interrupts none). */
	struct ksigaction k = {
		.handler = (void *)handler,
		.flags = SA_SIGINFO | SA_RESTORER | SA_NODEFER | (v->flags & (SA_ONSTACK | SA_RESTART)) |
			 (sig == SIGSYS && sigsys_restart ? SA_RESTART : 0),
		.restorer = (void *)zp_sigreturn,
		.mask = v->mask & ~zp_ours_mask,
	};
	return zp_raw4(SYS_rt_sigaction, sig, &k, old, 8);
}

static long install(int sig)
{
	return install_as(sig, view(sig), NULL);
}

int zp_signals_init(void)
{
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
		int sig = ours[i];
		/* execve leaves every action with no flags and an empty mask,
		 * so install and read the old action in one call; again only if
		 * a constructor that ran first set one with flags or a mask. */
		static const struct ksigaction fresh;
		long r = install_as(sig, &fresh, &virt[i]);
		if (r >= 0 && ((virt[i].flags & (SA_ONSTACK | SA_RESTART)) || virt[i].mask))
			r = install(sig);
		if (r < 0)
			return (int)r;
	}
	uint64_t cur = 0, none = 0;
	zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &none, &cur, 8);
	struct zp_thread *t = zp_thread_self();
	if (t && zp_signals_believed(t, &cur)) {
		uint64_t un = zp_ours_mask;
		zp_raw4(SYS_rt_sigprocmask, SIG_UNBLOCK, &un, 0, 8);
	}
	return 0;
}

/* A thread that starts with the runtime's signals blocked (the main thread
 * at start-up, one adopted later) believes they are: they are kept in its
 * view (vmask) and taken out of *mask, the mask it goes on with.  true if
 * there were any. */
bool zp_signals_believed(struct zp_thread *t, uint64_t *mask)
{
	if (!(*mask & zp_ours_mask))
		return false;
	t->vmask = *mask & zp_ours_mask;
	*mask &= ~zp_ours_mask;
	return true;
}

/* Handlers installed before the runtime started (by threads a linked
 * library's initializer started: Go's, with every signal in their sa_mask)
 * taken over as if installed through the hooks: wrapped, and without the
 * runtime's signals in their masks.  A thread armed for Syscall User
 * Dispatch that ran one and made a call there trapped with SIGSYS
 * blocked, which kills.  A read and a write of each action: only where
 * the process had threads at start-up (init.c), which are then asked to
 * arm by a SIGSYS (sud.c): from here on it has SA_RESTART. */
void zp_signals_adopt_handlers(void)
{
	sigsys_restart = true;
	install(SIGSYS);
	for (int sig = 1; sig <= 64; sig++) {
		if (zp_signal_is_ours(sig) || sig == SIGKILL || sig == SIGSTOP)
			continue;
		struct ksigaction a;
		if (zp_raw4(SYS_rt_sigaction, sig, NULL, &a, 8) != 0 || a.handler == SIG_DFL ||
		    a.handler == SIG_IGN || a.handler == (void *)wrapped)
			continue;
		prog_act[sig].handler = a.handler;
		prog_act[sig].flags = a.flags;
		asked_ours[sig] = ours_pack(a.mask);
		a.handler = (void *)wrapped;
		a.flags |= SA_SIGINFO;
		a.mask &= ~zp_ours_mask;
		zp_raw4(SYS_rt_sigaction, sig, &a, NULL, 8);
	}
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
		r->scratch[5] = ours_unpack(asked_ours[sig]);
		r->scratch[6] = (uint64_t)(uintptr_t)oldact;
		r->scratch[7] = (uint64_t)(uintptr_t)prog_act[sig].handler;
		r->scratch[8] = prog_act[sig].flags;
		r->scratch[9] = 0; /* 1: prog_act[sig] was replaced */
		r->rt_flags |= ZP_RTF_SIGACTION;
		/* A bad pointer is left for the kernel to refuse. */
		if (act && zp_safe_copy(&a, act, sizeof a) == 0) {
			/* Not from a vfork child: the tables are the parent's
			 * (its handlers then go to the kernel as they are). */
			struct zp_thread *t = zp_thread_self();
			bool shared = !t || !t->sig_private;
			if (shared)
				asked_ours[sig] = ours_pack(a.mask);
			bool wrap = shared && a.handler != SIG_DFL && a.handler != SIG_IGN &&
				    sig != SIGKILL && sig != SIGSTOP;
			if (wrap) {
				prog_act[sig].handler = a.handler;
				prog_act[sig].flags = a.flags & ZP_SA_KEPT;
				r->scratch[9] = 1;
			}
			/* The copy also tells sigdefault.c the action asked for. */
			if (wrap || (a.mask & zp_ours_mask) || zp_sigdefault_wanted(sig)) {
				struct ksigaction *copy = (struct ksigaction *)r->scratch;
				*copy = a;
				copy->mask &= ~zp_ours_mask;
				if (wrap) {
					copy->handler = (void *)wrapped;
					copy->flags |= SA_SIGINFO;
				}
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
		v->flags &= ZP_SA_KEPT;
		/* as the kernel: SIGKILL and SIGSTOP cannot be blocked */
		v->mask &= ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
		long e = install(sig);
		if (e < 0) {
			*v = prev;
			return e;
		}
	}
	return 0;
}

/* What the kernel does to a new process's actions for CLONE_CLEAR_SIGHAND
 * (flush_signal_handlers): a handler becomes SIG_DFL, an ignored signal
 * stays ignored, and every action loses its flags, restorer and mask.  The
 * runtime's own signals keep its handlers; their actions as the program
 * sees them are reset instead.  The child's memory is its own (no
 * CLONE_VM: dispatch.c). */
void zp_signals_clear_handlers(void)
{
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		asked_ours[sig] = 0;
		if (zp_signal_is_ours(sig)) {
			struct ksigaction *v = view(sig);
			void *h = v->handler == SIG_IGN ? SIG_IGN : SIG_DFL;
			memset(v, 0, sizeof *v);
			v->handler = h;
			install(sig);
			continue;
		}
		prog_act[sig].handler = NULL;
		prog_act[sig].flags = 0;
		struct ksigaction a;
		if (zp_raw4(SYS_rt_sigaction, sig, NULL, &a, 8) != 0)
			continue;
		if (a.handler == SIG_DFL && !a.flags && !a.mask)
			continue;
		/* a signal the runtime catches at its default action stays so */
		if (a.handler != SIG_IGN && zp_sigdefault_wanted(sig)) {
			zp_sigdefault_reset(sig);
			continue;
		}
		void *h = a.handler == SIG_IGN ? SIG_IGN : SIG_DFL;
		memset(&a, 0, sizeof a);
		a.handler = h;
		zp_raw4(SYS_rt_sigaction, sig, &a, NULL, 8);
	}
}

/* rt_sigaction of another signal came back: oldact shows the runtime's
 * signals the program had put in that handler's sa_mask. */
void zp_sigaction_post(struct zp_record *r)
{
	int sig = (int)r->call.args[0];
	struct ksigaction *oldact = (struct ksigaction *)(uintptr_t)r->scratch[6];
	struct ksigaction o;
	if (r->call.ret != 0) {
		if (r->scratch[9]) { /* refused: the old handler stays */
			prog_act[sig].handler = (void *)(uintptr_t)r->scratch[7];
			prog_act[sig].flags = r->scratch[8];
		}
		return;
	}
	if (!oldact || zp_safe_copy(&o, oldact, sizeof o) < 0)
		return;
	if (o.handler == (void *)wrapped) {
		o.handler = (void *)(uintptr_t)r->scratch[7];
		o.flags = r->scratch[8];
	} else if (o.handler == SIG_DFL && (o.flags & SA_RESETHAND) && r->scratch[7] &&
		   (r->scratch[8] & SA_RESETHAND) && !(r->scratch[8] & SA_SIGINFO)) {
		/* The kernel reset a wrapped SA_RESETHAND handler to SIG_DFL
		 * and kept its flags: the SA_SIGINFO among them was ours
		 * (gnulib's test-sigaction reads them in the handler). */
		o.flags &= ~SA_SIGINFO;
	} else if (!r->scratch[5]) {
		return;
	}
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
	/* Unblocked: what was held comes now, as the kernel delivers it on the
	 * way back from rt_sigprocmask (zp_signals_after_post). */
	if (t && (held(t) & ~t->vmask))
		t->vrelease = true;
}

/* The end of a call's post, outside the hook section: the program's handler
 * must not run with the hooks' state (in SUD mode the selector still
 * allows calls there).  A call made through the trap path returns through
 * the trap handler's sigreturn, whose mask lets the signal through: it is
 * blocked until then, and delivered right after, in the program.  Through
 * the entry stub nothing restores the mask: it is delivered here. */
void zp_signals_after_post(const struct zp_record *r, struct zp_thread *t)
{
	if (!t || !t->vrelease)
		return;
	t->vrelease = false;
	release(t, held(t) & ~t->vmask, r->call.origin != ZPOLINE_ORIGIN_REWRITTEN);
	zp_sigpipe_raise_held(t);
}

/* ---- our signals while the program has them blocked ----------------------
 *
 * They are never blocked for real (a trap the runtime needs would kill the
 * process), so one sent by kill, tgkill or sigqueue while the program
 * believes it blocked reaches the runtime's handler at once.  Natively it
 * would stay pending: shown by sigpending, taken by sigwait, delivered when
 * unblocked, and a default action would not kill yet (a blocked SIGSEGV
 * sent with kill killed the program at once).  The runtime holds it as the
 * kernel would (one per signal, the first siginfo kept) and sends it again
 * to the thread that unblocks it.  Sent with tgkill/tkill (SI_TKILL) it is
 * the thread's; otherwise the process's, taken by whichever thread unblocks
 * it first (natively the kernel would pick a thread that does not block
 * it: held here until the receiving thread unblocks it). */
static uint64_t vpend_proc;
static unsigned char vpinfo_proc[4][128] ZP_BIG_BSS;
_Static_assert(sizeof(siginfo_t) == 128, "siginfo is kept whole");
_Static_assert(offsetof(struct zp_thread, trap_tail) == TB_TRAPTAIL, "TB_TRAPTAIL");
_Static_assert(offsetof(ucontext_t, uc_link) == 8, "zp_trap_sigreturn reads uc_link at 8");

static int ours_index(int sig)
{
	for (int i = 0; i < (int)(sizeof ours / sizeof ours[0]); i++)
		if (ours[i] == sig)
			return i;
	return -1;
}

static uint64_t held(const struct zp_thread *t)
{
	return (t ? __atomic_load_n(&t->vpend, __ATOMIC_ACQUIRE) : 0) |
	       __atomic_load_n(&vpend_proc, __ATOMIC_ACQUIRE);
}

static void hold(struct zp_thread *t, int sig, const siginfo_t *si)
{
	int i = ours_index(sig);
	uint64_t b = BIT(sig);
	if (si->si_code == SI_TKILL) {
		if (!(t->vpend & b)) {
			memcpy(t->vpinfo[i], si, sizeof *si);
			__atomic_or_fetch(&t->vpend, b, __ATOMIC_RELEASE);
		}
	} else if (!(__atomic_load_n(&vpend_proc, __ATOMIC_ACQUIRE) & b)) {
		memcpy(vpinfo_proc[i], si, sizeof *si);
		__atomic_or_fetch(&vpend_proc, b, __ATOMIC_RELEASE);
	}
}

/* Take the lowest held signal in `want` (the thread's before the
 * process's, as the kernel dequeues); 0 if none. */
static int take(struct zp_thread *t, uint64_t want, siginfo_t *info)
{
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
		uint64_t b = BIT(ours[i]);
		if (!(want & b))
			continue;
		if (t && (__atomic_fetch_and(&t->vpend, ~b, __ATOMIC_ACQ_REL) & b)) {
			memcpy(info, t->vpinfo[i], sizeof *info);
			return ours[i];
		}
		if (__atomic_fetch_and(&vpend_proc, ~b, __ATOMIC_ACQ_REL) & b) {
			memcpy(info, vpinfo_proc[i], sizeof *info);
			return ours[i];
		}
	}
	return 0;
}

/* Send the held signals in `open` again, to this thread, with their
 * siginfo.  With `block`, each is blocked for real first: it is then
 * delivered when the call about to be made replaces the mask (rt_sigreturn,
 * sigsuspend, ppoll ..., or the runtime's own sigreturn), that is where the
 * kernel would have delivered it, not inside the runtime.  Returns the
 * signals sent. */
static uint64_t release(struct zp_thread *t, uint64_t open, bool block)
{
	uint64_t sent = 0;
	siginfo_t info;
	int sig;
	while ((sig = take(t, open & zp_ours_mask & ~sent, &info))) {
		uint64_t b = BIT(sig);
		if (block)
			zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &b, 0, 8);
		zp_raw4(SYS_rt_tgsigqueueinfo, zp_raw0(SYS_getpid), zp_raw0(SYS_gettid), sig, &info);
		sent |= b;
	}
	return sent;
}

/* ---- what a handler sees of a call the signal interrupted ------------------
 *
 * A signal that comes while a rewritten site's call is in the kernel finds
 * the thread at one of the entry stub's `syscall` instructions, with the
 * program's registers but for rip (and, on the paths that keep the site's
 * return address pushed, rsp).  Natively the context would show the site:
 * at the `syscall` when the kernel rewound the call to restart it (or it
 * was about to be made), just past it when it ended.  Handlers look: musl's
 * pthread_cancel acts only on a thread whose pc is inside its cancellable
 * call (a thread blocked in read() was never cancelled), profilers
 * attribute the sample by it.  So the handler is shown the site, and what
 * it returns to is put back: the stub, if the handler left rip and rsp as
 * shown (the call is made again or its result taken), or wherever the
 * handler sent the program, which then leaves the call behind as a
 * siglongjmp would.  A call whose record has work of the runtime's still
 * to do after it (a signal mask to restore, a signal stack to give back)
 * keeps the stub's view. */
struct app_view {
	int kind;                   /* 0: as it came; VIEW_STUB; VIEW_TRAP; VIEW_ENTRY... */
	uintptr_t rip, rsp;         /* the stub's */
	uintptr_t app_rip, app_rsp; /* what the handler was shown */
	uintptr_t rbx;              /* VIEW_STUB at post2: the record, shown as the program's rbx */
	uintptr_t rcx;              /* VIEW_STUB: the stub's (the kernel's copy of rip at syscall) */
	struct zp_trap_call *tc;    /* VIEW_TRAP: the call, made by zp_trap_enter */
	greg_t regs[NGREG];         /* VIEW_TRAP, VIEW_ENTRY_SUD: the registers as they came */
	struct zp_record *left;     /* a call made, its light runtime work to come (zp_post_left) */
	ucontext_t *below;          /* VIEW_ENTRY_SUD: the trap's frame */
	uint64_t top_mask;          /* VIEW_ENTRY_SUD: the mask the handler's frame came with */
	long left_ret;              /* its result */
	bool posted;                /* sent elsewhere: zp_post_left did that work */
};
enum { VIEW_STUB = 1, VIEW_TRAP, VIEW_ENTRY, VIEW_ENTRY_SUD, VIEW_EDGE };

/* The trap path (SUD, trapped sites) makes the call inside the runtime's
 * signal handler, from zp_app_syscall6: every register is the runtime's
 * there, the program's are in the call's record.  Signals its hooks held
 * come just before it, in zp_trap_syscall (defer.c), which then makes it:
 * the call not made yet, as at raw. */
static bool in_trap_syscall(uintptr_t ip)
{
	return ip >= (uintptr_t)zp_trap_syscall && ip < (uintptr_t)zp_trap_syscall_end;
}

static void trap_view(struct app_view *v, const struct zp_thread *t, greg_t *g)
{
	struct zp_trap_call *tc = t->trap_call;
	uintptr_t ip = (uintptr_t)g[REG_RIP], raw = (uintptr_t)zp_app_syscall_raw;
	bool before = in_trap_syscall(ip);
	if (!tc || (ip != raw && ip != raw + 2 && !before))
		return;
	struct zp_record *r = tc->rec;
	if ((r->rt_flags & ~ZP_RTF_POST_LIGHT) || r->alt_swap)
		return;
	if (r->rt_flags && ip == raw + 2) {
		v->left = r;
		v->left_ret = (long)g[REG_RAX];
	}
	static const int reg[12] = {REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8,  REG_R9,
				    REG_RBX, REG_RBP, REG_R12, REG_R13, REG_R14, REG_R15};
	memcpy(v->regs, g, sizeof v->regs);
	for (int i = 0; i < 12; i++)
		g[reg[i]] = (greg_t)r->saved[i];
	v->kind = VIEW_TRAP;
	v->tc = tc;
	v->rip = ip;
	v->rsp = (uintptr_t)g[REG_RSP];
	v->app_rip = ip == raw + 2 ? (uintptr_t)r->retaddr : (uintptr_t)r->call.site;
	v->app_rsp = (uintptr_t)r->call.sp;
	if (before)
		g[REG_RAX] = r->call.nr;
	g[REG_RCX] = (greg_t)r->retaddr;
	g[REG_R11] = (greg_t)r->flags;
	g[REG_EFL] = (greg_t)r->flags;
	g[REG_RIP] = (greg_t)v->app_rip;
	g[REG_RSP] = (greg_t)v->app_rsp;
}

/* ip is the runtime's handler's first instruction, or past the frame
 * pointer's push and copy that a compiler may open it with (a signal
 * interrupts any instruction): its three arguments are still in their
 * registers. */
static bool handler_args_intact(uintptr_t ip)
{
	const unsigned char *code = (const unsigned char *)(uintptr_t)handler;
	uintptr_t at = (uintptr_t)code;
	if (ip == at)
		return true;
	if (code[0] != 0x55) /* push %rbp */
		return false;
	if (ip == at + 1)
		return true;
	return ip == at + 4 && code[1] == 0x48 && code[2] == 0x89 && code[3] == 0xe5; /* mov %rsp,%rbp */
}

/* At the first instruction of one of the runtime's handlers: delivered on
 * top of another signal's delivery, which natively is the program's
 * handler's first instruction (app_view_show shows it so), not the
 * runtime's work. */
bool zp_signal_entry(uintptr_t ip)
{
	return ip == (uintptr_t)wrapped || handler_args_intact(ip);
}

/* Detour mode's trampolines (detour.c): at their instructions before the
 * second stage the handler is shown the program at the site (or, before
 * the displaced previous instruction ran, where it stood), rsp above what
 * the trampoline pushed; a site whose `syscall` came first in the bytes
 * its jmp replaced returns into its trampoline, which runs the
 * instructions that followed it: at the first of them the handler is
 * shown the return address, as natively, in rip and rcx (the trampoline
 * sets rcx next); so is a thread back from the kernel in a split site's
 * test.  The trampoline's rcx is its own to clobber, as the `syscall`'s
 * is. */
static bool detour_view(struct app_view *v, greg_t *g)
{
	uintptr_t ip = (uintptr_t)g[REG_RIP], sp = (uintptr_t)g[REG_RSP], shown = ip;
	unsigned below = 0;
	if (zp_mode != ZP_MODE_DETOUR)
		return false;
	int at = zp_detour_view_at(ip, (uintptr_t)g[REG_RCX], &shown, &below);
	if (at == ZP_DETOUR_AT_NONE) {
		if ((shown = zp_detour_resume(ip)) == ip)
			return false;
		at = ZP_DETOUR_AT_RETURN;
	}
	v->kind = VIEW_STUB;
	v->rip = ip;
	v->rsp = sp;
	v->app_rip = shown;
	v->app_rsp = sp + below;
	v->rcx = (uintptr_t)g[REG_RCX];
	g[REG_RIP] = (greg_t)shown;
	g[REG_RSP] = (greg_t)v->app_rsp;
	if (at == ZP_DETOUR_AT_RETURN)
		g[REG_RCX] = (greg_t)shown;
	return true;
}

/* A signal on one of the stub's edges (stubwin.c): the program's
 * registers are all in place but a few the stub keeps elsewhere, and the
 * handler is shown the site as natively, before or after the call.  If it
 * returns, the stub goes on from where it was, registers and all; if it
 * sends the program elsewhere, the call is left behind (not made yet, or
 * made and its post() not run), as at the stub's own `syscall`. */
static bool edge_view(struct app_view *v, const struct zp_thread *t, greg_t *g)
{
	uintptr_t ip = (uintptr_t)g[REG_RIP], sp = (uintptr_t)g[REG_RSP];
	int kind = zp_stub_window_at(ip);
	uintptr_t app_sp, back, flags_at = 0, nr_at = 0;
	struct zp_record *r = NULL;
	bool made = kind >= ZP_WIN_POST8;
	uint64_t word;
	switch (kind) {
	case ZP_WIN_PRE8:
	case ZP_WIN_PRE8_RAX:
	case ZP_WIN_POST8:
	case ZP_WIN_POST8_R11:
		app_sp = sp + 8;
		break;
	case ZP_WIN_PRE16:
	case ZP_WIN_PRE16_RAX:
	case ZP_WIN_PRE16_SAVED:
		app_sp = sp + 16;
		flags_at = sp;
		break;
	case ZP_WIN_POST0:
		app_sp = sp;
		break;
	case ZP_WIN_PRE_R11:
	case ZP_WIN_POST_REC:
	case ZP_WIN_POST_R11:
		r = (struct zp_record *)(uintptr_t)g[kind == ZP_WIN_POST_REC ? REG_RBX : REG_R11];
		/* On the way back (POST_R11) the runtime's work is done. */
		if (!zp_on_slots(t, (uintptr_t)r) ||
		    (kind != ZP_WIN_POST_R11 && (r->rt_flags & ~ZP_RTF_POST_LIGHT)) ||
		    r->alt_swap ||
		    (kind == ZP_WIN_PRE_R11 && r->call.origin != ZPOLINE_ORIGIN_REWRITTEN) ||
		    (sp != r->call.sp && sp != r->call.sp - 8))
			return false;
		app_sp = r->call.sp;
		break;
	default:
		return false;
	}
	if (kind == ZP_WIN_PRE8 || kind == ZP_WIN_PRE16 || kind == ZP_WIN_PRE16_SAVED)
		nr_at = app_sp - 24;
	uint64_t rdi = (uint64_t)g[REG_RDI], rsi = (uint64_t)g[REG_RSI];
	if (kind == ZP_WIN_PRE16_SAVED && (zp_safe_copy(&rdi, (const void *)(app_sp - 32), 8) < 0 ||
					   zp_safe_copy(&rsi, (const void *)(app_sp - 40), 8) < 0))
		return false;
	if (r) {
		back = (uintptr_t)r->retaddr;
	} else {
		if (kind == ZP_WIN_POST0)
			word = (uint64_t)g[REG_RCX];
		else if (zp_safe_copy(&word, (const void *)(app_sp - 8), 8) < 0)
			return false;
		if (!zp_site_table || !zp_set_has(zp_site_table, word))
			return false;
		back = (uintptr_t)word;
	}
	uint64_t nr = (uint64_t)g[REG_RAX], flags = (uint64_t)g[REG_EFL];
	greg_t result = g[REG_RAX];
	if (kind == ZP_WIN_POST8_R11)
		result = g[REG_R11];
	else if (kind == ZP_WIN_POST_R11 && r)
		result = (greg_t)r->call.ret;
	if ((nr_at && zp_safe_copy(&nr, (const void *)nr_at, 8) < 0) ||
	    (flags_at && zp_safe_copy(&flags, (const void *)flags_at, 8) < 0))
		return false;
	if (r)
		flags = r->flags;
	uintptr_t site = zp_mode == ZP_MODE_DETOUR ? zp_detour_site_of(back) : 0;
	if (site)
		back = site + 2;
	memcpy(v->regs, g, sizeof v->regs);
	v->kind = VIEW_EDGE;
	v->rip = ip;
	v->rsp = sp;
	v->app_rip = made ? back : back - 2;
	v->app_rsp = app_sp;
	g[REG_RIP] = (greg_t)v->app_rip;
	g[REG_RSP] = (greg_t)app_sp;
	g[REG_EFL] = (greg_t)flags;
	if (made && r && kind == ZP_WIN_POST_REC && r->rt_flags) {
		v->left = r;
		v->left_ret = (long)result;
	}
	if (made) {
		g[REG_RAX] = result;
		g[REG_RCX] = (greg_t)back; /* what `syscall` leaves there */
		g[REG_R11] = (greg_t)flags;
	} else {
		g[REG_RAX] = (greg_t)nr;
		g[REG_RDI] = (greg_t)rdi;
		g[REG_RSI] = (greg_t)rsi;
	}
	if (r)
		g[REG_RBX] = (greg_t)r->saved[6];
	return true;
}

static void app_view_show(struct app_view *v, const struct zp_thread *t, ucontext_t *uc)
{
	v->kind = 0;
	v->rbx = 0;
	v->left = NULL;
	v->posted = false;
	if (!uc)
		return;
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t ip = (uintptr_t)g[REG_RIP], sp = (uintptr_t)g[REG_RSP];
	/* Delivered on top of another signal of the program's before that
	 * one's handler began (two pending at once: the kernel builds both
	 * frames, the later on top): natively the frame below is the
	 * handler's own, at its first instruction, rsp at the restorer's
	 * address as here; here it is wrapped()'s, which calls it.  Go's
	 * crash report took wrapped's address for an unknown pc. */
	if (ip == (uintptr_t)wrapped) {
		long below = (long)g[REG_RDI];
		uintptr_t h = below > 0 && below < 65 ? (uintptr_t)prog_act[below].handler : 0;
		if (h > 1 /* not SIG_DFL, SIG_IGN */) {
			v->kind = VIEW_ENTRY;
			v->rip = ip;
			v->rsp = sp;
			v->app_rip = h;
			v->app_rsp = sp;
			g[REG_RIP] = (greg_t)h;
		}
		return;
	}
	/* The same on top of a Syscall User Dispatch trap before the
	 * runtime's handler began (every call traps in sud mode: Go's crash
	 * report said "unknown pc" 9 runs in 10): natively there is no
	 * SIGSYS, and the signal comes at the `syscall` itself, not yet
	 * made.  Shown: the registers the trap's frame holds (the kernel
	 * put rax back to the number), at the instruction. */
	if (handler_args_intact(ip) && g[REG_RDI] == SIGSYS && zp_sud_armed) {
		int code;
		ucontext_t *below = (ucontext_t *)g[REG_RDX];
		const siginfo_t *bsi = (const siginfo_t *)g[REG_RSI];
		greg_t shown[NGREG];
		if (zp_safe_copy(&code, &bsi->si_code, sizeof code) < 0 || code != ZP_SI_SYS_USER_DISPATCH ||
		    zp_safe_copy(shown, below->uc_mcontext.gregs, sizeof shown) < 0)
			return;
		memcpy(v->regs, g, sizeof v->regs);
		memcpy(g, shown, sizeof shown);
		g[REG_RIP] -= 2;
		/* The mask too: natively the handler's frame holds the
		 * program's at the call, which the trap's frame holds; this
		 * frame's is the trap handler's.  A handler that blocks its
		 * signal there (SBCL defers an interrupt so) must find it
		 * blocked after it returns: app_view_hide. */
		uint64_t *um = (uint64_t *)(void *)&uc->uc_sigmask;
		v->below = below;
		v->top_mask = *um;
		*um = *(const uint64_t *)(const void *)&below->uc_sigmask;
		v->kind = VIEW_ENTRY_SUD;
		v->rip = ip;
		v->rsp = sp;
		v->app_rip = (uintptr_t)g[REG_RIP];
		v->app_rsp = (uintptr_t)g[REG_RSP];
		return;
	}
	if (!t)
		return;
	uintptr_t fast = zp_stage2_addr ? zp_stage2_addr + (uintptr_t)(zp_app_syscall_fast -
								      (const char *)zp_stage2_template)
					: 0;
	uintptr_t rel = (uintptr_t)zp_app_syscall_release_ret, p1 = (uintptr_t)zp_app_syscall_post1,
		  p2 = (uintptr_t)zp_app_syscall_post2;
	uintptr_t jmp = (uintptr_t)zp_app_syscall_release;
	uintptr_t at = 0, back = 0, app_sp = 0; /* the syscall's address; the site's return address */
	uint64_t word;
	if ((fast && (ip == fast || ip == fast + 2)) || ip == rel || ip == rel + 2 || ip == jmp ||
	    ip == jmp + 2) {
		/* The site's return address: [rsp] (the call's own push), or
		 * just below rsp where the call goes back by jmp (and where a
		 * trapped call that does not return has none: the site table
		 * tells). */
		at = ip == fast || ip == fast + 2 ? fast : ip == rel || ip == rel + 2 ? rel : jmp;
		app_sp = at == jmp ? sp : sp + 8;
		if (!zp_site_table || zp_safe_copy(&word, (const void *)(app_sp - 8), 8) < 0 ||
		    !zp_set_has(zp_site_table, word))
			return;
		back = (uintptr_t)word;
	} else if (ip == p1 || ip == p1 + 2) {
		/* The record waits at app-24 (entry.S, .Lsyscall_post). */
		struct zp_record *r;
		if (zp_safe_copy(&word, (const void *)(sp - 24), 8) < 0)
			return;
		r = (struct zp_record *)(uintptr_t)word;
		if (!zp_on_slots(t, (uintptr_t)r) || r->call.origin != ZPOLINE_ORIGIN_REWRITTEN ||
		    (r->rt_flags & ~ZP_RTF_POST_LIGHT) || r->alt_swap || r->call.sp != sp)
			return;
		if (r->rt_flags && ip == p1 + 2) {
			v->left = r;
			v->left_ret = (long)g[REG_RAX];
		}
		at = p1;
		back = (uintptr_t)r->retaddr;
		app_sp = sp;
	} else if (ip == p2) {
		/* A trapped call continued in the stub (zp_trap_enter): rbx
		 * keeps the record, the program's rbx is in it. */
		const struct zp_record *r = (const struct zp_record *)(uintptr_t)g[REG_RBX];
		if (!zp_on_slots(t, (uintptr_t)r) || r->call.origin == ZPOLINE_ORIGIN_REWRITTEN ||
		    r->rt_flags || r->alt_swap || r->call.sp != sp)
			return;
		at = p2;
		back = (uintptr_t)r->retaddr;
		app_sp = sp;
		v->rbx = (uintptr_t)r;
		g[REG_RBX] = (greg_t)r->saved[6];
	} else {
		if (!detour_view(v, g) && !edge_view(v, t, g))
			trap_view(v, t, g);
		return;
	}
	v->kind = VIEW_STUB;
	v->rip = ip;
	v->rsp = sp;
	/* A detoured site returns into its trampoline: shown is the site
	 * itself, as natively (detour.c). */
	uintptr_t site = zp_mode == ZP_MODE_DETOUR ? zp_detour_site_of(back) : 0;
	if (site)
		back = site + 2;
	v->app_rip = ip == at ? back - 2 : back;
	v->app_rsp = app_sp;
	v->rcx = (uintptr_t)g[REG_RCX];
	g[REG_RIP] = (greg_t)v->app_rip;
	g[REG_RSP] = (greg_t)v->app_rsp;
	g[REG_RCX] = (greg_t)back; /* `syscall` left its return address there */
}

/* After the handler: true if it sent the program elsewhere. */
static bool app_view_hide(struct app_view *v, struct zp_thread *t, ucontext_t *uc)
{
	if (!v->kind)
		return false;
	greg_t *g = uc->uc_mcontext.gregs;
	if ((uintptr_t)g[REG_RIP] != v->app_rip || (uintptr_t)g[REG_RSP] != v->app_rsp) {
		if (v->left) {
			zp_post_left(v->left, v->left_ret);
			v->posted = true;
		}
		if (v->kind == VIEW_TRAP) {
			/* zp_trap_enter will not finish: what it would undo */
			t->trap_call = v->tc->outer;
			t->post_call_level = v->tc->outer_post;
			t->trap_defer_rec = v->tc->outer_defer;
			/* what it held, blocked for real, comes where it goes */
			*(uint64_t *)(void *)&uc->uc_sigmask &=
				~__atomic_exchange_n(&t->trap_defer_mask, 0, __ATOMIC_ACQ_REL);
		}
		return true;
	}
	if (v->kind == VIEW_TRAP) {
		greg_t rax = g[REG_RAX]; /* a handler may set the call's result */
		memcpy(g, v->regs, sizeof v->regs);
		if (!in_trap_syscall(v->rip))
			g[REG_RAX] = rax;
		return false;
	}
	if (v->kind == VIEW_ENTRY) {
		g[REG_RIP] = (greg_t)v->rip;
		return false;
	}
	if (v->kind == VIEW_ENTRY_SUD) {
		/* The handler's edits of the mask go into the trap's frame,
		 * which the program resumes with (SBCL lost a deferred
		 * interrupt's block: "interrupt already pending"), and into
		 * this one's, which the trap handler runs with until then. */
		uint64_t *um = (uint64_t *)(void *)&uc->uc_sigmask;
		uint64_t *bm = (uint64_t *)(void *)&v->below->uc_sigmask;
		uint64_t shown = *bm, now = *um & ~zp_ours_mask;
		uint64_t added = now & ~shown, removed = shown & ~now & ~zp_ours_mask;
		*bm = now | (shown & zp_ours_mask);
		*um = (v->top_mask | added) & ~removed;
	}
	if (v->kind == VIEW_ENTRY_SUD || v->kind == VIEW_EDGE) {
		memcpy(g, v->regs, sizeof v->regs);
		return false;
	}
	g[REG_RIP] = (greg_t)v->rip;
	g[REG_RSP] = (greg_t)v->rsp;
	g[REG_RCX] = (greg_t)v->rcx;
	if (v->rbx)
		g[REG_RBX] = (greg_t)v->rbx;
	return false;
}

/* The %gs base the program's code runs with on this thread, for its
 * handler (0: leave the block, the program set none): the one the signal
 * found if it was the program's, else the program's last known. */
static uintptr_t program_gs(const struct zp_thread *t)
{
	if (!t || !zp_wrgsbase)
		return 0;
	if (t->sig_gs && t->sig_gs != (uintptr_t)t)
		return t->sig_gs;
	return t->app_gs;
}

/* A program's handler is called from one of the runtime's: with the
 * program's %gs base (Wine's read their TEB through it), and the block
 * back afterwards. */
static uintptr_t program_gs_enter(const struct zp_thread *t)
{
	uintptr_t base = program_gs(t);
	if (base)
		zp_gs_write(base);
	return base;
}

static void program_gs_leave(struct zp_thread *t, uintptr_t base, bool sent_elsewhere)
{
	if (!base)
		return;
	zp_gs_write((uintptr_t)t);
	/* Sent elsewhere (siglongjmp-like context edits), the program runs on
	 * with its base. */
	if (sent_elsewhere)
		t->sig_gs = base;
}

/* Every handler of the runtime's starts under whatever %gs base the signal
 * found: the program's own one (thread.c) is replaced by the thread's
 * block while the runtime runs, and put back (t->sig_gs: the trap path
 * and the program's handlers may change what goes back) on return. */
struct gs_frame {
	struct zp_thread *t;
	uintptr_t was, outer_sig, outer_in;
};

static struct zp_thread *gs_frame_enter(struct gs_frame *f)
{
	f->t = zp_thread_sig_enter(&f->was);
	if (f->t) {
		f->outer_sig = f->t->sig_gs;
		f->outer_in = f->t->gs_in; /* a slow path's, not yet in its record */
		f->t->sig_gs = f->was ? f->was : (uintptr_t)f->t;
	}
	return f->t;
}

static void gs_frame_leave(struct gs_frame *f)
{
	struct zp_thread *t = f->t;
	uintptr_t back = f->was;
	if (!t && back) /* adopted in here (the trap path): its block says */
		t = zp_thread_self_safe();
	if (t) {
		back = t->sig_gs;
		t->sig_gs = f->t ? f->outer_sig : 0;
		if (f->t)
			t->gs_in = f->outer_in;
	}
	if (zp_wrgsbase && back && back != zp_gs_read())
		zp_gs_write(back);
}

/* A handler of the program's is the program's code, whatever it
 * interrupted.  Coming during a hook, it found the hooks' state: Syscall
 * User Dispatch's selector on ALLOW (its unrewritten calls, and in SUD mode
 * all of them, passed the hooks) and hook_base marking hook code (its vDSO
 * calls passed them).  It runs with the program's state instead, and a
 * handler that leaves by siglongjmp leaves that state behind, not the
 * hook's; a handler that returns gives the interrupted code its own back. */
struct hook_state {
	unsigned sud;
	uintptr_t hook_base;
};

static struct hook_state program_state_enter(struct zp_thread *t)
{
	struct hook_state h = {0, 0};
	if (!t)
		return h;
	h.sud = t->sud_selector;
	h.hook_base = t->hook_base;
	t->hook_base = 0;
	zp_sud_block(t);
	return h;
}

static void program_state_leave(struct zp_thread *t, struct hook_state h)
{
	zp_sud_leave(t, h.sud);
	zp_hook_leave(t, h.hook_base);
}

/* Every handler the program gives for a signal not ours runs through here.
 * The kernel saves the real mask in the signal frame and rt_sigreturn
 * restores it, but our signals are never in the real mask: the blocks the
 * program believes it has of them live in t->vmask only, which the frame
 * cannot carry.  A handler that blocked them (zsh's blocks every signal;
 * many do, counting on the return to undo it) left them blocked in the
 * program's view after the return, so the program saw SIGSEGV and the
 * others blocked forever.  So the view at delivery is kept here, the
 * handler runs with its sa_mask's share of ours added (as the kernel adds
 * sa_mask), and the view comes back when the handler returns;
 * zp_sigreturn_pre then applies whatever the handler wrote into the frame. */
static void wrapped(int sig, siginfo_t *si, void *uc)
{
	struct prog_action a = prog_act[sig];
	struct gs_frame f;
	struct zp_thread *t = gs_frame_enter(&f);
	if (zp_rewind_signal(t, sig, si, uc) || zp_defer_signal(t, sig, si, uc) ||
	    zp_defer_trapped(t, sig, si, uc) || zp_defer_tail(t, sig, si, uc) ||
	    zp_defer_late(t, sig, si, uc)) {
		gs_frame_leave(&f);
		return;
	}
	uint64_t vm = t ? t->vmask : 0;
	if (t)
		t->vmask |= ours_unpack(asked_ours[sig]);
	signal_notify(t, si, 0, uc);
	struct hook_state h = program_state_enter(t);
	struct app_view v;
	app_view_show(&v, t, (ucontext_t *)uc);
	uintptr_t gs = program_gs_enter(t);
	if (t)
		t->handler_ran = true;
	zp_sud_handler_runs();
	zp_call_handler((void *)a.handler, sig, si, uc, ((ucontext_t *)uc)->uc_mcontext.gregs);
	/* Come in the runtime's code (a trap handler's first steps), the
	 * handler's return sets the real mask: where it came tells the trap
	 * (zp_trap_enter). */
	if (t && !v.kind) {
		uintptr_t ip = (uintptr_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
		if (ip >= zp_self_lo && ip < zp_self_hi)
			t->handler_sp = (uintptr_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RSP];
	}
	/* Sent elsewhere, the program runs on with its own state. */
	bool back = app_view_hide(&v, t, (ucontext_t *)uc);
	program_gs_leave(t, gs, !back);
	if (!back)
		program_state_leave(t, h);
	/* A call's view of the mask, set after a handler sent it elsewhere,
	 * stays. */
	if (t && !v.posted)
		t->vmask = vm;
	gs_frame_leave(&f);
}

/* rt_sigreturn: the frame's saved mask is about to become the real one.
 * The kernel saved the real mask, which never holds our signals, so the
 * frame says nothing of them unless the handler wrote them there: then they
 * count; otherwise the program's view stays what it was when the signal
 * came (taking the frame's zero bits lost, after any handler, the blocks of
 * SIGSEGV and the others the program had set).  wrapped() has put the view
 * back by then, undoing the handler's own changes as the kernel would. */
void zp_sigreturn_pre(struct zp_record *r)
{
	uint64_t *maskp = (uint64_t *)(r->call.sp + offsetof(ucontext_t, uc_sigmask)), mask;
	if (zp_safe_copy(&mask, maskp, 8) < 0)
		return; /* not a signal frame: the kernel will say so */
	struct zp_thread *t = zp_thread_self();
	if (t) {
		if (mask & zp_ours_mask)
			t->vmask = mask & zp_ours_mask;
		release(t, held(t) & ~t->vmask, true);
	}
	mask &= ~zp_ours_mask;
	zp_safe_copy(maskp, &mask, 8);
}

/* Calls that replace the mask for their duration (sigsuspend, ppoll,
 * pselect6, epoll_pwait, epoll_pwait2): the kernel gets the mask without our
 * signals (in SUD mode a handler's call while SIGSYS is blocked killed the
 * process), the program's view is that mask meanwhile, and held signals
 * that mask lets through are delivered during the call. */
int zp_tempmask_pre(struct zp_record *r)
{
	long *a = r->call.args;
	int at;
	switch (r->call.nr) {
	case SYS_rt_sigsuspend:
		at = 0;
		break;
	case SYS_ppoll:
		at = 3;
		break;
	case SYS_pselect6:
		at = -1;
		break;
	default: /* epoll_pwait, epoll_pwait2 */
		at = 4;
		break;
	}
	uint64_t maskp, size;
	if (at >= 0) {
		maskp = (uint64_t)a[at];
		size = (uint64_t)a[at + 1];
	} else {
		/* pselect6's sixth argument: {const sigset_t *ss; size_t ss_len} */
		if (!a[5] || zp_safe_copy(&r->scratch[1], (const void *)a[5], 16) < 0)
			return ZP_ACT_SYSCALL;
		maskp = r->scratch[1];
		size = r->scratch[2];
	}
	uint64_t m;
	if (!maskp || size != 8 || zp_safe_copy(&m, (const void *)maskp, 8) < 0)
		return ZP_ACT_SYSCALL; /* no mask, or the kernel says EINVAL/EFAULT */
	struct zp_thread *t = zp_thread_self();
	if (t) {
		r->scratch[10] = t->vmask;
		r->scratch[9] = release(t, held(t) & ~m, true);
		t->vmask = m & zp_ours_mask;
		r->rt_flags |= ZP_RTF_TEMPMASK;
	}
	if (m & zp_ours_mask) {
		r->scratch[0] = m & ~zp_ours_mask;
		if (at >= 0) {
			a[at] = (long)&r->scratch[0];
		} else {
			r->scratch[1] = (uint64_t)(uintptr_t)&r->scratch[0];
			a[5] = (long)&r->scratch[1];
		}
	}
	return ZP_ACT_SYSCALL_POST;
}

void zp_tempmask_post(struct zp_record *r)
{
	struct zp_thread *t = zp_thread_self();
	if (!t)
		return;
	t->vmask = r->scratch[10];
	if (r->scratch[9]) /* delivered during the call, or now */
		zp_raw4(SYS_rt_sigprocmask, SIG_UNBLOCK, &r->scratch[9], 0, 8);
}

/* rt_sigpending: the held signals are pending too. */
void zp_sigpending_post(struct zp_record *r)
{
	uint64_t *setp = (uint64_t *)r->call.args[0], set;
	uint64_t h = held(zp_thread_self());
	if (r->call.ret != 0 || r->call.args[1] != 8 || !h || zp_safe_copy(&set, setp, 8) < 0)
		return;
	set |= h;
	zp_safe_copy(setp, &set, 8);
}

/* rt_sigtimedwait(set, info, timeout, size): a held signal in the set is
 * taken at once.  (One that comes during the wait is taken by the kernel:
 * sigtimedwait dequeues the signals it waits for even when unblocked.) */
int zp_sigtimedwait_pre(struct zp_record *r)
{
	uint64_t set;
	struct zp_thread *t = zp_thread_self();
	if (r->call.args[3] != 8 || !(held(t) & zp_ours_mask) ||
	    zp_safe_copy(&set, (const void *)r->call.args[0], 8) < 0)
		return ZP_ACT_SYSCALL;
	siginfo_t info;
	int sig = take(t, set, &info);
	if (!sig)
		return ZP_ACT_SYSCALL;
	if (r->call.args[1] && zp_safe_copy((void *)r->call.args[1], &info, sizeof info) < 0) {
		/* The kernel dequeues, then fails to copy: the signal is gone. */
		r->call.ret = -EFAULT;
		return ZP_ACT_RETURN;
	}
	r->call.ret = sig;
	return ZP_ACT_RETURN;
}

/* execve keeps the blocked mask, the pending signals and the ignored
 * dispositions: make the program's view of ours real for the call (the
 * runtime of the new image reads them back as the program's; a program
 * without the runtime gets them as natively).  Nothing traps between here
 * and the call.  If it fails, zp_exec_signals_post undoes it. */
void zp_exec_signals_pre(struct zp_record *r)
{
	struct zp_thread *t = zp_thread_self();
	uint64_t vm = t ? t->vmask & zp_ours_mask : 0, ign = 0;
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
		if (view(ours[i])->handler == SIG_IGN)
			ign |= BIT(ours[i]);
	if (!vm && !ign)
		return;
	zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &vm, 0, 8);
	release(t, held(t) & vm, false);
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
		if (ign & BIT(ours[i]))
			zp_raw4(SYS_rt_sigaction, ours[i], view(ours[i]), 0, 8);
	r->scratch[6] = vm;
	r->scratch[7] = ign;
	r->rt_flags |= ZP_RTF_EXECSIG;
}

void zp_exec_signals_post(struct zp_record *r)
{
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
		if (r->scratch[7] & BIT(ours[i]))
			install(ours[i]);
	/* What was sent again while blocked comes back and is held again. */
	zp_raw4(SYS_rt_sigprocmask, SIG_UNBLOCK, &r->scratch[6], 0, 8);
}

/* A forked child has no pending signals. */
void zp_signals_forked(struct zp_thread *self)
{
	if (self)
		self->vpend = 0;
	vpend_proc = 0;
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

/* The trap handler runs on the program's signal stack though the call was
 * not made on it: the program's action for the trap signal asks for
 * SA_ONSTACK (a Go program's actions all do), so the kernel moved to the
 * top of that stack.  The hooks run on a slot with the program's mask: the
 * thread is then off the signal stack in the kernel's eyes, and a signal
 * arriving meanwhile would be delivered at its top again, over this
 * handler's frame (whose rt_sigreturn then resumed the program at garbage:
 * Go's os/signal tests in SUD mode).  A stack with SS_AUTODISARM is
 * disarmed while the handler runs, and a call made on the signal stack is
 * another matter (altstack.c). */
static bool trap_over_signal_stack(const ucontext_t *uc)
{
	const stack_t *s = &uc->uc_stack;
	uintptr_t here = (uintptr_t)__builtin_frame_address(0), lo = (uintptr_t)s->ss_sp;
	return !((unsigned)s->ss_flags & (SS_DISABLE | SS_ONSTACK | (1U << 31) /* SS_AUTODISARM */)) &&
	       s->ss_size && here > lo && here - lo <= s->ss_size;
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
long zp_call_on_slot(long (*fn)(void *), void *arg)
{
	struct zp_thread *t = zp_thread_self_safe();
	if (!t)
		return fn(arg); /* a thread never met: where it is */
	/* The level taken, so that a signal meanwhile takes the next one. */
	uint32_t my = __atomic_fetch_add(&t->level, 1, __ATOMIC_ACQ_REL);
	t->slot_work++; /* no program call's record: zp_defer_late leaves it */
	long r = zp_call_on_stack(fn, arg, zp_slot_record(t, my));
	t->slot_work--;
	__atomic_store_n(&t->level, my, __ATOMIC_RELEASE);
	return r;
}

void zp_trap_enter(void *ucv, int sig, uintptr_t site, uintptr_t resume, uintptr_t sp,
		   unsigned origin)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	struct zp_thread *t = zp_thread_self_safe();
	if (!t) {
		uintptr_t was = zp_wrgsbase ? zp_gs_read() : 0;
		zp_thread_adopt((uint64_t *)&uc->uc_sigmask);
		t = zp_thread_self();
		t->gs_in = 0;
		t->sig_gs = was ? was : (uintptr_t)t;
	}
	/* Take the level first: a signal arriving while the record is filled
	 * must find the slot in use. */
	uint32_t my = __atomic_fetch_add(&t->level, 1, __ATOMIC_ACQ_REL);
	/* An outer trap's way back (zp_defer_tail) is over, or was left: a
	 * handler not the runtime's cannot be held there and may siglongjmp. */
	__atomic_store_n(&t->trap_tail, 0, __ATOMIC_RELEASE);
	struct zp_record *rec = zp_slot_record(t, my);
	memset(rec, 0, sizeof *rec);
	rec->level = my;
	rec->trap_frame = (uintptr_t)uc;
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
	/* The program's own %gs base goes back with the call (thread.c). */
	if (t->sig_gs != (uintptr_t)t)
		rec->gs_out = t->sig_gs;

	/* The program installs a seccomp filter that would kill this thread at
	 * our sigreturn (sud.c): it leaves Syscall User Dispatch, and the call
	 * is made by its own syscall instruction once we have returned (rax
	 * the number again, the arguments still in their registers).  The
	 * hooks do not see it, nor anything after it in this thread. */
	if (origin == ZPOLINE_ORIGIN_SUD && zp_sud_filter_refuses(rec)) {
		zp_sud_disarm(t);
		__atomic_store_n(&t->level, my, __ATOMIC_RELEASE);
		g[REG_RAX] = rec->call.nr;
		g[REG_RIP] = (greg_t)site;
		return;
	}
	/* The call was made on the program's signal stack: resume on the slot
	 * with every signal blocked until the stack is disarmed (altstack.c). */
	if (zp_altstack_swaps(t, sp)) {
		uint64_t *ucmask = (uint64_t *)&uc->uc_sigmask;
		t->alt_entry_mask = *ucmask & ~zp_ours_mask;
		t->alt_pending = 1;
		*ucmask = ~0ull;
	}
	/* Over the program's signal stack (trap_over_signal_stack), the call
	 * continues in the stub too: the kernel's sigreturn leaves that stack
	 * free before anything runs with signals open. */
	if (t->alt_pending || needs_stub(rec) || trap_over_signal_stack(uc)) {
		g[REG_RSP] = (greg_t)(uintptr_t)rec;
		g[REG_RBX] = (greg_t)(uintptr_t)rec;
		g[REG_RIP] = (greg_t)(uintptr_t)zp_trap_resume;
		t->sig_gs = (uintptr_t)t; /* the stub runs on with the block */
		return;
	}

	/* The call runs under the program's mask, not the handler's, and any
	 * change it makes to the mask must survive our sigreturn.  The handler
	 * runs under the mask the call was made with plus its action's sa_mask
	 * (SA_NODEFER, install_as): mostly the program's mask already, set
	 * then for nothing (two of the six kernel entries of a trapped call,
	 * with the read back below: ~1.5 us of ~5 on the PVM guest). */
	uint64_t *ucmask = (uint64_t *)&uc->uc_sigmask;
	uint64_t app_mask = *ucmask & ~zp_ours_mask;
	if (app_mask != *ucmask || (view(sig)->mask & ~zp_ours_mask & ~app_mask))
		zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &app_mask, 0, 8);
	/* A handler that came in this trap handler's first steps (its sp
	 * just below the frame: wrapped) edited the real mask: it counts as
	 * one that ran during the call.  Exchanged, and only ever set after:
	 * one that comes between the two exchanges or after them has set
	 * handler_ran itself, which a plain store here would undo (ucmask's
	 * storm under load: 1 check in ~150 lost, in 12 runs of 100). */
	bool outer_ran = __atomic_exchange_n(&t->handler_ran, false, __ATOMIC_ACQ_REL);
	uintptr_t early = __atomic_exchange_n(&t->handler_sp, 0, __ATOMIC_ACQ_REL);
	if (early && early < (uintptr_t)uc && (uintptr_t)uc - early < ((uintptr_t)64 << 10))
		t->handler_ran = true;
	/* From here a program's signal waits for the call's edge (defer.c).
	 * The outer call: one nested in it traps below its frame.  One whose
	 * frame is at or below ours, on the same stack, was left by a
	 * handler's siglongjmp: restored at our end, it took later signals
	 * for its own and never let them go (a SIGALRM handler leaving a
	 * blocking read, then a sigprocmask loop: sud mode hung). */
	struct zp_record *outer_defer = t->trap_defer_rec;
	if (outer_defer && (uintptr_t)uc >= outer_defer->trap_frame &&
	    (uintptr_t)uc - outer_defer->trap_frame < ((uintptr_t)8 << 20))
		outer_defer = NULL;
	/* A handler changes these fields: one that came between a plain read
	 * of the mask and its clearing (the compiler put the clearing after
	 * the record's store) was taken for the outer call's, which never
	 * lets it go: blocked for good (signal-pc --call sigmask, sud). */
	uint64_t outer_held = __atomic_exchange_n(&t->trap_defer_mask, 0, __ATOMIC_ACQ_REL);
	__atomic_store_n(&t->trap_defer_rec, rec, __ATOMIC_RELEASE);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	bool pkru = zp_pkru_enter(uc);

	long act = zp_call_on_stack(pre_on_slot, rec, rec);
	bool self_mask = false;
	if (act == ZP_ACT_EXIT_THREAD) {
		zp_thread_free(t);
		zp_raw1(rec->call.nr, rec->call.args[0]);
	}
	if (act != ZP_ACT_RETURN) {
		long r = 1;
		if (rec->call.nr == SYS_sigaltstack)
			r = zp_sigaltstack_trapped(rec->call.args, sp, rec, &uc->uc_stack);
		/* A SIGPIPE this call raises waits for the post (sigdefault.c). */
		uint32_t outer_post = t->post_call_level;
		if (act == ZP_ACT_SYSCALL_POST)
			t->post_call_level = my + 1;
		struct zp_trap_call tc = {rec, t->trap_call, outer_post, outer_defer};
		t->trap_call = &tc;
		/* A signal to this thread waits, blocked, for our sigreturn: it is
		 * delivered at the site, as natively (dispatch.c).  (Held ones
		 * are let go by zp_trap_syscall, before the call.) */
		if (zp_signals_caller(rec, t)) {
			uint64_t all = ~0ull, cur = 0;
			zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &all, &cur, 8);
			*ucmask = cur & ~zp_ours_mask & ~t->trap_defer_mask;
			self_mask = true;
		}
		/* Held ones come before the call: none waits past it (a
		 * blocking call must see them).  Not where every signal is
		 * blocked for real meanwhile, SIGSYS too, which the handler's
		 * return (a trapped rt_sigreturn) would then die of: a call
		 * that signals its caller (above), or with the runtime's work
		 * on the mask around it (a clone's); they come after it. */
		uint64_t none = 0;
		uint64_t *held = (rec->rt_flags & ~ZP_RTF_MASK_UNTOUCHED) || rec->alt_swap || self_mask
					 ? &none
					 : &t->trap_defer_mask;
		rec->call.ret = r != 1 ? r : zp_trap_syscall(held, &rec->call);
		t->trap_call = tc.outer;
		t->post_call_level = outer_post;
		if (act == ZP_ACT_SYSCALL_POST)
			zp_call_on_stack(post_on_slot, rec, rec);
	}
	long ret = rec->call.ret;
	if (pkru)
		zp_pkru_leave(uc);
	/* From here to the sigreturn a program's signal waits for it
	 * (zp_defer_tail): the frame goes back through zp_trap_sigreturn,
	 * which the thread's block, in uc_link, tells when it is there.  (A
	 * handler run here lost its mask edit: 0-8 of ~700 in ucmask's storm
	 * in sud mode.) */
	t->trap_tail_held = 0;
	((uintptr_t *)(void *)uc)[-1] = (uintptr_t)zp_trap_sigreturn;
	uc->uc_link = (ucontext_t *)(void *)t;
	__atomic_store_n(&t->trap_tail, (uintptr_t)uc, __ATOMIC_RELEASE);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* Where one came after our exchange: counted (handler_ran), and not
	 * to be counted again by the thread's next trap. */
	__atomic_store_n(&t->handler_sp, 0, __ATOMIC_RELEASE);
	/* Only rt_sigprocmask changes the mask for good, and a handler of the
	 * program that ran meanwhile may have changed the one its return put
	 * back (uc_sigmask): one of the runtime's wrappers says it ran, and a
	 * call it interrupted says EINTR (a handler the program installed
	 * before the runtime started, or from a vfork child, is not wrapped). */
	bool ran = t->handler_ran;
	t->handler_ran = outer_ran || ran;
	if (!self_mask && (rec->call.nr == SYS_rt_sigprocmask || ran || rec->call.ret == -EINTR)) {
		uint64_t cur = 0, none = 0;
		zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &none, &cur, 8);
		*ucmask = cur & ~zp_ours_mask;
	}
	/* rt_sigreturn also restores the signal stack from the frame: a stack
	 * set here must be the one the frame holds, or it would be undone.
	 * (A query changes nothing: the frame's may be one the kernel disarmed
	 * for this handler, SS_AUTODISARM, which its return puts back.) */
	if (rec->call.nr == SYS_sigaltstack && ret == 0 && rec->call.args[0])
		zp_raw2(SYS_sigaltstack, 0, &uc->uc_stack);
	/* What arrived after the call comes at the return address, once the
	 * frame's mask is the mask. */
	__atomic_store_n(&t->trap_defer_rec, outer_defer, __ATOMIC_RELEASE);
	*ucmask &= ~__atomic_exchange_n(&t->trap_defer_mask, outer_held, __ATOMIC_ACQ_REL);
	*ucmask &= ~__atomic_exchange_n(&t->trap_tail_held, 0, __ATOMIC_ACQ_REL);
	__atomic_store_n(&t->level, my, __ATOMIC_RELEASE);
	t->sig_gs = rec->gs_out ? rec->gs_out : (uintptr_t)t; /* arch_prctl may have set it */
	g[REG_RAX] = ret;
	g[REG_RCX] = (greg_t)resume;
	g[REG_R11] = g[REG_EFL];
	g[REG_RIP] = (greg_t)resume;
	g[REG_RSP] = (greg_t)sp;
}

/* A signal the program sends its own thread from a rewritten site
 * (dispatch.c, zp_signals_caller): the stub's int3 at zp_self_signal_trap
 * brought us here with rbx = the record, the hooks' pre() done.  The call
 * is made here with every signal blocked, post() runs, and the context
 * becomes the program's as the call leaves it: the kernel's sigreturn puts
 * back the program's mask and delivers the signal with the program counter
 * right after the site, as natively.  The vector registers are the program's at the trap
 * (the stub restored them) and the frame keeps them. */
static void self_signal(ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	struct zp_record *r = (struct zp_record *)(uintptr_t)g[REG_RBX];
	struct zp_thread *t = zp_thread_self();
	uint64_t all = ~0ull;
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, 8);
	const long *a = r->call.args;
	r->call.ret = zp_app_syscall6(r->call.nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	/* Hooks run on the thread's slots (vdso.c tells hook code by its
	 * stack); this handler may be on the program's signal stack. */
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	if (r->self_post && t && zp_on_slots(t, sp))
		zp_post(r);
	else if (r->self_post)
		zp_call_on_stack(post_on_slot, r, r);
	zp_context_after_call(uc, r, t, true);
}

void zp_context_after_call(ucontext_t *uc, const struct zp_record *r, struct zp_thread *t,
			   bool give_back)
{
	greg_t *g = uc->uc_mcontext.gregs;
	static const int reg[12] = {REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8,  REG_R9,
				    REG_RBX, REG_RBP, REG_R12, REG_R13, REG_R14, REG_R15};
	for (int i = 0; i < 12; i++)
		g[reg[i]] = (greg_t)r->saved[i];
	g[REG_RAX] = r->call.ret;
	g[REG_RCX] = (greg_t)r->retaddr;
	g[REG_R11] = (greg_t)r->flags;
	g[REG_EFL] = (greg_t)r->flags;
	g[REG_RIP] = (greg_t)r->retaddr;
	g[REG_RSP] = (greg_t)r->call.sp;
	zp_late_release(t, uc);
	/* Nothing can take the slot before sigreturn: every signal is blocked. */
	if (t && give_back) {
		t->sig_gs = r->gs_out ? r->gs_out : (uintptr_t)t;
		__atomic_store_n(&t->level, (uint32_t)r->level, __ATOMIC_RELEASE);
	}
}

static bool is_site_ret(uintptr_t ret)
{
	return zp_set_has(zp_site_table, ret);
}

/* The program's handler for one of our signals returned.  Natively its
 * restorer would now make rt_sigreturn; here the runtime's own sigreturn
 * does the work (the frame is the runtime's handler's), so the hooks are
 * shown that call now: a tracer prints it as strace does (a JVM makes one
 * for each implicit null check or safepoint poll that faults; they were
 * missing from the trace).  The runtime's part of it (zp_sigreturn_pre: the
 * mask, the held signals) runs on the same frame; what the hooks answer is
 * not used: the call is made by the return from this handler. */
static void handler_returned(struct zp_thread *t, ucontext_t *uc, const struct ksigaction *va)
{
	uint32_t my = __atomic_fetch_add(&t->level, 1, __ATOMIC_ACQ_REL);
	struct zp_record *rec = zp_slot_record(t, my);
	memset(rec, 0, sizeof *rec);
	rec->level = my;
	rec->call.nr = SYS_rt_sigreturn;
	rec->call.site = (va->flags & SA_RESTORER) ? va->restorer : NULL;
	rec->call.origin = ZPOLINE_ORIGIN_TRAP;
	rec->call.sp = (uintptr_t)uc; /* where rsp is when the restorer runs */
	rec->flags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
	zp_call_on_stack(pre_on_slot, rec, rec);
	__atomic_store_n(&t->level, my, __ATOMIC_RELEASE);
}

/* The hooks' observer of signal deliveries (zpoline.h). */
static struct {
	void (*fn)(const siginfo_t *info, int fatal, void *ctx);
	void *ctx;
} observer ZP_BIG_BSS;

int zp_on_signal(void (*fn)(const siginfo_t *info, int fatal, void *ctx), void *ctx)
{
	__atomic_store_n(&observer.ctx, ctx, __ATOMIC_RELAXED);
	__atomic_store_n(&observer.fn, fn, __ATOMIC_RELEASE);
	return 0;
}

struct signal_note {
	void (*fn)(const siginfo_t *info, int fatal, void *ctx);
	void *ctx;
	const siginfo_t *si;
	int fatal;
};

static long note_on_slot(void *arg)
{
	struct signal_note *n = arg;
	n->fn(n->si, n->fatal, n->ctx);
	return 0;
}

/* Tell the hooks' observer, on a slot of the runtime's stack (the
 * program's may be a small signal stack, or the one that overflowed), with
 * every signal blocked: off the signal stack, the thread would not look to
 * the kernel as if it were on it, and a nested signal would be delivered
 * over the frames of the handler running there (altstack.c).  A fatal one
 * once per process: several threads may fault at once. */
extern char zp_app_syscall_post1[], zp_app_syscall_post2[];

/* The hooked call the signal came in: the thread was at the entry stub's
 * `syscall` after the hooks' pre() (zp_app_syscall_post1/2), either
 * rewound to it (the kernel makes the call again once the handler
 * returns) or just past it, the call ended (the signal cut it short with
 * -EINTR, or came at its end: a sigprocmask that unblocked it) and its
 * post() still to come.  The record is in rbx (post2) or, for post1, at
 * -24(%rsp) (entry.S).  NULL if the signal came elsewhere. */
static const struct zpoline_call *interrupted(const ucontext_t *uc, long *rax, int *again)
{
	if (!uc)
		return NULL;
	const greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t ip = (uintptr_t)g[REG_RIP], p1 = (uintptr_t)zp_app_syscall_post1,
		  p2 = (uintptr_t)zp_app_syscall_post2;
	/* At the instruction: rewound for a restart, or the signal came just
	 * before the call was made (nothing to report).  The syscall
	 * instruction left rcx pointing past itself only in the first case. */
	*again = (ip == p1 || ip == p2) && (uintptr_t)g[REG_RCX] == ip + 2;
	if (!*again && ip != p1 + 2 && ip != p2 + 2)
		return NULL;
	struct zp_record *rec = (struct zp_record *)g[REG_RBX];
	if ((ip == p1 || ip == p1 + 2) &&
	    zp_safe_copy(&rec, (const void *)(g[REG_RSP] - 24), sizeof rec) < 0) // NOLINT: the pointer itself
		return NULL;
	*rax = g[REG_RAX];
	return rec ? &rec->call : NULL;
}

/* What the observer may ask for, kept (the thread block is full) in the
 * record room of the slot the observer runs on, which it does not use. */
#define INTR_MAGIC 0x7a70696e74720001ull
struct intr_note {
	uint64_t magic; /* INTR_MAGIC while the observer runs */
	const struct zpoline_call *call;
	long rax;
	int again;
};

static struct intr_note *intr_note_at(struct zp_thread *t, uint32_t level)
{
	return (struct intr_note *)zp_slot_record(t, level);
}

const struct zpoline_call *zp_interrupted_call(long *rax, int *again)
{
	struct zp_thread *t = zp_thread_self();
	uint32_t level = t ? __atomic_load_n(&t->level, __ATOMIC_ACQUIRE) : 0;
	if (!level)
		return NULL;
	struct intr_note *in = intr_note_at(t, level - 1);
	if (in->magic != INTR_MAGIC || !in->call)
		return NULL;
	if (rax)
		*rax = in->rax;
	if (again)
		*again = in->again;
	return in->call;
}

static void signal_notify(struct zp_thread *t, const siginfo_t *si, int fatal,
			  const ucontext_t *uc)
{
	static int told_fatal;
	struct signal_note n = {__atomic_load_n(&observer.fn, __ATOMIC_ACQUIRE), observer.ctx, si,
				fatal};
	if (!n.fn || !t || (fatal && __atomic_exchange_n(&told_fatal, 1, __ATOMIC_ACQ_REL)))
		return;
	uint64_t all = ~0ull, old = 0;
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
	uint32_t my = __atomic_fetch_add(&t->level, 1, __ATOMIC_ACQ_REL);
	unsigned sud = zp_sud_enter(t); /* SUD mode: the hook's own calls must not trap */
	uintptr_t hook = zp_hook_enter(t);
	struct intr_note *in = intr_note_at(t, my);
	in->rax = 0;
	in->again = 0;
	/* A fatal one too: the call that raised it (kill of itself) may have
	 * just returned, its line still to print. */
	in->call = interrupted(uc, &in->rax, &in->again);
	in->magic = INTR_MAGIC;
	zp_call_on_stack(note_on_slot, &n, in);
	in->magic = 0;
	zp_hook_leave(t, hook);
	zp_sud_leave(t, sud);
	__atomic_store_n(&t->level, my, __ATOMIC_RELEASE);
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, 8);
}

/* A signal about to end the process that a handler of the runtime's
 * other than this file's saw (sigdefault.c). */
void zp_signal_fatal_seen(const siginfo_t *si, const void *uc)
{
	signal_notify(zp_thread_self(), si, 1, uc);
}

/* Hand a signal that is not ours to the program, as the kernel would have. */
static void forward(int sig, siginfo_t *si, ucontext_t *uc)
{
	struct ksigaction *va = view(sig);
	void *h = va->handler;
	struct zp_thread *t = zp_thread_self();
	bool blocked = t && (t->vmask & BIT(sig));
	bool sync = si->si_code > 0 && si->si_code < 0x80; /* raised by the CPU */
	if (blocked && !sync) {
		/* Sent while the program blocks it: pending, whatever the
		 * action (the kernel never ignores a blocked signal). */
		hold(t, sig, si);
		return;
	}
	if (h == SIG_DFL || (h == SIG_IGN && sync) || (blocked && sync)) {
		/* What the kernel does: the default action.  A fault happens again
		 * when we return; anything else is raised again, a seccomp
		 * filter's SIGSYS too (its call is over: returning would hand the
		 * program the call's number as its result), with its siginfo. */
		struct ksigaction dfl = {0};
		dfl.handler = SIG_DFL;
		signal_notify(t, si, 1, uc); /* the runtime's signals all end a process by default */
		zp_raw4(SYS_rt_sigaction, sig, &dfl, 0, 8);
		if (sig == SIGSYS && sync) {
			long pid = zp_raw0(SYS_getpid), tid = zp_raw0(SYS_gettid);
			if (zp_raw4(SYS_rt_tgsigqueueinfo, pid, tid, sig, si) < 0)
				zp_raw3(SYS_tgkill, pid, tid, sig);
		} else if (!sync) {
			zp_raw3(SYS_tgkill, zp_raw0(SYS_getpid), zp_raw0(SYS_gettid), sig);
		}
		return;
	}
	if (h == SIG_IGN)
		return;
	if (va->flags & SA_RESETHAND) {
		va->handler = SIG_DFL;
		va->flags &= ~SA_RESETHAND;
		install(sig);
	}
	/* The handler runs with its sa_mask and (unless SA_NODEFER) its own
	 * signal blocked, as the program sees it; afterwards the mask is back
	 * and what came meanwhile is delivered after our sigreturn. */
	uint64_t vm = t ? t->vmask : 0;
	if (t)
		t->vmask |= (va->mask & zp_ours_mask) | ((va->flags & SA_NODEFER) ? 0 : BIT(sig));
	signal_notify(t, si, 0, uc);
	struct hook_state hs = program_state_enter(t);
	struct app_view v;
	app_view_show(&v, t, uc);
	/* A seccomp filter's SIGSYS for a call made at the site shown: the
	 * siginfo names the same place as the context (Chromium's handler
	 * dies of "sanity checks" otherwise); what the handler writes into
	 * RAX is the call's result, taken by the stub. */
	siginfo_t shown;
	if (v.kind && sig == SIGSYS && si->si_code == SYS_SECCOMP &&
	    (uintptr_t)si->si_call_addr == v.rip) {
		memcpy(&shown, si, sizeof shown);
		shown.si_call_addr = (void *)v.app_rip;
		si = &shown;
	}
	uintptr_t gs = program_gs_enter(t);
	if (t)
		t->handler_ran = true;
	zp_sud_handler_runs();
	zp_call_handler(h, sig, si, uc, uc->uc_mcontext.gregs);
	bool back = app_view_hide(&v, t, uc);
	program_gs_leave(t, gs, !back);
	if (!back)
		program_state_leave(t, hs);
	if (t) {
		/* The handler may have written our signals into the mask its
		 * return restores (rt_sigreturn's rule): they are the program's
		 * view, never the kernel's. */
		uint64_t *ucm = (uint64_t *)(void *)&uc->uc_sigmask;
		t->vmask = (*ucm & zp_ours_mask) ? (*ucm & zp_ours_mask) : vm;
		*ucm &= ~zp_ours_mask;
		release(t, held(t) & ~t->vmask, true);
		handler_returned(t, uc, va);
	}
}

extern ZP_HIDDEN char zp_app_syscall_release[], zp_app_syscall_clone[], zp_app_syscall_exit[];

/* Is ip just past a `syscall` instruction with which the runtime makes the
 * program's own call on its behalf (the entry stub's, the fast path's in
 * the second stage, zp_app_syscall6)? */
static bool program_call_at(uintptr_t ip)
{
	const char *const at[] = {zp_app_syscall_raw,	  zp_app_syscall_post1,	      zp_app_syscall_post2,
				  zp_app_syscall_release, zp_app_syscall_release_ret, zp_app_syscall_clone,
				  zp_app_syscall_exit};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
		if (ip == (uintptr_t)at[i] + 2)
			return true;
	return zp_stage2_addr && ip == zp_stage2_addr + (uintptr_t)((const unsigned char *)zp_app_syscall_fast - zp_stage2_template) + 2;
}

/* A seccomp filter answered a system call with SECCOMP_RET_TRAP.  The
 * program's calls, wherever the runtime made them, go to the program's
 * SIGSYS handler (forward()): it emulates or brokers them, or crashes as it
 * means to.  The runtime's own calls and its hooks' are not the program's:
 * its handler would take them for calls its policy forbids (Chromium's
 * crashes the process for arch_prctl(ARCH_SET_GS), for arming Syscall User
 * Dispatch in a new thread and for the tracer's process_vm_readv), so they
 * are answered here, with -ENOSYS, as a kernel without the call would.
 * Told apart by where the call was made: the runtime's code outside the
 * instructions of program_call_at(), or hook code (hook_base marked, or a
 * stack on the thread's slots, where the lean path runs its hook). */
static bool seccomp_own(ucontext_t *uc, const siginfo_t *si)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t ip = (uintptr_t)si->si_call_addr;
	if (program_call_at(ip))
		return false;
	struct zp_thread *t = zp_thread_self();
	bool runtime = (ip - 2 >= zp_self_lo && ip - 2 < zp_self_hi) ||
		       (zp_stage2_addr && ip - 2 - zp_stage2_addr < ZP_PAGE);
	bool hook = t && (t->hook_base || zp_on_slots(t, (uintptr_t)g[REG_RSP]));
	if (!runtime && !hook)
		return false;
	g[REG_RAX] = -ENOSYS;
	long nr = si->si_syscall;
	static int warned_sud ZP_BIG_BSS;
	if (runtime && nr == SYS_prctl && g[REG_RDI] == ZP_PR_SET_SYSCALL_USER_DISPATCH) {
		if (!__atomic_exchange_n(&warned_sud, 1, __ATOMIC_RELAXED))
			zp_log("zpoline: a seccomp filter refuses Syscall User Dispatch to threads "
			       "started after it: the system calls of those threads are not hooked");
		return true;
	}
	static uint64_t told[8] ZP_BIG_BSS;
	if (zp_debug && nr >= 0 && nr < 512 &&
	    !(__atomic_fetch_or(&told[nr / 64], 1ull << (nr % 64), __ATOMIC_RELAXED) &
	      (1ull << (nr % 64))))
		zp_log("zpoline: a seccomp filter trapped the %s's own system call %ld at %p: "
		       "answered -ENOSYS, not passed to the program",
		       runtime ? "runtime" : "hooks", nr, (void *)ip);
	return true;
}

static void handle(int sig, siginfo_t *si, void *ucv);

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	/* Reads through a %gs base of the program's that has nothing mapped
	 * there: nothing here may read through %gs before these. */
	if (sig == SIGSEGV || sig == SIGBUS) {
		if ((uintptr_t)g[REG_RIP] == (uintptr_t)zp_gs_magic) {
			g[REG_RIP] = (greg_t)(uintptr_t)zp_gs_magic_fault;
			return;
		}
		if ((uintptr_t)g[REG_RIP] == (uintptr_t)zp_gs_probe) {
			g[REG_RIP] = (greg_t)(uintptr_t)zp_gs_probe_miss;
			return;
		}
		/* A routed vDSO function's test for hook code (vdso.c): hook
		 * code runs under the block's base, so this is the program's. */
		size_t skip = zp_vdso_mark_skip((uintptr_t)g[REG_RIP]);
		if (skip) {
			g[REG_RIP] += (greg_t)skip;
			g[REG_EFL] &= ~(greg_t)1; /* not below: not hook code */
			return;
		}
	}
	struct gs_frame f;
	gs_frame_enter(&f);
	handle(sig, si, ucv);
	gs_frame_leave(&f);
}

static void handle(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t rip = (uintptr_t)g[REG_RIP];
	uintptr_t rsp = (uintptr_t)g[REG_RSP];
	bool from_cpu = si->si_code > 0 && si->si_code < 0x80;

	if (sig == SIGSYS && zp_sud_arm_signal(uc, si))
		return;
	/* Sent for a call the program's own Syscall User Dispatch stopped
	 * (psud.c): delivered at the site, the program's. */
	if (sig == SIGSYS && zp_psud_signal(si)) {
		forward(sig, si, uc);
		return;
	}
	if (sig == SIGSYS && zp_sud_signal(uc, si))
		return;
	if (sig == SIGSYS && si->si_code == SYS_SECCOMP && seccomp_own(uc, si))
		return;
	/* The runtime read or wrote a bad pointer the program gave it. */
	if ((sig == SIGSEGV || sig == SIGBUS) && rip >= (uintptr_t)zp_safe_copy &&
	    rip < (uintptr_t)zp_safe_copy_end) {
		g[REG_RIP] = (greg_t)(uintptr_t)zp_safe_copy_fault;
		return;
	}

	if (sig == SIGTRAP && si->si_code == TRAP_TRACE && zp_late_step(uc))
		return;
	if (sig == SIGTRAP && si->si_code == SI_KERNEL && rip == (uintptr_t)zp_self_signal_trap + 1) {
		self_signal(uc);
		return;
	}
	if (sig == SIGTRAP && si->si_code == SI_KERNEL && zp_defer_deliver(uc, rip))
		return;
	if (sig == SIGILL && from_cpu && zp_set_has(zp_trap_table, rip)) {
		/* a detour's trampoline traps for numbers out of range: the
		 * hooks are shown its site */
		uintptr_t site = zp_mode == ZP_MODE_DETOUR ? zp_detour_site_of(rip + 2) : 0;
		zp_trap_enter(uc, sig, site ? site : rip, site ? zp_detour_resume(rip + 2) : rip + 2, rsp,
			      ZPOLINE_ORIGIN_TRAP);
		return;
	}
	/* A number that landed inside the tail of a trampoline that jumps
	 * through a pointer (trampoline.c) ran into a write to page 0 or the
	 * int3 after the tail, perhaps with rax changed: out of range, the
	 * number itself unknown.  -1 gets what any such number gets. */
	if (zp_tail_indirect &&
	    ((sig == SIGSEGV && from_cpu) || (sig == SIGTRAP && si->si_code == SI_KERNEL)) &&
	    rip > ZP_SLED_END + 1 && rip < ZP_PAGE && is_site_ret(*(uintptr_t *)rsp)) {
		uintptr_t ret = *(uintptr_t *)rsp;
		g[REG_RAX] = -1;
		zp_trap_enter(uc, sig, ret - 2, ret, rsp + 8, ZPOLINE_ORIGIN_TRAP);
		return;
	}
	if (sig == SIGTRAP && rip >= 1 && rip - 1 < ZP_PAGE && is_site_ret(*(uintptr_t *)rsp)) {
		uintptr_t ret = *(uintptr_t *)rsp;
		zp_trap_enter(uc, sig, ret - 2, ret, rsp + 8, ZPOLINE_ORIGIN_TRAP);
		return;
	}
	/* A call (or jump) through a small pointer past the sled ran into
	 * page 0's int3 fill: natively a SIGSEGV, so it crashes as a call
	 * through NULL does (the return address, if any, left on top). */
	if (sig == SIGTRAP && si->si_code == SI_KERNEL && zp_page0_ours && rip > ZP_SLED_END + 1 &&
	    rip <= ZP_PAGE) {
		g[REG_RIP] = (greg_t)(uintptr_t)zpoline_null_function_call;
		return;
	}
	/* A site being rewritten across a cache line holds int3 for a moment:
	 * go back and run it again. */
	if (sig == SIGTRAP && rip >= 1 &&
	    (is_site_ret(rip + 1) || zp_set_has(zp_trap_table, rip - 1) ||
	     zp_detour_patching(rip - 1))) {
		g[REG_RIP] = (greg_t)(rip - 1);
		return;
	}
	if (sig == SIGSEGV && from_cpu) {
		/* The call reached an unmapped number: the fault is at rip == rax. */
		if (rip == (uintptr_t)g[REG_RAX] && is_site_ret(*(uintptr_t *)rsp)) {
			uintptr_t ret = *(uintptr_t *)rsp;
			zp_trap_enter(uc, sig, ret - 2, ret, rsp + 8, ZPOLINE_ORIGIN_TRAP);
			return;
		}
		/* A non-canonical number faults on the call itself. */
		if (is_site_ret(rip + 2) && ((const unsigned char *)rip)[0] == 0xff &&
		    ((const unsigned char *)rip)[1] == 0xd0) {
			zp_trap_enter(uc, sig, rip, rip + 2, rsp, ZPOLINE_ORIGIN_TRAP);
			return;
		}
	}
	/* Natively nothing is mapped at page 0, so a fault there is "not
	 * mapped" (SEGV_MAPERR, the page-fault error code without its
	 * protection and key bits), not SEGV_PKUERR (execute-only) or
	 * SEGV_ACCERR (readable, not writable; or held PROT_NONE before the
	 * sites are rewritten): Go's runtime makes a nil-pointer panic only
	 * of the former and aborts on the others. */
	if (sig == SIGSEGV && (zp_page0_ours || zp_page0_held) && (uintptr_t)si->si_addr < ZP_PAGE &&
	    (si->si_code == SEGV_PKUERR || si->si_code == SEGV_ACCERR)) {
		si->si_code = SEGV_MAPERR;
		si->si_pkey = 0;
		g[REG_ERR] &= ~(greg_t)(X86_PF_PROT | X86_PF_PK);
	}
	if (zp_debug && from_cpu)
		zp_log("zpoline: signal %d (code %d) at %p not the runtime's: rax %lx, rsp %p, [rsp] %lx",
		       sig, si->si_code, (void *)rip, (unsigned long)g[REG_RAX], (void *)rsp,
		       rsp ? *(unsigned long *)rsp : 0ul);
	forward(sig, si, uc);
}
