/*
 * unknownsite.c - a stripped program whose own system calls are made from
 * code no symbol and no unwind entry describes (built with -s; the asm
 * below has no CFI), as Free Pascal's runtime makes them: the rewriter
 * leaves such sites alone (it cannot tell code from data there), so their
 * calls must still reach the hooks another way (auto mode keeps Syscall
 * User Dispatch armed).  Before, after the switch to page 0 they bypassed
 * the hooks (a count hook saw 166 of 400 getpid calls of a Free Pascal
 * program), and a SIGILL handler the program set through such a site
 * (Free Pascal's, for its run-time errors) took the runtime's own trap
 * signal: the program died of "Runtime error 216".
 *
 * The asm sits in .text.unlikely, which the linker places first in .text:
 * before the first unwind entry, not in a gap between two (which the
 * rewriter takes for a function) or after the last.
 *
 * Makes 400 getpid calls and sets a SIGILL handler through the bare site,
 * then makes calls through libc and dlopens libm; prints "getpid N" and
 * exits 0 (3: the handler got a SIGILL).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

long bare_syscall4(long nr, long a, long b, long c);
__asm__(".section .text.unlikely,\"ax\",@progbits\n"
	"bare_syscall4:\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	mov $8, %r10\n"
	"	syscall\n"
	"	ret\n"
	".text\n");

/* The program executes no ud2 of its own: a SIGILL here is the runtime's
 * trap site (ld.so's open, for the dlopen below), taken from it. */
static void on_ill(int sig)
{
	(void)sig;
	_exit(3);
}

/* the kernel's struct sigaction, as a raw rt_sigaction takes it */
struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

extern void bare_restorer(void);
__asm__(".section .text.unlikely,\"ax\",@progbits\n"
	"bare_restorer:\n"
	"	mov $15, %eax\n"
	"	syscall\n"
	".text\n");

int main(void)
{
	long n = 0;
	for (int i = 0; i < 400; i++)
		n += bare_syscall4(SYS_getpid, 0, 0, 0) == getpid();
	struct ksigaction ka;
	memset(&ka, 0, sizeof ka);
	ka.handler = on_ill;
	ka.flags = 0x04000000 /* SA_RESTORER */;
	ka.restorer = bare_restorer;
	if (bare_syscall4(SYS_rt_sigaction, SIGILL, (long)&ka, 0) != 0)
		return 1;
	/* calls through libc and ld.so after it, some from trap sites */
	for (int i = 0; i < 50; i++)
		if (access("/", F_OK) != 0)
			return 1;
	if (!dlopen("libm.so.6", RTLD_NOW))
		return 1;
	printf("getpid %ld\n", n);
	return 0;
}
