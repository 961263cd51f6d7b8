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
 * whose number the second stage has no class for: ENOSYS.  Writes through
 * NULL fault as natively too, and every fault's page-fault error code
 * says "not present" (no protection or key bit), as it does natively.
 * With page 0 (ZPOLINE_MODE=zpoline): where page 0 is execute-only (PKU)
 * all of this holds, the runtime turning the kernel's SEGV_PKUERR (and,
 * without PKU, a write's SEGV_ACCERR) into SEGV_MAPERR; without PKU the
 * reads return sled bytes (README, Limits), the kernel's for a write()
 * too: `--no-reads` leaves them out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"

static sigjmp_buf back;
static volatile int seen_code;
static void *volatile seen_addr;
static volatile long seen_err;

/* The page-fault error code's "page present" and "protection key" bits. */
#define PF_PROT_OR_PK 0x21

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	ucontext_t *uc = ucv;
	seen_code = si->si_code;
	seen_addr = si->si_addr;
	seen_err = uc->uc_mcontext.gregs[REG_ERR];
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
	return seen_code == SEGV_MAPERR && seen_addr == (void *)at && !(seen_err & PF_PROT_OR_PK);
}

/* Writes `at`; true if that faulted as natively. */
static int write_faults(uintptr_t at)
{
	seen_code = 0;
	seen_addr = (void *)1;
	if (sigsetjmp(back, 1) == 0) {
		*(volatile long *)at = 1;
		return 0;
	}
	return seen_code == SEGV_MAPERR && seen_addr == (void *)at && !(seen_err & PF_PROT_OR_PK);
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

#ifdef WINE_LIKE
/* Built as nullread-wine: the symbol Wine's loader exports (nullfault.c),
 * and Wine's own reservations once it runs: the low 2 GiB for Windows,
 * but for 0x68000000 to 0x7ff00000, must be free to take, as natively
 * (the runtime's second stage lay inside them). */
__attribute__((visibility("default"), used)) char wine_main_preload_info[16];
static const struct {
	uintptr_t start, end;
} wine_ranges[] = {{0x10000, 0x68000000}, {0x7ff00000, 0x7fff0000}};

static void check_wine_ranges(void)
{
	int taken = 0;
	for (size_t i = 0; i < sizeof wine_ranges / sizeof wine_ranges[0]; i++) {
		size_t len = wine_ranges[i].end - wine_ranges[i].start;
		void *m = mmap((void *)wine_ranges[i].start, len, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		if (m == MAP_FAILED) {
			taken++;
			printf("taken: %#lx-%#lx\n", (unsigned long)wine_ranges[i].start,
			       (unsigned long)wine_ranges[i].end);
		} else {
			munmap(m, len);
		}
	}
	CHECK(!taken, "Wine's reservations (0x10000-0x68000000, 0x7ff00000-0x7fff0000) are free");
}
#endif

#ifdef SBCL_LIKE
/* Built as nullread-sbcl: the symbol every SBCL runtime exports, by which
 * the runtime tells a program that turns faults into Lisp conditions
 * (nullfault.c).  Never called. */
__attribute__((visibility("default"), used)) void call_into_lisp(void);
void call_into_lisp(void)
{
}
#endif

int main(int argc, char **argv)
{
	int reads = 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--no-reads"))
			reads = 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	long v = 0;
	if (reads) {
		CHECK(read_faults(0, &v), "a read through NULL faults (SEGV_MAPERR at 0)");
		CHECK(read_faults(0x10, &v), "a read at NULL + 0x10 faults (SEGV_MAPERR at 0x10)");
		CHECK(read_faults(0xed0, &v), "a read at NULL + 0xed0 faults");
		/* the kernel's reads of page 0 for a call fail as well */
		int fds[2];
		uintptr_t small = 16;
		__asm__("" : "+r"(small)); /* not a constant NULL + 16 to GCC */
		errno = 0;
		CHECK(pipe(fds) == 0 && write(fds[1], (const void *)small, 4) == -1 && errno == EFAULT,
		      "write() from NULL + 16 fails with EFAULT");
	}
	CHECK(write_faults(0), "a write through NULL faults (SEGV_MAPERR at 0)");
	CHECK(write_faults(0x18), "a write at NULL + 0x18 faults (SEGV_MAPERR at 0x18)");
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
#ifdef WINE_LIKE
	check_wine_ranges(); /* once the sites are rewritten (their stage mapped) */
#endif
	return fails != 0;
}
