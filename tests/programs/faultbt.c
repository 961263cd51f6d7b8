/* faultbt.c - backtrace() from the program's handler of a signal the
 * runtime owns (SIGSEGV, SIGILL, SIGTRAP raised by the CPU).
 *
 * The runtime's handler receives these and calls the program's handler
 * (signals.c: forward), so an unwinder started in the program's handler
 * walks through the runtime's handler and the kernel's signal frame, whose
 * restorer is the runtime's zp_sigreturn.  It must go on from there into
 * the function that faulted, as it does natively through glibc's
 * __restore_rt.  Before, zp_sigreturn had no unwind information and was not
 * the byte sequence unwinders recognise: backtrace() stopped at it, and
 * ASan's report of a SEGV showed the runtime's frames instead of the
 * program's.  Crash handlers that print a backtrace do exactly this.
 * Built with -rdynamic so dladdr() names the functions.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"

static sigjmp_buf env;
static volatile int found_fn, found_main;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	void *frames[64];
	int n = backtrace(frames, 64);
	for (int i = 0; i < n; i++) {
		Dl_info di;
		if (!dladdr(frames[i], &di) || !di.dli_sname)
			continue;
		if (!strncmp(di.dli_sname, "fault_", 6))
			found_fn = 1;
		if (!strcmp(di.dli_sname, "main"))
			found_main = 1;
	}
	siglongjmp(env, 1);
}

__attribute__((noinline)) void fault_segv(volatile int *p)
{
	*p = 1;
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void fault_ill(void)
{
	__asm__ volatile("ud2");
}

__attribute__((noinline)) void fault_trap(void)
{
	__asm__ volatile("int3; nop");
}

static void one(int sig, const char *what, void (*fn)(volatile int *), volatile int *arg)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
	found_fn = found_main = 0;
	if (!sigsetjmp(env, 1))
		fn(arg);
	char msg[128];
	snprintf(msg, sizeof msg, "backtrace in the %s handler reaches the faulting function and main",
		 what);
	CHECK(found_fn && found_main, msg);
}

static void call_ill(volatile int *p) { (void)p; fault_ill(); }
static void call_trap(volatile int *p) { (void)p; fault_trap(); }

int main(void)
{
	int *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 2;
	one(SIGSEGV, "SIGSEGV", fault_segv, page);
	one(SIGILL, "SIGILL", call_ill, NULL);
	one(SIGTRAP, "SIGTRAP", call_trap, NULL);
	return fails != 0;
}
