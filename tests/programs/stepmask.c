/*
 * stepmask: a signal handler that blocks a signal in the mask its return
 * puts back (uc_sigmask), as SBCL's runtime does to defer an interrupt,
 * run at every step of a call: after the call the block holds, as
 * natively.  Through the trap path (sud mode, trapped sites) the call is
 * made inside the runtime's SIGSYS handler, whose own return sets the mask
 * from its frame: a handler that came in its first steps, before it took
 * the call's record, or in its last, after its last look at the mask, had
 * its edit undone (ucmask's storm lost it a few times in a thousand;
 * signals.c, zp_trap_enter; defer.c, zp_defer_tail).  Random signals
 * seldom hit those steps, so each is hit in turn: a tracer single-steps a
 * child from an int3 just before the call through the runtime and back,
 * and for a spread of the steps (all of the first and last ones of a
 * signal handler of the runtime's, and those after a `syscall`) runs a
 * fresh child to that step and sends it SIGUSR1 there.  `stepmask every`
 * tries every step (~1,500 in sud mode, a minute: test-stepmask; a
 * handler between two stores in the trap's first steps lost its edit at
 * 8 of them, which the spread missed).  The child says in its exit status
 * whether its handler ran and the block held, and whether the handler ran
 * on the program's stack: one run on the runtime's slot (the stub's steps
 * after the hooks returned, page-0 and detour modes) is shown the
 * runtime's pc, and one that leaves by siglongjmp nests there until the
 * slot overflows (defer.c, zp_defer_late).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include "check.h"
#include "stepper.h"

#define MAX_STEPS 60000
#define SPREAD 60 /* steps tried across the walk, besides the edges */
#define EDGE 40    /* steps tried after a signal stop and before the end */

void mask_call(void);
extern char mask_end[];
__asm__(".text\n"
	".globl mask_call\n"
	".type mask_call, @function\n"
	"mask_call:\n"
	"	.cfi_startproc\n" /* a known function: detour mode patches its site */
	"	int3\n"
	/* argedit's hook (tests/hooks/argedit.c) makes getppid(MARK) getpid():
	 * under it the call takes the stub's way for a changed call */
	"	mov $0x5a5a0000, %edi\n"
	"	mov $110, %eax\n" /* getppid */
	"	syscall\n"
	"mask_end:\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size mask_call, . - mask_call\n");

enum { HELD = 10, LOST, NOT_RUN, OFF_STACK };
enum { STACK_ROOM = 256 << 10 }; /* the handler's frame below child()'s */
static volatile sig_atomic_t ran, off_stack;
static uintptr_t child_frame;

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	(void)sig, (void)si;
	sigaddset(&((ucontext_t *)ucv)->uc_sigmask, SIGUSR2);
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	off_stack = here > child_frame || child_frame - here > STACK_ROOM;
	ran = 1;
}

static void child(void)
{
	child_frame = (uintptr_t)__builtin_frame_address(0);
	stepper_handle_usr1(on_usr1);
	sigset_t two, now;
	sigemptyset(&two);
	sigaddset(&two, SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &two, NULL);
	mask_call();
	sigprocmask(SIG_BLOCK, NULL, &now);
	_exit(!ran ? NOT_RUN : off_stack ? OFF_STACK : sigismember(&now, SIGUSR2) == 1 ? HELD : LOST);
}

int main(int argc, char **argv)
{
	bool all = argc > 1 && strcmp(argv[1], "every") == 0;
	static unsigned long long pc_at[MAX_STEPS];
	static unsigned char pick[MAX_STEPS], stop_at[MAX_STEPS], after_call[MAX_STEPS];
	pid_t pid;
	struct user_regs_struct r;
	long n = 0;
	int st, pending;
	const char *mode = getenv("ZPOLINE_MODE");
	stepper_seize = mode && strcmp(mode, "sud") == 0;
	stepper_child = child;
	if (stepper_start(&pid, 0, &pending) < 0 || stepper_regs(pid, &r) < 0) {
		CHECK(0, "a traced child stops at the int3");
		return 1;
	}
	/* The walk: where each step stands, until the program is past the
	 * call.  A stop for a signal (sud mode's SIGSYS, a trapped site's
	 * int3) is no place between two instructions; the next step is the
	 * handler's first. */
	for (;;) {
		if (n == MAX_STEPS || stepper_step(pid, &pending) < 0 || stepper_regs(pid, &r) < 0)
			break;
		stop_at[n] = pending != 0;
		/* the step before ran a `syscall` (0f 05): its return is where
		 * the kernel delivers what came meanwhile, and what one unblocks */
		after_call[n] = n > 0 && (stepper_peek(pid, pc_at[n - 1]) & 0xffff) == 0x050f;
		pc_at[n++] = r.rip;
		if (r.rip == (uintptr_t)mask_end && !pending)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	CHECK(r.rip == (uintptr_t)mask_end, "single steps lead from the int3 past the call");

	long every = all ? 1 : n / SPREAD + 1;
	for (long k = 0; k < n; k++) {
		pick[k] |= k % every == 0 || k >= n - EDGE;
		if (stop_at[k] || after_call[k])
			for (long j = k; j < n && j <= k + EDGE; j++)
				pick[j] = 1;
	}
	long tried = 0, missed = 0, lost = 0, failed = 0;
	for (long k = 0; k < n; k++) {
		if (!pick[k] || stop_at[k])
			continue;
		int got = stepper_reach(&pid, k, pc_at[k]);
		if (got == -1) {
			missed++;
			continue;
		}
		if (got == 0)
			got = stepper_finish(pid, SIGUSR1);
		else {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
		tried++;
		lost += got == LOST;
		failed += got != LOST && got != HELD;
		/* The first few, by offset in their object (addr2line -e); the
		 * trampoline's second stage is an anonymous page. */
		Dl_info w = {0};
		if (got == HELD || lost + failed > 10)
			continue;
		if (!dladdr((void *)(uintptr_t)pc_at[k], &w) || !w.dli_fname)
			w.dli_fname = "(anonymous)", w.dli_fbase = NULL;
		printf("wrong at %s+%#lx: %s (exit %d)\n", w.dli_fname,
		       (unsigned long)(pc_at[k] - (uintptr_t)w.dli_fbase),
		       got == LOST	  ? "block lost"
		       : got == NOT_RUN	  ? "handler did not run"
		       : got == OFF_STACK ? "handler ran off the program's stack"
					  : "child failed",
		       got);
	}
	printf("%ld steps; %ld tried, %ld not reached again; %ld lost the handler's block, %ld "
	       "failed otherwise\n",
	       n, tried, missed, lost, failed);
	CHECK(tried >= 2 && lost == 0 && failed == 0,
	      all ? "a signal at each step of a call whose handler blocks a signal in its context: "
		    "blocked after the call"
		  : "a signal at every step of a call (a spread, all at a handler's edges) whose handler "
		    "blocks a signal in its context: blocked after the call");
	return fails != 0;
}
