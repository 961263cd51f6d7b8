/*
 * Reads and calls through NULL fault as natively (SIGSEGV, SEGV_MAPERR,
 * si_addr the address read), and the program's calls still reach the
 * hooks: what a Java VM's implicit null checks and Go's nil-pointer panics
 * rely on.  Under ZPOLINE_MODE=detour there is no page 0 (page 0 with its
 * sled is readable on CPUs without protection keys: the reads returned
 * sled bytes).  Then 12 getppid calls through libc, 3 from an inline
 * `mov $110, %eax; syscall` (detoured with the mov before it) and 2 from
 * `mov %edx, %eax; syscall; nop...` (too short a mov: detoured with the
 * instructions after it) (the count hook sees 17), and one syscall(-1),
 * whose number the second stage has no class for: ENOSYS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

static sigjmp_buf back;
static volatile int seen_code;
static void *volatile seen_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	seen_code = si->si_code;
	seen_addr = si->si_addr;
	siglongjmp(back, 1);
}

/* Reads `at`; true if that faulted as natively. */
static int read_faults(uintptr_t at, long *got)
{
	seen_code = 0;
	seen_addr = (void *)1;
	if (sigsetjmp(back, 1) == 0) {
		*got = *(volatile long *)at;
		return 0;
	}
	return seen_code == SEGV_MAPERR && seen_addr == (void *)at;
}

static long inline_getppid(void)
{
	long r;
	__asm__ volatile("mov $110, %%eax\n\tsyscall" : "=a"(r) : : "rcx", "r11", "memory");
	return r;
}

static long inline_getppid_after(void)
{
	long r;
	__asm__ volatile("mov $110, %%edx\n\tmov %%edx, %%eax\n\tsyscall\n\tnop\n\tnop\n\tnop"
			 : "=a"(r)
			 :
			 : "rcx", "r11", "rdx", "memory");
	return r;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	long v = 0;
	CHECK(read_faults(0, &v), "a read through NULL faults (SEGV_MAPERR at 0)");
	CHECK(read_faults(0x10, &v), "a read at NULL + 0x10 faults (SEGV_MAPERR at 0x10)");
	CHECK(read_faults(0xed0, &v), "a read at NULL + 0xed0 faults");
	/* A call through a NULL function pointer: the fault is at 0. */
	seen_code = 0;
	seen_addr = (void *)1;
	if (sigsetjmp(back, 1) == 0) {
		void (*volatile fn)(void) = NULL;
		fn();
		CHECK(0, "a call through NULL faults");
	} else {
		CHECK(seen_code == SEGV_MAPERR && seen_addr == NULL, "a call through NULL faults");
	}
	long pp = getppid();
	int same = 1;
	for (int i = 1; i < 12; i++)
		same &= getppid() == pp;
	for (int i = 0; i < 3; i++)
		same &= inline_getppid() == pp;
	for (int i = 0; i < 2; i++)
		same &= inline_getppid_after() == pp;
	CHECK(same, "getppid through libc and inline gives the parent's pid");
	errno = 0;
	long r = syscall(-1);
	CHECK(r == -1 && errno == ENOSYS, "syscall(-1) fails with ENOSYS");
	return fails != 0;
}
