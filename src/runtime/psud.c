/*
 * psud.c - Syscall User Dispatch armed by the program itself.
 *
 * A program may arm SUD for its own purposes (stress-ng's usersyscall
 * stressor; emulators that catch a guest's calls): with its selector byte
 * on BLOCK, every call made from outside its exempt range stops in its
 * SIGSYS handler instead of the kernel.  The kernel judges a call by where
 * its `syscall` instruction is, and under the runtime the program's calls
 * are made by the runtime's instructions: armed for real, the program's
 * exempt range would no longer exempt anything, and the runtime's own
 * calls (its signal handlers', the hooks') would trap into the program's
 * handler (before this, such a program crashed in every mode).
 *
 * So the prctl is not made: the thread's settings are kept here, and each
 * of its calls is judged at the site the program made it from, before the
 * hooks see it (the kernel's SUD comes before ptrace and seccomp too).  A
 * call that traps is not made; its thread is sent a SIGSYS carrying what
 * the kernel's would (SYS_USER_DISPATCH, the address after the site's
 * `syscall`, the number, the arch), delivered at the site as the call
 * returns its own number, the way a signal a thread sends itself is
 * (dispatch.c, zp_signals_caller).  Once any thread has armed it, every
 * call takes the dispatcher.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>

#include "rt.h"

#define DISPATCH_OFF 0
#define DISPATCH_EXCLUSIVE_ON 1
#define DISPATCH_INCLUSIVE_ON 2
#define SELECTOR_ALLOW 0
#define SELECTOR_BLOCK 1
#define USER_TOP 0x00007ffffffff000ul /* the kernel's access_ok() limit */

/* Read by zp_pre() on every call it takes: with the small variables. */
unsigned char zp_psud_seen;

static bool armed(const struct zp_thread *t)
{
	/* A fork's child starts with it off (its block's tid is its own). */
	return t && t->psud_tid && t->psud_tid == t->tid;
}

/* prctl(PR_SET_SYSCALL_USER_DISPATCH, mode, offset, len, selector): checked
 * as the kernel checks it, kept for this thread. */
long zp_psud_prctl(const struct zp_record *r, struct zp_thread *t)
{
	const long *a = r->call.args;
	uintptr_t mode = (uintptr_t)a[1], off = (uintptr_t)a[2], len = (uintptr_t)a[3];
	uintptr_t sel = (uintptr_t)a[4];
	switch (mode) {
	case DISPATCH_OFF:
		if (off || len || sel)
			return -EINVAL;
		if (t)
			t->psud_tid = 0;
		return 0;
	case DISPATCH_EXCLUSIVE_ON:
		if (off && off + len <= off)
			return -EINVAL;
		break;
	case DISPATCH_INCLUSIVE_ON:
		if (!len || off + len <= off)
			return -EINVAL;
		/* The kernel keeps the range inverted. */
		off += len;
		len = -len;
		break;
	default:
		return -EINVAL;
	}
	if (sel >= USER_TOP)
		return -EFAULT;
	if (!t || !t->tid)
		return -EINVAL;
	t->psud_off = off;
	t->psud_len = len;
	t->psud_sel = sel;
	t->psud_tid = t->tid;
	if (!__atomic_load_n(&zp_psud_seen, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&zp_psud_seen, 1, __ATOMIC_RELEASE);
		zp_class_rebuild();
		zp_stage2_finish();
	}
	return 0;
}

/* What the kernel does to a selector it cannot use: the process dies of
 * `sig`, whatever its handler. */
static void die_of(int sig)
{
	struct ksigaction dfl = {.handler = SIG_DFL};
	uint64_t set = 1ull << (sig - 1);
	zp_raw4(SYS_rt_sigaction, sig, &dfl, 0, 8);
	zp_raw4(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, 0, 8);
	zp_raw3(SYS_tgkill, zp_raw0(SYS_getpid), zp_raw0(SYS_gettid), sig);
	zp_raw1(SYS_exit_group, 128 + sig);
}

/* Called for each of the program's calls once some thread armed SUD, before
 * the hooks.  A call that traps becomes the sending of its SIGSYS to this
 * thread (true); zp_psud_post() gives the program back the number. */
bool zp_psud_trap(struct zp_record *r, struct zp_thread *t)
{
	if (!armed(t))
		return false;
	uintptr_t ip = (uintptr_t)r->call.site + 2;
	if (ip - t->psud_off < t->psud_len)
		return false;
	if (t->psud_sel) {
		unsigned char state;
		if (zp_safe_copy(&state, (const void *)t->psud_sel, 1) < 0)
			die_of(SIGSEGV);
		if (state == SELECTOR_ALLOW)
			return false;
		if (state != SELECTOR_BLOCK)
			die_of(SIGSYS);
	}
	siginfo_t *si = &t->psud_info;
	memset(si, 0, sizeof *si);
	si->si_signo = SIGSYS;
	si->si_code = ZP_SI_SYS_USER_DISPATCH;
	si->si_call_addr = (void *)ip;
	si->si_syscall = (int)r->call.nr;
	si->si_arch = AUDIT_ARCH_X86_64;
	t->psud_nr = r->call.nr;
	t->psud_sent = ip;
	r->call.nr = SYS_rt_tgsigqueueinfo;
	r->call.args[0] = t->pid;
	r->call.args[1] = t->tid;
	r->call.args[2] = SIGSYS;
	r->call.args[3] = (long)si;
	r->call.args[4] = 0;
	r->call.args[5] = 0;
	r->rt_flags |= ZP_RTF_PSUD;
	if (zp_signals_caller(r, t))
		r->rt_flags |= ZP_RTF_SELFSIG;
	return true;
}

/* The trapped call returns its own number, as the kernel's rollback leaves
 * it in RAX for the handler, and the program's arguments are back. */
void zp_psud_post(struct zp_record *r, struct zp_thread *t)
{
	if (!t)
		return;
	r->call.nr = t->psud_nr;
	r->call.ret = t->psud_nr;
	for (int i = 0; i < 6; i++)
		r->call.args[i] = (long)r->saved[i];
}

/* Is this SIGSYS the one zp_psud_trap() sent?  Then it is the program's. */
bool zp_psud_signal(const siginfo_t *si)
{
	struct zp_thread *t = zp_thread_self();
	if (!t || si->si_code != ZP_SI_SYS_USER_DISPATCH || !t->psud_sent ||
	    (uintptr_t)si->si_call_addr != t->psud_sent)
		return false;
	t->psud_sent = 0;
	return true;
}
