/*
 * outofrange: system call numbers the trampoline does not cover return what
 * the kernel returns (-1/ENOSYS), and the program's own SIGSEGV handler
 * still gets the program's own faults.  Prints "nr errno" lines; the test
 * compares native and hooked output.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static long raw(long nr)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr) : "rcx", "r11", "memory");
	return r;
}

static sigjmp_buf jb;
static volatile void *fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_addr = si->si_addr;
	siglongjmp(jb, 1);
}

int main(void)
{
	long nrs[] = {-1, 0x40000000 | 39, 600, 513, 514, 515, 516, 517, 1000, 4095, 4096,
		      5000, 100000, 0x7fffffff, 0x80000000L, -2};
	for (size_t i = 0; i < sizeof nrs / sizeof nrs[0]; i++)
		printf("raw %#lx -> %ld\n", (unsigned long)nrs[i], raw(nrs[i]));
	for (size_t i = 0; i < sizeof nrs / sizeof nrs[0]; i++) {
		errno = 0;
		long r = syscall(nrs[i]);
		printf("libc %#lx -> %ld errno %d\n", (unsigned long)nrs[i], r, errno);
	}
	/* The program's own SIGSEGV handler. */
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGSEGV, NULL, &old);
	printf("handler reads back: %s\n", old.sa_sigaction == on_segv ? "yes" : "no");
	for (int k = 0; k < 3; k++) {
		if (sigsetjmp(jb, 1) == 0) {
			*(volatile int *)(unsigned long)(0x10 + 0x1000 * k) = 1;
			printf("no fault?\n");
		} else {
			printf("own fault caught at %p\n", (void *)fault_addr);
		}
	}
	/* Out-of-range calls still work while the program handles SIGSEGV. */
	printf("after handler: raw -1 -> %ld\n", raw(-1));
	/* And with SIGSEGV, SIGTRAP and SIGILL blocked. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	printf("blocked: raw 600 -> %ld, raw 5000 -> %ld\n", raw(600), raw(5000));
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	printf("mask reads back SIGSEGV %d SIGTRAP %d SIGILL %d\n", sigismember(&cur, SIGSEGV),
	       sigismember(&cur, SIGTRAP), sigismember(&cur, SIGILL));
	return 0;
}
