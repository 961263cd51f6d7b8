/* progsud.c - a program that arms Syscall User Dispatch itself (stress-ng's
 * usersyscall stressor, emulators that catch a guest's system calls): with
 * its selector on BLOCK, each call made outside its exempt range must stop
 * in its SIGSYS handler, not in the kernel, with si_code SYS_USER_DISPATCH,
 * the call's number and address, and the number in RAX as the call's result
 * unless the handler writes another; with ALLOW, or from inside the range,
 * calls run.  Under the runtime the program's `syscall` instructions do not
 * make the calls any more: the runtime must keep these rules for them.
 *
 * Prints PASS/FAIL lines (check.h); exit status 0 if all passed, 77 if the
 * kernel has no Syscall User Dispatch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif
#define DISPATCH_OFF 0
#define DISPATCH_ON 1
#define SEL_ALLOW 0
#define SEL_BLOCK 1
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2
#endif
#define UNKNOWN_NR 0xe000 /* no such call: ENOSYS when it reaches the kernel */
#define EMULATED 4242

static volatile char selector;
static volatile int traps, emulate;
static volatile long seen_nr, seen_rax;
static volatile int seen_code, seen_errno;
static volatile unsigned seen_arch;
static volatile uintptr_t seen_addr, seen_rip;

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	/* Natively the handler's own calls (its return too) would trap. */
	selector = SEL_ALLOW;
	(void)sig;
	traps++;
	seen_code = si->si_code;
	seen_errno = si->si_errno;
	seen_nr = si->si_syscall;
	seen_arch = si->si_arch;
	seen_addr = (uintptr_t)si->si_call_addr;
	seen_rip = (uintptr_t)g[REG_RIP];
	seen_rax = g[REG_RAX];
	if (emulate)
		g[REG_RAX] = EMULATED;
}

/* A `syscall` instruction of the program's own, between two labels the
 * exempt range is made of: exempt_syscall(nr, a1, ..., a5). */
extern char exempt_lo[], exempt_hi[];
__asm__(".text\n"
	".globl exempt_syscall\n"
	".type exempt_syscall, @function\n"
	"exempt_syscall:\n"
	".cfi_startproc\n"
	"exempt_lo:\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	mov %r8, %r10\n"
	"	mov %r9, %r8\n"
	"	syscall\n"
	"exempt_hi:\n"
	"	ret\n"
	".cfi_endproc\n"
	".size exempt_syscall, .-exempt_syscall\n");
long exempt_syscall(long nr, long a1, long a2, long a3, long a4, long a5);

static long arm(unsigned long off, unsigned long len, volatile char *sel)
{
	return syscall(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, DISPATCH_ON, off, len, sel);
}

static long disarm(void)
{
	return syscall(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, DISPATCH_OFF, 0, 0, 0);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	/* "fork": all of it in a child of a process that armed it first
	 * (stress-ng checks it is supported in the parent). */
	if (argc > 1 && !strcmp(argv[1], "fork")) {
		if (arm(0, 0, &selector) != 0)
			return 77;
		pid_t c = fork();
		if (c > 0) {
			int st = 0;
			waitpid(c, &st, 0);
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	sigdelset(&sa.sa_mask, SIGSYS);
	if (sigaction(SIGSYS, &sa, NULL) != 0)
		return 2;
	long pid = getpid();

	selector = SEL_ALLOW;
	if (arm(0, 0, &selector) != 0) {
		printf("no Syscall User Dispatch here: %s\n", strerror(errno));
		return 77;
	}
	errno = 0;
	long r = syscall(UNKNOWN_NR);
	CHECK(r == -1 && errno == ENOSYS && traps == 0, "armed, selector ALLOW: an unknown call gets ENOSYS");
	CHECK(syscall(SYS_getpid) == pid && traps == 0, "armed, selector ALLOW: getpid runs");

	selector = SEL_BLOCK;
	r = syscall(UNKNOWN_NR);
	CHECK(traps == 1, "selector BLOCK: an unknown call stops in the program's SIGSYS handler");
	CHECK(r == UNKNOWN_NR, "selector BLOCK: the call returns its number (RAX as the kernel left it)");
	CHECK(seen_code == SYS_USER_DISPATCH && seen_errno == 0 && seen_nr == UNKNOWN_NR &&
		      seen_arch == AUDIT_ARCH_X86_64,
	      "the siginfo: SYS_USER_DISPATCH, the number, x86-64");
	CHECK(seen_addr == seen_rip && seen_rax == UNKNOWN_NR,
	      "the context: RIP at the call's address, RAX the number");

	selector = SEL_BLOCK;
	emulate = 1;
	r = syscall(SYS_getppid);
	emulate = 0;
	CHECK(traps == 2 && seen_nr == SYS_getppid && r == EMULATED,
	      "selector BLOCK: getppid trapped, the handler's RAX is its result");

	selector = SEL_BLOCK;
	r = exempt_syscall(SYS_getpid, 0, 0, 0, 0, 0);
	CHECK(traps == 3 && r == SYS_getpid, "no exempt range: the program's own syscall traps too");
	CHECK(seen_addr == (uintptr_t)exempt_hi, "its address is right after its syscall instruction");
	CHECK(disarm() == 0, "disarmed");

	/* The exempt range: the kernel compares the address after the
	 * `syscall` instruction with it. */
	unsigned long lo = (uintptr_t)exempt_lo, len = (uintptr_t)exempt_hi - lo + 1;
	if (arm(lo, len, &selector) != 0)
		return 2;
	selector = SEL_BLOCK;
	r = exempt_syscall(SYS_getpid, 0, 0, 0, 0, 0);
	selector = SEL_ALLOW;
	CHECK(traps == 3 && r == pid, "a call from inside the exempt range runs under BLOCK");
	selector = SEL_BLOCK;
	r = syscall(SYS_getpid);
	CHECK(traps == 4 && r == SYS_getpid, "a call from outside it traps under BLOCK");
	CHECK(disarm() == 0, "disarmed again");

	/* No selector: every call outside the range would trap (the
	 * handler's return too: only calls from inside the range here). */
	if (arm(lo, len, NULL) != 0)
		return 2;
	r = exempt_syscall(SYS_getpid, 0, 0, 0, 0, 0);
	/* A child made by fork: is it armed? */
	long child = exempt_syscall(SYS_fork, 0, 0, 0, 0, 0);
	if (child == 0) {
		long cr = syscall(SYS_getpid);
		exempt_syscall(SYS_exit_group, cr == exempt_syscall(SYS_getpid, 0, 0, 0, 0, 0) ? 10 : 11, 0, 0, 0, 0);
	}
	int status = 0;
	exempt_syscall(SYS_wait4, child, (long)&status, 0, 0, 0);
	long off = exempt_syscall(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, DISPATCH_OFF, 0, 0, 0);
	CHECK(traps == 4 && r == pid, "no selector: the exempt range runs");
	CHECK(off == 0, "disarmed from inside the range");
	printf("fork's child: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 10 ? "not armed" :
		WIFEXITED(status) && WEXITSTATUS(status) == 11 ? "armed" : "died");
	/* Bad arguments: refused as the kernel refuses them. */
	static const long bad[][4] = {
		{7, 0, 0, 0}, {DISPATCH_OFF, 1, 0, 0}, {DISPATCH_OFF, 0, 1, 0}, {DISPATCH_OFF, 0, 0, 8},
		{DISPATCH_ON, -4096, 8192, 0}, {DISPATCH_ON, 0, -1, 0}, {DISPATCH_ON, 0, 0, -8},
		{2, 0, 0, 0}, {2, 4096, 4096, 0},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		r = syscall(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, bad[i][0], bad[i][1], bad[i][2],
			    bad[i][3]);
		printf("prctl(PR_SET_SYSCALL_USER_DISPATCH, %ld, %ld, %ld, %ld) = %ld %s\n", bad[i][0],
		       bad[i][1], bad[i][2], bad[i][3], r, r ? strerror(errno) : "");
		if (r == 0)
			disarm();
	}
	return fails != 0;
}
