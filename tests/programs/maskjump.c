/*
 * A handler that sends the program elsewhere right after an rt_sigprocmask
 * call returned, as musl's cancellation does after a call: the call's
 * effect must hold there.  A thread sets its mask to {SIGILL} and to {}
 * in turn, with a call of its own (mj_mask, between labels); the main
 * thread sends it SIGUSR1s.  Natively most come as a call returns (the
 * kernel delivers what is pending on the way out): the handler, finding
 * the pc at mj_after, moves the thread to mj_landing, which reads the mask
 * and checks that SIGILL's bit is what that call set.
 *   - Under the runtime a handler there was shown the runtime's pc, as for
 *     any call with runtime work after it: no redirect was ever made.
 *   - SIGILL is one of the runtime's signals, whose blocks live in the
 *     runtime's view of the mask, set by the work after the call: a
 *     handler sending the program elsewhere first must not lose it
 *     (zp_post_left).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <ucontext.h>
#include "check.h"
#include "sendeach.h"

#define SIGNALS 300

long mj_mask(long how, const sigset_t *set, sigset_t *old);
extern char mj_after[];
__asm__(".text\n"
	".globl mj_mask\n"
	".type mj_mask, @function\n"
	"mj_mask:\n"
	".cfi_startproc\n"
	"	mov $8, %r10d\n"
	"	mov $14, %eax\n" /* SYS_rt_sigprocmask */
	"	syscall\n"
	"mj_after:\n"
	"	ret\n"
	".cfi_endproc\n"
	".size mj_mask, . - mj_mask\n");

static sigjmp_buf again;
static volatile int phase;	  /* 1: the call in flight sets {SIGILL} */
static volatile int landed_phase; /* that of the call a handler left */
static atomic_long handled, redirects, wrong;
static atomic_bool stop;

static void mj_landing(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	if (sigismember(&cur, SIGILL) != landed_phase)
		atomic_fetch_add(&wrong, 1);
	atomic_fetch_add(&redirects, 1);
	siglongjmp(again, 1);
}

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	if ((uintptr_t)g[REG_RIP] == (uintptr_t)mj_after) {
		landed_phase = phase;
		g[REG_RIP] = (greg_t)(uintptr_t)mj_landing;
		g[REG_RSP] = (greg_t)(((uintptr_t)g[REG_RSP] & ~(uintptr_t)15) - 8);
	}
	atomic_fetch_add(&handled, 1);
}

static void *masker(void *arg)
{
	(void)arg;
	sigset_t ill, none;
	sigemptyset(&none);
	sigemptyset(&ill);
	sigaddset(&ill, SIGILL);
	sigsetjmp(again, 0);
	while (!atomic_load(&stop)) {
		phase = 1;
		mj_mask(SIG_SETMASK, &ill, NULL);
		phase = 0;
		mj_mask(SIG_SETMASK, &none, NULL);
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
	sigaction(SIGUSR1, &sa, NULL);
	/* thread-directed: only the masker takes them */
	long sent = send_each_to(masker, SIGUSR1, SIGNALS, &handled, &stop);
	if (sent < 0) {
		printf("FAIL: pthread_create\n");
		return 1;
	}
	char what[160];
	snprintf(what, sizeof what, "%d signals handled (%ld were)", SIGNALS, (long)sent);
	CHECK(sent == SIGNALS, what);
	snprintf(what, sizeof what,
		 "handlers found the pc right after the call and sent the thread elsewhere (%ld times)",
		 (long)atomic_load(&redirects));
	CHECK(atomic_load(&redirects) > 0, what);
	snprintf(what, sizeof what, "the mask there is what the call set (%ld of %ld wrong)",
		 (long)atomic_load(&wrong), (long)atomic_load(&redirects));
	CHECK(atomic_load(&wrong) == 0, what);
	return fails ? 1 : 0;
}
