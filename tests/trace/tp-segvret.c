/*
 * tp-segvret - a SIGSEGV handler that returns (as a JVM's does for its
 * implicit null checks): three writes to NULL, each skipped by the
 * handler through the context, one SIGSEGV sent with kill, and one
 * SIGUSR1 for comparison.  Each handler returns through rt_sigreturn:
 * five of them.  Prints "faults N".
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

extern char tp_after_fault[];
static volatile int faults;

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	ucontext_t *uc = ucv;
	faults++;
	if (si->si_code > 0) /* the write: go on after it */
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)tp_after_fault;
}

static void on_usr1(int sig)
{
	(void)sig;
}

__attribute__((noinline)) static void write_null(void)
{
	__asm__ volatile("movl $1, 0\n\t.globl tp_after_fault\ntp_after_fault:\n" ::: "memory");
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	signal(SIGUSR1, on_usr1);
	for (int i = 0; i < 3; i++)
		write_null();
	kill(getpid(), SIGSEGV);
	kill(getpid(), SIGUSR1);
	printf("faults %d\n", faults);
	return 0;
}
