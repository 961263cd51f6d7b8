/*
 * rt.h - what the pieces of libzpoline.so share.  Not installed.
 */
#ifndef ZP_RT_H
#define ZP_RT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <signal.h>

#include "zpoline.h"
#include "layout.h"
#include "../common/raw.h"
#include "../common/gprfmt.h"

#define ZP_HIDDEN __attribute__((visibility("hidden")))

/* Big buffers that start-up touches little of, or not at all, go after
 * the small variables (the linker puts .lbss after .bss): the small ones
 * then share a page or two, and each fresh page a process touches costs a
 * zero-fill fault (~16 us on a VM here, bench/machine-costs). */
#define ZP_BIG_BSS __attribute__((section(".lbss.zp")))

/* ---- call record: the top of a slot (see layout.h) ---------------------- */
struct zp_record {
	struct zpoline_call call; /* public part, REC_NR .. REC_APPSP (call.sp) */
	uint64_t flags;
	uint64_t retaddr;
	uint64_t level;
	uint64_t saved[12]; /* rdi rsi rdx r10 r8 r9 rbx rbp r12 r13 r14 r15 */
	uint64_t action;
	uint64_t child;     /* struct zp_thread * for a clone child */
	uint64_t xsaved;
	uint32_t hooks_ran; /* bit i: hook i's pre() ran and wants post() */
	uint32_t rt_flags;  /* ZP_RTF_* */
	unsigned long cookies[ZP_MAX_HOOKS];
	uint64_t scratch[12];  /* REC_SCRATCH: copies of arguments the runtime edits */
	int orig_pos;          /* original-ABI adapter: which hook is running */
	int deferred;          /* original-ABI adapter: a special call was recorded */
	uint64_t alt_mask;     /* REC_ALTMASK */
	uint64_t alt_swap;     /* REC_ALTSWAP: made on the program's signal stack, ZP_ALT_* */
	int self_post;         /* ZP_ACT_SELF_SIGNAL: zp_post() after the call */
	uint32_t lean;         /* REC_LEAN: the stub calls the hook's post() itself */
	uint64_t gs_out;       /* REC_GSOUT: the program's %gs base to go back with, 0: ours */
	int defer_act;         /* ZP_ACT_DEFER: the action it stands for (defer.c) */
	uint64_t trap_frame;   /* a trapped call's: the trap handler's context (defer.c) */
} __attribute__((aligned(64)));

/* zp_record.rt_flags: the runtime's own post-processing */
#define ZP_RTF_CLONE 0x1        /* restore the mask, settle the child block */
#define ZP_RTF_FORK 0x2         /* refresh tid/pid in a child */
#define ZP_RTF_SIGMASK 0x4      /* rt_sigprocmask: fix up oldset */
#define ZP_RTF_VFORK 0x8        /* the child shared our memory and is gone */
#define ZP_RTF_CODE 0x10        /* may have made memory executable */
#define ZP_RTF_MOVE 0x20        /* mremap: sites may have moved */
#define ZP_RTF_EXEC 0x40        /* execve arguments rebuilt (exec.c) */
#define ZP_RTF_ALTSTACK 0x80    /* sigaltstack: the program's view (altstack.c) */
#define ZP_RTF_SIGACTION 0x100  /* rt_sigaction: the program's sa_mask in oldact */
#define ZP_RTF_TEMPMASK 0x200   /* sigsuspend, ppoll...: a mask for the call only */
#define ZP_RTF_SIGPENDING 0x400 /* rt_sigpending: add the signals held for the program */
#define ZP_RTF_EXECSIG 0x800    /* execve: blocked/ignored runtime signals made real */
#define ZP_RTF_UNWIND 0x1000    /* mprotect in an unwinder ld.so is loading (unwind.c) */
#define ZP_RTF_SIGDEFAULT 0x2000 /* rt_sigaction of a signal caught at its default (sigdefault.c) */
#define ZP_RTF_SELFSIG 0x4000   /* a signal to the caller (zp_signals_caller): from the trap */
#define ZP_RTF_MEMCHG 0x8000    /* mapped, moved or made writable: zp_code_may_change */
#define ZP_RTF_PSUD 0x10000     /* trapped by the program's own SUD: its SIGSYS sent (psud.c) */
#define ZP_RTF_CLEARSIG 0x20000 /* clone3's CLONE_CLEAR_SIGHAND, made by the child (signals.c) */
#define ZP_CLONE_CLEAR_SIGHAND 0x100000000ULL
/* Runtime work after the call that may be done from a signal handler that
 * sends the program elsewhere (signals.c, app_view_hide): the tables and
 * the program's view of the signals, no more.  Such a call's `syscall` is
 * shown to a handler as the site (zp_post_left). */
#define ZP_RTF_POST_LIGHT (ZP_RTF_SIGMASK | ZP_RTF_SIGACTION | ZP_RTF_SIGPENDING | ZP_RTF_SIGDEFAULT)
/* Runtime work that leaves the signal mask alone, before the call and
 * after it: a program's signal meanwhile can wait for the call's edge
 * (defer.c) as for a call with none. */
#define ZP_RTF_MASK_UNTOUCHED                                                                   \
	(ZP_RTF_SIGMASK | ZP_RTF_SIGACTION | ZP_RTF_SIGPENDING | ZP_RTF_CODE | ZP_RTF_MOVE |   \
	 ZP_RTF_MEMCHG | ZP_RTF_UNWIND | ZP_RTF_SIGDEFAULT)

/* ---- per-thread block ---------------------------------------------------- */
struct zp_child {
	uint64_t regs[12]; /* rdi rsi rdx r10 r8 r9 rbx rbp r12 r13 r14 r15 */
	uint64_t flags;
	uint64_t retaddr;
	uint64_t sigmask;
};

struct zp_trap_call;
struct zp_thread {
	struct zp_child child;      /* offset 0 */
	uint64_t parent_mask;       /* the mask the parent restores after clone */
	uint64_t vmask;             /* signals the application believes it blocked */
	struct zp_record *cur;      /* innermost record (original-ABI adapter) */
	/* TB_HOOKBASE: while hook code runs, the base of the slots (it runs
	 * on them), else 0.  A routed vDSO function (vdso.c) is called from
	 * hook code if the stack is within the slots and this is set: a flag
	 * alone stayed set when a program's signal handler left a hook with
	 * siglongjmp, and the stack alone is also on a slot for a handler
	 * that interrupted the stub (not the hook). */
	uintptr_t hook_base;
	/* The runtime's signals sent to this thread while the program had them
	 * blocked (never blocked for real): bits, and each one's siginfo, in
	 * the order of signals.c's ours[] (signals.c). */
	uint64_t vpend;
	unsigned char vpinfo[4][128];
	/* Trap path: the call being made in the kernel for the program
	 * (signals.c, zp_trap_enter), what a handler interrupting it is shown. */
	struct zp_trap_call *trap_call;
	/* The program's own %gs base (Wine's TEB, a wasm2c sandbox's memory):
	 * the block is found by tid while the program's base is in place, and
	 * the base goes back on every way out (thread.c, entry.S).
	 * TB_GSIN: the base the slow path's fallback met, taken into the next
	 * record.  app_gs: the program's base as last seen (0: none).
	 * sig_gs: the base a signal found, put back when the runtime's handler
	 * returns (signals.c).  TB_OWNER: the tid of the thread using it. */
	uintptr_t gs_in;
	uintptr_t app_gs;
	uintptr_t sig_gs;
	int owner;
	/* The program's own Syscall User Dispatch (psud.c): on while psud_tid
	 * is this thread's tid; the SIGSYS sent for a trapped call, until its
	 * delivery (psud_sent: its call address). */
	int psud_tid;
	uintptr_t psud_off, psud_len, psud_sel;
	long psud_nr;
	uintptr_t psud_sent;
	siginfo_t psud_info;
	/* defer.c: the record whose hooks are running, when a program's
	 * signal arriving meanwhile waits for the call's edge; the signals
	 * waiting, blocked and queued again. */
	struct zp_record *defer_rec;
	uint64_t defer_mask;
	/* TB_RECS: the record at the top of each slot, by level; TB_SPAN: the
	 * slots' bytes; TB_STAGE: record + this is where a trapped call's way
	 * out stages its last values (layout.h). */
	uintptr_t recs[ZP_NSLOTS];
	size_t span;
	intptr_t stage;
	/* defer.c: the trapped call whose handler runs the hooks (the trap
	 * path, signals.c's zp_trap_enter), when a program's signal arriving
	 * meanwhile waits; the signals held for it.  (The room below TB_MAGIC
	 * was padding; the block's end is full.) */
	struct zp_record *trap_defer_rec;
	uint64_t trap_defer_mask;
	/* TB_TRAPTAIL: the frame of a trap handler past its last look at the
	 * mask, until its sigreturn (zp_trap_sigreturn clears it); the
	 * program's signals held meanwhile (defer.c, zp_defer_tail). */
	uintptr_t trap_tail;
	uint64_t trap_tail_held;
	/* signals.c: where a handler of the program's interrupted runtime
	 * code, for a trap handler in its first steps (zp_trap_enter). */
	uintptr_t handler_sp;
	char pad0[TB_MAGIC - TB_STAGE - 8 - 40];
	uint32_t magic;             /* TB_MAGIC: ZP_TB_MAGIC_VALUE while in use */
	/* A child sharing the parent's memory while the parent waits
	 * (CLONE_VM|CLONE_VFORK): the parent frees this block when it
	 * resumes, so the child's exit must not free it first (another
	 * thread could take it in between, and the parent's free would then
	 * hand it out a second time).  In the padding: the block is full. */
	bool vfork_child;
	uint8_t slot_work;          /* zp_call_on_slot's runtime work runs (defer.c) */
	uint16_t late_steps;        /* defer.c: steps taken for late_mask */
	struct zp_thread *self;     /* TB_SELF */
	uint32_t level;             /* TB_LEVEL */
	uint32_t defer_owner;       /* defer.c: 1 + the level whose call delivers them */
	uintptr_t slots;            /* TB_SLOTS */
	int tid, pid;
	uintptr_t map_base;         /* the whole mapping: guard, slots, block */
	size_t map_size;
	bool is_static;             /* the main thread's block is never freed */
	uint8_t sud_selector;       /* TB_SUDSEL: Syscall User Dispatch selector */
	/* TB_SUDOFF: SUD is on in the other threads, but arming it here was
	 * refused (a seccomp filter installed before this thread started):
	 * its calls reach the kernel unhooked in ZPOLINE_MODE=sud, and what it
	 * does to its signal mask is not seen. */
	uint8_t sud_off;
	uint8_t alt_swap;           /* TB_ALTSWAP: calls made on alt_lo..alt_hi hold or disarm it */
	uint8_t alt_pending;        /* TB_ALTPEND: such a call is entering, signals blocked */
	uintptr_t alt_lo, alt_hi;   /* TB_ALTLO/HI: the program's sigaltstack; 0, 0: none */
	uint64_t alt_entry_mask;    /* TB_ALTMASK: the program's mask, all blocked meanwhile */
	bool alt_autodisarm;        /* ... and the program asked for SS_AUTODISARM */
	/* A task sharing the program's memory but not its signal handlers
	 * (a vfork child): its view of the runtime's signals (signals.c). */
	bool sig_private;
	bool vrelease;              /* held signals unblocked: send after the post (signals.c) */
	bool handler_ran;           /* a handler of the program ran during the trapped call */
	uint32_t late_mask;         /* defer.c: signals held while the stub steps to its edge */
	uint64_t vsig[4][4];
	/* A SIGPIPE raised by the call the hooks still have to see: raised
	 * again after the post (sigdefault.c). */
	bool pipe_held;
	int32_t pipe_code;          /* ... its si_code and si_uid (si_pid is our own) */
	uint32_t pipe_uid;
	uint32_t post_call_level;   /* trap path: level whose call returns to a post */
};

struct zp_trap_call {
	struct zp_record *rec;
	struct zp_trap_call *outer; /* a call made by a handler nested in the call of `outer` */
	uint32_t outer_post;        /* post_call_level before it */
	struct zp_record *outer_defer; /* trap_defer_rec before it */
};

/* The kernel's struct sigaction on x86-64. */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

/* The sa_flags bits the kernel keeps of an action (since 5.11 it clears
 * the others, so that a program can probe with SA_UNSUPPORTED): an old
 * action shows no more.  glibc's int sa_flags with SA_RESETHAND reaches
 * the kernel sign-extended, 0xffffffff80000000. */
#define ZP_SA_KEPT                                                                              \
	(SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | 0x800 /* SA_EXPOSE_TAGBITS */ | 0x04000000 \
	 /* SA_RESTORER */ | SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND)

/* The stub reads the %gs base before its block's magic (entry.S). */
extern ZP_HIDDEN unsigned char zp_gs_check_base;

/* The calling thread's block, or NULL for a thread the runtime has not
 * adopted.  Inline, as the pieces below: every hooked call asks. */
static inline struct zp_thread *zp_thread_self(void)
{
	uint32_t magic;
	struct zp_thread *t;
	/* Where base 0's read faults, a thread not met yet must not read
	 * (entry.S, zp_gs_check_base: its signals may all be blocked, and a
	 * fault in the SIGSEGV handler itself recursed until the stack ran
	 * out). */
	if (zp_gs_check_base) {
		uintptr_t base = 0;
		if (zp_gs_check_base == ZP_GS_CHECK_RDGSBASE)
			__asm__ volatile("rdgsbase %0" : "=r"(base));
		else
			zp_raw2(ZP_NR_ARCH_PRCTL, ZP_ARCH_GET_GS, &base);
		if (!base)
			return NULL;
	}
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(magic) : "i"(TB_MAGIC));
	if (magic != ZP_TB_MAGIC_VALUE)
		return NULL;
	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(t) : "i"(TB_SELF));
	return t;
}
ZP_HIDDEN struct zp_thread *zp_thread_new(void);
ZP_HIDDEN void zp_thread_free(struct zp_thread *t);
ZP_HIDDEN int zp_thread_init_main(void);
ZP_HIDDEN void zp_thread_adopt(uint64_t *mask);
ZP_HIDDEN void zp_thread_gs_refused(void) __attribute__((noreturn));
ZP_HIDDEN struct zp_thread *zp_thread_self_safe(void);
ZP_HIDDEN struct zp_thread *zp_thread_sig_enter(uintptr_t *was);
ZP_HIDDEN void zp_gs_write(uintptr_t base);
ZP_HIDDEN uintptr_t zp_gs_read(void);
ZP_HIDDEN void zp_thread_owned(struct zp_thread *t, int tid);
ZP_HIDDEN void zp_thread_disown(struct zp_thread *c, int tid);
/* entry.S: the magic at %gs:TB_MAGIC, 0 where nothing is mapped there; the
 * slow path's own read of it, whose fault goes to its fallback */
ZP_HIDDEN uint32_t zp_gs_magic(void);
extern ZP_HIDDEN char zp_gs_magic_fault[], zp_gs_probe[], zp_gs_probe_miss[];
ZP_HIDDEN void zp_thread_forked(struct zp_thread *self);
ZP_HIDDEN void zp_signal_fatal_seen(const siginfo_t *si, const void *uc);
/* procstatus.c */
extern ZP_HIDDEN int zp_seccomp_seen; /* a filter was seen: never removed */
ZP_HIDDEN long zp_proc_status(const char *path, char *buf, size_t size);
ZP_HIDDEN long zp_status_field(const char *text, const char *key);
ZP_HIDDEN bool zp_self_signal_ok(bool whole_process);
ZP_HIDDEN void zp_self_status_forget(bool all);
/* zp_self_at_start(): what /proc/self/status says at start-up */
#define ZP_SELF_TRACED_OR_FILTERED 1
#define ZP_SELF_THREADS 2
ZP_HIDDEN int zp_self_at_start(void);
ZP_HIDDEN bool zp_self_traced(void);
ZP_HIDDEN bool zp_self_traced_now(void);
ZP_HIDDEN bool zp_signals_caller(const struct zp_record *r, const struct zp_thread *t);
ZP_HIDDEN void zp_signals_private(struct zp_thread *child);
ZP_HIDDEN void zp_sigaction_post(struct zp_record *r);
/* In a child of clone3(CLONE_CLEAR_SIGHAND) made without the flag: the
 * kernel's reset of the program's actions. */
ZP_HIDDEN void zp_signals_clear_handlers(void);
ZP_HIDDEN long zp_sigaltstack_trapped(const long *args, uintptr_t sp, void *slot_top,
				      const stack_t *saved);
/* fn(arg) on the stack that ends at top (entry.S). */
ZP_HIDDEN long zp_call_on_stack(long (*fn)(void *), void *arg, void *top);
/* fn(arg) on this thread's next slot, not the stack a trap came on, which
 * may be a coroutine's or a signal stack of a few KiB (signals.c). */
ZP_HIDDEN long zp_call_on_slot(long (*fn)(void *), void *arg);
/* Locks another thread may have held when the process forked (decoder.c,
 * rewrite.c). */
ZP_HIDDEN void zp_decoder_forked(void);
ZP_HIDDEN void zp_rewrite_forked(void);

/* ---- programs that need NULL reads to fault (nullfault.c) --------------- */
/* The reason the program needs them (its kind), or NULL. */
ZP_HIDDEN const char *zp_needs_null_faults(void);
ZP_HIDDEN bool zp_null_reads_fault(void); /* page 0 can be execute-only */
/* The process is zpoline-loader's, its program not mapped yet. */
ZP_HIDDEN bool zp_program_is_loader(void);
/* The kind of VM ("a Java VM") a library of that path is, or NULL. */
ZP_HIDDEN const char *zp_vm_library(const char *path);
/* The program takes the low 2 GiB for itself once it runs (Wine): the
 * second stage goes elsewhere. */
ZP_HIDDEN bool zp_program_reserves_low(void);

/* ---- modes and Syscall User Dispatch (sud.c) ------------------------------ */
enum zp_mode { ZP_MODE_AUTO, ZP_MODE_ZPOLINE, ZP_MODE_NET, ZP_MODE_SUD, ZP_MODE_DETOUR };
extern ZP_HIDDEN enum zp_mode zp_mode;
extern ZP_HIDDEN unsigned char zp_sud_armed; /* SUD is on in every thread */
extern ZP_HIDDEN uintptr_t zp_self_len;
extern ZP_HIDDEN unsigned char zp_sud_refused; /* a seccomp filter forbids the trap path */
ZP_HIDDEN int zp_sud_arm(struct zp_thread *t);
ZP_HIDDEN bool zp_sud_filter_refuses(const struct zp_record *r);
ZP_HIDDEN void zp_seccomp_install_pre(const struct zp_record *r);
ZP_HIDDEN bool zp_seccomp_install_widened(struct zp_record *r);
ZP_HIDDEN int zp_vm_readv_refused(void);
ZP_HIDDEN void zp_sud_disarm(struct zp_thread *t);
ZP_HIDDEN void zp_sud_leave_task(void);
static inline void zp_sud_allow(struct zp_thread *t)
{
	if (zp_sud_armed && t)
		__atomic_store_n(&t->sud_selector, 0 /* SUD's ALLOW */, __ATOMIC_RELEASE);
}
ZP_HIDDEN void zp_sud_block(struct zp_thread *t);
/* Around the dispatcher (it and the hooks may reach code outside this
 * library's allowed range): their calls pass Syscall User Dispatch.  The
 * dispatcher nests (a signal handler of the program can make a call while
 * a hook runs): the inner one gives back the selector it found (ALLOW),
 * not the program's, or the outer hook's own calls would trap. */
static inline unsigned zp_sud_enter(struct zp_thread *t)
{
	if (!t)
		return 0;
	unsigned prev = t->sud_selector;
	zp_sud_allow(t);
	return prev;
}

static inline void zp_sud_leave(struct zp_thread *t, unsigned prev)
{
	if (t && zp_sud_armed)
		__atomic_store_n(&t->sud_selector, (uint8_t)prev, __ATOMIC_RELEASE);
}

/* Is sp on this thread's slots (the runtime's own stack)? */
static inline bool zp_on_slots(const struct zp_thread *t, uintptr_t sp)
{
	return sp - t->slots < t->span;
}

/* The record of nesting level `level`, at the top of its slot. */
static inline struct zp_record *zp_slot_record(const struct zp_thread *t, uint32_t level)
{
	return (struct zp_record *)t->recs[level & (ZP_NSLOTS - 1)];
}

/* Around a hook's own function: the routed vDSO functions know its calls
 * for the hook's (hook_base, vdso.c).  Nests as zp_sud_enter(). */
static inline uintptr_t zp_hook_enter(struct zp_thread *t)
{
	if (!t)
		return 0;
	uintptr_t prev = t->hook_base;
	t->hook_base = t->slots;
	return prev;
}

static inline void zp_hook_leave(struct zp_thread *t, uintptr_t prev)
{
	if (t)
		t->hook_base = prev;
}
ZP_HIDDEN int zp_vdso_route(void);
ZP_HIDDEN size_t zp_vdso_mark_skip(uintptr_t ip);
ZP_HIDDEN bool zp_sud_signal(void *uc, siginfo_t *si);
ZP_HIDDEN bool zp_sud_available(void);
ZP_HIDDEN void zp_sud_arm_others(void);
ZP_HIDDEN void zp_signals_adopt_handlers(void);
ZP_HIDDEN bool zp_signals_believed(struct zp_thread *t, uint64_t *mask);
ZP_HIDDEN bool zp_sud_arm_signal(void *ucv, const siginfo_t *si);
/* A handler of the program's is about to run in this thread (sud.c: a
 * call the arming signal interrupted is then not made again: the program
 * may be waiting for its EINTR). */
ZP_HIDDEN void zp_sud_handler_runs(void);

/* ---- the site table the entry stub probes -------------------------------- */
struct zp_site_table {
	uint64_t mask;
	uint64_t slot[];
};
extern ZP_HIDDEN struct zp_site_table *zp_site_table;
extern ZP_HIDDEN struct zp_site_table *zp_trap_table;
ZP_HIDDEN int zp_set_add(struct zp_site_table **tab, uint64_t key);
/* Room for `room` more keys in one step (before adding a known number). */
ZP_HIDDEN int zp_set_reserve(struct zp_site_table **tab, size_t room);
ZP_HIDDEN int zp_sets_reserve(size_t sites, size_t traps);
/* Room for a typical program's sites at once (libc, ld.so and the vDSO
 * have ~580 here); the tables grow for programs with more. */
#define ZP_SITES_TYPICAL 1024
#define ZP_TRAPS_TYPICAL 64
/* Told when zp_site_table is replaced by a larger copy (before it is). */
extern ZP_HIDDEN void (*zp_site_table_moved)(const struct zp_site_table *tab);
ZP_HIDDEN bool zp_set_has(const struct zp_site_table *tab, uint64_t key);
ZP_HIDDEN size_t zp_set_count(const struct zp_site_table *tab);
ZP_HIDDEN void zp_set_translate(struct zp_site_table **tab, uint64_t lo, uint64_t hi,
				intptr_t delta);

extern ZP_HIDDEN unsigned char zp_nr_class[ZP_CLASS_SIZE];
extern ZP_HIDDEN unsigned char zp_xsave_kind; /* 0 none, 1 xsavec, 2 xsave, 3 fxsave */
/* The kernel lets user code write the %gs base (FSGSBASE): no arch_prctl. */
extern ZP_HIDDEN unsigned char zp_wrgsbase;
ZP_HIDDEN bool zp_pku_usable(void);
/* pkru.c: the program's PKRU, from the signal frame, for a call made in a
 * handler; and what the call left, back into the frame. */
ZP_HIDDEN bool zp_pkru_enter(void *uc);
ZP_HIDDEN void zp_pkru_leave(void *uc);
extern ZP_HIDDEN uint64_t zp_xsave_size;      /* bytes to reserve, 64-aligned + 64 */
extern ZP_HIDDEN unsigned char zp_xsave_cpu_kind; /* what the CPU supports, same codes */
/* Runs fn(arg) with the extended state saved around it (xstate.c). */
ZP_HIDDEN void zp_call_saving_xstate(void (*fn)(void *), void *arg);

/* ---- assembly ------------------------------------------------------------ */
void zp_entry(void);
void zp_slow_path(void); /* zp_entry past its jump: where stage 2 goes */
void zp_sigreturn(void);
/* A trap handler's restorer (signals.c, zp_trap_enter); its instructions
 * up to and including the `syscall`. */
extern ZP_HIDDEN char zp_trap_sigreturn[], zp_trap_sigreturn_syscall[];
void zp_trap_resume(void);
extern char zp_self_signal_trap[];
void zp_verify_site(void);
/* memcpy that returns -EFAULT (not SIGSEGV) for an unmapped side. */
long zp_safe_copy(void *dst, const void *src, size_t n);
extern char zp_safe_copy_end[], zp_safe_copy_fault[];
void zpoline_null_function_call(void);
long zp_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
/* The same for the program's call, made on its behalf (entry.S). */
long zp_app_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
/* The runtime's arch_prctl(ARCH_SET_GS) and SUD prctl: a program's seccomp
 * filter lets them through from this gate and the clone child's two
 * (labels: the address after each `syscall`; sud.c). */
long zp_own_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern char zp_own_call_ret[], zp_own_gs_ret[], zp_own_sud_ret[];

/* ---- trampoline ---------------------------------------------------------- */
ZP_HIDDEN int zp_trampoline_map(char *err, size_t errlen);
/* Page 0 held now, built when a site is first rewritten (trampoline.c). */
ZP_HIDDEN int zp_trampoline_reserve(char *err, size_t errlen);
ZP_HIDDEN int zp_trampoline_ensure(void);
ZP_HIDDEN bool zp_trampoline_release(void);
ZP_HIDDEN int zp_stage2_map_alone(char *err, size_t errlen);
ZP_HIDDEN bool zp_trampoline_is_ours(bool page0);
ZP_HIDDEN void zp_stage2_finish(void);
struct zp_site_table;
ZP_HIDDEN void zp_stage2_set_table(const struct zp_site_table *tab);
extern const unsigned char zp_stage2_template[] __attribute__((visibility("hidden")));
extern const unsigned char zp_stage2_legacy[] __attribute__((visibility("hidden")));
extern const unsigned char zp_stage2_ret[] __attribute__((visibility("hidden")));
extern const unsigned char zp_stage2_jmp[] __attribute__((visibility("hidden")));
extern ZP_HIDDEN bool zp_exec_only; /* page 0 is execute-only (PKU) */
extern ZP_HIDDEN bool zp_page0_ours; /* the trampoline is at page 0 */
/* Page 0 was held PROT_NONE (zp_trampoline_reserve): a fault there is
 * reported as natively, built since or not. */
extern ZP_HIDDEN bool zp_page0_held;
extern ZP_HIDDEN bool zp_return_by_ret; /* back to a site with ret, not jmp (trampoline.c) */
extern ZP_HIDDEN bool zp_stage2_bmi2; /* the entry stub's lookup changes no flag */
extern ZP_HIDDEN uintptr_t zp_stage2_addr;
/* The tail jumps through a pointer at zp_tail_ptr (trampoline.c). */
extern ZP_HIDDEN bool zp_tail_indirect;
/* Page 0 is made of jmp rel32 units (trampoline.c), not the rel8 sled. */
extern ZP_HIDDEN bool zp_trampoline_units;
extern ZP_HIDDEN uintptr_t zp_tail_ptr;

/* ---- hooks ----------------------------------------------------------------- */
struct zp_hook_slot {
	struct zpoline_hook h;
	long (*orig_fn)(long, long, long, long, long, long, long); /* original ABI */
	const char *path;
};
extern ZP_HIDDEN struct zp_hook_slot zp_hooks[ZP_MAX_HOOKS];
extern ZP_HIDDEN int zp_nhooks;
ZP_HIDDEN int zp_hooks_load(const char *list);
ZP_HIDDEN void zp_hooks_fini(void);
ZP_HIDDEN bool zp_in_hook_namespace(const void *addr);
ZP_HIDDEN long zp_orig_next(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
ZP_HIDDEN void zp_class_rebuild(void);
extern ZP_HIDDEN unsigned char zp_lean;
extern ZP_HIDDEN unsigned char zp_lean_keeps;
extern ZP_HIDDEN int (*zp_lean_pre)(struct zpoline_call *, void *);
extern ZP_HIDDEN void (*zp_lean_post)(struct zpoline_call *, void *);
extern ZP_HIDDEN void *zp_lean_ctx;
ZP_HIDDEN void zp_lean_decide(bool allowed);

/* ---- dispatch -------------------------------------------------------------- */
ZP_HIDDEN long zp_pre(struct zp_record *r);
ZP_HIDDEN long zp_pre_lean_changed(struct zp_record *r, long nr0);
ZP_HIDDEN void zp_lean_after_post(struct zp_record *r);
ZP_HIDDEN long zp_lean_deferred_pre(struct zp_record *r, long nr0, int pre_ret);
ZP_HIDDEN long zp_lean_deferred_post(struct zp_record *r);
ZP_HIDDEN long zp_post(struct zp_record *r);
ZP_HIDDEN void zp_post_left(struct zp_record *r, long ret);
ZP_HIDDEN long zp_dispatch_trap(struct zpoline_call *c);
ZP_HIDDEN bool zp_runtime_wants(long nr);
/* psud.c: Syscall User Dispatch armed by the program itself */
extern ZP_HIDDEN unsigned char zp_psud_seen;
ZP_HIDDEN long zp_psud_prctl(const struct zp_record *r, struct zp_thread *t);
ZP_HIDDEN bool zp_psud_trap(struct zp_record *r, struct zp_thread *t);
ZP_HIDDEN void zp_psud_post(struct zp_record *r, struct zp_thread *t);
ZP_HIDDEN bool zp_psud_signal(const siginfo_t *si);
extern ZP_HIDDEN long zp_max_nr;
extern ZP_HIDDEN long zp_command_pid; /* ZPOLINE_COMMAND_PID: our command (relay.h) */

/* ---- signals --------------------------------------------------------------- */
ZP_HIDDEN int zp_signals_init(void);
ZP_HIDDEN bool zp_signal_is_ours(int sig);
ZP_HIDDEN uint64_t zp_signal_asked_ours(int sig);
ZP_HIDDEN long zp_sigaction_virtual(struct zp_record *r);
ZP_HIDDEN void zp_sigmask_pre(struct zp_record *r);
ZP_HIDDEN void zp_sigmask_post(struct zp_record *r);
ZP_HIDDEN void zp_sigreturn_pre(struct zp_record *r);
ZP_HIDDEN int zp_tempmask_pre(struct zp_record *r);
ZP_HIDDEN void zp_tempmask_post(struct zp_record *r);
ZP_HIDDEN void zp_sigpending_post(struct zp_record *r);
ZP_HIDDEN int zp_sigtimedwait_pre(struct zp_record *r);
ZP_HIDDEN void zp_exec_signals_pre(struct zp_record *r);
ZP_HIDDEN void zp_exec_signals_post(struct zp_record *r);
ZP_HIDDEN void zp_signals_forked(struct zp_thread *self);
/* Signals caught at their default action for the hooks: SIGPIPE while
 * they want writes, those that end the process if one asks (sigdefault.c). */
ZP_HIDDEN void zp_sigdefault_init(void);
ZP_HIDDEN bool zp_sigdefault_wanted(int sig);
ZP_HIDDEN void zp_sigdefault_reset(int sig);
ZP_HIDDEN void zp_sigdefault_action_pre(struct zp_record *r);
ZP_HIDDEN void zp_sigdefault_action_post(struct zp_record *r);
ZP_HIDDEN void zp_sigpipe_raise_held(struct zp_thread *t);
ZP_HIDDEN int zp_sigpipe_held(siginfo_t *info); /* struct zpoline_runtime.held_signal */
ZP_HIDDEN int zp_catch_fatal_signals(void);     /* struct zpoline_runtime.catch_fatal_signals */
/* struct zpoline_runtime.sigreturn_blocked_own */
ZP_HIDDEN unsigned long zp_sigreturn_blocked_own(void);
/* struct zpoline_runtime.on_signal (signals.c) */
ZP_HIDDEN int zp_on_signal(void (*fn)(const siginfo_t *info, int fatal, void *ctx), void *ctx);
ZP_HIDDEN const struct zpoline_call *zp_interrupted_call(long *rax, int *again);
/* The `syscall` instructions whose calls the entry stub follows with a post. */
extern ZP_HIDDEN char zp_app_syscall_post1[], zp_app_syscall_post2[], zp_app_syscall_raw[];
ZP_HIDDEN long zp_trap_syscall(uint64_t *held, const struct zpoline_call *call);
extern ZP_HIDDEN char zp_trap_syscall_end[];
/* The kind of the entry stub's edge ip is in (ZP_WIN_*, layout.h), or 0. */
ZP_HIDDEN int zp_stub_window_at(uintptr_t ip);
/* defer.c */
ZP_HIDDEN bool zp_defer_signal(struct zp_thread *t, int sig, const siginfo_t *si, ucontext_t *uc);
ZP_HIDDEN bool zp_rewind_signal(struct zp_thread *t, int sig, const siginfo_t *si, ucontext_t *uc);
ZP_HIDDEN bool zp_defer_trapped(struct zp_thread *t, int sig, const siginfo_t *si, ucontext_t *uc);
ZP_HIDDEN bool zp_defer_tail(struct zp_thread *t, int sig, const siginfo_t *si, ucontext_t *uc);
ZP_HIDDEN bool zp_defer_late(struct zp_thread *t, int sig, const siginfo_t *si, ucontext_t *uc);
ZP_HIDDEN bool zp_late_step(ucontext_t *uc);
ZP_HIDDEN void zp_late_release(struct zp_thread *t, ucontext_t *uc);
ZP_HIDDEN bool zp_signal_entry(uintptr_t ip);
ZP_HIDDEN int zp_defer_take(struct zp_record *r, struct zp_thread *t, int act);
ZP_HIDDEN long zp_defer_undo(struct zp_record *r);
ZP_HIDDEN bool zp_defer_deliver(ucontext_t *uc, uintptr_t rip);
/* The context of a signal frame made the program's as call r leaves it,
 * at its return address, the level given back or not (signals.c). */
ZP_HIDDEN void zp_context_after_call(ucontext_t *uc, const struct zp_record *r, struct zp_thread *t,
				     bool give_back);
extern ZP_HIDDEN char zp_app_syscall_fast[], zp_app_syscall_release_ret[], zp_app_syscall_release[];
ZP_HIDDEN void zp_signals_after_post(const struct zp_record *r, struct zp_thread *t);

/* ---- the program's signal stacks (altstack.c) ------------------------------ */
ZP_HIDDEN void zp_altstack_adopt(struct zp_thread *t);
ZP_HIDDEN int zp_sigaltstack_pre(struct zp_record *r, struct zp_thread *t);
ZP_HIDDEN void zp_sigaltstack_post(struct zp_record *r, struct zp_thread *t);
/* A call made at sp is made on the program's signal stack (altstack.c). */
ZP_HIDDEN bool zp_altstack_swaps(const struct zp_thread *t, uintptr_t sp);
ZP_HIDDEN void zp_altstack_hold(struct zp_record *r, struct zp_thread *t);
ZP_HIDDEN void zp_altstack_unhold(struct zp_record *r);
ZP_HIDDEN int zp_altstack_rearm(struct zp_record *r, struct zp_thread *t, int act);
/* A call made on the program's signal stack enters with every signal
 * blocked (the stub did it): keep them so, or disarm the stack and give
 * the mask back. */
static inline void zp_altstack_enter(struct zp_record *r, struct zp_thread *t)
{
	if (!t || !t->alt_pending)
		r->alt_swap = 0;
	else
		zp_altstack_hold(r, t);
}
/* The call goes back to the program (act): re-arm its stack. */
static inline int zp_altstack_leave(struct zp_record *r, struct zp_thread *t, int act)
{
	return r->alt_swap ? zp_altstack_rearm(r, t, act) : act;
}
ZP_HIDDEN void zp_trap_enter(void *uc, int sig, uintptr_t site, uintptr_t resume, uintptr_t sp,
			     unsigned origin);
extern ZP_HIDDEN uint64_t zp_ours_mask; /* sigset bits the runtime keeps unblocked */

/* ---- sites ----------------------------------------------------------------- */
struct zp_stats {
	unsigned long mappings, objects, bytes, candidates;
	unsigned long fast, trap, not_insn, no_boundary, shared_skipped, failed;
	unsigned long cache_hits, text_cached;
	unsigned long go_tables; /* objects whose Go function table was used */
	unsigned long insns;     /* instructions decoded to check candidates */
	unsigned long long ns_scan;
};
extern ZP_HIDDEN struct zp_stats zp_stats;
ZP_HIDDEN int zp_rewrite_all(void);
ZP_HIDDEN void zp_rewrite_collect(void);
ZP_HIDDEN int zp_rewrite_objects(void);
/* Candidates were left outside known functions (rewrite.c). */
ZP_HIDDEN bool zp_unknown_sites(void);

/* ---- rewriting put off (tier.c) ------------------------------------------- */
/* Calls made through the trap path before the sites are rewritten (see
 * tier.c and docs/performance.md for the figures it is chosen from). */
#define ZP_SWITCH_AFTER_DEFAULT 200
extern ZP_HIDDEN unsigned char zp_tier_pending; /* sites not yet rewritten; SUD armed */
ZP_HIDDEN bool zp_tier_start(long after, bool lean_ok, struct zp_thread *main);
ZP_HIDDEN bool zp_tier_trap(void *uc, uintptr_t site);
ZP_HIDDEN bool zp_tier_switched(void);
ZP_HIDDEN bool zp_tier_again(void *uc, uintptr_t site);
ZP_HIDDEN void zp_tier_now(const char *why);
ZP_HIDDEN void zp_tier_forked(int pid);
/* This library's own address range (never rewritten). */
extern ZP_HIDDEN uintptr_t zp_self_lo, zp_self_hi;
/* Another copy of libzpoline.so is loaded (rewrite.c). */
ZP_HIDDEN bool zp_other_runtime_loaded(void);

/* ---- code appearing after start-up (watch.c) ------------------------------ */
struct zp_watch_stats {
	unsigned long file_ranges, anon_ranges, not_elf;
	unsigned long anon_bytes; /* anonymous code read by the scanner */
};
extern ZP_HIDDEN struct zp_watch_stats zp_watch_stats;
ZP_HIDDEN void zp_code_appeared(uintptr_t addr, size_t len, int fd, uint64_t off);
ZP_HIDDEN void zp_code_moved(uintptr_t old, size_t len, uintptr_t new_addr);
/* [addr, addr+len) may be written or replaced (mmap, munmap, mremap, a
 * writable mprotect): its scanned anonymous code is no longer known clean. */
ZP_HIDDEN void zp_code_may_change(uintptr_t addr, size_t len);
/* In a forked child: the table of clean code is usable again. */
ZP_HIDDEN void zp_watch_forked(void);

/* ---- the fast path's unwind information (unwind.c) ------------------------ */
/* libgcc_s.so.1 mapped but not yet relocated: [lo, hi), else 0. */
extern ZP_HIDDEN uintptr_t zp_unwind_pending_lo, zp_unwind_pending_hi;
/* Set once the program signalled itself: unwinders get the information. */
extern ZP_HIDDEN int zp_unwind_wanted;
/* gdb's JIT interface (gdbjit.c): an ELF image of the second stage. */
ZP_HIDDEN size_t zp_gdbjit_image(unsigned char *img, size_t cap, uintptr_t stage2);
ZP_HIDDEN void zp_gdbjit_register(const void *image, size_t len);
ZP_HIDDEN void zp_unwind_want(void);
ZP_HIDDEN bool zp_unwind_is_unwinder(const char *path);
ZP_HIDDEN void zp_unwind_loaded(uintptr_t base, bool relocated);
ZP_HIDDEN void zp_unwind_protected(uintptr_t addr, int prot);

/* ---- execve (exec.c) -------------------------------------------------------- */
ZP_HIDDEN void zp_exec_init(void);
ZP_HIDDEN void zp_exec_hide_added(void);
ZP_HIDDEN bool zp_exec_added(const char *name);
ZP_HIDDEN void zp_exec_pre(struct zp_record *r);
ZP_HIDDEN void zp_exec_post(struct zp_record *r);

/* ---- misc ------------------------------------------------------------------- */
extern ZP_HIDDEN int zp_debug;          /* ZPOLINE_DEBUG level */
extern ZP_HIDDEN int zp_log_fd;         /* where messages go (stderr, dup'ed) */
ZP_HIDDEN void zp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
ZP_HIDDEN void zp_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
ZP_HIDDEN uint64_t zp_now_ns(void);

/* ---- settings from the environment (env.c): a value that means nothing
 * is said and the default taken ------------------------------------------------ */
ZP_HIDDEN int zp_env_int(const char *name, int dflt);
/* The index of the value among `words`, or dflt (unset or empty too). */
ZP_HIDDEN int zp_env_word(const char *name, const char *const *words, int nwords, int dflt);
/* 0/1, off/on, no/yes, false/true. */
ZP_HIDDEN bool zp_env_bool(const char *name, bool dflt);

#endif
