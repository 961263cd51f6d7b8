/*
 * sud.c - Syscall User Dispatch (Linux >= 5.11): the kernel raises SIGSYS
 * for every system call made outside an allowed address range while a
 * per-thread selector byte says BLOCK, reporting where it came from.
 *
 * Two uses (ZPOLINE_MODE):
 *   net  the safety net: page 0 and rewriting as usual, plus SUD armed in
 *        every thread.  Whatever still issues a real `syscall` (code written
 *        into RWX memory after it was scanned, anything the finder missed)
 *        traps; the call goes through the same hook chain, and the site the
 *        kernel reported is rewritten so it is fast next time.
 *   sud  no page 0 at all (mmap_min_addr > 0, SELinux, no root): every call
 *        traps.  Slower, still exhaustive, same hooks.
 * The allowed range is this library: the entry stub's own syscall
 * instructions and the runtime's raw calls never trap.  Hook code (the hook
 * namespace's libc) runs with the selector on ALLOW.
 *
 * SUD is per thread, is not inherited by threads created with clone, and is
 * cleared by execve: every thread the runtime starts arms it (entry.S, child
 * path; thread.c for adopted and forked ones).  Armed, it costs every system
 * call on this machine some tens of nanoseconds even when allowed, which is
 * why it is not the default.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <link.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "ehframe.h"
#include "finder.h"
#include "maps.h"
#include "rewrite.h"
#include "rt.h"

#define PR_SYS_DISPATCH_ON 1
#define SEL_ALLOW 0
#define SEL_BLOCK 1

enum zp_mode zp_mode = ZP_MODE_AUTO;
unsigned char zp_sud_armed;
uintptr_t zp_self_len;

/* Set once the program has installed a seccomp filter under which the
 * trap path cannot work (zp_sud_filter_refuses): no thread started or
 * forked from then on arms SUD (entry.S's child path reads it too).  For
 * the whole process: which threads carry the filter is not known here. */
unsigned char zp_sud_refused;

int zp_sud_arm(struct zp_thread *t)
{
	if (__atomic_load_n(&zp_sud_refused, __ATOMIC_RELAXED)) {
		t->sud_off = 1;
		t->vmask = 0;
		return -EPERM;
	}
	t->sud_selector = SEL_ALLOW;
	long e = zp_own_syscall6(SYS_prctl, ZP_PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
				 (long)zp_self_lo, (long)zp_self_len, (long)&t->sud_selector, 0);
	t->sud_off = e != 0;
	if (e)
		t->vmask = 0; /* its own calls to the mask may go unseen (entry.S, child path) */
	if (e < 0)
		return (int)e;
	__atomic_store_n(&t->sud_selector, SEL_BLOCK, __ATOMIC_RELEASE);
	return 0;
}

/* ---- threads that were running before the runtime ---------------------------
 *
 * The kernel arms Syscall User Dispatch per thread, and only the thread
 * itself can.  Threads a linked library's initializer started before the
 * constructor (Go's runtime, a BLAS thread pool) would make their calls
 * unseen: each is sent a SIGSYS (rt_tgsigqueueinfo, SI_QUEUE, the address
 * below as its value), and the runtime's handler, running in that thread,
 * adopts and arms it.  Its action has SA_RESTART from then on (signals.c,
 * zp_signals_adopt_handlers, which runs first): a call the thread was
 * blocked in goes on where the kernel restarts it.  Those it never
 * restarts after a handler (poll, epoll_wait, select, nanosleep, pause,
 * sigsuspend, a futex wait with a timeout...) would return EINTR, which
 * natively they never would: before sending, the call a thread is blocked
 * in is read from /proc/self/task/TID/syscall, and the handler makes it
 * again when the thread comes back from that very call with EINTR (same
 * place, stack and arguments).  A relative timeout then starts afresh (a
 * longer wait, which these calls allow; never a shorter one).  A thread
 * that keeps SIGSYS blocked for good is never armed (README, Limits). */
static const char arm_request;

struct blocked_call {
	long nr;
	unsigned long args[6], sp, pc;
	int tid;
	bool handler_ran; /* a handler of the program's ran in the thread since */
};
/* Threads beyond these are armed all the same, their call left to EINTR. */
#define ZP_ARM_RESTARTS 64
static struct blocked_call blocked[ZP_ARM_RESTARTS] ZP_BIG_BSS;
static int nblocked;
static int restarts_pending; /* entries not taken yet */

/* The call thread tid (its /proc/self/task entry: name) is blocked in,
 * kept for the handler; nothing if it runs, or waits outside a call. */
static void note_blocked_call(int tid, const char *name)
{
	if (nblocked >= ZP_ARM_RESTARTS)
		return;
	char path[64];
	if ((size_t)zp_snprintf(path, sizeof path, "/proc/self/task/%s/syscall", name) >= sizeof path)
		return;
	int fd = (int)zp_raw3(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	char buf[256];
	long n = zp_raw3(SYS_read, fd, buf, sizeof buf - 1);
	zp_raw1(SYS_close, fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	/* "nr arg0 ... arg5 sp pc", the numbers after nr in hex; "running",
	 * or "-1 sp pc" outside a call. */
	struct blocked_call c = {.tid = tid};
	char *end;
	c.nr = strtol(buf, &end, 10);
	if (end == buf || c.nr < 0)
		return;
	unsigned long v[8];
	for (int i = 0; i < 8; i++) {
		const char *at = end;
		v[i] = strtoul(at, &end, 16);
		if (end == at)
			return;
	}
	memcpy(c.args, v, sizeof c.args);
	c.sp = v[6];
	c.pc = v[7];
	blocked[nblocked++] = c;
	__atomic_add_fetch(&restarts_pending, 1, __ATOMIC_RELEASE);
}

/* Until every noted thread has taken its signal (a gettid per handler
 * run meanwhile, none after). */
void zp_sud_handler_runs(void)
{
	if (!__atomic_load_n(&restarts_pending, __ATOMIC_ACQUIRE))
		return;
	int tid = (int)zp_raw0(SYS_gettid);
	for (int i = 0; i < nblocked; i++)
		if (blocked[i].tid == tid)
			blocked[i].handler_ran = true;
}

/* The arming signal interrupted the call noted for this thread, which
 * failed with EINTR for it: make the call again.  Only through an entry
 * the bytes before the return address still are (`syscall`, or the
 * `callq *%rax` it was rewritten to), which takes rax = the number.  Not
 * if a handler of the program's ran in the thread since the call was
 * noted: its signal may have come for this call, whose EINTR the program
 * then waits for.  The program's signals stay blocked until the
 * return (the frame's mask comes back): one that comes after the test is
 * delivered to the call made again, or before it, as natively. */
static void restart_blocked_call(ucontext_t *uc)
{
	uint64_t all = ~zp_ours_mask;
	zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, 8);
	greg_t *g = uc->uc_mcontext.gregs;
	int tid = (int)zp_raw0(SYS_gettid);
	static const int argreg[6] = {REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9};
	for (int i = 0; i < nblocked; i++) {
		struct blocked_call *c = &blocked[i];
		if (c->tid != tid)
			continue;
		c->tid = 0; /* once */
		__atomic_sub_fetch(&restarts_pending, 1, __ATOMIC_RELEASE);
		if (g[REG_RAX] != -EINTR || (unsigned long)g[REG_RIP] != c->pc ||
		    (unsigned long)g[REG_RSP] != c->sp || c->handler_ran)
			return;
		for (int a = 0; a < 6; a++)
			if ((unsigned long)g[argreg[a]] != c->args[a])
				return;
		const unsigned char *site = (const unsigned char *)(c->pc - 2);
		if (!((site[0] == 0x0f && site[1] == 0x05) || (site[0] == 0xff && site[1] == 0xd0)))
			return;
		g[REG_RIP] = (greg_t)(c->pc - 2);
		g[REG_RAX] = (greg_t)c->nr;
		return;
	}
}

void zp_sud_arm_others(void)
{
	int pid = (int)zp_raw0(SYS_getpid), self = (int)zp_raw0(SYS_gettid);
	uid_t uid = (uid_t)zp_raw0(SYS_getuid);
	int fd = (int)zp_raw3(SYS_open, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	char buf[2048] __attribute__((aligned(8)));
	long n;
	while ((n = zp_raw3(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			const struct dirent64 *d = (const struct dirent64 *)(buf + off);
			off += d->d_reclen;
			int tid = 0;
			for (const char *c = d->d_name; *c >= '0' && *c <= '9'; c++)
				tid = tid * 10 + (*c - '0');
			if (tid <= 0 || tid == self)
				continue;
			note_blocked_call(tid, d->d_name);
			siginfo_t si;
			memset(&si, 0, sizeof si);
			si.si_signo = SIGSYS;
			si.si_code = SI_QUEUE;
			si.si_pid = pid;
			si.si_uid = uid;
			si.si_value.sival_ptr = (void *)&arm_request;
			zp_raw4(SYS_rt_tgsigqueueinfo, pid, tid, SIGSYS, &si);
		}
	}
	zp_raw1(SYS_close, fd);
}

bool zp_sud_arm_signal(void *ucv, const siginfo_t *si)
{
	if (si->si_code != SI_QUEUE || si->si_value.sival_ptr != (void *)&arm_request ||
	    si->si_pid != (int)zp_raw0(SYS_getpid))
		return false;
	ucontext_t *uc = ucv;
	if (!zp_thread_self_safe())
		zp_thread_adopt((uint64_t *)&uc->uc_sigmask); /* arms it (thread.c) */
	restart_blocked_call(uc);
	return true;
}

/* ---- a seccomp filter that forbids the trap path ----------------------------
 *
 * A call that traps (every call in ZPOLINE_MODE=sud, stray ones in net) is
 * made inside the runtime's SIGSYS handler, which returns with rt_sigreturn
 * and sets masks with rt_sigprocmask.  A program that never handles a
 * signal may install a filter that kills for those: sshd's
 * pre-authentication child allows neither rt_sigreturn nor signal handling
 * (it died at its first call after the filter, and no login worked).  The
 * filter is run here, as the kernel will run it, on those two calls; if it
 * would not let both through, the thread leaves Syscall User Dispatch: its
 * calls are no longer hooked, but it lives. */

/* One classic BPF program on the seccomp_data of a call from the runtime:
 * its action (SECCOMP_RET_ACTION_FULL part).  Read from the program's
 * memory instruction by instruction (a filter has at most BPF_MAXINSNS, and
 * no backward jump); anything unexpected answers KILL. */
static uint32_t run_filter(const struct sock_filter *f, unsigned len, const uint32_t *data)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	for (unsigned pc = 0; pc < len; pc++) {
		struct sock_filter in;
		if (zp_safe_copy(&in, &f[pc], sizeof in) < 0)
			return SECCOMP_RET_KILL_PROCESS;
		uint32_t k = in.k, src = BPF_SRC(in.code) == BPF_X ? x : k;
		switch (BPF_CLASS(in.code)) {
		case BPF_LD:
		case BPF_LDX: {
			uint32_t v;
			if (BPF_MODE(in.code) == BPF_ABS && BPF_SIZE(in.code) == BPF_W &&
			    k % 4 == 0 && k < sizeof(struct seccomp_data))
				v = data[k / 4];
			else if (BPF_MODE(in.code) == BPF_LEN)
				v = sizeof(struct seccomp_data);
			else if (BPF_MODE(in.code) == BPF_IMM)
				v = k;
			else if (BPF_MODE(in.code) == BPF_MEM && k < BPF_MEMWORDS)
				v = mem[k];
			else
				return SECCOMP_RET_KILL_PROCESS;
			*(BPF_CLASS(in.code) == BPF_LD ? &a : &x) = v;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return SECCOMP_RET_KILL_PROCESS;
			mem[k] = BPF_CLASS(in.code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(in.code)) {
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_MUL: a *= src; break;
			case BPF_DIV: if (!src) return SECCOMP_RET_KILL_PROCESS; a /= src; break;
			case BPF_MOD: if (!src) return SECCOMP_RET_KILL_PROCESS; a %= src; break;
			case BPF_AND: a &= src; break;
			case BPF_OR: a |= src; break;
			case BPF_XOR: a ^= src; break;
			case BPF_LSH: a = src < 32 ? a << src : 0; break;
			case BPF_RSH: a = src < 32 ? a >> src : 0; break;
			case BPF_NEG: a = -a; break;
			default: return SECCOMP_RET_KILL_PROCESS;
			}
			break;
		case BPF_JMP: {
			bool c;
			switch (BPF_OP(in.code)) {
			case BPF_JA: pc += k; continue;
			case BPF_JEQ: c = a == src; break;
			case BPF_JGT: c = a > src; break;
			case BPF_JGE: c = a >= src; break;
			case BPF_JSET: c = (a & src) != 0; break;
			default: return SECCOMP_RET_KILL_PROCESS;
			}
			pc += c ? in.jt : in.jf;
			break;
		}
		case BPF_RET:
			return (BPF_RVAL(in.code) == BPF_A ? a : k) & SECCOMP_RET_ACTION_FULL;
		case BPF_MISC:
			if (BPF_MISCOP(in.code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			return SECCOMP_RET_KILL_PROCESS;
		}
	}
	return SECCOMP_RET_KILL_PROCESS; /* fell off the end: the kernel refuses such a filter */
}

/* The filter the call in r installs, or false: not an install, or one the
 * kernel refuses. */
static bool filter_of(const struct zp_record *r, struct sock_fprog *prog)
{
	const long *a = r->call.args;
	unsigned long prog_addr;
	if ((r->call.nr == SYS_seccomp && a[0] == SECCOMP_SET_MODE_FILTER) ||
	    (r->call.nr == SYS_prctl && a[0] == PR_SET_SECCOMP && a[1] == SECCOMP_MODE_FILTER))
		prog_addr = (unsigned long)a[2];
	else
		return false;
	return zp_safe_copy(prog, (const void *)prog_addr, sizeof *prog) == 0 && prog->len &&
	       prog->len <= BPF_MAXINSNS;
}

/* Would the filter simply run the runtime's call nr(args)? */
static bool filter_allows(const struct sock_fprog *prog, int nr, const long *args)
{
	struct seccomp_data d;
	memset(&d, 0, sizeof d);
	d.nr = nr;
	d.arch = AUDIT_ARCH_X86_64;
	d.instruction_pointer = zp_self_lo;
	for (int i = 0; i < 6 && args; i++)
		d.args[i] = (uint64_t)args[i];
	uint32_t words[sizeof d / 4];
	memcpy(words, &d, sizeof d);
	uint32_t act = run_filter(prog->filter, prog->len, words);
	return act == SECCOMP_RET_ALLOW || act == SECCOMP_RET_LOG;
}

/* Does the call in r install a seccomp filter under which rt_sigreturn or
 * rt_sigprocmask, made by the runtime, would not simply run? */
bool zp_sud_filter_refuses(const struct zp_record *r)
{
	struct sock_fprog prog;
	if (!filter_of(r, &prog))
		return false;
	return !filter_allows(&prog, SYS_rt_sigreturn, NULL) ||
	       !filter_allows(&prog, SYS_rt_sigprocmask, NULL);
}

/* Two calls the runtime makes for each new thread, which a filter may
 * refuse: arch_prctl(ARCH_SET_GS) for its block without FSGSBASE, and
 * prctl(PR_SET_SYSCALL_USER_DISPATCH) to arm SUD.  Chromium's renderer
 * filter refuses both: without FSGSBASE the runtime had to stop every
 * thread started after it, and sandboxed Chromium hung, its renderers
 * dying one after another; in SUD mode those threads went unhooked.  A
 * filter that would refuse either is installed behind a prologue that
 * lets the call through when the runtime makes it, from one of three
 * `syscall` instructions of its own (the kernel gives filters the
 * address after it), and hands everything else, the program's own calls
 * of the two included, to the program's filter unchanged, the
 * accumulator at 0 as the kernel starts it.  r->call.ret: the install's result; true if made. */
enum { W_NEXT = -1, W_ORIG = -2, W_OTHER = -3, W_IP = -4, W_ALLOW = -5 };
struct wide_insn {
	unsigned short code;
	int jt, jf; /* labels above, or 0 */
	uint32_t k;
};

bool zp_seccomp_install_widened(struct zp_record *r)
{
	struct sock_fprog prog;
	if (!filter_of(r, &prog))
		return false;
	/* The addresses after the runtime's own `syscall`s of the two
	 * (entry.S): not the gates the program's calls are made from. */
	uint64_t at_call = (uintptr_t)zp_own_call_ret, at_gs = (uintptr_t)zp_own_gs_ret,
		 at_sud = (uintptr_t)zp_own_sud_ret;
	if ((at_call >> 32) != (at_gs >> 32) || (at_call >> 32) != (at_sud >> 32))
		return false;
	const struct wide_insn pro[] = {
		{BPF_LD | BPF_W | BPF_ABS, 0, 0, 4}, /* arch */
		{BPF_JMP | BPF_JEQ | BPF_K, W_NEXT, W_ORIG, AUDIT_ARCH_X86_64},
		{BPF_LD | BPF_W | BPF_ABS, 0, 0, 0}, /* nr */
		{BPF_JMP | BPF_JEQ | BPF_K, W_NEXT, W_OTHER, SYS_arch_prctl},
		{BPF_LD | BPF_W | BPF_ABS, 0, 0, 16}, /* args[0] */
		{BPF_JMP | BPF_JEQ | BPF_K, W_IP, W_ORIG, ZP_ARCH_SET_GS},
		/* W_OTHER: A is the number still */
		{BPF_JMP | BPF_JEQ | BPF_K, W_NEXT, W_ORIG, SYS_prctl},
		{BPF_LD | BPF_W | BPF_ABS, 0, 0, 16},
		{BPF_JMP | BPF_JEQ | BPF_K, W_IP, W_ORIG, ZP_PR_SET_SYSCALL_USER_DISPATCH},
		/* W_IP */
		{BPF_LD | BPF_W | BPF_ABS, 0, 0, 20}, /* args[0], high half */
		{BPF_JMP | BPF_JEQ | BPF_K, W_NEXT, W_ORIG, 0},
		{BPF_LD | BPF_W | BPF_ABS, 0, 0, 12}, /* instruction pointer, high */
		{BPF_JMP | BPF_JEQ | BPF_K, W_NEXT, W_ORIG, (uint32_t)(at_call >> 32)},
		{BPF_LD | BPF_W | BPF_ABS, 0, 0, 8}, /* instruction pointer, low */
		{BPF_JMP | BPF_JEQ | BPF_K, W_ALLOW, W_NEXT, (uint32_t)at_call},
		{BPF_JMP | BPF_JEQ | BPF_K, W_ALLOW, W_NEXT, (uint32_t)at_gs},
		{BPF_JMP | BPF_JEQ | BPF_K, W_ALLOW, W_ORIG, (uint32_t)at_sud},
		/* W_ALLOW */
		{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW},
		/* W_ORIG */
		{BPF_LD | BPF_IMM, 0, 0, 0},
	};
	enum { EXTRA = sizeof pro / sizeof pro[0], AT_OTHER = 6, AT_IP = 9, AT_ALLOW = EXTRA - 2 };
	if (prog.len + EXTRA > BPF_MAXINSNS)
		return false;
	/* One buffer for the largest filter, kept for good: once a filter is
	 * in force, the munmap that freed it may be what the filter kills
	 * (strace's seccomp-filter-v died of SIGSYS right after its install),
	 * and a later install's mmap too.  A thread that finds it in use (or a
	 * fork child that inherited it in use) maps one of its own, kept too:
	 * no lock to wait on. */
	static struct sock_filter *buf;
	static int busy;
	bool mine = !__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE);
	struct sock_filter *f = mine ? buf : NULL;
	if (!f) {
		long m = zp_raw6(SYS_mmap, 0, BPF_MAXINSNS * (long)sizeof *f, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m < 0 && m > -4096) {
			if (mine)
				__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
			return false;
		}
		f = (struct sock_filter *)m;
		if (mine)
			buf = f;
	}
	bool made = false;
	long gs_args[6] = {ZP_ARCH_SET_GS, 0, 0, 0, 0, 0};
	long sud_args[6] = {ZP_PR_SET_SYSCALL_USER_DISPATCH, 1, 0, 0, 0, 0};
	if (zp_safe_copy(f + EXTRA, prog.filter, (size_t)prog.len * sizeof *f) == 0) {
		struct sock_fprog original = {prog.len, f + EXTRA};
		if (!filter_allows(&original, SYS_arch_prctl, gs_args) ||
		    !filter_allows(&original, SYS_prctl, sud_args)) {
			for (int i = 0; i < (int)EXTRA; i++) {
				int to[2] = {pro[i].jt, pro[i].jf};
				unsigned char off[2] = {0, 0};
				for (int j = 0; j < 2 && BPF_CLASS(pro[i].code) == BPF_JMP; j++) {
					int at = to[j] == W_ORIG    ? EXTRA - 1
						 : to[j] == W_OTHER ? AT_OTHER
						 : to[j] == W_IP    ? AT_IP
						 : to[j] == W_ALLOW ? AT_ALLOW
								    : i + 1;
					off[j] = (unsigned char)(at - (i + 1));
				}
				f[i] = (struct sock_filter){pro[i].code, off[0], off[1], pro[i].k};
			}
			struct sock_fprog widened = {(unsigned short)(prog.len + EXTRA), f};
			const long *a = r->call.args;
			r->call.ret = zp_raw5(r->call.nr, a[0], a[1], (long)&widened, a[3], a[4]);
			made = true;
		}
	}
	if (mine)
		__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
	return made;
}

/* ---- process_vm_readv under a filter ----------------------------------------
 *
 * The hooks read the program's memory with process_vm_readv, which fails
 * cleanly on a bad pointer (src/common/raw.h: zp_peek).  A filter that
 * answers it with an error or SECCOMP_RET_TRAP (signals.c: seccomp_own) is
 * handled there: zp_peek then copies with zp_safe_copy.  One that kills
 * for it is not: firejail runs its helpers (fnet, fseccomp) under a
 * blacklist that kills the process for process_vm_readv, and the first
 * string the tracer had to read there (a failed execve's path) killed
 * fnet, and with it `firejail --net=none`.  So the runtime tells the hooks
 * (zpoline_runtime.vm_readv_refused) when process_vm_readv may not be
 * made: it runs each filter the program installs on that call, and a
 * filter in force when this image started, whose rules are not known
 * here, counts as refusing it. */
static unsigned char vmread_state ZP_BIG_BSS; /* VM_* below; forked children share the answer */
enum { VM_UNKNOWN, VM_ALLOWED, VM_REFUSED };

/* Is a filter in force now (from /proc/self/status)?  Unreadable (no /proc
 * in a sandbox): taken as yes. */
static unsigned char vmread_from_status(void)
{
	char buf[2048];
	if (zp_proc_status("/proc/self/status", buf, sizeof buf) < 0)
		return VM_REFUSED;
	return zp_status_field(buf, "Seccomp:") == 0 ? VM_ALLOWED : VM_REFUSED;
}

/* Before the program's install in r (the filter not yet in force). */
void zp_seccomp_install_pre(const struct zp_record *r)
{
	const long *a = r->call.args;
	bool strict = (r->call.nr == SYS_seccomp && a[0] == SECCOMP_SET_MODE_STRICT) ||
		      (r->call.nr == SYS_prctl && a[0] == PR_SET_SECCOMP && a[1] == SECCOMP_MODE_STRICT);
	struct sock_fprog prog;
	bool filter = filter_of(r, &prog);
	unsigned char st = __atomic_load_n(&vmread_state, __ATOMIC_RELAXED);
	if (st == VM_REFUSED || (!strict && !filter))
		return;
	long args[6] = {zp_raw0(SYS_getpid), 0, 1, 0, 1, 0};
	if (strict || !filter_allows(&prog, SYS_process_vm_readv, args))
		st = VM_REFUSED;
	else if (st == VM_UNKNOWN)
		st = vmread_from_status();
	else
		return;
	__atomic_store_n(&vmread_state, st, __ATOMIC_RELAXED);
}

int zp_vm_readv_refused(void)
{
	unsigned char st = __atomic_load_n(&vmread_state, __ATOMIC_RELAXED);
	if (st == VM_UNKNOWN) {
		st = vmread_from_status();
		__atomic_store_n(&vmread_state, st, __ATOMIC_RELAXED);
	}
	return st == VM_REFUSED;
}

/* The kernel's side only: this task's calls no longer trap. */
void zp_sud_leave_task(void)
{
	zp_own_syscall6(SYS_prctl, ZP_PR_SET_SYSCALL_USER_DISPATCH, 0 /* PR_SYS_DISPATCH_OFF */, 0, 0, 0,
			0);
}

/* This thread leaves Syscall User Dispatch for good, and no new thread
 * arms it (zp_sud_refused). */
void zp_sud_disarm(struct zp_thread *t)
{
	__atomic_store_n(&zp_sud_refused, 1, __ATOMIC_RELAXED);
	zp_sud_leave_task();
	if (t) {
		t->sud_off = 1;
		t->vmask = 0; /* as for a thread refused SUD (zp_sud_arm) */
	}
	if (zp_debug)
		zp_log("zpoline: a seccomp filter forbids what the trap path needs (rt_sigreturn, "
		       "rt_sigprocmask): this thread and those started after it leave Syscall "
		       "User Dispatch");
}

/* Hook code makes its own system calls through its own libc. */
void zp_sud_block(struct zp_thread *t)
{
	if (zp_sud_armed && t)
		__atomic_store_n(&t->sud_selector, SEL_BLOCK, __ATOMIC_RELEASE);
}

/* Can this kernel dispatch?  Tried in a child, which then exits. */
bool zp_sud_available(void)
{
	long pid = zp_raw5(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		static volatile unsigned char sel = SEL_ALLOW;
		long e = zp_raw5(SYS_prctl, ZP_PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0,
				 &sel);
		zp_raw1(SYS_exit_group, e == 0 ? 0 : 1);
	}
	if (pid < 0)
		return false;
	int st = 0;
	zp_raw4(SYS_wait4, pid, &st, 0, 0);
	return (st & 0x7f) == 0 && ((st >> 8) & 0xff) == 0;
}

/* Images whose calls are caught every time, their sites never rewritten
 * (zpoline_trap_image). */
#define ZP_TRAP_IMAGES 8
static struct {
	uintptr_t lo, hi;
} trap_images[ZP_TRAP_IMAGES];
static int ntrap_images;

static bool in_trap_image(uintptr_t site)
{
	int n = __atomic_load_n(&ntrap_images, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++)
		if (site >= trap_images[i].lo && site < trap_images[i].hi)
			return true;
	return false;
}

/* For zpoline's loader, before it has the runtime rewrite an image it
 * mapped whose functions cannot be known (a stripped static program, not
 * Go): none of its `syscall` instructions can be told from data, so none
 * is rewritten, and its calls are caught by Syscall User Dispatch instead,
 * every time.  Where nothing was rewritten yet (auto mode: the loader's
 * process switches when the loader says, init.c), SUD mode from here on,
 * page 0 let go: the program's NULL reads fault as natively.  Else net
 * mode, where a site caught is not rewritten either, as it would be for
 * code a JIT wrote, since whether its function keeps data below rsp
 * (where `callq` writes) is unknown too.  Returns 1 if the image's calls
 * will be caught, 0 if not (ZPOLINE_MODE=zpoline or detour, or no Syscall
 * User Dispatch here).  Not part of the hook API: the loader and the
 * runtime ship together. */
__attribute__((visibility("default"))) int zpoline_trap_image(uintptr_t lo, uintptr_t hi)
{
	if (zp_mode == ZP_MODE_SUD)
		return 1; /* every call traps already, and nothing is rewritten */
	if (zp_mode != ZP_MODE_AUTO && zp_mode != ZP_MODE_NET)
		return 0;
	if (zp_mode == ZP_MODE_AUTO && zp_tier_pending && zp_trampoline_release()) {
		zp_tier_pending = 0;
		zp_mode = ZP_MODE_SUD;
		if (zp_debug)
			zp_log("zpoline: an image with no known functions: Syscall User Dispatch "
			       "mode from here on (every call traps), no page 0");
		return 1;
	}
	if (ntrap_images == ZP_TRAP_IMAGES)
		return 0;
	/* Net mode from here on.  Where the switch is still to come, every
	 * call traps already, and net mode keeps SUD armed when it is made
	 * (tier.c).  Where it was made, SUD was left: armed again, in this
	 * thread (the loader's only one) and any other. */
	bool rearm = zp_mode == ZP_MODE_AUTO && !zp_tier_pending;
	if (rearm) {
		struct zp_thread *t = zp_thread_self();
		zp_sud_armed = 1;
		if (!t || zp_sud_arm(t) < 0) {
			zp_sud_armed = 0;
			return 0;
		}
		zp_sud_arm_others();
	}
	trap_images[ntrap_images].lo = lo;
	trap_images[ntrap_images].hi = hi;
	__atomic_store_n(&ntrap_images, ntrap_images + 1, __ATOMIC_RELEASE);
	zp_mode = ZP_MODE_NET;
	if (rearm)
		zp_stage2_finish(); /* every number through the dispatcher, which sets the selector */
	return 1;
}

/* The safety net caught a real syscall instruction at `site`: rewrite it,
 * unless its function keeps data below rsp.  On the thread's slot
 * (zp_call_on_slot): decoding and patching need more stack than a
 * coroutine's may have. */
static long rewrite_caught(void *arg)
{
	uintptr_t site = (uintptr_t)arg;
	const uint8_t *b = (const uint8_t *)site;
	if (site < ZP_PAGE || (site >= zp_self_lo && site < zp_self_hi) ||
	    (zp_stage2_addr && site - zp_stage2_addr < ZP_PAGE))
		return 0; /* the runtime's own code is never rewritten */
	if (in_trap_image(site))
		return 0;
	if (b[0] != 0x0f || (b[1] != 0x05 && b[1] != 0x34))
		return 0;
	struct zp_maps maps;
	if (zp_maps_read(&maps) < 0)
		return 0;
	int kind = ZP_SITE_FAST;
	struct dl_find_object dfo;
	const struct zp_map *em;
	/* _dl_find_object is async-signal-safe, and we are in a handler.  The
	 * tables are read only within their own mapping. */
	if (_dl_find_object((void *)site, &dfo) == 0 && dfo.dlfo_eh_frame &&
	    (em = zp_maps_find(&maps, (uintptr_t)dfo.dlfo_eh_frame)) && (em->prot & PROT_READ)) {
		struct zp_fde_index ix;
		uintptr_t s, e;
		if (zp_fde_index_init(&ix, dfo.dlfo_eh_frame, (const void *)em->start,
				      (const void *)em->end) == 0 &&
		    (zp_fde_index_set_readable(&ix, zp_maps_readable, &maps), true) &&
		    (zp_fde_lookup(&ix, site, &s, &e) == 0 || zp_fde_gap(&ix, site, &s, &e) == 0)) {
			struct zp_func_result *fr = zp_func_result_new();
			bool found = false;
			if (fr) {
				zp_decode_function((const uint8_t *)s, e - s, site - s, fr);
				for (size_t i = 0; i < fr->nsites && i < ZP_FUNC_MAX_SITES; i++)
					found |= s + fr->sites[i] == site;
				kind = fr->redzone ? ZP_SITE_TRAP : ZP_SITE_FAST;
				zp_func_result_free(fr);
			}
			if (!found) {
				zp_maps_free(&maps);
				return 0;
			}
		}
	}
	/* Code without known functions (a JIT's RWX buffer): the kernel says
	 * this is a syscall instruction; callq it is. */
	struct zp_sites one = {0};
	if (zp_sites_push(&one, site, kind) == 0)
		zp_patch_sites(&maps, &one);
	zp_sites_free(&one);
	zp_maps_free(&maps);
	return 0;
}

/* SIGSYS: ours if the dispatch mechanism raised it. */
bool zp_sud_signal(void *ucv, siginfo_t *si)
{
	if (si->si_code != ZP_SI_SYS_USER_DISPATCH)
		return false;
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t resume = (uintptr_t)g[REG_RIP];
	uintptr_t site = resume - 2;
	if (!zp_sud_armed) {
		/* Raised before the sites were rewritten, delivered after
		 * (tier.c); else not the runtime's. */
		if (!zp_tier_switched())
			return false;
		if (zp_tier_again(uc, site))
			return true;
	} else if (zp_tier_pending && zp_tier_trap(uc, site)) {
		return true;
	}
	if (zp_mode == ZP_MODE_NET && ZP_PAGE /* page 0 is there */)
		zp_call_on_slot(rewrite_caught, (void *)site);
	zp_trap_enter(uc, SIGSYS, site, resume, (uintptr_t)g[REG_RSP], ZPOLINE_ORIGIN_SUD);
	return true;
}
