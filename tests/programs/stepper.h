/* stepper.h - a tracer that single-steps a child through a call, for the
 * tests that send a signal at every instruction the runtime runs there
 * (edgesig, stepmask).  The child stops at an int3 of its own before the
 * call; stepper_start() runs a fresh child to a given step, and
 * stepper_finish() sends it a signal there and lets it run to its end. */
#ifndef ZP_TEST_STEPPER_H
#define ZP_TEST_STEPPER_H
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

/* How the tracer takes the child: by PTRACE_TRACEME in the child, which in
 * auto mode's first calls (trapped) makes the runtime rewrite the sites at
 * once, so that every replay takes the same steps; or, in sud mode, where
 * PTRACE_TRACEME would take the child out of Syscall User Dispatch
 * (dispatch.c), by PTRACE_SEIZE. */
static bool stepper_seize;
/* What the child runs; it must not return. */
static void (*stepper_child)(void);

static int stepper_regs(pid_t pid, struct user_regs_struct *r)
{
	return (int)ptrace(PTRACE_GETREGS, pid, 0, r);
}

/* The child's handler for the SIGUSR1 the tracer sends at a step. */
static void stepper_handle_usr1(void (*handler)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
}

/* The child's bytes at addr (a word; 0 where unreadable). */
__attribute__((unused)) static unsigned long stepper_peek(pid_t pid, unsigned long long addr)
{
	errno = 0;
	long w = ptrace(PTRACE_PEEKTEXT, pid, (void *)(uintptr_t)addr, 0);
	return errno ? 0 : (unsigned long)w;
}

/* One step; a signal that stopped the child, other than the step's own
 * trap (x86 reports it as TRAP_BRKPT): the runtime's SIGSYS, the int3 of a
 * site it traps (SI_KERNEL), is delivered as it would be untraced.  0, or
 * -1 if the child is gone.  A pushfq stepped over stores the stepping's TF,
 * and a `syscall` leaves it in r11: taken out, or a popfq of the word (or a
 * sigreturn of a context whose flags came from it: the runtime's view of
 * a call's edge takes r11) would set it again after the tracer let go,
 * and the child would get a trap it never asked for.  So would the TF of
 * the step after a popfq: the kernel takes it for the child's own from
 * then on (it shows in the registers; the stepping's does not). */
static int stepper_step(pid_t pid, int *pending)
{
	int st;
	struct user_regs_struct r;
	unsigned long op = stepper_regs(pid, &r) == 0 ? stepper_peek(pid, r.rip) : 0;
	bool pushf = (op & 0xff) == 0x9c, sys = (op & 0xffff) == 0x050f;
	if (ptrace(PTRACE_SINGLESTEP, pid, 0, *pending) < 0 || waitpid(pid, &st, 0) != pid ||
	    !WIFSTOPPED(st))
		return -1;
	if (pushf && stepper_regs(pid, &r) == 0) {
		unsigned long w = stepper_peek(pid, r.rsp);
		if (w & 0x100)
			ptrace(PTRACE_POKEDATA, pid, (void *)(uintptr_t)r.rsp, (void *)(w & ~0x100ul));
	}
	if (stepper_regs(pid, &r) == 0 && ((sys && (r.r11 & 0x100)) || (r.eflags & 0x100))) {
		r.r11 &= sys ? ~0x100ull : ~0ull;
		r.eflags &= ~0x100ull;
		ptrace(PTRACE_SETREGS, pid, 0, &r);
	}
	siginfo_t si;
	*pending = 0;
	if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si) == 0 &&
	    !(si.si_signo == SIGTRAP && (si.si_code == TRAP_TRACE || si.si_code == TRAP_BRKPT)))
		*pending = si.si_signo;
	return 0;
}

/* A child stopped at the int3, stepped `steps` times; 0 or -1.  Signals
 * before the int3 (sud mode's SIGSYS) are delivered. */
static int stepper_start(pid_t *pid, long steps, int *pending)
{
	int st, go[2];
	*pending = 0;
	if (pipe(go) < 0)
		return -1;
	*pid = fork();
	if (*pid == 0) {
		char c;
		close(go[1]);
		while (read(go[0], &c, 1) < 0)
			;
		if (!stepper_seize)
			ptrace(PTRACE_TRACEME, 0, 0, 0);
		stepper_child();
		_exit(127);
	}
	close(go[0]);
	bool seized = *pid > 0 && (!stepper_seize || ptrace(PTRACE_SEIZE, *pid, 0, 0) == 0);
	if (write(go[1], "", 1) != 1)
		seized = false;
	close(go[1]);
	if (!seized)
		return -1;
	for (;;) {
		siginfo_t si;
		if (waitpid(*pid, &st, 0) != *pid || !WIFSTOPPED(st))
			return -1;
		if (ptrace(PTRACE_GETSIGINFO, *pid, 0, &si) == 0 && si.si_signo == SIGTRAP &&
		    si.si_code == SI_KERNEL)
			break;
		if (ptrace(PTRACE_CONT, *pid, 0, WSTOPSIG(st)) < 0)
			return -1;
	}
	for (long i = 0; i < steps; i++)
		if (stepper_step(*pid, pending) < 0)
			return -1;
	return 0;
}

/* Sends sig and lets the child run to its end, untraced (the runtime
 * single-steps its stub to a held signal's edge only where no debugger
 * would keep the traps: defer.c): its exit status, as a shell gives it. */
static int stepper_finish(pid_t pid, int sig)
{
	int st;
	if (ptrace(PTRACE_DETACH, pid, 0, sig) < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

/* A fresh child at step k, where the walk found pc (a hook whose path
 * varies may bring it elsewhere in as many steps: tried five times).  0
 * with the child stopped there; -1 if it never got there; -2 if the child
 * failed on the way (it may be left to kill). */
static int stepper_reach(pid_t *pid, long k, unsigned long long pc)
{
	int st, pending;
	struct user_regs_struct r;
	for (int tries = 0; tries < 5; tries++) {
		if (stepper_start(pid, k + 1, &pending) < 0 || pending || stepper_regs(*pid, &r) < 0)
			return -2;
		if (r.rip == pc)
			return 0;
		kill(*pid, SIGKILL);
		waitpid(*pid, &st, 0);
	}
	return -1;
}
#endif
