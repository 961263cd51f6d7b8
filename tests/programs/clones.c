/*
 * clones: every way a program makes a child, checked for the parent's and
 * the child's view of registers and stacks:
 *   - raw clone(CLONE_VM|...) with a new stack (a thread started by hand)
 *   - raw clone3 with a new stack; the caller's clone_args must not change
 *   - raw vfork (stack shared with the parent; the child execs /bin/true)
 *   - raw clone(CLONE_VM|CLONE_VFORK) with stack 0 (Go's os/exec does this)
 *   - fork
 * Prints PASS:/FAIL: lines.
 */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static void report(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
	fflush(stdout);
	failures += !ok;
}

static volatile int child_ran;
static volatile uint64_t child_r12;

/* The child of a raw clone starts right after the syscall on its new stack,
 * with the parent's registers: it records r12 (which the parent set), sets
 * the flag and exits with a raw exit. */
static long raw_clone_thread(unsigned long flags, void *stack)
{
	long ret;
	register unsigned long r10 __asm__("r10") = 0;
	register unsigned long r8 __asm__("r8") = 0;
	__asm__ volatile("mov %[magic], %%r12\n"
			 "syscall\n"
			 "test %%rax, %%rax\n"
			 "jnz 1f\n"
			 "mov %%r12, child_r12(%%rip)\n"
			 "movl $1, child_ran(%%rip)\n"
			 "mov $60, %%eax\n"
			 "xor %%edi, %%edi\n"
			 "syscall\n"
			 "1:\n"
			 : "=a"(ret)
			 : "a"((long)SYS_clone), "D"(flags), "S"(stack), "d"(0), "r"(r10), "r"(r8),
			   [magic] "i"(0x5a5a1234)
			 : "rcx", "r11", "r12", "memory");
	return ret;
}

static long raw_clone3_thread(struct clone_args *ca)
{
	long ret;
	__asm__ volatile("mov %[magic], %%r12\n"
			 "syscall\n"
			 "test %%rax, %%rax\n"
			 "jnz 1f\n"
			 "mov %%r12, child_r12(%%rip)\n"
			 "movl $1, child_ran(%%rip)\n"
			 "mov $60, %%eax\n"
			 "xor %%edi, %%edi\n"
			 "syscall\n"
			 "1:\n"
			 : "=a"(ret)
			 : "a"((long)SYS_clone3), "D"(ca), "S"(sizeof *ca), [magic] "i"(0x5a5a4321)
			 : "rcx", "r11", "r12", "memory");
	return ret;
}

static void wait_flag(void)
{
	for (int i = 0; i < 2000 && !child_ran; i++)
		usleep(1000);
}

/* vfork through a raw syscall: the child execs /bin/true; the parent checks
 * its stack canary (a local the child's activity must not have clobbered)
 * and that the child's exit was observed. */
static int raw_vfork_exec(int use_clone)
{
	volatile uint64_t canary[16];
	for (int i = 0; i < 16; i++)
		canary[i] = 0xfeedface00000000ull + (uint64_t)i;
	long pid;
	if (use_clone) {
		register unsigned long r10 __asm__("r10") = 0;
		register unsigned long r8 __asm__("r8") = 0;
		__asm__ volatile("syscall"
				 : "=a"(pid)
				 : "a"((long)SYS_clone), "D"((unsigned long)(CLONE_VM | CLONE_VFORK | SIGCHLD)),
				   "S"(0), "d"(0), "r"(r10), "r"(r8)
				 : "rcx", "r11", "memory");
	} else {
		__asm__ volatile("syscall" : "=a"(pid) : "a"((long)SYS_vfork) : "rcx", "r11", "memory");
	}
	if (pid == 0) {
		char *argv[] = {"true", NULL};
		/* raw execve and exit: the child must not return through frames */
		long r;
		__asm__ volatile("syscall"
				 : "=a"(r)
				 : "a"((long)SYS_execve), "D"("/bin/true"), "S"(argv), "d"(environ)
				 : "rcx", "r11", "memory");
		__asm__ volatile("syscall" ::"a"((long)SYS_exit_group), "D"(127));
	}
	if (pid < 0)
		return 0;
	int st;
	if (waitpid((pid_t)pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 0;
	for (int i = 0; i < 16; i++)
		if (canary[i] != 0xfeedface00000000ull + (uint64_t)i)
			return 0;
	return 1;
}

int main(void)
{
	size_t sz = 256 * 1024;
	char *stk = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

	child_ran = 0;
	child_r12 = 0;
	unsigned long tflags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
			       CLONE_SYSVSEM;
	long t = raw_clone_thread(tflags, stk + sz);
	wait_flag();
	report(t > 0 && child_ran && child_r12 == 0x5a5a1234,
	       "clone with a new stack: child resumes after the site with the parent's registers");

	child_ran = 0;
	child_r12 = 0;
	struct clone_args ca;
	memset(&ca, 0, sizeof ca);
	ca.flags = tflags;
	ca.stack = (uint64_t)(uintptr_t)stk;
	ca.stack_size = sz;
	struct clone_args copy = ca;
	long t3 = raw_clone3_thread(&ca);
	wait_flag();
	if (t3 == -38) {
		printf("SKIP: clone3 (kernel says ENOSYS)\n");
	} else {
		report(t3 > 0 && child_ran && child_r12 == 0x5a5a4321,
		       "clone3 with a new stack: child resumes after the site");
		report(!memcmp(&ca, &copy, sizeof ca), "clone3: the caller's clone_args unchanged");
	}
	usleep(20000);

	report(raw_vfork_exec(0), "vfork + execve: parent's stack intact, child exit seen");
	report(raw_vfork_exec(1), "clone(CLONE_VM|CLONE_VFORK, stack 0) + execve");

	pid_t p = fork();
	if (p == 0)
		_exit(getpid() == (pid_t)syscall(SYS_gettid) ? 42 : 1);
	int st;
	waitpid(p, &st, 0);
	report(WIFEXITED(st) && WEXITSTATUS(st) == 42, "fork: child runs and exits");

	/* Many threads through pthreads, each making calls. */
	return failures ? 1 : 0;
}
