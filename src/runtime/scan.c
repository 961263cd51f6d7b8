/*
 * scan.c - the candidate pass over one range of code, on two CPUs when the
 * range is big.
 *
 * A cold start of a program with much code is mostly this pass and the
 * decoding after it (clang-tidy: 114 MiB in 20 objects), and the program's
 * own start-up runs on one CPU: the other is idle.  A range of at least
 * zp_scan_split_min bytes is cut in blocks (1 MiB or more, page-aligned);
 * a helper thread takes blocks from the end of the range into its own
 * buffer and candidate array while the caller takes them from the start,
 * until they meet; then the helper's blocks are appended in address order.
 * A block is read with one byte of the next, as the read chunks overlap
 * by one byte: a pair across two blocks counts in the first only (a pair
 * counts where its first byte is).  Work shared so, rather than in fixed
 * halves, follows each thread's speed: a helper that starts late (placed
 * on the caller's CPU, or a busy one) takes fewer blocks, and the caller
 * waits at most for the block the helper is scanning.
 *
 * The helper must be invisible to the program:
 *   - it is a thread of the process (CLONE_THREAD), so it shares the
 *     process's fate (a fatal signal, exit_group or execve ends it too) and
 *     is never a child anyone could wait for, or that could be handed to
 *     init as a zombie if the process died first; CLONE_UNTRACED: a tracer
 *     is not told of it;
 *   - every signal is blocked in it (blocked in the caller around the
 *     clone, so it starts so; the caller's mask is given back at once):
 *     no signal of the program's is ever delivered to it;
 *   - it runs only this file's and finder.c's libc-free code: raw system
 *     calls, its own stack and buffers (one mapping, freed by the caller),
 *     no TLS, no lock; it reads only its job (written before the clone) and
 *     the file or memory it scans, and shares with the caller only the
 *     word the blocks are claimed from;
 *   - the caller waits for it (the kernel clears and wakes the tid word
 *     when it exits: CLONE_CHILD_CLEARTID), then until the kernel has
 *     removed it from the thread group (tgkill(0) fails with ESRCH): when
 *     this returns, /proc/self/task lists no thread of ours and
 *     unshare(CLONE_NEWUSER) sees a single-threaded process.
 * Not done under a seccomp filter (one may kill the process for a clone
 * it does not expect, as browsers' sandboxes do) or a tracer (a debugger's
 * breakpoint in the scan's code would end the process from a thread the
 * debugger does not know), nor where the process may use only one CPU.
 * Any failure (no memory, clone refused, the helper's part failed) falls
 * back to scanning the whole range here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "finder.h"
#include "scan.h"

size_t zp_scan_split_min = 4u << 20;
unsigned long zp_scan_split_count, zp_scan_helper_blocks, zp_scan_blocks;

enum { CHUNK = 256 * 1024, BUF = CHUNK + 4096 };

static int cands_alloc(struct cands *c, size_t cap)
{
	c->cap = cap;
	c->bytes = cap * sizeof(size_t);
	long m = zp_raw6(SYS_mmap, 0, (long)c->bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	c->v = m < 0 ? NULL : (size_t *)m;
	return m < 0 ? (int)m : 0;
}

/* (An array inside the helper's mapping has bytes == 0: freed with it.) */
void zp_cands_free(struct cands *c)
{
	if (c->v && c->bytes)
		zp_raw2(SYS_munmap, c->v, c->bytes);
	c->v = NULL;
	c->n = 0;
}

/* Maps the pages of [p, p + len) that are not mapped yet, in one call:
 * code ld.so mapped from a file is not faulted in until run, and a first
 * pass over it otherwise takes a fault per 64 KiB (the kernel maps 16 pages
 * around each).  Pages of the page cache, so nothing is allocated or
 * copied.  Best effort: before Linux 5.14 the pass faults them in. */
static void populate(const uint8_t *p, size_t len)
{
	uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(ZP_PAGE - 1);
	uintptr_t hi = ((uintptr_t)p + len + ZP_PAGE - 1) & ~(uintptr_t)(ZP_PAGE - 1);
	zp_raw3(SYS_madvise, lo, hi - lo, MADV_POPULATE_READ);
}

/* Appends to c the pairs that start in [from, from + len - 1) of the len
 * bytes at p + from (the last byte only ends a pair), as offsets from p;
 * c's array grows if the code is denser than planned (then a second pass).
 * fill: populate those pages first. */
static int memory_pass(struct cands *c, const uint8_t *p, size_t from, size_t len, bool fill)
{
	if (fill)
		populate(p + from, len);
	size_t k0 = c->n;
	size_t k = zp_find_candidates(p + from, len, c->v + k0, c->cap - k0);
	if (k0 + k > c->cap) {
		struct cands bigger;
		if (cands_alloc(&bigger, 2 * (k0 + k)) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < k0; i++)
			bigger.v[i] = c->v[i];
		zp_cands_free(c);
		*c = bigger;
		k = zp_find_candidates(p + from, len, c->v + k0, c->cap - k0);
	}
	for (size_t i = k0; i < k0 + k; i++)
		c->v[i] += from;
	c->n = k0 + k;
	return 0;
}

/* The same from the file the code was mapped from (off: where p would be),
 * read in chunks into buf (BUF bytes), when memory may no longer hold the
 * file's bytes (a page of it was written: see rewrite.c).  The file only
 * suggests candidates; every site is decoded and checked in memory. */
static int file_pass(struct cands *c, int fd, uint64_t off, size_t from, size_t len, uint8_t *buf)
{
	/* Chunks overlap by a byte so a pair across two is seen (once: only
	 * pairs starting before the chunk's last byte count). */
	for (size_t at = 0; at + 1 < len;) {
		size_t want = len - at < CHUNK + 1 ? len - at : CHUNK + 1;
		long r = zp_raw4(SYS_pread64, fd, (long)buf, (long)want, (long)(off + from + at));
		if (r == -EINTR)
			continue;
		if (r < 2)
			return r < 0 ? (int)r : -EIO;
		size_t got = (size_t)r;
		size_t k0 = c->n;
		size_t k = zp_find_candidates(buf, got, c->v + k0, c->cap - k0);
		if (k0 + k > c->cap) { /* denser than planned: a bigger buffer, same chunk again */
			struct cands bigger;
			if (cands_alloc(&bigger, 2 * (k0 + k) + len / 512) < 0)
				return -ENOMEM;
			for (size_t i = 0; i < k0; i++)
				bigger.v[i] = c->v[i];
			zp_cands_free(c);
			*c = bigger;
			c->n = k0;
			continue;
		}
		for (size_t i = k0; i < k0 + k; i++)
			c->v[i] += from + at;
		c->n = k0 + k;
		at += got - 1;
	}
	return 0;
}

/* The whole range here, each in its own fresh buffers. */
static int from_file(struct cands *c, int fd, uint64_t off, size_t len)
{
	long bm = zp_raw6(SYS_mmap, 0, BUF, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	if (bm < 0)
		return (int)bm;
	int ret = cands_alloc(c, len / 1024 + 256);
	c->n = 0;
	if (ret == 0)
		ret = file_pass(c, fd, off, 0, len, (uint8_t *)bm);
	zp_raw2(SYS_munmap, bm, BUF);
	if (ret < 0)
		zp_cands_free(c);
	return ret;
}

static int from_memory(struct cands *c, const uint8_t *p, size_t len, bool fill)
{
	if (cands_alloc(c, len / 1024 + 256) < 0)
		return -ENOMEM;
	c->n = 0;
	int ret = memory_pass(c, p, 0, len, fill);
	if (ret < 0)
		zp_cands_free(c);
	return ret;
}

/* What a range is read from: the file (fd >= 0) or memory (populated
 * block by block first if fill). */
struct source {
	int fd;
	uint64_t off;
	const uint8_t *mem;
	size_t len;
	bool fill;
};

/* ---- the helper ---------------------------------------------------------- */

/* At most this many blocks of at least this many bytes. */
enum { MAX_BLOCKS = 256, MIN_BLOCK = 1 << 20 };

/* long zp_scan_clone(flags, stack_top, tid, fn, arg) (scanclone.S): the new
 * thread runs fn(arg) on stack_top, then exits; returns its tid or -errno. */
ZP_HIDDEN long zp_scan_clone(unsigned long flags, void *stack_top, int *tid,
			     void (*fn)(void *), void *arg);

/* The helper's mapping, one for everything (each munmap while two CPUs
 * run the process costs a TLB shootdown): its job, a guard page, its
 * stack (the scan needs well under a page of it), then (from a file) its
 * read buffer and the caller's, then its candidate array. */
enum { JOB = 8192, GUARD = 4096, STACK = 60 * 1024, FIXED = JOB + GUARD + STACK };

struct job {
	struct source src; /* written before the clone, then only read */
	size_t block;      /* bytes a block (the last may be shorter) */
	const struct zp_scan_visit *visit; /* or NULL */
	uint8_t *buf;
	uint64_t claims;   /* the blocks left: [low 32 bits, high 32 bits) */
	struct cands c;    /* written by the helper */
	int ret;
	int done;          /* 1: the helper finished (ret says how) */
	int tid;           /* set at the clone, cleared and woken at its exit */
	/* where in c each of the helper's blocks is: [begin[i], end[i]) */
	size_t begin[MAX_BLOCKS], end[MAX_BLOCKS];
};
_Static_assert(sizeof(struct job) <= JOB, "the job fits its pages");

/* Takes the next block from the front or the back; false when none is left. */
static bool claim(uint64_t *claims, bool back, uint32_t *block)
{
	uint64_t v = __atomic_load_n(claims, __ATOMIC_ACQUIRE);
	for (;;) {
		uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
		if (lo >= hi)
			return false;
		uint64_t nv = back ? (uint64_t)(hi - 1) << 32 | lo : (uint64_t)hi << 32 | (lo + 1);
		if (__atomic_compare_exchange_n(claims, &v, nv, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			*block = back ? hi - 1 : lo;
			return true;
		}
	}
}

/* Appends block i's pairs to c.  Its bytes and the next one's first: a
 * pair that straddles two blocks counts in the first. */
static int scan_block(struct cands *c, const struct job *j, uint32_t i, uint8_t *buf)
{
	const struct source *s = &j->src;
	size_t from = (size_t)i * j->block;
	size_t len = s->len - from < j->block + 1 ? s->len - from : j->block + 1;
	return s->fd >= 0 ? file_pass(c, s->fd, s->off, from, len, buf)
			  : memory_pass(c, s->mem, from, len, s->fill);
}

/* The block's pairs, c->v[k0..], to the thread's visitor. */
static int visit_block(const struct job *j, int who, const struct cands *c, size_t k0)
{
	const struct zp_scan_visit *v = j->visit;
	return v && c->n > k0 ? v->fn(v->ctx[who], c->v + k0, c->n - k0) : 0;
}

static void helper_main(void *arg)
{
	struct job *j = arg;
	uint32_t i;
	int ret = 0;
	while (ret == 0 && claim(&j->claims, true, &i)) {
		j->begin[i] = j->c.n;
		ret = scan_block(&j->c, j, i, j->buf);
		j->end[i] = j->c.n;
		if (ret == 0)
			ret = visit_block(j, 1, &j->c, j->begin[i]);
	}
	j->ret = ret;
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
}

/* Whether the process is under a seccomp filter (one may kill the process
 * for a clone it does not expect, as browsers' sandboxes do; prctl's
 * PR_GET_SECCOMP would be cheaper, but a filter may not expect it either)
 * or traced (a debugger's breakpoints are in memory the helper shares:
 * one in the scan's code would end the process with SIGTRAP there, the
 * helper being unknown to the debugger).  From the calling thread's status
 * (filters and tracers are the thread's; the helper inherits its
 * filters), read into buf; true when that cannot be told. */
static bool split_forbidden(char *buf, size_t size)
{
	if (__atomic_load_n(&zp_seccomp_seen, __ATOMIC_RELAXED) ||
	    zp_proc_status("/proc/thread-self/status", buf, size) < 0)
		return true;
	return zp_status_field(buf, "Seccomp:") != 0 || zp_status_field(buf, "TracerPid:") != 0;
}

/* The CPUs the calling thread may run on. */
static int cpus_allowed(void)
{
	unsigned long mask[16];
	long r = zp_raw3(SYS_sched_getaffinity, 0, sizeof mask, mask);
	int n = 0;
	for (long i = 0; i < r / (long)sizeof mask[0]; i++)
		n += __builtin_popcountl(mask[i]);
	return n;
}

/* The kernel often queues a new thread on its creator's CPU: there it
 * runs only once the caller's time slice ends, and then the two share
 * that CPU while the other stays idle (seen in 2 of 3 cold starts of
 * clang-tidy here).  The helper may run anywhere the caller may, but on
 * the caller's CPU of the moment. */
static void move_away(long tid)
{
	unsigned long mask[16];
	long r = zp_raw3(SYS_sched_getaffinity, 0, sizeof mask, mask);
	unsigned cpu;
	if (r <= 0 || zp_raw3(SYS_getcpu, &cpu, 0, 0) < 0 || cpu >= (unsigned long)r * 8)
		return;
	mask[cpu / 64] &= ~(1UL << (cpu % 64));
	zp_raw3(SYS_sched_setaffinity, tid, r, mask);
}

/* Waits until the helper has exited and the kernel has released it. */
static void wait_helper(int *tid_word, long tid)
{
	/* The halves take about as long: the helper is usually about to
	 * finish.  Yielding rather than sleeping lets it run should it share
	 * this CPU, and spares the wake-up of a sleeping CPU (an interrupt
	 * between CPUs: tens of microseconds in a VM).  Then sleep. */
	for (int i = 0; i < 2000 && __atomic_load_n(tid_word, __ATOMIC_ACQUIRE); i++)
		zp_raw0(SYS_sched_yield);
	for (;;) {
		int t = __atomic_load_n(tid_word, __ATOMIC_ACQUIRE);
		if (t == 0)
			break;
		zp_raw6(SYS_futex, (long)tid_word, FUTEX_WAIT, t, 0, 0, 0); /* not private: CLEARTID wakes so */
	}
	/* The tid word is cleared early in the thread's exit; a few steps
	 * later the kernel unlinks it from the thread group.  Bounded: were
	 * the tid ever reused by another thread of ours, giving up early only
	 * leaves this a little less exact. */
	long pid = zp_raw0(SYS_getpid);
	for (int i = 0; i < 100000; i++) {
		if (zp_raw3(SYS_tgkill, pid, tid, 0) == -ESRCH)
			break;
		zp_raw0(SYS_sched_yield);
	}
}

/* A helper thread running fn(arg) on the stack below stack_top, every
 * signal blocked (blocked here around the clone: it starts so), not on
 * this CPU; tid_word is set to its tid and cleared when it exits.  Its
 * tid, or -errno. */
static long start_helper(void *stack_top, int *tid_word, void (*fn)(void *), void *arg)
{
	const unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				    CLONE_THREAD | CLONE_SYSVSEM | CLONE_UNTRACED |
				    CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	uint64_t all = ~0ULL, old;
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof all);
	long tid = zp_scan_clone(flags, stack_top, tid_word, fn, arg);
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, sizeof old);
	if (tid >= 0)
		move_away(tid);
	return tid;
}

/* The range scanned with a helper thread.  0, or -1 to be scanned here
 * alone (nothing held then). */
static int split_scan(struct cands *c, const struct source *s, const struct zp_scan_visit *visit)
{
	size_t len = s->len;
	size_t block = (len + MAX_BLOCKS - 1) / MAX_BLOCKS;
	block = block < MIN_BLOCK ? MIN_BLOCK : (block + 4095) & ~(size_t)4095;
	if (len < 2 * block)
		block = ((len / 2) + 4095) & ~(size_t)4095; /* tests: at least two blocks */
	if (block == 0 || block >= len)
		return -1;
	uint32_t nblocks = (uint32_t)((len + block - 1) / block);
	size_t cap = len / 1024 + 256;
	size_t bufs = s->fd >= 0 ? 2 * BUF : 0;
	size_t total = FIXED + bufs + ((cap * sizeof(size_t) + 4095) & ~(size_t)4095);
	long m = zp_raw6(SYS_mmap, 0, (long)total, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0)
		return -1;
	uint8_t *map = (uint8_t *)m;
	// cppcheck-suppress nullPointerArithmeticRedundantCheck ; mmap's result, checked above: never 0 here
	if (split_forbidden((char *)map + JOB + GUARD, STACK) ||
	    zp_raw3(SYS_mprotect, map + JOB, GUARD, PROT_NONE) < 0 || cands_alloc(c, cap) < 0) {
		zp_raw2(SYS_munmap, map, total);
		return -1;
	}
	c->n = 0;
	struct job *j = (struct job *)map;
	j->src = *s;
	j->block = block;
	j->visit = visit;
	j->buf = map + FIXED;
	j->claims = (uint64_t)nblocks << 32;
	j->c = (struct cands){.v = (size_t *)(map + FIXED + bufs), .cap = cap};

	long tid = start_helper(map + FIXED, &j->tid, helper_main, j);
	if (tid < 0) {
		zp_cands_free(c);
		zp_raw2(SYS_munmap, map, total);
		return -1;
	}

	/* Blocks 0, 1, ... in order: their pairs in address order. */
	int ret = 0;
	uint32_t i;
	while (ret == 0 && claim(&j->claims, false, &i)) {
		size_t k0 = c->n;
		ret = scan_block(c, j, i, map + FIXED + BUF);
		if (ret == 0)
			ret = visit_block(j, 0, c, k0);
	}
	uint32_t first = (uint32_t)__atomic_load_n(&j->claims, __ATOMIC_ACQUIRE); /* the helper's first */
	wait_helper(&j->tid, tid);
	struct cands *c2 = &j->c;
	bool done = __atomic_load_n(&j->done, __ATOMIC_ACQUIRE);
	if (!done || j->ret < 0)
		ret = -1;
	if (ret == 0 && c->cap < c->n + c2->n) {
		struct cands both;
		if (cands_alloc(&both, c->n + c2->n) < 0) {
			ret = -1;
		} else {
			for (size_t k = 0; k < c->n; k++)
				both.v[k] = c->v[k];
			both.n = c->n;
			zp_cands_free(c);
			*c = both;
		}
	}
	if (ret == 0) {
		/* The helper's blocks, first..nblocks-1, were scanned from the
		 * last: put back in address order. */
		for (uint32_t b = first; b < nblocks; b++)
			for (size_t k = j->begin[b]; k < j->end[b]; k++)
				c->v[c->n++] = c2->v[k];
		__atomic_fetch_add(&zp_scan_split_count, 1, __ATOMIC_RELAXED);
		c->helper_ok = true;
		__atomic_fetch_add(&zp_scan_helper_blocks, nblocks - first, __ATOMIC_RELAXED);
		__atomic_fetch_add(&zp_scan_blocks, nblocks, __ATOMIC_RELAXED);
	} else {
		zp_cands_free(c);
	}
	if (done)
		zp_cands_free(c2); /* grown by the helper: a mapping of its own */
	zp_raw2(SYS_munmap, map, total);
	return ret;
}

static bool worth_splitting(size_t len)
{
	size_t min = zp_scan_split_min;
	return min && len >= min && len >= 2 * 4096 && cpus_allowed() >= 2;
}

int zp_cands_from_file(struct cands *c, int fd, uint64_t off, size_t len)
{
	struct source s = {.fd = fd, .off = off, .len = len};
	if (worth_splitting(len) && split_scan(c, &s, NULL) == 0)
		return 0;
	return from_file(c, fd, off, len);
}

int zp_cands_from_memory(struct cands *c, const uint8_t *p, size_t len)
{
	struct source s = {.fd = -1, .mem = p, .len = len};
	if (worth_splitting(len) && split_scan(c, &s, NULL) == 0)
		return 0;
	return from_memory(c, p, len, false);
}

int zp_cands_from_mapping(struct cands *c, const uint8_t *p, size_t len,
			  const struct zp_scan_visit *visit, bool *visited)
{
	struct source s = {.fd = -1, .mem = p, .len = len, .fill = true};
	*visited = false;
	if (worth_splitting(len) && split_scan(c, &s, visit) == 0) {
		*visited = visit != NULL;
		return 0;
	}
	return from_memory(c, p, len, true);
}

/* ---- any work on two CPUs --------------------------------------------------- */

bool zp_beside(void (*fn)(void *), void *arg, void (*own)(void *), void *oarg, bool checked)
{
	enum { MAP = JOB + GUARD + STACK };
	bool helper = false;
	long m = cpus_allowed() >= 2 ? zp_raw6(SYS_mmap, 0, MAP, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
				     : -1;
	if (m >= 0) {
		uint8_t *map = (uint8_t *)m;
		int *tid_word = (int *)map;
		long tid = -1;
		if ((checked || !split_forbidden((char *)map + JOB + GUARD, STACK)) &&
		    zp_raw3(SYS_mprotect, map + JOB, GUARD, PROT_NONE) == 0)
			tid = start_helper(map + MAP, tid_word, fn, arg);
		if (tid >= 0) {
			own(oarg);
			wait_helper(tid_word, tid);
			helper = true;
		}
		zp_raw2(SYS_munmap, map, MAP);
	}
	if (!helper) {
		own(oarg);
		fn(arg);
	}
	return helper;
}
