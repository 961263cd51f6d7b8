/*
 * dispatch.c - the C side of a hooked call.
 *
 * entry.S calls zp_pre() with the call record before the kernel is entered
 * and, if asked to, zp_post() after.  zp_pre() runs the hooks' pre()
 * functions, then the runtime's own handling of the (possibly rewritten)
 * call, and tells the stub what to do next (record->action).  The trap path
 * (signals.c) drives the same two functions from a signal handler.
 *
 * This file is compiled with -mgeneral-regs-only: when no hook needs the
 * vector registers, nothing on this path touches them, which is what lets
 * the stub skip XSAVE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sched.h>
#include <stddef.h>
#include <sys/mman.h>
#include <linux/mman.h> /* PROT_SEM */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/sched.h>
#include <linux/seccomp.h>

#include "detour.h"
#include "relay.h"
#include "rt.h"

_Static_assert(offsetof(struct zp_record, call.nr) == REC_NR, "REC_NR");
_Static_assert(offsetof(struct zp_record, call.args[0]) == REC_ARG0, "REC_ARG0");
_Static_assert(offsetof(struct zp_record, call.args[5]) == REC_ARG5, "REC_ARG5");
_Static_assert(offsetof(struct zp_record, call.ret) == REC_RET, "REC_RET");
_Static_assert(offsetof(struct zp_record, call.site) == REC_SITE, "REC_SITE");
_Static_assert(offsetof(struct zp_record, call.cookie) == REC_COOKIE, "REC_COOKIE");
_Static_assert(offsetof(struct zp_record, call.tid) == REC_TID, "REC_TID");
_Static_assert(offsetof(struct zp_record, call.pid) == REC_PID, "REC_PID");
_Static_assert(offsetof(struct zp_record, call.origin) == REC_ORIGIN, "REC_ORIGIN");
_Static_assert(offsetof(struct zp_record, call.sp) == REC_APPSP, "REC_APPSP");
_Static_assert(offsetof(struct zp_record, flags) == REC_FLAGS, "REC_FLAGS");
_Static_assert(offsetof(struct zp_record, retaddr) == REC_RETADDR, "REC_RETADDR");
_Static_assert(offsetof(struct zp_record, level) == REC_LEVEL, "REC_LEVEL");
_Static_assert(offsetof(struct zp_record, saved[0]) == REC_RDI, "REC_RDI");
_Static_assert(offsetof(struct zp_record, saved[6]) == REC_RBX, "REC_RBX");
_Static_assert(offsetof(struct zp_record, saved[11]) == REC_R15, "REC_R15");
_Static_assert(offsetof(struct zp_record, action) == REC_ACTION, "REC_ACTION");
_Static_assert(offsetof(struct zp_record, child) == REC_CHILD, "REC_CHILD");
_Static_assert(offsetof(struct zp_record, xsaved) == REC_XSAVE, "REC_XSAVE");
_Static_assert(offsetof(struct zp_record, cookies) == REC_COOKIES, "REC_COOKIES");
_Static_assert(offsetof(struct zp_record, scratch) == REC_SCRATCH, "REC_SCRATCH");
_Static_assert(offsetof(struct zp_record, self_post) == REC_SELFPOST, "REC_SELFPOST");
_Static_assert(sizeof(struct zp_record) <= REC_SIZE, "REC_SIZE");
_Static_assert(ZPOLINE_SKIP == ZP_PRE_SKIP, "ZP_PRE_SKIP");
_Static_assert(offsetof(struct zp_record, lean) == REC_LEAN, "REC_LEAN");
_Static_assert(offsetof(struct zp_record, gs_out) == REC_GSOUT, "REC_GSOUT");

long zp_max_nr = ZP_SLED_END - 1;

static bool selected(const struct zp_hook_slot *h, long nr)
{
	if (!h->h.select || nr < 0 || nr >= ZPOLINE_NR_FAST)
		return true;
	return (h->h.select[nr / 8] >> (nr % 8)) & 1;
}

static bool is_special(long nr)
{
	return nr == SYS_clone || nr == SYS_clone3 || nr == SYS_vfork || nr == SYS_fork ||
	       nr == SYS_rt_sigreturn || nr == SYS_exit;
}

bool zp_runtime_wants(long nr)
{
	/* The program armed Syscall User Dispatch: every call is judged. */
	if (__atomic_load_n(&zp_psud_seen, __ATOMIC_RELAXED))
		return true;
	switch (nr) {
	case SYS_rt_sigaction:
	case SYS_rt_sigprocmask:
	case SYS_rt_sigreturn:
	case SYS_clone:
	case SYS_clone3:
	case SYS_fork:
	case SYS_vfork:
	case SYS_exit:
	case SYS_exit_group:
	case SYS_mmap:
	case SYS_mprotect:
	case SYS_pkey_mprotect:
	case SYS_mremap:
	case SYS_munmap:
	case SYS_execve:
	case SYS_execveat:
	case SYS_sigaltstack:
	/* Sending a signal: one sent to the caller itself is delivered as the
	 * call returns, and the slow path has unwind information (entry.S),
	 * the second stage none: a debugger's bt or a handler's backtrace()
	 * after abort() or raise() reaches the program's frames. */
	case SYS_kill:
	case SYS_tkill:
	case SYS_tgkill:
	case SYS_rt_sigqueueinfo:
	case SYS_rt_tgsigqueueinfo:
	/* The runtime's signals the program blocked (signals.c): masks for
	 * the call's duration, and what is pending. */
	case SYS_rt_sigsuspend:
	case SYS_ppoll:
	case SYS_pselect6:
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
	case SYS_rt_sigpending:
	case SYS_rt_sigtimedwait:
	/* A seccomp filter: the runtime then opens no /proc file on a call's
	 * path (procstatus.c). */
	case SYS_seccomp:
	case SYS_prctl:
	/* The program's own %gs base (thread.c): the runtime's block is the
	 * base while it runs. */
	case SYS_arch_prctl:
	/* PTRACE_TRACEME: a traced task must not trap (runtime_pre). */
	case SYS_ptrace:
	/* Calls that set the machine's or the process's state from a buffer:
	 * given one in page 0 they would succeed with the trampoline's bytes
	 * (runtime_pre).  Rare: the dispatcher's cost is nothing here. */
	case SYS_sethostname:
	case SYS_setdomainname:
	case SYS_setgroups:
	case SYS_setrlimit:
	case SYS_prlimit64:
		return true;
	default:
		return false;
	}
}

/* zp_hook_enter() is around the hooks' functions only, not the runtime's
 * work between them: a signal delivered as one of the runtime's own
 * calls returns (sigsetjmp's rt_sigprocmask) has a handler whose routed
 * vDSO calls are the program's, not hook code's (vdso.c). */
static void run_posts(struct zp_record *r, int below)
{
	struct zp_thread *t = zp_thread_self();
	for (int i = below - 1; i >= 0; i--) {
		if (!(r->hooks_ran & (1u << i)))
			continue;
		r->call.cookie = r->cookies[i];
		uintptr_t state = zp_hook_enter(t);
		zp_hooks[i].h.post(&r->call, zp_hooks[i].h.ctx);
		zp_hook_leave(t, state);
	}
	r->hooks_ran = 0;
}

static int runtime_pre(struct zp_record *r, struct zp_thread *t);
static void runtime_post(struct zp_record *r, struct zp_thread *t);

/* Run an original-ABI hook: it wraps the rest of the chain and the kernel,
 * which it reaches through zp_orig_next(). */
static int run_orig(struct zp_record *r, int i)
{
	struct zp_hook_slot *h = &zp_hooks[i];
	int saved_pos = r->orig_pos;
	r->orig_pos = i;
	r->deferred = 0;
	long ret = h->orig_fn(r->call.nr, r->call.args[0], r->call.args[1], r->call.args[2],
			      r->call.args[3], r->call.args[4], r->call.args[5]);
	r->orig_pos = saved_pos;
	if (r->deferred)
		return ZPOLINE_CONTINUE; /* the stub makes the recorded call */
	r->call.ret = ret;
	return ZPOLINE_SKIP;
}

/* The pre() functions from hook `from` on.  Returns the index of the hook
 * that completed the call, or -1 if it must go to the kernel. */
static inline __attribute__((always_inline)) int run_pres(struct zp_record *r, int from)
{
	struct zp_thread *t = zp_thread_self();
	for (int i = from; i < zp_nhooks; i++) {
		struct zp_hook_slot *h = &zp_hooks[i];
		if (!selected(h, r->call.nr))
			continue;
		int a = ZPOLINE_CONTINUE;
		r->call.cookie = 0;
		uintptr_t state = zp_hook_enter(t);
		if (h->orig_fn)
			a = run_orig(r, i);
		else if (h->h.pre)
			a = h->h.pre(&r->call, h->h.ctx);
		zp_hook_leave(t, state);
		r->cookies[i] = r->call.cookie;
		if (a == ZPOLINE_SKIP)
			return i;
		if (h->h.post)
			r->hooks_ran |= 1u << i;
	}
	return -1;
}

/* zp_orig_next: the "next" function an original-ABI hook calls.  It runs the
 * hooks after it, the runtime and the kernel, from C.  Calls that must be
 * made by the entry stub (clone, vfork, rt_sigreturn, ...) are recorded and
 * made after the hook returns; the hook sees 0 for them. */
long zp_orig_next(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	struct zp_thread *t = zp_thread_self();
	struct zp_record *r = t ? t->cur : NULL;
	if (!r)
		return zp_app_syscall6(nr, a1, a2, a3, a4, a5, a6);
	zp_altstack_unhold(r); /* the call is made from here, on the slot */
	r->call.nr = nr;
	r->call.args[0] = a1;
	r->call.args[1] = a2;
	r->call.args[2] = a3;
	r->call.args[3] = a4;
	r->call.args[4] = a5;
	r->call.args[5] = a6;
	if (is_special(nr)) {
		r->deferred = 1;
		return 0;
	}
	uint32_t outer = r->hooks_ran;
	r->hooks_ran = 0;
	int done = run_pres(r, r->orig_pos + 1);
	if (done < 0) {
		r->action = ZP_ACT_SYSCALL;
		int act = runtime_pre(r, t);
		if (act != ZP_ACT_RETURN)
			r->call.ret = zp_app_syscall6(r->call.nr, r->call.args[0], r->call.args[1],
						      r->call.args[2], r->call.args[3],
						      r->call.args[4], r->call.args[5]);
		runtime_post(r, t);
		done = zp_nhooks;
	}
	run_posts(r, done);
	r->hooks_ran = outer;
	return r->call.ret;
}

static bool args_changed(const struct zp_record *r, long nr0)
{
	if (r->call.nr != nr0)
		return true;
	for (int i = 0; i < 6; i++)
		if ((uint64_t)r->call.args[i] != r->saved[i])
			return true;
	return false;
}

/* Blocks every signal; returns the previous mask. */
static uint64_t block_all(void)
{
	uint64_t all = ~0ull, old = 0;
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
	return old;
}

static void set_mask(uint64_t m)
{
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &m, 0, 8);
}

/* clone family: does the child need a block of its own, started by the
 * stub?  It does when it shares our memory or starts on another stack. */
static int prepare_clone(struct zp_record *r, struct zp_thread *t, uint64_t flags, uint64_t stack)
{
	if (!(flags & CLONE_VM) && !stack) {
		r->rt_flags |= ZP_RTF_FORK;
		return ZP_ACT_SYSCALL_POST;
	}
	struct zp_thread *c = zp_thread_new();
	if (!c) {
		r->call.ret = -ENOMEM;
		return ZP_ACT_RETURN;
	}
	if (flags & CLONE_THREAD)
		zp_self_status_forget(false);
	for (int i = 0; i < 12; i++)
		c->child.regs[i] = r->saved[i];
	c->child.flags = r->flags;
	c->child.retaddr = r->retaddr;
	/* Signals stay blocked from here until each side has its block, but
	 * SIGSYS: the child makes the runtime's own calls before it unblocks
	 * (arming SUD; its %gs base on a CPU without FSGSBASE), and a seccomp
	 * filter that answers one with SECCOMP_RET_TRAP raises a SIGSYS the
	 * kernel cannot deliver while blocked: it kills the whole process
	 * instead.  Unblocked, the runtime answers it (signals.c). */
	uint64_t old = 0, but_sys = ~(1ull << (SIGSYS - 1));
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &but_sys, &old, 8);
	c->child.sigmask = old;
	c->vmask = t->vmask;
	/* The child starts with the parent's %gs base (the stub sets it). */
	c->gs_in = r->gs_out;
	c->app_gs = t->app_gs;
	if ((flags & CLONE_VM) && !(flags & CLONE_SIGHAND))
		zp_signals_private(c);
	r->scratch[11] = old;
	r->child = (uint64_t)(uintptr_t)c;
	r->rt_flags |= ZP_RTF_CLONE;
	if ((flags & CLONE_VFORK) || !(flags & CLONE_VM))
		r->rt_flags |= ZP_RTF_VFORK; /* the child is done with our memory when we resume */
	if ((flags & CLONE_VFORK) && (flags & CLONE_VM))
		c->vfork_child = true; /* ... and it is our free to make, not the child's */
	/* A new process (no CLONE_THREAD): its one thread leads its thread
	 * group, its pid is its tid, which the stub stores in both when it
	 * asks for it (entry.S); not asked again at its first call.  A
	 * thread's are learnt then. */
	if (!(flags & CLONE_THREAD))
		c->pid = ZP_PID_IS_TID;
	return ZP_ACT_CLONE;
}

/* arch_prctl(ARCH_SET_GS / ARCH_GET_GS): the program's own %gs base is
 * the one the record goes back with (REC_GSOUT; 0: the block, which the
 * program sees as no base).  The kernel checks a new base (it is set for
 * a moment, then ours is back), and refuses it as it would. */
static int gs_prctl(struct zp_record *r, struct zp_thread *t)
{
	const long *a = r->call.args;
	if (!zp_wrgsbase || !t || (a[0] != ZP_ARCH_SET_GS && a[0] != ZP_ARCH_GET_GS))
		return ZP_ACT_SYSCALL;
	if (a[0] == ZP_ARCH_SET_GS) {
		long e = zp_app_syscall6(SYS_arch_prctl, ZP_ARCH_SET_GS, a[1], 0, 0, 0, 0);
		zp_gs_write((uintptr_t)t);
		if (e == 0) {
			uintptr_t base = (uintptr_t)a[1];
			r->gs_out = base && base != (uintptr_t)t ? base : 0;
			t->app_gs = r->gs_out;
		}
		r->call.ret = e;
		return ZP_ACT_RETURN;
	}
	uint64_t base = r->gs_out;
	r->call.ret = zp_safe_copy((void *)a[1], &base, sizeof base) < 0 ? -EFAULT : 0;
	return ZP_ACT_RETURN;
}

/* Does [addr, addr+len) reach the trampoline (page 0 or its second
 * stage)?  A program that maps over, unmaps or reprotects those would
 * destroy the runtime under itself; it gets what it would get if
 * vm.mmap_min_addr forbade page 0 (or the memory were not there), and one
 * warning. */
static bool touches_trampoline(uintptr_t addr, uintptr_t len)
{
	if (zp_mode == ZP_MODE_SUD)
		return false;
	uintptr_t end = addr + len;
	if (end < addr)
		end = UINTPTR_MAX;
	if (zp_detour_touches(addr, end))
		return true;
	return (zp_mode != ZP_MODE_DETOUR && addr < ZP_PAGE) ||
	       (zp_stage2_addr && addr < zp_stage2_addr + ZP_PAGE &&
				  end > zp_stage2_addr) ||
	       (zp_tail_ptr && addr < zp_tail_ptr + ZP_PAGE && end > zp_tail_ptr);
}

/* A range that starts in page 0, where natively nothing is mapped: the
 * trampoline is, or (detour mode) the range may run on over the detours'
 * trampolines, which the kernel would not reach (it stops at the hole at
 * the start), unless the program mapped page 0 itself. */
static bool starts_in_page0(uintptr_t addr)
{
	if (addr >= ZP_PAGE || zp_mode == ZP_MODE_SUD)
		return false;
	unsigned char v;
	return zp_mode != ZP_MODE_DETOUR || zp_raw3(SYS_mincore, 0, ZP_PAGE, &v) == -ENOMEM;
}

/* mprotect or pkey_mprotect of a range starting in page 0: what the kernel
 * answers where page 0 is not mapped, in the order it checks (the range
 * starts in a hole: ENOMEM, nothing changed), without touching the
 * trampoline.  Natively a length of 0 succeeds and bad flags are EINVAL;
 * refusing them all with ENOMEM was a difference (strace's pkey_mprotect
 * test). */
static long page0_mprotect(const long *a, bool pkey)
{
	unsigned long start = (unsigned long)a[0], len = (unsigned long)a[1];
	unsigned long prot = (unsigned long)a[2];
	unsigned long grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP) || (start & (ZP_PAGE - 1)))
		return -EINVAL;
	if (!len)
		return 0;
	len = (len + ZP_PAGE - 1) & ~(unsigned long)(ZP_PAGE - 1);
	if (start + len <= start)
		return -ENOMEM;
	if (prot & ~(grows | PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	if (pkey && (int)a[3] != -1) {
		/* Whether that key is allocated: the kernel's answer for a page
		 * of our own. */
		long p = zp_raw6(SYS_mmap, 0, ZP_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p < 0 && p > -4096)
			return -ENOMEM;
		long e = zp_raw4(SYS_pkey_mprotect, p, ZP_PAGE, (long)(prot & ~grows), a[3]);
		zp_raw2(SYS_munmap, p, ZP_PAGE);
		if (e == -EINVAL)
			return e;
	}
	return -ENOMEM;
}

/* munmap of a range starting in page 0: 0 if it ends there (natively
 * nothing was mapped), after the kernel's checks; 1 if it goes on past
 * page 0 (refused: the trampoline stays). */
static long page0_munmap(const long *a)
{
	unsigned long start = (unsigned long)a[0], len = (unsigned long)a[1];
	const unsigned long task_size = 0x7ffffffff000ul;
	if ((start & (ZP_PAGE - 1)) || start > task_size || len > task_size - start)
		return -EINVAL;
	len = (len + ZP_PAGE - 1) & ~(unsigned long)(ZP_PAGE - 1);
	if (!len)
		return -EINVAL;
	return start + len <= ZP_PAGE ? 0 : 1;
}

static void refuse_trampoline(const char *what)
{
	static int warned;
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		zp_log("zpoline: the program tried to %s the trampoline at page 0; refused "
		       "(the runtime lives there)", what);
}

/* The program signals itself: a handler may unwind (unwind.c). */
static void unwind_want(void *arg)
{
	(void)arg;
	zp_unwind_want();
}

/* kill and its kin: a signal to the process itself may be unwound through
 * (unwind.c), and one to the calling thread is made from the trap. */
static void signal_sent(struct zp_record *r, struct zp_thread *t)
{
	const long *a = r->call.args;
	bool process = r->call.nr == SYS_kill || r->call.nr == SYS_rt_sigqueueinfo;
	long sig = process || r->call.nr == SYS_tkill ? a[1] : a[2];
	if (!zp_unwind_wanted && sig && (!process || a[0] == 0 || (t && a[0] == t->pid)))
		zp_call_saving_xstate(unwind_want, NULL);
	if (zp_signals_caller(r, t))
		r->rt_flags |= ZP_RTF_SELFSIG;
}

/* kill(COMMAND, sig): the program's parent natively is the process that
 * started the command, the command passes it there.  Sent marked, so the
 * command can tell it from a signal to the process group it shares with
 * the program (relay.h). */
ZP_HIDDEN long zp_command_pid;

static long relay_to_command(long sig)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = (int)sig;
	si.si_errno = ZP_RELAY_ERRNO;
	si.si_code = SI_QUEUE;
	si.si_pid = (pid_t)zp_raw4(SYS_getpid, 0, 0, 0, 0);
	si.si_uid = (uid_t)zp_raw4(SYS_getuid, 0, 0, 0, 0);
	si.si_value.sival_ptr = (void *)(uintptr_t)ZP_RELAY_VALUE;
	return zp_raw4(SYS_rt_sigqueueinfo, zp_command_pid, sig, &si, 0);
}

/* An address no user pointer can be: the kernel's access check fails
 * at once (EFAULT) for any offset below a page. */
#define ZP_NONCANONICAL 0x8000000000000000ul

/* A seccomp filter install whose filter is said to be in page 0 (NULL as
 * a probe, or a small bad pointer). */
static bool filter_in_page0(const struct zp_record *r)
{
	const long *a = r->call.args;
	bool install = (r->call.nr == SYS_seccomp && a[0] == SECCOMP_SET_MODE_FILTER) ||
		       (r->call.nr == SYS_prctl && a[0] == PR_SET_SECCOMP && a[1] == SECCOMP_MODE_FILTER);
	return install && (unsigned long)a[2] < ZP_PAGE;
}

/* A call whose input pointer i points into page 0: natively EFAULT, but
 * page 0 is readable where the trampoline lives (no PKU), so the kernel
 * would read its jump bytes.  The call is made with the pointer moved out
 * of user space: every check the kernel makes before its read answers as
 * natively, and the read fails. */
static void call_page0_unread(struct zp_record *r, int i)
{
	const long *a = r->call.args;
	long b[6] = {a[0], a[1], a[2], a[3], a[4], a[5]};
	b[i] = (long)(ZP_NONCANONICAL | (unsigned long)a[i]);
	r->call.ret = zp_raw6(r->call.nr, b[0], b[1], b[2], b[3], b[4], b[5]);
}

/* The same for an optional input pointer (NULL: none), of the calls the
 * runtime looks into (a sigprocmask that blocked signals at random and
 * returned 0). */
static bool page0_input(struct zp_record *r, int i)
{
	unsigned long p = (unsigned long)r->call.args[i];
	if (!p || p >= ZP_PAGE)
		return false;
	call_page0_unread(r, i);
	return true;
}

/* The same for a pointer that is not optional: NULL too is made to fail
 * as natively (sethostname(NULL, 64) set the host's name to jump bytes). */
static bool page0_required(struct zp_record *r, int i)
{
	if ((unsigned long)r->call.args[i] >= ZP_PAGE)
		return false;
	call_page0_unread(r, i);
	return true;
}

/* The runtime's own part of a call.  Returns the action. */
static int runtime_pre(struct zp_record *r, struct zp_thread *t)
{
	long *a = r->call.args;
	switch (r->call.nr) {
	case SYS_munmap:
		if (starts_in_page0((uintptr_t)a[0]) && (r->call.ret = page0_munmap(a)) != 1)
			return ZP_ACT_RETURN;
		if (touches_trampoline((uintptr_t)a[0], (uintptr_t)a[1])) {
			refuse_trampoline("unmap");
			r->call.ret = -EPERM;
			return ZP_ACT_RETURN;
		}
		zp_code_may_change((uintptr_t)a[0], (size_t)a[1]);
		return ZP_ACT_SYSCALL;
	case SYS_rt_sigaction:
		if (!zp_signal_is_ours((int)a[0]) && page0_input(r, 1))
			return ZP_ACT_RETURN;
		zp_sigdefault_action_pre(r);
		if (zp_signal_is_ours((int)a[0])) {
			r->call.ret = zp_sigaction_virtual(r);
			return ZP_ACT_RETURN;
		}
		zp_sigaction_virtual(r); /* strips the runtime's signals from sa_mask */
		return ZP_ACT_SYSCALL_POST;
	case SYS_rt_sigprocmask:
		if (page0_input(r, 1))
			return ZP_ACT_RETURN;
		zp_sigmask_pre(r);
		return ZP_ACT_SYSCALL_POST;
	case SYS_kill:
		if (zp_command_pid > 0 && a[0] == zp_command_pid && a[1] > 0 && a[1] < 65) {
			r->call.ret = relay_to_command(a[1]);
			return ZP_ACT_RETURN;
		}
		/* fall through */
	case SYS_rt_sigqueueinfo:
	case SYS_tkill:
	case SYS_tgkill:
	case SYS_rt_tgsigqueueinfo:
		signal_sent(r, t);
		return ZP_ACT_SYSCALL;
	case SYS_seccomp:
	case SYS_prctl:
		if (r->call.nr == SYS_prctl && a[0] == ZP_PR_SET_SYSCALL_USER_DISPATCH) {
			r->call.ret = zp_psud_prctl(r, t);
			return ZP_ACT_RETURN;
		}
		if (r->call.nr == SYS_prctl && a[0] == PR_SET_NAME && page0_required(r, 1))
			return ZP_ACT_RETURN;
		if (filter_in_page0(r)) {
			/* Natively EFAULT, where page 0 is readable: the
			 * kernel would read a filter from its jump bytes and
			 * say EINVAL, which Chromium's and libseccomp's probes
			 * (a NULL filter) take for no seccomp filters at all:
			 * Chromium's sandbox went without its filter (NULL
			 * too: no optional pointer here). */
			call_page0_unread(r, 2);
			return ZP_ACT_RETURN;
		}
		if (r->call.nr == SYS_seccomp || a[0] == PR_SET_SECCOMP) {
			zp_seccomp_install_pre(r);
			__atomic_store_n(&zp_seccomp_seen, 1, __ATOMIC_RELAXED);
		}
		/* Made from a rewritten site (ZPOLINE_MODE=net): a stray call that
		 * traps later would die at our sigreturn under such a filter
		 * (sud.c); the thread keeps its rewritten sites, not the net. */
		if (zp_sud_armed && t && !t->sud_off && r->call.origin != ZPOLINE_ORIGIN_SUD &&
		    zp_sud_filter_refuses(r))
			zp_sud_disarm(t);
		return zp_seccomp_install_widened(r) ? ZP_ACT_RETURN : ZP_ACT_SYSCALL;
	case SYS_sigaltstack:
		if (page0_input(r, 0))
			return ZP_ACT_RETURN;
		return zp_sigaltstack_pre(r, t);
	case SYS_sethostname:
	case SYS_setdomainname:
		return page0_required(r, 0) ? ZP_ACT_RETURN : ZP_ACT_SYSCALL;
	case SYS_setgroups:
	case SYS_setrlimit:
		return page0_required(r, 1) ? ZP_ACT_RETURN : ZP_ACT_SYSCALL;
	case SYS_prlimit64:
		return page0_input(r, 2) ? ZP_ACT_RETURN : ZP_ACT_SYSCALL;
	case SYS_arch_prctl:
		return gs_prctl(r, t);
	case SYS_ptrace:
		/* A debugger will trace this task (a child between fork and
		 * exec, as gdb and Go's SysProcAttr.Ptrace start one): every
		 * trap's SIGSYS would stop it, where the debugger waits for the
		 * exec (gdb hung for good).  The task leaves Syscall User
		 * Dispatch: its calls until the exec pass unhooked in sud mode
		 * (auto mode rewrote the sites first, tier.c).  The kernel's
		 * state only: a vfork child shares the thread block and every
		 * variable with its parent. */
		if (a[0] == 0 /* PTRACE_TRACEME */ && zp_sud_armed)
			zp_sud_leave_task();
		/* What /proc/self/status last said (read, perhaps, by the
		 * rewrite this very call set off) is about to be wrong: a signal
		 * the task then sends itself must not take the SIGTRAP path,
		 * whose trap the new tracer would see first (proot took it for
		 * its child's SIGSTOP, and lost count of its calls for good). */
		if (a[0] == 0)
			zp_self_status_forget(true);
		return ZP_ACT_SYSCALL;
	case SYS_rt_sigreturn:
		zp_sigreturn_pre(r);
		return ZP_ACT_SYSCALL;
	case SYS_rt_sigsuspend:
	case SYS_ppoll:
	case SYS_pselect6:
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
		return zp_tempmask_pre(r);
	case SYS_rt_sigpending:
		r->rt_flags |= ZP_RTF_SIGPENDING;
		return ZP_ACT_SYSCALL_POST;
	case SYS_rt_sigtimedwait:
		return zp_sigtimedwait_pre(r);
	case SYS_clone:
		return prepare_clone(r, t, (uint64_t)a[0], (uint64_t)a[1]);
	case SYS_clone3: {
		struct clone_args ca;
		if (page0_input(r, 0)) /* the kernel would read jump bytes: EINVAL */
			return ZP_ACT_RETURN;
		if ((unsigned long)a[1] < 64 || !a[0] || zp_safe_copy(&ca, (const void *)a[0], 64) < 0)
			return ZP_ACT_SYSCALL; /* the kernel says EINVAL/EFAULT */
		/* CLONE_CLEAR_SIGHAND would also take the runtime's handlers
		 * from the child, whose first trapped call (Syscall User
		 * Dispatch: sud mode, the trap phase) then killed it with
		 * SIGSYS.  A new process on the caller's stack: the kernel gets
		 * a copy without the flag and the child resets the program's
		 * handlers itself (signals.c).  (On a stack of its own, or
		 * sharing memory, it keeps the kernel's way: README, Limits.) */
		if ((ca.flags & ZP_CLONE_CLEAR_SIGHAND) && !(ca.flags & CLONE_VM) && !ca.stack &&
		    (unsigned long)a[1] <= sizeof r->scratch &&
		    zp_safe_copy(r->scratch, (const void *)a[0], (size_t)a[1]) == 0) {
			r->scratch[0] &= ~(uint64_t)ZP_CLONE_CLEAR_SIGHAND;
			a[0] = (long)r->scratch;
			r->rt_flags |= ZP_RTF_CLEARSIG;
		}
		return prepare_clone(r, t, ca.flags, ca.stack);
	}
	case SYS_fork:
		r->rt_flags |= ZP_RTF_FORK;
		return ZP_ACT_SYSCALL_POST;
	case SYS_vfork:
		return prepare_clone(r, t, CLONE_VM | CLONE_VFORK, 0);
	case SYS_mmap:
		if ((a[3] & MAP_FIXED) && touches_trampoline((uintptr_t)a[0], (uintptr_t)a[1])) {
			refuse_trampoline("map over");
			r->call.ret = -EPERM;
			return ZP_ACT_RETURN;
		}
		/* Anonymous memory comes zero-filled: no system call in it
		 * yet (what is written into it later is made executable by an
		 * mprotect, or, mapped writable and executable, is the safety
		 * net's: watch.c).  Scanning it cost a page fault a page. */
		if ((a[2] & PROT_EXEC) && !(a[3] & MAP_ANONYMOUS))
			r->rt_flags |= ZP_RTF_CODE;
		if (a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE))
			zp_code_may_change((uintptr_t)a[0], (size_t)a[1]);
		r->rt_flags |= ZP_RTF_MEMCHG;
		return ZP_ACT_SYSCALL_POST;
	case SYS_mprotect:
	case SYS_pkey_mprotect:
		if (starts_in_page0((uintptr_t)a[0])) {
			r->call.ret = page0_mprotect(a, r->call.nr == SYS_pkey_mprotect);
			return ZP_ACT_RETURN;
		}
		if (touches_trampoline((uintptr_t)a[0], (uintptr_t)a[1])) {
			refuse_trampoline("change the protection of");
			r->call.ret = -ENOMEM;
			return ZP_ACT_RETURN;
		}
		if (a[2] & PROT_WRITE) {
			zp_code_may_change((uintptr_t)a[0], (size_t)a[1]);
			r->rt_flags |= ZP_RTF_MEMCHG;
		}
		if (a[2] & PROT_EXEC)
			r->rt_flags |= ZP_RTF_CODE;
		else if ((uintptr_t)a[0] - zp_unwind_pending_lo <
			 zp_unwind_pending_hi - zp_unwind_pending_lo)
			r->rt_flags |= ZP_RTF_UNWIND;
		return ZP_ACT_SYSCALL_POST;
	case SYS_mremap:
		if (touches_trampoline((uintptr_t)a[0], (uintptr_t)a[1]) ||
		    ((a[3] & MREMAP_FIXED) && touches_trampoline((uintptr_t)a[4], (uintptr_t)a[2]))) {
			refuse_trampoline("move");
			r->call.ret = -EPERM;
			return ZP_ACT_RETURN;
		}
		zp_code_may_change((uintptr_t)a[0], (size_t)a[1]);
		if (a[3] & MREMAP_FIXED)
			zp_code_may_change((uintptr_t)a[4], (size_t)a[2]);
		r->rt_flags |= ZP_RTF_MOVE | ZP_RTF_MEMCHG;
		return ZP_ACT_SYSCALL_POST;
	case SYS_execve:
	case SYS_execveat:
		zp_exec_pre(r);
		zp_exec_signals_pre(r);
		return (r->rt_flags & ZP_RTF_EXECSIG) ? ZP_ACT_SYSCALL_POST : ZP_ACT_SYSCALL;
	case SYS_exit_group:
		/* A vfork child's exit (exec failed) does not end the hooks'
		 * process: their state is the parent's memory, which goes on.
		 * Their fini would report the parent's data under the child's
		 * pid (the count hook printed the parent's table, then began
		 * again from zero). */
		if (!(t && t->vfork_child)) {
			uintptr_t state = zp_hook_enter(t);
			zp_hooks_fini();
			zp_hook_leave(t, state);
		}
		/* What was scanned after start-up (test-coverage checks that a
		 * JIT's rewritten pages are not scanned whole each time). */
		if (zp_debug)
			zp_log("zpoline: code that appeared later: %lu file ranges, %lu anonymous "
			       "ranges, %lu KiB of anonymous code scanned",
			       zp_watch_stats.file_ranges, zp_watch_stats.anon_ranges,
			       zp_watch_stats.anon_bytes >> 10);
		/* fall through */
	case SYS_exit:
		if (t && !t->is_static && !t->vfork_child) {
			block_all();
			return ZP_ACT_EXIT_THREAD;
		}
		return ZP_ACT_SYSCALL;
	default:
		return ZP_ACT_SYSCALL;
	}
}

/* Rewriting newly mapped code runs the decoder (vector registers). */
static void code_appeared(void *arg)
{
	const struct zp_record *r = arg;
	const long *a = r->call.args;
	if (r->call.nr == SYS_mmap)
		zp_code_appeared((uintptr_t)r->call.ret, (size_t)a[1],
				 (a[3] & MAP_ANONYMOUS) ? -1 : (int)a[4], (uint64_t)a[5]);
	else
		zp_code_appeared((uintptr_t)a[0], (size_t)a[1], -1, 0);
}

/* The unwinder ld.so is loading is relocated once its RELRO is read-only. */
static void unwind_protected(void *arg)
{
	const struct zp_record *r = arg;
	zp_unwind_protected((uintptr_t)r->call.args[0], (int)r->call.args[2]);
}

static void runtime_post(struct zp_record *r, struct zp_thread *t)
{
	if (r->rt_flags & ZP_RTF_PSUD)
		zp_psud_post(r, t);
	if (r->rt_flags & ZP_RTF_SIGMASK)
		zp_sigmask_post(r);
	if (r->rt_flags & ZP_RTF_SIGDEFAULT)
		zp_sigdefault_action_post(r);
	if (r->rt_flags & ZP_RTF_SIGACTION)
		zp_sigaction_post(r);
	if (r->rt_flags & ZP_RTF_ALTSTACK)
		zp_sigaltstack_post(r, t);
	if (r->rt_flags & ZP_RTF_TEMPMASK)
		zp_tempmask_post(r);
	if (r->rt_flags & ZP_RTF_SIGPENDING)
		zp_sigpending_post(r);
	if (r->rt_flags & ZP_RTF_EXECSIG)
		zp_exec_signals_post(r);
	if (r->rt_flags & ZP_RTF_CLONE) {
		zp_self_status_forget(false); /* a count read while it was made */
		set_mask(r->scratch[11]);
		struct zp_thread *c = (struct zp_thread *)(uintptr_t)r->child;
		if (r->call.ret < 0 || (r->rt_flags & ZP_RTF_VFORK))
			zp_thread_free(c);
		else if (r->call.ret > 0)
			zp_thread_disown(c, (int)r->call.ret);
	}
	if ((r->rt_flags & ZP_RTF_FORK) && r->call.ret == 0) {
		zp_thread_forked(t);
		if (r->rt_flags & ZP_RTF_CLEARSIG)
			zp_signals_clear_handlers();
	}
	/* After the kernel made the change (and before scanning: a range
	 * made writable and executable is never recorded clean, watch.c). */
	if ((r->rt_flags & ZP_RTF_MEMCHG) && !(r->call.ret < 0 && r->call.ret > -4096)) {
		const long *a = r->call.args;
		if (r->call.nr == SYS_mmap)
			zp_code_may_change((uintptr_t)r->call.ret, (size_t)a[1]);
		else if (r->call.nr == SYS_mremap)
			zp_code_may_change((uintptr_t)r->call.ret, (size_t)a[2]);
		else
			zp_code_may_change((uintptr_t)a[0], (size_t)a[1]);
	}
	if ((r->rt_flags & ZP_RTF_CODE) && !(r->call.ret < 0 && r->call.ret > -4096))
		zp_call_saving_xstate(code_appeared, r);
	if (r->rt_flags & ZP_RTF_EXEC)
		zp_exec_post(r);
	if ((r->rt_flags & ZP_RTF_UNWIND) && r->call.ret == 0)
		zp_call_saving_xstate(unwind_protected, r);
	if ((r->rt_flags & ZP_RTF_MOVE) && !(r->call.ret < 0 && r->call.ret > -4096)) {
		const long *a = r->call.args;
		zp_code_moved((uintptr_t)a[0], (size_t)a[1], (uintptr_t)r->call.ret);
	}
	r->rt_flags = 0;
}

/* Is the calling thread where the signal this call sends will be
 * delivered as it returns?  Natively it then arrives with the program
 * counter right after the `syscall`; made from the stub it would arrive
 * inside the runtime (gdb's frame #0, a handler's context, a core dump).
 * Such calls are made from a signal handler with every signal blocked,
 * and the kernel's sigreturn delivers the signal at the site
 * (signals.c: self_signal, and zp_trap_enter for trapped sites), unless
 * a debugger or strace would see that trap (procstatus.c, zp_self_signal_ok).
 * A signal to the whole process goes to another thread while this one
 * blocks it, so those qualify only in a process of one thread. */
bool zp_signals_caller(const struct zp_record *r, const struct zp_thread *t)
{
	const long *a = r->call.args;
	if (!t || !t->tid)
		return false;
	switch (r->call.nr) {
	case SYS_tkill:
		return a[1] && a[0] == t->tid && zp_self_signal_ok(false);
	case SYS_tgkill:
	case SYS_rt_tgsigqueueinfo:
		return a[2] && a[0] == t->pid && a[1] == t->tid && zp_self_signal_ok(false);
	case SYS_kill:
	case SYS_rt_sigqueueinfo:
		return a[1] && (a[0] == t->pid || a[0] == 0) && zp_self_signal_ok(true);
	default:
		return false;
	}
}

/* Every hook's pre() ran and none completed the call (they may have
 * changed it): what the stub does now. */
static int after_pres(struct zp_record *r, struct zp_thread *t, long nr0)
{
	/* zp_runtime_wants() as the class table has it */
	unsigned long nr = (unsigned long)r->call.nr;
	int act = ZP_ACT_SYSCALL;
	if (nr < ZP_CLASS_SIZE && (zp_nr_class[nr] & ZP_CLASS_RUNTIME)) {
		if (nr != SYS_sigaltstack) /* answered held where it can be */
			zp_altstack_unhold(r);
		act = runtime_pre(r, t);
	}
	if (act == ZP_ACT_RETURN)
		run_posts(r, zp_nhooks);
	else if (act == ZP_ACT_SYSCALL && (r->hooks_ran || args_changed(r, nr0) ||
					       r->call.origin != ZPOLINE_ORIGIN_REWRITTEN))
		act = ZP_ACT_SYSCALL_POST;
	/* Calls that never return must not wait for a post. */
	if (act == ZP_ACT_SYSCALL_POST &&
	    (r->call.nr == SYS_rt_sigreturn || r->call.nr == SYS_exit || r->call.nr == SYS_exit_group)) {
		act = ZP_ACT_SYSCALL;
		r->hooks_ran = 0;
	}
	return act;
}

/* The action for a call about to be made or returned (act): a signal the
 * caller sends itself is made from the SIGTRAP handler (entry.S). */
static int finish_pre(struct zp_record *r, int act)
{
	if ((r->rt_flags & ZP_RTF_SELFSIG) && (act == ZP_ACT_SYSCALL || act == ZP_ACT_SYSCALL_POST) &&
	    !r->alt_swap && r->call.origin == ZPOLINE_ORIGIN_REWRITTEN_ASM) {
		r->self_post = act == ZP_ACT_SYSCALL_POST;
		act = ZP_ACT_SELF_SIGNAL;
	}
	r->action = (uint64_t)act;
	return act;
}

static void record_reset(struct zp_record *r)
{
	r->call.ret = 0;
	r->hooks_ran = 0;
	r->rt_flags = 0;
	r->child = 0;
	r->orig_pos = -1;
	r->lean = 0;
}

/* The stub's lean path (zp_lean) ran the only hook's pre(), which let
 * the call go on but changed its number or arguments (nr0: the number it
 * was made with): the rest of zp_pre() from there, the hook's post() by
 * zp_post().  The record was filled as for zp_pre(); call.ret and
 * call.cookie hold what pre() left in them. */
static int lean_changed(struct zp_record *r, long nr0)
{
	struct zp_thread *t = zp_thread_self();
	long ret = r->call.ret;
	record_reset(r);
	r->call.ret = ret;
	r->alt_swap = 0;
	r->cookies[0] = r->call.cookie;
	if (zp_hooks[0].h.post)
		r->hooks_ran = 1;
	struct zp_record *outer = t ? t->cur : NULL;
	if (t)
		t->cur = r;
	unsigned sud = zp_sud_enter(t);
	int act = after_pres(r, t, nr0);
	if (t)
		t->cur = outer;
	zp_sud_leave(t, sud);
	return finish_pre(r, act);
}

/* Syscall User Dispatch's selector is ALLOW while the dispatcher and the
 * hooks run.  A program's signal handler that left a hook with siglongjmp
 * left it so, and the thread's calls passed the safety net from then on.
 * A call from the program's own stack (not a slot, nor its signal stack,
 * where a handler may run nested in a hook that still needs ALLOW) puts
 * BLOCK back. */
static void sud_selector_check(struct zp_thread *t, uintptr_t sp)
{
	if (!zp_sud_armed || !t || __atomic_load_n(&t->sud_selector, __ATOMIC_ACQUIRE) != 0)
		return;
	if (zp_on_slots(t, sp) ||
	    (t->alt_lo < t->alt_hi && sp > t->alt_lo && sp <= t->alt_hi))
		return;
	zp_sud_block(t);
}

/* A program's signal that comes while the hooks run waits for the call's
 * edge (defer.c): a rewritten site's, or a detoured one's (whose call may
 * return into its trampoline: signals.c shows the site there). */
static bool defer_wanted(const struct zp_record *r)
{
	return r->call.origin == ZPOLINE_ORIGIN_REWRITTEN;
}

/* The hooks are done: a signal that waited for them goes with the call. */
static int defer_close(struct zp_record *r, struct zp_thread *t, struct zp_record *outer, int act)
{
	/* No block (a program's own %gs base without FSGSBASE): nothing can
	 * have been deferred, but the stub still reads the action here; a
	 * post() left it at SYSCALL_POST and the call was made again and
	 * again. */
	if (!t) {
		r->action = (uint64_t)act;
		return act;
	}
	t->defer_rec = outer;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	int d = zp_defer_take(r, t, act);
	r->action = (uint64_t)d;
	return d;
}

/* The rest of zp_pre() for a call the lean path's hook changed
 * (.Llean_changed): its runtime work (a clone's blocks every signal) is
 * the dispatcher's, and a signal meanwhile waits as it would there. */
long zp_pre_lean_changed(struct zp_record *r, long nr0)
{
	struct zp_thread *t = zp_thread_self();
	struct zp_record *defer_outer = t ? t->defer_rec : NULL;
	if (t && defer_wanted(r))
		t->defer_rec = r;
	return defer_close(r, t, defer_outer, lean_changed(r, nr0));
}

long zp_pre(struct zp_record *r)
{
	struct zp_thread *t = zp_thread_self();
	/* A detoured site's call returns into its trampoline: the hooks are
	 * shown the site itself (the stub wrote return address - 2). */
	if (zp_mode == ZP_MODE_DETOUR && r->call.origin == ZPOLINE_ORIGIN_REWRITTEN) {
		uintptr_t site = zp_detour_site_of(r->retaddr);
		if (site) {
			r->call.site = (const void *)site;
			r->retaddr = zp_detour_resume(r->retaddr);
		}
	}
	sud_selector_check(t, r->call.sp);
	zp_altstack_enter(r, t);
	if (t && !t->tid) {
		t->tid = (int)zp_raw0(SYS_gettid);
		t->pid = (int)zp_raw0(SYS_getpid);
	}
	r->call.tid = t ? t->tid : 0;
	r->call.pid = t ? t->pid : 0;
	record_reset(r);
	long nr0 = r->call.nr;
	struct zp_record *outer = t ? t->cur : NULL;
	if (t)
		t->cur = r;
	unsigned sud = zp_sud_enter(t);

	/* A program's signal meanwhile waits for the call's edge (defer.c). */
	struct zp_record *defer_outer = t ? t->defer_rec : NULL;
	if (t && defer_wanted(r))
		t->defer_rec = r;
	int act, done;
	if (__builtin_expect(zp_psud_seen, 0))
		zp_altstack_unhold(r); /* every call is the runtime's to judge */
	if (__builtin_expect(zp_psud_seen, 0) && zp_psud_trap(r, t)) {
		/* the program's own SUD stops it before the hooks see it */
		act = ZP_ACT_SYSCALL_POST;
	} else if ((done = zp_nhooks ? run_pres(r, 0) : -1) >= 0) {
		run_posts(r, done);
		act = ZP_ACT_RETURN;
	} else {
		act = after_pres(r, t, nr0);
	}
	if (t)
		t->cur = outer;
	zp_sud_leave(t, sud);
	act = finish_pre(r, zp_altstack_leave(r, t, act));
	return defer_close(r, t, defer_outer, act);
}

/* A program's handler sent the program elsewhere from a call made but not
 * yet finished (signals.c, app_view_hide): the runtime's own light work
 * after it is done here (a signal mask's view, sigaction's tables); the
 * hooks' post() are left, as for any call so left. */
void zp_post_left(struct zp_record *r, long ret)
{
	if (!r->rt_flags || (r->rt_flags & ~ZP_RTF_POST_LIGHT))
		return;
	struct zp_thread *t = zp_thread_self();
	r->call.ret = ret;
	runtime_post(r, t);
	zp_signals_after_post(r, t);
}

/* The lean path's post() ran; a signal the runtime held for it (a
 * SIGPIPE the hook had to see first, or one the program unblocked) is
 * released now, as after zp_post(). */
void zp_lean_after_post(struct zp_record *r)
{
	zp_signals_after_post(r, zp_thread_self());
}

long zp_post(struct zp_record *r)
{
	struct zp_thread *t = zp_thread_self();
	struct zp_record *outer = t ? t->cur : NULL;
	if (t)
		t->cur = r;
	unsigned sud = zp_sud_enter(t);
	struct zp_record *defer_outer = t ? t->defer_rec : NULL;
	if (t && defer_wanted(r))
		t->defer_rec = r;
	runtime_post(r, t);
	run_posts(r, zp_nhooks);
	zp_sud_leave(t, sud);
	if (t)
		t->cur = outer;
	zp_signals_after_post(r, t);
	int act = zp_altstack_leave(r, t, ZP_ACT_RETURN);
	return defer_close(r, t, defer_outer, act);
}

/* A program's signal came while the lean path's hook ran (defer.c):
 * its pre() returned pre_ret, and the call goes on through the
 * dispatcher to the edge where the signal is delivered. */
long zp_lean_deferred_pre(struct zp_record *r, long nr0, int pre_ret)
{
	struct zp_thread *t = zp_thread_self();
	long act;
	r->alt_swap = 0;
	if (pre_ret == ZP_PRE_SKIP) {
		act = ZP_ACT_RETURN; /* the hook made the call: no post() */
		r->action = (uint64_t)act;
	} else {
		act = lean_changed(r, nr0);
	}
	return defer_close(r, t, t ? t->defer_rec : NULL, (int)act);
}

/* The same after the lean path's post() (.Llean_post). */
long zp_lean_deferred_post(struct zp_record *r)
{
	struct zp_thread *t = zp_thread_self();
	if (t && t->vrelease)
		zp_lean_after_post(r);
	return defer_close(r, t, t ? t->defer_rec : NULL, ZP_ACT_RETURN);
}
