/* handlerregs - a signal handler starts with the general registers the
 * interrupted code had (but rdi, rsi, rdx, rax, rsp, rip, which the kernel
 * sets, and rcx, r11, which a `syscall` takes).  GNU Prolog keeps its
 * machine's registers in global register variables and reads them in its
 * SIGSEGV handler: run from the runtime's C code, a handler found the
 * runtime's values there and the program printed garbage.  A fault (the
 * runtime's own SIGSEGV handler forwards it) and a signal a hooked call
 * sends to its own thread (delivered as the call returns), each with marks
 * in the registers. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

enum { RBX, RBP, R12, R13, R14, R15, RCX, R8, R9, R10, R11, NREGS };
static const char *const names[NREGS] = {"rbx", "rbp", "r12", "r13", "r14", "r15",
					 "rcx", "r8",  "r9",  "r10", "r11"};
unsigned long zp_seen[NREGS];
static sigjmp_buf back;

void fault_c(int sig);
void fault_c(int sig)
{
	(void)sig;
	siglongjmp(back, 1);
}

void usr_c(int sig);
void usr_c(int sig)
{
	(void)sig;
}

/* The handlers' first instructions keep the registers before any C runs. */
#define SAVE_REGS                                                                              \
	"movq %rbx, zp_seen(%rip)\n movq %rbp, zp_seen+8(%rip)\n movq %r12, zp_seen+16(%rip)\n" \
	"movq %r13, zp_seen+24(%rip)\n movq %r14, zp_seen+32(%rip)\n"                          \
	"movq %r15, zp_seen+40(%rip)\n movq %rcx, zp_seen+48(%rip)\n"                          \
	"movq %r8, zp_seen+56(%rip)\n movq %r9, zp_seen+64(%rip)\n"                            \
	"movq %r10, zp_seen+72(%rip)\n movq %r11, zp_seen+80(%rip)\n"
__asm__(".text\n"
	"fault_entry:\n" SAVE_REGS "subq $8, %rsp\n call fault_c\n ud2\n"
	"usr_entry:\n" SAVE_REGS "subq $8, %rsp\n call usr_c\n addq $8, %rsp\n ret\n");
void fault_entry(int);
void usr_entry(int);

#define MARK(i) (0x1111ul * ((i) + 1))
#define LOAD_MARKS                                                                       \
	"push %%rbp\n movq $0x1111, %%rbx\n movq $0x2222, %%rbp\n movq $0x3333, %%r12\n" \
	"movq $0x4444, %%r13\n movq $0x5555, %%r14\n movq $0x6666, %%r15\n"             \
	"movq $0x8888, %%r8\n movq $0x9999, %%r9\n movq $0xaaaa, %%r10\n"

static void fault_with_marks(volatile char *p)
{
	__asm__ volatile(LOAD_MARKS "movq $0x7777, %%rcx\n movq $0xbbbb, %%r11\n"
				    "movb $1, (%0)\n pop %%rbp\n"
			 :
			 : "r"(p)
			 : "rbx", "r12", "r13", "r14", "r15", "rcx", "r8", "r9", "r10", "r11",
			   "memory");
}

static void kill_self_with_marks(void)
{
	long pid = getpid(), tid = syscall(SYS_gettid), r;
	__asm__ volatile(LOAD_MARKS "syscall\n pop %%rbp\n"
			 : "=a"(r)
			 : "0"((long)SYS_tgkill), "D"(pid), "S"(tid), "d"((long)SIGUSR1)
			 : "rbx", "r12", "r13", "r14", "r15", "rcx", "r8", "r9", "r10", "r11",
			   "memory");
	(void)r;
}

/* Which registers did the handler find without their marks? */
static void verdict(const char *what, int after_syscall)
{
	char buf[512] = "", msg[640];
	for (int i = 0; i < NREGS; i++)
		if (!(after_syscall && (i == RCX || i == R11)) && zp_seen[i] != MARK(i))
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s=%#lx", names[i],
				 zp_seen[i]);
	snprintf(msg, sizeof msg, "%s: the handler starts with the interrupted registers%s%s", what,
		 buf[0] ? ":" : "", buf);
	CHECK(!buf[0], msg);
}

static void handle(int sig, void (*entry)(int), int flags)
{
	struct sigaction sa = {.sa_handler = entry, .sa_flags = flags};
	sigaction(sig, &sa, NULL);
}

int main(void)
{
	char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	handle(SIGSEGV, fault_entry, SA_NODEFER);
	handle(SIGUSR1, usr_entry, 0);
	/* past the runtime's switch to rewritten sites (auto mode) */
	for (int i = 0; i < 300; i++)
		getppid();
	if (!sigsetjmp(back, 1))
		fault_with_marks(page);
	verdict("SIGSEGV of a fault", 0);
	memset(zp_seen, 0, sizeof zp_seen);
	kill_self_with_marks();
	verdict("SIGUSR1 sent by a hooked tgkill", 1);
	return fails != 0;
}
