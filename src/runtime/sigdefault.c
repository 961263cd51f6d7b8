/*
 * sigdefault.c - signals that end the process, seen by the hooks first.
 *
 * With SIGPIPE at its default action, a write to a pipe or socket whose
 * reader is gone ends the process on its way back from the call: the kernel
 * raises SIGPIPE inside the call and acts on it before user code runs again,
 * so the hooks' post() for that call never ran (a tracer lost the last line
 * of `yes | head -1`'s writer, where strace shows `write(...) = -1 EPIPE`).
 *
 * So when a hook wants write, the runtime catches SIGPIPE while the
 * program's action is the default.  A SIGPIPE the process raised itself
 * (the kernel's for EPIPE counts as a kill() from the process) that comes as
 * a completed call returns to one of the entry stub's post-call `syscall`
 * instructions is held until that call's post() has run, then raised again
 * with the default action; any other SIGPIPE ends the process at once, as
 * natively (a call it interrupts is not complete: restarted, or EINTR).
 * strace shows such calls finished too: it stops at the call's exit before
 * the signal is acted on.  rt_sigaction shows the program its own
 * action, never the runtime's handler.  Blocked or ignored, SIGPIPE never
 * reaches the handler, and a handler of the program's is installed for
 * real: neither changes.
 *
 * A hook may ask for more (zpoline_runtime.catch_fatal_signals: the
 * tracer, which prints what strace prints for a process killed from
 * outside, and whose plain LD_PRELOAD session's root nothing reaps): the
 * signals whose default action ends the
 * process without a core dump, but SIGKILL, which nothing can catch, and
 * glibc's own two real-time ones, are caught the same way while the
 * program's action is the default.  Such a signal tells the hooks (their
 * on_signal callback, fatal, with the call it cut short) and is raised
 * again with the default action: a tracer writes the call's `= ?
 * ERESTART...` line and the delivery (natively killed, the process runs
 * no code).  Signals with a core dump
 * are left alone: raised again from a handler, the core would show the
 * handler's frame, not where the program was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "rt.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

#define SIG_BIT(s) (1ull << ((s)-1))
/* Default action: end the process, no core (signal(7)); SIGRTMIN + 2 and
 * up: glibc keeps 32 and 33 for its threads. */
#define ENDS_NO_CORE                                                                         \
	(SIG_BIT(SIGHUP) | SIG_BIT(SIGINT) | SIG_BIT(SIGUSR1) | SIG_BIT(SIGUSR2) |             \
	 SIG_BIT(SIGALRM) | SIG_BIT(SIGTERM) | SIG_BIT(SIGSTKFLT) | SIG_BIT(SIGVTALRM) |       \
	 SIG_BIT(SIGPROF) | SIG_BIT(SIGIO) | SIG_BIT(SIGPWR) | ~0ull << 33)

static uint64_t wanted; /* caught while at the default action */
static bool fatal_asked;
/* The program's actions while the runtime's is installed (touched by
 * tracing runs only: out of the small variables' page). */
static struct ksigaction program[65] ZP_BIG_BSS;

static void handler(int sig, siginfo_t *si, void *ucv);

int zp_catch_fatal_signals(void)
{
	fatal_asked = true;
	return 0;
}

bool zp_sigdefault_wanted(int sig)
{
	return sig > 0 && sig <= 64 && (wanted & SIG_BIT(sig));
}

/* The runtime's handler in place of the default action; the replaced
 * action goes to old (if not NULL). */
static long catch_default(int sig, struct ksigaction *old)
{
	/* SA_NODEFER: raised again from inside the handler, the default action
	 * takes effect before the handler returns. */
	struct ksigaction k = {
		.handler = (void *)handler,
		.flags = SA_SIGINFO | SA_RESTORER | SA_NODEFER | SA_RESTART,
		.restorer = (void *)zp_sigreturn,
		.mask = 0,
	};
	return zp_raw4(SYS_rt_sigaction, sig, &k, old, 8);
}

/* A caught signal's action back to the default (CLONE_CLEAR_SIGHAND in a
 * new process, signals.c): the runtime's handler stands for it again. */
void zp_sigdefault_reset(int sig)
{
	memset(&program[sig], 0, sizeof program[sig]);
	catch_default(sig, NULL);
}

void zp_sigdefault_init(void)
{
	if (zp_nr_class[SYS_write] & ZP_CLASS_HOOK)
		wanted |= SIG_BIT(SIGPIPE);
	if (fatal_asked)
		wanted |= ENDS_NO_CORE;
	for (int sig = 1; sig <= 64; sig++) {
		if (!(wanted & SIG_BIT(sig)))
			continue;
		/* One call for the common case (the default, as execve leaves it). */
		struct ksigaction old;
		if (catch_default(sig, &old) < 0) {
			wanted &= ~SIG_BIT(sig);
			continue;
		}
		if (old.handler == SIG_DFL)
			program[sig] = old;
		else /* ignored (inherited through execve), or a constructor's handler */
			zp_raw4(SYS_rt_sigaction, sig, &old, 0, 8);
	}
}

/* The default action: now, or when the signal is next unblocked. */
static void die_of(int sig, const siginfo_t *si)
{
	struct ksigaction dfl = {.handler = SIG_DFL};
	zp_raw4(SYS_rt_sigaction, sig, &dfl, 0, 8);
	long pid = zp_raw0(SYS_getpid), tid = zp_raw0(SYS_gettid);
	if (zp_raw4(SYS_rt_tgsigqueueinfo, pid, tid, sig, si) < 0)
		zp_raw3(SYS_tgkill, pid, tid, sig);
}

/* Is rip where a call the hooks wait for returns (a post() follows)? */
static bool returns_to_post(uintptr_t rip, const struct zp_thread *t)
{
	if (rip == (uintptr_t)zp_app_syscall_post1 + 2 || rip == (uintptr_t)zp_app_syscall_post2 + 2)
		return true;
	/* The trap path makes its calls from its signal handler. */
	return rip == (uintptr_t)zp_app_syscall_raw + 2 && t->post_call_level &&
	       t->post_call_level == __atomic_load_n(&t->level, __ATOMIC_ACQUIRE);
}

static void handler(int sig, siginfo_t *si, void *ucv)
{
	const greg_t *g = ((const ucontext_t *)ucv)->uc_mcontext.gregs;
	/* Under the program's own %gs base the call is not the runtime's. */
	struct zp_thread *t = zp_thread_self_safe();
	/* A restarted call's rip is back on its `syscall`. */
	if (sig == SIGPIPE && t && si->si_code <= 0 && si->si_pid == zp_raw0(SYS_getpid) &&
	    g[REG_RAX] != -EINTR && returns_to_post((uintptr_t)g[REG_RIP], t)) {
		t->pipe_code = si->si_code;
		t->pipe_uid = si->si_uid;
		t->pipe_held = true;
		t->vrelease = true; /* zp_signals_after_post looks */
		return;
	}
	/* Hooks see it as they see any signal that ends the process (a
	 * tracer prints the delivery and the ends). */
	zp_signal_fatal_seen(si, ucv);
	die_of(sig, si);
}

static void held_info(const struct zp_thread *t, siginfo_t *si)
{
	memset(si, 0, sizeof *si);
	si->si_signo = SIGPIPE;
	si->si_code = t->pipe_code;
	si->si_pid = (pid_t)zp_raw0(SYS_getpid);
	si->si_uid = t->pipe_uid;
}

/* For the hooks' post(): a tracer prints the delivery and the ends. */
int zp_sigpipe_held(siginfo_t *info)
{
	const struct zp_thread *t = zp_thread_self();
	if (!t || !t->pipe_held)
		return 0;
	if (info)
		held_info(t, info);
	return SIGPIPE;
}

/* From zp_signals_after_post: the hooks have seen the call. */
void zp_sigpipe_raise_held(struct zp_thread *t)
{
	if (!t->pipe_held)
		return;
	t->pipe_held = false;
	siginfo_t si;
	held_info(t, &si);
	die_of(SIGPIPE, &si);
}

/* rt_sigaction(sig, act, oldact, 8) of a signal caught here.  The action
 * asked for is the copy zp_sigaction_virtual() makes of it for the
 * kernel, in the record's scratch[0..3] (the kernel reads act before it
 * writes oldact, which may be the same buffer), without the runtime's own
 * signals in its mask. */
void zp_sigdefault_action_pre(struct zp_record *r)
{
	if (zp_sigdefault_wanted((int)r->call.args[0]))
		r->rt_flags |= ZP_RTF_SIGDEFAULT;
}

void zp_sigdefault_action_post(struct zp_record *r)
{
	int sig = (int)r->call.args[0];
	if (r->call.ret != 0 || !zp_sigdefault_wanted(sig))
		return;
	struct ksigaction *oldact = (struct ksigaction *)r->call.args[2], o;
	if (oldact && zp_safe_copy(&o, oldact, sizeof o) == 0 && o.handler == (void *)handler)
		zp_safe_copy(oldact, &program[sig], sizeof program[sig]);
	/* A vfork child has its own table but our memory: it leaves the
	 * program's view alone (and the default it asks for stays plain
	 * until its execve resets everything anyway). */
	const struct zp_thread *t = zp_thread_self();
	const struct ksigaction *want = (const struct ksigaction *)(const void *)r->scratch;
	if (r->call.args[1] == (long)want && !(t && t->sig_private) && want->handler == SIG_DFL &&
	    catch_default(sig, NULL) == 0) {
		program[sig] = *want;
		program[sig].mask |= zp_signal_asked_ours(sig);
	}
}
