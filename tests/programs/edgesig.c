/*
 * A signal that arrives while the runtime works on the program's stack,
 * around a call, is shown the call's site and the program's registers, as
 * natively: before the `syscall` (rip at it, rax the number) or after it
 * (rip past it, rax the result, rcx the return address).  Random signals
 * hit those few instructions one time in tens of thousands; Go's crash
 * report, for one, called the pc it got there unknown.
 *
 * A signal that comes while a hook runs waits for the call's edge
 * (defer.c) and is then shown the same.
 *
 * So every instruction is hit in turn: a tracer single-steps a child from
 * an int3 just before the call through the entry stub (or detour mode's
 * trampoline, or sud mode's trap handler) and back, and for each step
 * taken on the program's stack, in a hook library's code, in the stub's
 * slot windows or, in sud mode, in the trap handler's dispatcher (the
 * rest of the runtime's own code is not this test's) it runs a fresh
 * child to that step and sends it SIGUSR1 there.  A hook whose path
 * varies (the tracer's timestamps) may bring a child elsewhere in as many
 * steps: it is tried again, and a step never reached again is counted
 * apart.  The child's handler checks the pc, rsp and the eleven registers
 * the program set, and the child says so in its exit status.  Natively
 * the only steps are the int3's, the `mov` and the `syscall`.
 *
 * Built as edgesig-split (EDGE_SPLIT, linked to libearly.so, whose thread
 * the runtime did not start), the call comes after a 3-byte instruction
 * and before a 6-byte one, far from any padding: detour mode splits the
 * site around the 6-byte one (detour.c), and the steps go through the
 * `mov $key, %cl` left at the site, the jmp after it, the trampoline's
 * test and, after the call, its continuation, which runs the moved
 * instruction: there the handler is shown the program after the call,
 * at the moved instruction's place or past it.  A second walk starts a
 * thread as one back from the kernel would come to the jmp, inside the
 * call when the site was split (edge_return jumps there, the call's
 * result in rax and rcx = site + 2, as the `syscall` leaves it): the test
 * sends it to the continuation, and every step shows the program after
 * the call.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"
#include "layout.h"
#include "stepper.h"

#define MAX_STEPS 50000
#define HOOK_STEPS 32
#define NR_GETPPID 110

void edge_call(void);
extern char edge_trap[], edge_pre[], edge_site[], edge_end[], edge_done[];
#ifdef EDGE_SPLIT
/* lea (%rax), %rax: 3 bytes, no change; cmp: 6 bytes; jumps over 140
 * bytes keep the padding around the function beyond a rel8's reach */
#define EDGE_PRE "	lea (%rax), %rax\n"
#define EDGE_AFTER "	cmp $-4096, %rax\n"
#define EDGE_FAR(l) "	jmp " l "f\n	.fill 140, 1, 0x90\n" l ":\n"
#else
#define EDGE_PRE ""
#define EDGE_AFTER ""
#define EDGE_FAR(l) ""
#endif
uintptr_t edge_sp;
long edge_result;
/* The registers the handler checks, and the stack pointer it expects. */
#define EDGE_SETUP                                                                         \
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"         \
	"	.cfi_def_cfa_offset 56\n"                                                        \
	"	mov $0x1111, %rbx\n mov $0x2222, %rbp\n mov $0x3333, %r12\n"                     \
	"	mov $0x4444, %r13\n mov $0x5555, %r14\n mov $0x6666, %r15\n"                     \
	"	mov $0x7777, %rdi\n mov $0x8888, %rsi\n mov $0x9999, %rdx\n"                     \
	"	mov $0xaaaa, %r10\n mov $0xbbbb, %r8\n mov $0xcccc, %r9\n"                       \
	"	mov %rsp, edge_sp(%rip)\n"
__asm__(".text\n"
	".globl edge_call\n"
	".type edge_call, @function\n"
	"edge_call:\n"
	"	.cfi_startproc\n" /* a known function: detour mode patches its site */
	EDGE_FAR("1")
	EDGE_SETUP
	"edge_trap:\n"
	"	int3\n"
	"	mov $110, %eax\n"
	"edge_pre:\n"
	EDGE_PRE
	"edge_site:\n"
	"	syscall\n"
	"edge_end:\n"
	EDGE_AFTER
	"edge_done:\n"
	EDGE_FAR("2")
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
	"	.cfi_def_cfa_offset 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size edge_call, . - edge_call\n"
	/* edge_call's frame, and a jump to its call's return address from
	 * elsewhere (the split site's test sees no branch, only rcx) */
	".globl edge_return\n"
	".type edge_return, @function\n"
	"edge_return:\n"
	"	.cfi_startproc\n" EDGE_SETUP
	"	mov edge_result(%rip), %rax\n"
	"	lea edge_end(%rip), %rcx\n"
	"	int3\n"
	"	jmp *%rcx\n"
	"	.cfi_endproc\n"
	".size edge_return, . - edge_return\n");
void edge_return(void);

enum { SEEN_OK = 10, SEEN_PC, SEEN_SP, SEEN_REGS, SEEN_NONE, SEEN_STACK };
static volatile int seen = SEEN_NONE;

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	(void)sig, (void)si;
	const greg_t *g = ((const ucontext_t *)ucv)->uc_mcontext.gregs;
	uintptr_t pc = (uintptr_t)g[REG_RIP];
	static const int reg[11] = {REG_RBX, REG_RBP, REG_R12, REG_R13, REG_R14, REG_R15,
				    REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8};
	/* Detour mode replaced the `mov` with its jmp: at the trampoline's
	 * copy of it, the program stands at the `mov`, not yet run. */
	uintptr_t mov = (uintptr_t)edge_trap + 1;
	bool before = pc == (uintptr_t)edge_site || pc == (uintptr_t)edge_pre;
	bool after = pc == (uintptr_t)edge_end || pc == (uintptr_t)edge_done;
	if (!before && !after && pc != mov) {
		seen = SEEN_PC;
		return;
	}
	if ((uintptr_t)g[REG_RSP] != edge_sp) {
		seen = SEEN_SP;
		return;
	}
	/* The handler runs on the program's stack, below the call (a
	 * garbage collector scans from its own sp). */
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	if (here > edge_sp || edge_sp - here > 64 * 1024) {
		seen = SEEN_STACK;
		return;
	}
	bool ok = g[REG_R9] == 0xcccc;
	for (int i = 0; i < 11; i++)
		ok = ok && g[reg[i]] == 0x1111 * (greg_t)(i + 1);
	if (before)
		ok = ok && g[REG_RAX] == NR_GETPPID;
	else if (after)
		ok = ok && g[REG_RAX] == getppid() && (uintptr_t)g[REG_RCX] == (uintptr_t)edge_end;
	seen = ok ? SEEN_OK : SEEN_REGS;
}

static void child(void)
{
	stepper_handle_usr1(on_usr1);
	edge_call();
	_exit(seen);
}

#ifdef EDGE_SPLIT
static void child_returning(void)
{
	stepper_handle_usr1(on_usr1);
	edge_result = getppid();
	edge_return();
	_exit(seen);
}
#endif

/* The runtime's own list of the stub's places where a signal is sent on
 * to the site (entry.S's STUB_WINDOW table, kinds ZP_WIN_SLOT_* of
 * layout.h), read through libzpoline.so's symbol table: [lo, hi) pairs. */
static uintptr_t slot_win[64][2];
static int nslot_win;
/* In sud mode the hooks run inside the runtime's trap handler, whose
 * dispatcher (zp_pre, zp_post) holds a signal for the call's edge too, and
 * zp_trap_syscall, where it comes, shows the site. */
static const char *const trap_code_names[] = {"zp_pre", "zp_post", "zp_trap_syscall"};
static uintptr_t trap_code[3][2];
static uintptr_t rt_base;
static const char *rt_path;

static int find_runtime(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size, (void)data;
	if (info->dlpi_name && strstr(info->dlpi_name, "libzpoline.so")) {
		rt_base = info->dlpi_addr;
		rt_path = info->dlpi_name;
	}
	return 0;
}

static void read_windows(void)
{
	dl_iterate_phdr(find_runtime, NULL);
	int fd = rt_path ? open(rt_path, O_RDONLY) : -1;
	struct stat s;
	if (fd < 0 || fstat(fd, &s) < 0)
		return;
	const unsigned char *f = mmap(NULL, (size_t)s.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f == MAP_FAILED)
		return;
	const Elf64_Ehdr *eh = (const void *)f;
	const Elf64_Shdr *sh = (const void *)(f + eh->e_shoff);
	uintptr_t lo = 0, hi = 0;
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB)
			continue;
		const Elf64_Sym *sym = (const void *)(f + sh[i].sh_offset);
		const char *str = (const char *)(f + sh[sh[i].sh_link].sh_offset);
		for (size_t k = 0; k < sh[i].sh_size / sizeof *sym; k++) {
			for (int j = 0; j < 3; j++)
				if (!strcmp(str + sym[k].st_name, trap_code_names[j])) {
					trap_code[j][0] = rt_base + sym[k].st_value;
					trap_code[j][1] = trap_code[j][0] + sym[k].st_size;
				}
			if (!strcmp(str + sym[k].st_name, "zp_stub_windows"))
				lo = rt_base + sym[k].st_value;
			else if (!strcmp(str + sym[k].st_name, "zp_stub_windows_end"))
				hi = rt_base + sym[k].st_value;
		}
	}
	for (const int32_t *w = (const int32_t *)lo; lo && (uintptr_t)w < hi && nslot_win < 64; w += 3) {
		if (w[2] < ZP_WIN_SLOT_A || w[2] > ZP_WIN_SLOT_BACK)
			continue;
		slot_win[nslot_win][0] = (uintptr_t)&w[0] + (uintptr_t)(intptr_t)w[0];
		slot_win[nslot_win][1] = (uintptr_t)&w[1] + (uintptr_t)(intptr_t)w[1];
		nslot_win++;
	}
}

static bool in_slot_window(unsigned long long pc)
{
	for (int i = 0; i < nslot_win; i++)
		if (pc >= slot_win[i][0] && pc < slot_win[i][1])
			return true;
	return false;
}

static bool in_trap_code(unsigned long long pc)
{
	for (int j = 0; j < 3; j++)
		if (pc >= trap_code[j][0] && pc < trap_code[j][1])
			return true;
	return false;
}

/* Code of a hook library (the runtime's own, or the tests'): a signal
 * that comes while a hook runs waits for the call's edge. */
static bool in_hook(unsigned long long pc)
{
	Dl_info w;
	return dladdr((void *)(uintptr_t)pc, &w) && w.dli_fname && strstr(w.dli_fname, "libzphook");
}

/* Walks stepper_child from its int3 past the call, and sends a signal at
 * each step; what: the walk's name in the result lines. */
static void walk(bool sud, const char *what)
{
	/* The walk: where each step stands, until the program is past the call. */
	static unsigned char on_app[MAX_STEPS];
	static unsigned long long pc_at[MAX_STEPS];
	pid_t pid;
	struct user_regs_struct r;
	long n = 0;
	int st, pending;
	char line[256];
	if (stepper_start(&pid, 0, &pending) < 0 || stepper_regs(pid, &r) < 0) {
		snprintf(line, sizeof line, "%s: a traced child stops at the int3", what);
		CHECK(0, line);
		return;
	}
	uintptr_t app_sp = r.rsp;
	/* Detour mode's trampoline steps are on the program's stack. */
	for (;;) {
		if (n == MAX_STEPS || stepper_step(pid, &pending) < 0 || stepper_regs(pid, &r) < 0)
			break;
		/* A stop for a signal (the int3 of a trapped site) is no
		 * place between two instructions. */
		pc_at[n] = r.rip;
		on_app[n++] = pending				     ? 0
			      : r.rsp <= app_sp && app_sp - r.rsp < 256 ? 1
			      : in_slot_window(r.rip)		     ? 1
			      : in_hook(r.rip)			     ? 2
			      : sud && in_trap_code(r.rip)	     ? 2
								     : 0;
		/* In sud mode the call's SIGSYS stops the child at the return
		 * address first: the steps go on into the trap handler. */
		if (r.rip == (uintptr_t)edge_done && !pending)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	snprintf(line, sizeof line, "%s: single steps lead from the int3 past the call", what);
	CHECK(r.rip == (uintptr_t)edge_done, line);

	if (sud)
		CHECK(trap_code[0][1] > trap_code[0][0] && trap_code[2][1] > trap_code[2][0],
		      "sud mode: the runtime's dispatcher and trapped call found in its symbols");
	long tried = 0, bad = 0, missed = 0, in_hooks = 0;
	/* Every step on the program's stack; of a hook's, which may be
	 * thousands, HOOK_STEPS spread over them. */
	for (long k = 0; k < n; k++)
		in_hooks += on_app[k] == 2;
	long every = in_hooks / HOOK_STEPS + 1, seen_hook = 0;
	for (long k = 0; k < n; k++)
		if (on_app[k] == 2 && seen_hook++ % every)
			on_app[k] = 0;
	int first_bad = 0;
	unsigned long long first_pc = 0;
	long missed_in_row = 0;
	for (long k = 0; k < n; k++) {
		/* A hook whose every run differs: its steps are not retried on. */
		if (!on_app[k] || (on_app[k] == 2 && missed_in_row >= 4))
			continue;
		int got = stepper_reach(&pid, k, pc_at[k]);
		if (got == -1) {
			missed++;
			missed_in_row++;
			continue;
		}
		if (got == 0)
			got = stepper_finish(pid, SIGUSR1);
		missed_in_row = 0;
		tried++;
		if (got < 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
		if (got != SEEN_OK && !bad++) {
			first_bad = got;
			first_pc = pc_at[k];
		}
	}
	printf("%s: %ld steps, %ld in hook code; %ld tried, %ld not reached again\n", what, n,
	       in_hooks, tried, missed);
	Dl_info where = {0};
	if (bad && dladdr((void *)(uintptr_t)first_pc, &where) && where.dli_fname)
		printf("first wrong in %s at +%#lx\n", where.dli_fname,
		       (unsigned long)(first_pc - (uintptr_t)where.dli_fbase));
	if (bad)
		printf("first wrong at pc %#llx: %s\n", first_pc,
		       first_bad == SEEN_PC     ? "pc not the site's"
		       : first_bad == SEEN_SP   ? "rsp not the program's"
		       : first_bad == SEEN_REGS ? "registers not the program's"
		       : first_bad == SEEN_NONE ? "handler did not run"
		       : first_bad == SEEN_STACK ? "handler not on the program's stack"
						: "child failed");
	snprintf(line, sizeof line,
		 "%s: a signal at every step on the program's stack or in a hook sees the site and "
		 "its registers",
		 what);
	CHECK(tried >= 2 && bad == 0, line);
}

int main(void)
{
	const char *mode = getenv("ZPOLINE_MODE");
	bool sud = mode && strcmp(mode, "sud") == 0;
	stepper_seize = sud;
	read_windows();
	stepper_child = child;
	walk(sud, "a call");
#ifdef EDGE_SPLIT
	printf("site bytes %02x %02x %02x\n", (unsigned char)edge_site[0], (unsigned char)edge_site[1],
	       (unsigned char)edge_site[2]);
	stepper_child = child_returning;
	walk(sud, "a thread back from the kernel at the call's return address");
#endif
	return fails != 0;
}
