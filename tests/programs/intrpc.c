/*
 * What a signal handler sees of a call it interrupted: the program counter
 * at the call's site, as natively.  musl's pthread_cancel works so: its
 * handler acts only if the interrupted pc lies inside the cancellable call
 * (from the instruction before the `syscall` to the one after it), and
 * then sends the thread to a cancel path by rewriting the context's pc.  A
 * thread blocked in read() under zpoline was at the entry stub's `syscall`
 * instead, so it was never cancelled (static musl programs hung).  This is
 * that mechanism, with a `read` of our own between two labels:
 *   1. SA_RESTART, the handler redirects: the read gives up (ECANCELED);
 *   2. SA_RESTART, the handler looks and returns: it saw the pc at the
 *      `syscall`, and the read is made again and gets the byte written later;
 *   3. no SA_RESTART: the handler saw the pc just past the `syscall` (and
 *      rcx, which `syscall` sets so), and the read fails with EINTR.
 * With the argument `onstack` the reader has a signal stack and SIGSYS's
 * action asks for it (as a Go program's do): a trapped call then continues
 * in the entry stub (signals.c, zp_trap_enter), whose `syscall` must show
 * the site just the same, and the program's rbx.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"

long cp_read(int fd, void *buf, long n);
extern char cp_begin[], cp_syscall[], cp_end[], cp_cancel[];
__asm__(".text\n"
	".globl cp_read\n"
	".type cp_read, @function\n"
	"cp_read:\n"
	".cfi_startproc\n"
	"cp_begin:\n"
	"	xor %eax, %eax\n" /* SYS_read */
	"cp_syscall:\n"
	"	syscall\n"
	"cp_end:\n"
	"	ret\n"
	"cp_cancel:\n"
	"	mov $-125, %rax\n" /* -ECANCELED */
	"	ret\n"
	".cfi_endproc\n"
	".size cp_read, . - cp_read\n");

static int redirect, onstack;
static volatile unsigned long seen_pc, seen_rbx, seen_rcx;

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	seen_rbx = (unsigned long)uc->uc_mcontext.gregs[REG_RBX];
	seen_rcx = (unsigned long)uc->uc_mcontext.gregs[REG_RCX];
	seen_pc = pc;
	if (redirect && pc >= (uintptr_t)cp_begin && pc < (uintptr_t)cp_end)
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)cp_cancel;
}

struct job {
	int fd;
	long ret;
	char byte;
	volatile int tid;
};

static void *reader(void *p)
{
	struct job *j = p;
	static char altstack[65536] __attribute__((aligned(16)));
	if (onstack) {
		stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
		sigaltstack(&ss, NULL);
	}
	j->tid = gettid();
	/* rbx as the call's site has it: a handler must see it so. */
	long ret;
	__asm__ volatile("push %%rbx\n"
			 "movabs $0x5ca1ab1e0b0b0b0b, %%rbx\n"
			 "call cp_read\n"
			 "pop %%rbx\n"
			 : "=a"(ret)
			 : "D"((long)j->fd), "S"(&j->byte), "d"(1L)
			 : "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
	j->ret = ret;
	return NULL;
}

/* Is thread tid blocked in read(2)?  (/proc's syscall file: the number
 * first while it is in one.) */
static int in_read(int tid)
{
	char path[64], line[64] = "";
	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int ok = fgets(line, sizeof line, f) && !strncmp(line, "0 ", 2);
	fclose(f);
	return ok;
}

/* Start a reader on an empty pipe, signal it once it blocks in the kernel,
 * wait for the handler, then write a byte (a read made again gets it).
 * Each step waits for the one before: on a busy machine the reader may
 * only run again after the byte is there, and then reads it.  Returns the
 * reader's result, -1000 if it never finished, -999 if it never blocked. */
static long run(int flags, int do_redirect)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(SIGUSR1, &sa, NULL);
	redirect = do_redirect;
	seen_pc = 0;
	int fds[2];
	if (pipe(fds) < 0)
		return -2000;
	struct job j = {fds[0], -3000, 0, 0};
	pthread_t th;
	pthread_create(&th, NULL, reader, &j);
	int waited = 0;
	while ((!j.tid || !in_read(j.tid)) && waited++ < 10000)
		usleep(1000);
	if (waited >= 10000)
		return -999;
	pthread_kill(th, SIGUSR1);
	for (waited = 0; !seen_pc && waited < 10000; waited++)
		usleep(1000);
	if (write(fds[1], "x", 1) != 1)
		return -4000;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	long ret = pthread_timedjoin_np(th, NULL, &until) == 0 ? j.ret : -1000;
	if (ret == 1 && j.byte != 'x')
		ret = -5000;
	close(fds[0]);
	close(fds[1]);
	return ret;
}

static void on_sigsys(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	onstack = argc > 1 && !strcmp(argv[1], "onstack");
	if (onstack) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sigsys;
		sa.sa_flags = SA_ONSTACK;
		sigaction(SIGSYS, &sa, NULL);
	}
	long r = run(SA_RESTART, 1);
	CHECK(r == -ECANCELED, "a handler that finds the pc inside the call sends it to the cancel path");
	CHECK(seen_pc == (uintptr_t)cp_syscall, "... having seen the pc at the call's syscall instruction");
	r = run(SA_RESTART, 0);
	CHECK(r == 1, "a handler that returns: the read is made again and gets the byte");
	CHECK(seen_pc == (uintptr_t)cp_syscall, "... the handler saw the pc at the syscall instruction (restart)");
	r = run(0, 0);
	CHECK(r == -EINTR, "without SA_RESTART the read fails with EINTR");
	CHECK(seen_pc == (uintptr_t)cp_end, "... the handler saw the pc just past the syscall instruction");
	CHECK(seen_rbx == 0x5ca1ab1e0b0b0b0bUL, "... and the program's rbx");
	CHECK(seen_rcx == (uintptr_t)cp_end, "... and rcx as `syscall` leaves it: the address after it");
	if (fails)
		printf("cp_begin %p cp_syscall %p cp_end %p\n", (void *)cp_begin, (void *)cp_syscall,
		       (void *)cp_end);
	return fails != 0;
}
