/*
 * thread.c - per-thread blocks.
 *
 * Every thread that enters a hook gets a block: the slots its hooks run on
 * and the record of each call in flight.  The entry stub finds it through
 * the %gs base (%fs belongs to the program's libc, and Go and other
 * runtimes set it as they please; most programs leave %gs alone).  A
 * program that sets its own %gs base (Wine, wasm2c sandboxes) has it
 * whenever its code runs: the block is then found by the thread's tid and
 * is the base only while the runtime runs (docs/design.md).
 *
 * Layout of one mapping:  [guard page][slot 0 .. slot N-1][block page]
 * with N = ZP_NSLOTS slots of ZP_SLOT_SIZE, or, where the address space is
 * limited, ZP_SMALL_NSLOTS of ZP_SMALL_SLOT_SIZE (the block's table of
 * records repeats them).
 *
 * Blocks are never unmapped: a thread's exit marks its block free (magic 0)
 * and the next new thread takes it.  Nothing here may call libc; it runs in
 * the middle of the program's system calls.
 */
#include <stddef.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "rt.h"

_Static_assert(offsetof(struct zp_thread, magic) == TB_MAGIC, "TB_MAGIC");
_Static_assert(offsetof(struct zp_thread, self) == TB_SELF, "TB_SELF");
_Static_assert(offsetof(struct zp_thread, level) == TB_LEVEL, "TB_LEVEL");
_Static_assert(offsetof(struct zp_thread, slots) == TB_SLOTS, "TB_SLOTS");
_Static_assert(sizeof(struct zp_thread) <= TB_SIZE, "TB_SIZE");
_Static_assert(offsetof(struct zp_thread, tid) == TB_TID, "TB_TID");
_Static_assert(offsetof(struct zp_thread, pid) == TB_TID + 4, "TB_TID + 4");
_Static_assert(offsetof(struct zp_thread, vrelease) == TB_VRELEASE, "TB_VRELEASE");
_Static_assert(offsetof(struct zp_thread, hook_base) == TB_HOOKBASE, "TB_HOOKBASE");
_Static_assert(offsetof(struct zp_thread, sud_selector) == TB_SUDSEL, "TB_SUDSEL");
_Static_assert(offsetof(struct zp_thread, sud_off) == TB_SUDOFF, "TB_SUDOFF");
_Static_assert(offsetof(struct zp_thread, vmask) == TB_VMASK, "TB_VMASK");
_Static_assert(offsetof(struct zp_thread, gs_in) == TB_GSIN, "TB_GSIN");
_Static_assert(offsetof(struct zp_thread, app_gs) == TB_APPGS, "TB_APPGS");
_Static_assert(offsetof(struct zp_thread, owner) == TB_OWNER, "TB_OWNER");
_Static_assert(offsetof(struct zp_child, regs[0]) == CH_RDI, "CH_RDI");
_Static_assert(offsetof(struct zp_child, regs[5]) == CH_R9, "CH_R9");
_Static_assert(offsetof(struct zp_child, regs[11]) == CH_R15, "CH_R15");
_Static_assert(offsetof(struct zp_child, flags) == CH_FLAGS, "CH_FLAGS");
_Static_assert(offsetof(struct zp_child, retaddr) == CH_RETADDR, "CH_RETADDR");
_Static_assert(offsetof(struct zp_child, sigmask) == CH_SIGMASK, "CH_SIGMASK");
_Static_assert(offsetof(struct zp_thread, recs) == TB_RECS, "TB_RECS");
_Static_assert(offsetof(struct zp_thread, span) == TB_SPAN, "TB_SPAN");
_Static_assert(offsetof(struct zp_thread, stage) == TB_STAGE, "TB_STAGE");
_Static_assert((ZP_NSLOTS & (ZP_NSLOTS - 1)) == 0, "slots: power of two");
_Static_assert(ZP_NSLOTS % ZP_SMALL_NSLOTS == 0, "the table repeats small slots");
_Static_assert(ZP_SMALL_SLOT_SIZE % ZP_PAGE == 0 && ZP_SMALL_SLOT_SIZE >= 2 * ZP_STAGE_ROOM,
	       "slot size");

/* Every block ever made, linked through a list that only grows (entry.S
 * walks it too, to find a block by tid). */
struct pool_entry {
	struct zp_thread *t;
	struct pool_entry *next;
};
_Static_assert(offsetof(struct pool_entry, t) == 0 && offsetof(struct pool_entry, next) == 8,
	       "entry.S walks the pool");
ZP_HIDDEN struct pool_entry *zp_thread_pool;

static void reset(struct zp_thread *t)
{
	t->level = 0;
	t->tid = 0;
	t->pid = 0;
	t->vmask = 0;
	t->vpend = 0;
	t->vrelease = false;
	t->pipe_held = false;
	t->post_call_level = 0;
	t->trap_call = NULL;
	t->cur = NULL;
	t->sud_selector = 0;
	t->sud_off = 0;
	t->psud_tid = 0;
	t->psud_sent = 0;
	t->hook_base = 0;
	t->alt_swap = t->alt_pending = 0; /* a new thread has no signal stack */
	t->alt_lo = t->alt_hi = 0;
	t->alt_autodisarm = false;
	t->sig_private = false; /* shares the program's handlers until clone says not */
	t->vfork_child = false;
	t->gs_in = t->app_gs = t->sig_gs = 0;
	t->owner = 0;
	t->self = t;
}

/* Is the address space limited (RLIMIT_AS, `ulimit -v`)?  Every byte of a
 * block counts there, reserved or not: with 8 slots of 128 KiB a thread, a
 * program under `ulimit -v 150000` started 132 threads of 64 KiB stacks
 * where it started 2161 natively (test-hostile).  Asked at every new block: a program may set the limit
 * after start-up. */
static bool as_limited(void)
{
	uint64_t lim[2];
	return zp_raw4(SYS_prlimit64, 0, RLIMIT_AS, 0, lim) == 0 && lim[0] != ~0ull;
}

static struct zp_thread *map_slots(size_t nslots, size_t slot_size)
{
	size_t bytes = ZP_PAGE + nslots * slot_size + TB_SIZE;
	long m = zp_raw6(SYS_mmap, 0, (long)bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m < 0)
		return NULL;
	uintptr_t base = (uintptr_t)m;
	zp_raw3(SYS_mprotect, base, ZP_PAGE, PROT_NONE);
	struct zp_thread *t = (struct zp_thread *)(base + bytes - TB_SIZE);
	t->map_base = base;
	t->map_size = bytes;
	t->slots = base + ZP_PAGE;
	t->span = nslots * slot_size;
	for (size_t i = 0; i < ZP_NSLOTS; i++)
		t->recs[i] = t->slots + (i % nslots + 1) * slot_size - REC_SIZE;
	t->stage = (intptr_t)REC_SIZE - (intptr_t)slot_size + ZP_STAGE_ROOM;
	return t;
}

static struct zp_thread *map_new(void)
{
	struct zp_thread *t = NULL;
	if (!as_limited())
		t = map_slots(ZP_NSLOTS, ZP_SLOT_SIZE);
	if (!t)
		t = map_slots(ZP_SMALL_NSLOTS, ZP_SMALL_SLOT_SIZE);
	if (!t)
		return NULL;
	reset(t);
	/* The pool entry lives in the block page's spare room. */
	struct pool_entry *e = (struct pool_entry *)((char *)t + TB_SIZE - sizeof *e);
	e->t = t;
	struct pool_entry *head = __atomic_load_n(&zp_thread_pool, __ATOMIC_ACQUIRE);
	do
		e->next = head;
	while (!__atomic_compare_exchange_n(&zp_thread_pool, &head, e, true, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE));
	return t;
}

_Static_assert(sizeof(struct zp_thread) + sizeof(struct pool_entry) <= TB_SIZE, "pool room");

struct zp_thread *zp_thread_new(void)
{
	for (struct pool_entry *e = __atomic_load_n(&zp_thread_pool, __ATOMIC_ACQUIRE); e; e = e->next) {
		uint32_t zero = 0;
		if (__atomic_load_n(&e->t->magic, __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(&e->t->magic, &zero, ZP_TB_MAGIC_VALUE, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			reset(e->t);
			e->t->is_static = false;
			return e->t;
		}
	}
	struct zp_thread *t = map_new();
	if (t)
		__atomic_store_n(&t->magic, ZP_TB_MAGIC_VALUE, __ATOMIC_RELEASE);
	return t;
}

void zp_thread_free(struct zp_thread *t)
{
	if (t && !t->is_static)
		__atomic_store_n(&t->magic, 0, __ATOMIC_RELEASE);
}

/* WRGSBASE where the kernel allows it: arch_prctl(ARCH_SET_GS) is a call a
 * seccomp filter may refuse (Chromium's allows ARCH_SET_FS only), and
 * threads are adopted after such a filter is installed. */
static int set_gs(struct zp_thread *t)
{
	if (zp_wrgsbase) {
		zp_gs_write((uintptr_t)t);
		return 0;
	}
	return (int)zp_own_syscall6(SYS_arch_prctl, ZP_ARCH_SET_GS, (long)t, 0, 0, 0, 0);
}

/* Only where the kernel allows FSGSBASE (zp_wrgsbase). */
void zp_gs_write(uintptr_t base)
{
	__asm__ volatile("wrgsbase %0" : : "r"(base) : "memory");
}

uintptr_t zp_gs_read(void)
{
	uintptr_t base;
	__asm__ volatile("rdgsbase %0" : "=r"(base));
	return base;
}

/* t is now the block of thread tid: a block of a thread gone by the same
 * tid (an adopted thread's is never freed) must not be found for it. */
void zp_thread_owned(struct zp_thread *t, int tid)
{
	t->owner = tid;
	zp_thread_disown(t, tid);
}

/* A new thread, tid, has c: no other block may be found for it. */
void zp_thread_disown(struct zp_thread *c, int tid)
{
	for (struct pool_entry *e = __atomic_load_n(&zp_thread_pool, __ATOMIC_ACQUIRE); e; e = e->next)
		if (e->t != c && e->t->owner == tid)
			e->t->owner = 0;
}

/* The calling thread's block found by its tid: its %gs base is the
 * program's. */
static struct zp_thread *by_tid(int tid)
{
	for (struct pool_entry *e = __atomic_load_n(&zp_thread_pool, __ATOMIC_ACQUIRE); e; e = e->next)
		if (__atomic_load_n(&e->t->magic, __ATOMIC_ACQUIRE) == ZP_TB_MAGIC_VALUE &&
		    e->t->owner == tid)
			return e->t;
	return NULL;
}

/* zp_thread_self() for code that may run under the program's %gs base (a
 * signal handler of the runtime's): nothing is read through a base that is
 * not a block (zp_gs_magic survives an unmapped one, and a base whose
 * bytes happen to hold the magic is not its own block). */
struct zp_thread *zp_thread_self_safe(void)
{
	if (!zp_wrgsbase)
		return zp_thread_self();
	uintptr_t base = zp_gs_read();
	if (!base || zp_gs_magic() != ZP_TB_MAGIC_VALUE)
		return NULL;
	struct zp_thread *t;
	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(t) : "i"(TB_SELF));
	return (uintptr_t)t == base ? t : NULL;
}

/* A signal handler of the runtime's starts: the thread's block, with %gs
 * switched to it; *was = the base the signal found (0: not switched, or
 * no FSGSBASE).  A base of 0 is a thread the runtime has not met. */
struct zp_thread *zp_thread_sig_enter(uintptr_t *was)
{
	*was = 0;
	if (!zp_wrgsbase)
		return zp_thread_self();
	uintptr_t base = zp_gs_read();
	*was = base;
	struct zp_thread *t = zp_thread_self_safe();
	if (t || !base)
		return t;
	t = by_tid((int)zp_raw0(SYS_gettid));
	if (t)
		zp_gs_write((uintptr_t)t);
	return t;
}

int zp_thread_init_main(void)
{
	struct zp_thread *t = zp_thread_new();
	if (!t)
		return -12;
	t->is_static = true;
	/* Known now, not at the first slow-path call (zp_pre), which would ask
	 * again. */
	t->tid = (int)zp_raw0(SYS_gettid);
	t->pid = (int)zp_raw0(SYS_getpid);
	zp_thread_owned(t, t->tid);
	zp_altstack_adopt(t);
	return set_gs(t);
}

/* entry.S runs zp_thread_adopt on this stack, one thread at a time.  Its
 * argument: the signal mask to go back to, which it may change. */
ZP_HIDDEN unsigned char zp_adopt_stack[ZP_ADOPT_STACK_SIZE] ZP_BIG_BSS __attribute__((aligned(64)));
ZP_HIDDEN int zp_adopt_lock;

/* The %gs base the thread has now (0 if it cannot be read). */
static uintptr_t get_gs(void)
{
	uintptr_t base = 0;
	if (zp_wrgsbase)
		__asm__ volatile("rdgsbase %0" : "=r"(base));
	else if (zp_raw2(SYS_arch_prctl, ZP_ARCH_GET_GS, &base) != 0)
		base = 0;
	return base;
}

/* Without FSGSBASE (Linux < 5.9, or an old CPU) the stub cannot switch
 * bases cheaply: a program that set a thread's %gs base itself has it
 * replaced by the runtime's block (README, Limits).  Said once, so the
 * crash that follows has its cause on stderr. */
static void warn_program_gs(void)
{
	static int warned ZP_BIG_BSS;
	uintptr_t base = get_gs();
	if (!base || __atomic_load_n(&warned, __ATOMIC_RELAXED))
		return;
	for (struct pool_entry *e = __atomic_load_n(&zp_thread_pool, __ATOMIC_ACQUIRE); e; e = e->next)
		if ((uintptr_t)e->t == base)
			return; /* a block of ours: not the program's (not a reason to stay quiet) */
	if (__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		return;
	zp_log("zpoline: the program set a thread's %%gs base itself (0x%lx); without FSGSBASE "
	       "the runtime keeps its per-thread block there and replaces it: code that reads "
	       "through %%gs (Wine, wasm2c sandboxes) will fail (not supported)",
	       (unsigned long)base);
}

/* A thread the runtime did not create (it was started before the runtime,
 * or by code that was not rewritten) enters its first hook; or a thread
 * whose program set its own %gs base (Wine's TEB, a wasm2c sandbox's
 * memory) enters the slow path: its block is found by tid, and the
 * program's base waits in TB_GSIN for the call's record, which puts it
 * back on the way out (entry.S). */
void zp_thread_adopt(uint64_t *mask)
{
	uintptr_t prog = 0;
	int tid = (int)zp_raw0(SYS_gettid);
	if (zp_wrgsbase) {
		prog = zp_gs_read();
		struct zp_thread *t = by_tid(tid);
		if (t) {
			zp_gs_write((uintptr_t)t);
			t->gs_in = prog;
			t->app_gs = prog;
			return;
		}
	} else {
		warn_program_gs();
	}
	struct zp_thread *t = zp_thread_new();
	if (!t)
		zp_die("zpoline: out of memory for a thread's hook stack");
	if (set_gs(t) < 0)
		zp_thread_gs_refused();
	/* Such a thread may outlive its creator's idea of it; keep its block. */
	t->is_static = true;
	zp_thread_owned(t, tid);
	t->gs_in = prog;
	t->app_gs = prog;
	/* Started where the runtime did not see it (before its constructor,
	 * or by code making its own calls), the thread may block the
	 * runtime's signals for real, and die of the first trap or fault it
	 * needs. */
	zp_signals_believed(t, mask);
	zp_self_status_forget(false);
	zp_altstack_adopt(t);
	if (zp_sud_armed)
		zp_sud_arm(t);
}

/* Without FSGSBASE a thread's block is set with arch_prctl(ARCH_SET_GS),
 * which a seccomp filter may refuse to threads started after it
 * (Chromium's allows ARCH_SET_FS only).  Such a thread would run on the
 * block of the thread that started it, two threads in the same slots and
 * hook stacks: stopped here, with the reason, rather than left to corrupt
 * them (README, Limits). */
void zp_thread_gs_refused(void)
{
	static int told ZP_BIG_BSS;
	/* Said by a thread before this one, which ends the process once it
	 * has: an exit_group here cut its message off (test-seccomp). */
	if (__atomic_exchange_n(&told, 1, __ATOMIC_RELAXED))
		for (;;)
			__builtin_ia32_pause();
	zp_die("zpoline: a seccomp filter refuses arch_prctl(ARCH_SET_GS) to a new thread, and "
	       "without FSGSBASE (this CPU or a kernel before 5.9) that call is the only way to "
	       "give the thread its own block: not supported, exiting");
}

/* In a forked child only the calling thread exists: give the blocks of the
 * others back. */
void zp_thread_forked(struct zp_thread *self)
{
	for (struct pool_entry *e = __atomic_load_n(&zp_thread_pool, __ATOMIC_ACQUIRE); e; e = e->next)
		if (e->t != self)
			zp_thread_free(e->t);
	zp_decoder_forked();
	zp_rewrite_forked();
	zp_watch_forked();
	zp_signals_forked(self);
	zp_self_status_forget(true);
	if (self) {
		/* The child's one thread leads its thread group: its tid is
		 * the new pid. */
		self->tid = self->pid = (int)zp_raw0(SYS_gettid);
		zp_thread_owned(self, self->tid);
		zp_tier_forked(self->pid);
		if (zp_sud_armed) {
			/* fork does not carry it over.  We are in the child's
			 * post(), whose hooks are still to run: arming leaves the
			 * selector on BLOCK, which would make the hooks' own calls
			 * trap into the hook chain again; keep the state zp_post()
			 * entered with (ALLOW), zp_sud_leave() puts the program's
			 * back. */
			uint8_t sel = __atomic_load_n(&self->sud_selector, __ATOMIC_ACQUIRE);
			zp_sud_arm(self);
			__atomic_store_n(&self->sud_selector, sel, __ATOMIC_RELEASE);
		}
	}
}

