/*
 * trapstack - system calls that trap (SUD mode: every one) while the
 * program's action for SIGSYS asks for SA_ONSTACK, as a Go program's
 * actions all do: the runtime's trap handler then runs on the program's
 * signal stack although the call was not made on it.  The hooks run on a
 * slot with the program's mask open, off that stack in the kernel's eyes,
 * so a signal arriving then was delivered at the top of the signal stack
 * again, over the trap handler's frame, and its rt_sigreturn resumed the
 * program at garbage (Go's os/signal tests died so in ZPOLINE_MODE=sud).
 * The same with a site that traps in every mode (a leaf function using the
 * red zone: `ud2`, SIGILL, whose action asks for SA_ONSTACK too): there the
 * program hung.  Another thread sends SIGUSR1 (an SA_ONSTACK handler that
 * writes over 8 KiB of stack) all along.
 *
 * Usage: trapstack [CALLS].  PASS lines; exits 0.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

static volatile int stop, flood;
static volatile long handled;
static pthread_t victim;

static void sys_handler(int sig) { (void)sig; }

static void usr1(int sig)
{
	volatile char buf[8192];
	memset((char *)buf, 0xc3, sizeof buf);
	handled++;
	(void)sig;
}

/* A leaf with a local in the red zone: its site is rewritten to ud2. */
__attribute__((noinline)) static long rz_getppid(void)
{
	volatile long x = 5;
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
	return r + x - 5;
}

static void *killer(void *a)
{
	/* One signal at a time, paced but for the ud2 calls: a sender that
	 * does not wait floods the victim, whose calls then make progress only
	 * between handlers, as they would natively.  Unpaced, more land inside
	 * the trap's window. */
	while (!stop) {
		long seen = handled;
		pthread_kill(victim, SIGUSR1);
		while (handled == seen && !stop)
			sched_yield();
		if (!flood)
			usleep(10);
	}
	return a;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 200000, ppid = getppid(), same = 0;
	stack_t ss = {.ss_sp = malloc(65536), .ss_size = 65536};
	sigaltstack(&ss, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_ONSTACK | SA_RESTART;
	sa.sa_handler = usr1;
	sigaction(SIGUSR1, &sa, 0);
	sa.sa_handler = sys_handler;
	sigaction(SIGSYS, &sa, 0);
	sigaction(SIGILL, &sa, 0);
	victim = pthread_self();
	pthread_t k;
	pthread_create(&k, 0, killer, 0);
	for (long i = 0; i < calls; i++)
		same += getppid() == ppid;
	/* On a loaded machine the sender may not have run yet: go on until
	 * one of its signals has come (yielding now and then; bounded). */
	long extra = 0;
	while (!handled && extra < 4000000) {
		same += getppid() == ppid;
		if (++extra % 1000 == 0)
			sched_yield();
	}
	long rz_same = 0;
	flood = 1;
	for (long i = 0; i < calls / 40; i++) /* each traps: ~12 us */
		rz_same += rz_getppid() == ppid;
	stop = 1;
	pthread_join(k, 0);
	CHECK(same == calls + extra, "trapped calls with SIGSYS on the signal stack, signals arriving");
	CHECK(rz_same == calls / 40, "calls at a trapping (red-zone) site with SIGILL on the signal stack");
	CHECK(handled > 0, "the signals were handled");
	return fails != 0;
}
