/*
 * scan.c - the candidate pass over one range of code, on two CPUs when the
 * range is big.
 *
 * A cold start of a program with much code is mostly this pass
 * (clang-tidy: 114 MiB in 20 objects, ~20 ms of ~45), and the program's
 * own start-up runs on one CPU: the other is idle.  A range of at least
 * zp_scan_split_min bytes is split at a page boundary near its middle; a
 * helper thread scans the second half into its own buffer and candidate
 * array while the caller scans the first, then the two lists are joined
 * (still in address order).  The first half reads one byte past the split
 * point, as the chunks below overlap by one byte: a pair that straddles
 * the split counts in the first half only (pairs count by their first
 * byte).
 *
 * The helper must be invisible to the program:
 *   - it is a thread of the process (CLONE_THREAD), so it shares the
 *     process's fate (a fatal signal, exit_group or execve ends it too) and
 *     is never a child anyone could wait for or that could be handed to
 *     init; CLONE_UNTRACED: a tracer (strace -f, gdb) is not told of it;
 *   - every signal is blocked in it (blocked in the caller around the
 *     clone, so it starts so; the caller's mask is given back at once):
 *     no signal of the program's is ever delivered to it;
 *   - it runs only this file's and finder.c's libc-free code: raw system
 *     calls, its own stack and buffers (one mapping, freed by the caller),
 *     no TLS, no lock; it reads only its job (written before the clone) and
 *     the file or memory it scans;
 *   - the caller waits for it (the kernel clears and wakes the tid word
 *     when it exits: CLONE_CHILD_CLEARTID), then until the kernel has
 *     removed it from the thread group (tgkill(0) fails with ESRCH): when
 *     this returns, /proc/self/task lists no thread of ours and
 *     unshare(CLONE_NEWUSER) sees a single-threaded process.
 * Not done under a seccomp filter (one may kill the process for a clone
 * it does not expect, as browsers' sandboxes do), nor where the process
 * may use only one CPU.  Any failure (no memory, clone refused, the
 * helper's half failed) falls back to scanning the whole range here.
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

size_t zp_scan_split_min = 8u << 20;
unsigned long zp_scan_split_count;

static int cands_alloc(struct cands *c, size_t cap)
{
	c->cap = cap;
	c->bytes = cap * sizeof(size_t);
	long m = zp_raw6(SYS_mmap, 0, (long)c->bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	c->v = m < 0 ? NULL : (size_t *)m;
	return m < 0 ? (int)m : 0;
}

void zp_cands_free(struct cands *c)
{
	if (c->v)
		zp_raw2(SYS_munmap, c->v, c->bytes);
	c->v = NULL;
	c->n = 0;
}

/* From memory: one pass, a second only for code denser than planned. */
static int from_memory(struct cands *c, const uint8_t *p, size_t len)
{
	if (cands_alloc(c, len / 1024 + 256) < 0)
		return -ENOMEM;
	c->n = zp_find_candidates(p, len, c->v, c->cap);
	if (c->n > c->cap) {
		size_t n = c->n;
		zp_cands_free(c);
		if (cands_alloc(c, n) < 0)
			return -ENOMEM;
		c->n = zp_find_candidates(p, len, c->v, c->cap);
	}
	return 0;
}

/* From the file the code was mapped from, read in chunks: on this machine
 * kind a first pass over freshly mapped code is bound by TLB misses and
 * page faults, while read() copies from the page cache through the kernel's
 * huge-page mapping, ~5x faster (bench/machine-costs).  The file only suggests
 * candidates; every site is decoded and checked in memory.  Used at
 * start-up, when the code still is the file's bytes (see rewrite.c). */
static int from_file(struct cands *c, int fd, uint64_t off, size_t len)
{
	enum { CHUNK = 256 * 1024 };
	long bm = zp_raw6(SYS_mmap, 0, CHUNK + 64, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bm < 0)
		return (int)bm;
	const uint8_t *buf = (const uint8_t *)bm;
	int ret = cands_alloc(c, len / 1024 + 256);
	c->n = 0;
	/* Chunks overlap by a byte so a pair across two is seen (once: only
	 * pairs starting before the chunk's last byte count). */
	for (size_t at = 0; ret == 0 && at + 1 < len;) {
		size_t want = len - at < CHUNK + 1 ? len - at : CHUNK + 1;
		long r = zp_raw4(SYS_pread64, fd, (long)buf, (long)want, (long)(off + at));
		if (r == -EINTR)
			continue;
		if (r < 2) {
			ret = r < 0 ? (int)r : -EIO;
			break;
		}
		size_t got = (size_t)r;
		size_t k0 = c->n < c->cap ? c->n : c->cap;
		size_t k = zp_find_candidates(buf, got, c->v + k0, c->cap - k0);
		for (size_t i = k0; i < k0 + k && i < c->cap; i++)
			c->v[i] += at;
		c->n += k;
		if (c->n > c->cap) { /* denser than planned: a bigger buffer, same chunk again */
			size_t have = c->n - k;
			struct cands bigger;
			if (cands_alloc(&bigger, 2 * c->n + len / 512) < 0) {
				ret = -ENOMEM;
				break;
			}
			for (size_t i = 0; i < have; i++)
				bigger.v[i] = c->v[i];
			zp_cands_free(c);
			*c = bigger;
			c->n = have;
			continue;
		}
		at += got - 1;
	}
	zp_raw2(SYS_munmap, bm, CHUNK + 64);
	if (ret < 0)
		zp_cands_free(c);
	return ret;
}

/* What one half is read from: the file (fd >= 0) or memory. */
struct source {
	int fd;
	uint64_t off;
	const uint8_t *mem;
};

/* [from, from + len) of the source. */
static int scan_part(struct cands *c, const struct source *s, size_t from, size_t len)
{
	return s->fd >= 0 ? from_file(c, s->fd, s->off + from, len) : from_memory(c, s->mem + from, len);
}

/* ---- the helper ---------------------------------------------------------- */

/* long zp_scan_clone(flags, stack_top, tid, fn, arg) (scanclone.S): the new
 * thread runs fn(arg) on stack_top, then exits; returns its tid or -errno. */
ZP_HIDDEN long zp_scan_clone(unsigned long flags, void *stack_top, int *tid,
			     void (*fn)(void *), void *arg);

/* The helper's mapping: its job, a guard page, its stack (the scan needs
 * well under a page of it). */
enum { JOB_PAGE = 4096, GUARD = 4096, STACK = 60 * 1024, JOB_MAP = JOB_PAGE + GUARD + STACK };

struct job {
	struct source src; /* written before the clone, then only read */
	size_t from, len;
	struct cands c;    /* written by the helper */
	int ret;
	int done;          /* 1: the helper finished its half (ret says how) */
	int tid;           /* set at the clone, cleared and woken at its exit */
};

static void helper_main(void *arg)
{
	struct job *j = arg;
	j->ret = scan_part(&j->c, &j->src, j->from, j->len);
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
}

/* Set once a seccomp filter was seen: filters are never removed. */
static int seccomp_seen;

/* The number after "\n<key>" in the NUL-terminated text, -1 if none. */
static long status_field(const char *text, const char *key)
{
	for (const char *p = text; *p; p++) {
		if (*p != '\n')
			continue;
		size_t k = 0;
		while (key[k] && p[1 + k] == key[k])
			k++;
		if (key[k])
			continue;
		const char *q = p + 1 + k;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q < '0' || *q > '9')
			return -1;
		long v = 0;
		while (*q >= '0' && *q <= '9')
			v = v * 10 + (*q++ - '0');
		return v;
	}
	return -1;
}

/* Whether the process is under a seccomp filter (one may kill the process
 * for a clone it does not expect, as browsers' sandboxes do; prctl's
 * PR_GET_SECCOMP would be cheaper, but a filter may not expect it either)
 * or traced (a debugger's breakpoints are in memory the helper shares:
 * one in the scan's code would end the process with SIGTRAP there, the
 * helper being unknown to the debugger).  From /proc/self/status, read
 * into buf; true when that cannot be told. */
static bool split_forbidden(char *buf, size_t size)
{
	if (__atomic_load_n(&seccomp_seen, __ATOMIC_RELAXED))
		return true;
	int fd = (int)zp_raw3(SYS_open, "/proc/self/status", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return true;
	size_t have = 0;
	while (have < size - 1) {
		long r = zp_raw3(SYS_read, fd, buf + have, size - 1 - have);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	zp_raw1(SYS_close, fd);
	buf[have] = 0;
	long seccomp = status_field(buf, "Seccomp:"), tracer = status_field(buf, "TracerPid:");
	if (seccomp != 0)
		__atomic_store_n(&seccomp_seen, 1, __ATOMIC_RELAXED);
	return seccomp != 0 || tracer != 0;
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

/* Waits until the helper has exited and the kernel has released it. */
static void wait_helper(struct job *j, long tid)
{
	for (;;) {
		int t = __atomic_load_n(&j->tid, __ATOMIC_ACQUIRE);
		if (t == 0)
			break;
		zp_raw6(SYS_futex, (long)&j->tid, FUTEX_WAIT, t, 0, 0, 0); /* not private: CLEARTID wakes so */
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

/* The range in two halves, the second on a helper thread.  0, or -1 to be
 * scanned as one (nothing held then). */
static int split_scan(struct cands *c, const struct source *s, size_t len)
{
	size_t mid = (len / 2) & ~(size_t)4095;
	if (mid == 0)
		return -1;
	long m = zp_raw6(SYS_mmap, 0, JOB_MAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (m < 0)
		return -1;
	char *map = (char *)m;
	if (split_forbidden(map + JOB_PAGE + GUARD, STACK) ||
	    zp_raw3(SYS_mprotect, map + JOB_PAGE, GUARD, PROT_NONE) < 0) {
		zp_raw2(SYS_munmap, map, JOB_MAP);
		return -1;
	}
	struct job *j = (struct job *)map;
	j->src = *s;
	j->from = mid;
	j->len = len - mid;

	const unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				    CLONE_THREAD | CLONE_SYSVSEM | CLONE_UNTRACED |
				    CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	uint64_t all = ~0ULL, old;
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof all);
	long tid = zp_scan_clone(flags, map + JOB_MAP, &j->tid, helper_main, j);
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, sizeof old);
	if (tid < 0) {
		zp_raw2(SYS_munmap, map, JOB_MAP);
		return -1;
	}

	int ret = scan_part(c, s, 0, mid + 1);
	wait_helper(j, tid);
	struct cands *c2 = &j->c;
	if (!__atomic_load_n(&j->done, __ATOMIC_ACQUIRE) || j->ret < 0)
		ret = -1;
	if (ret == 0 && c->cap < c->n + c2->n) {
		struct cands both;
		if (cands_alloc(&both, c->n + c2->n) < 0) {
			ret = -1;
		} else {
			for (size_t i = 0; i < c->n; i++)
				both.v[i] = c->v[i];
			both.n = c->n;
			zp_cands_free(c);
			*c = both;
		}
	}
	if (ret == 0) {
		for (size_t i = 0; i < c2->n; i++)
			c->v[c->n + i] = c2->v[i] + mid;
		c->n += c2->n;
		__atomic_fetch_add(&zp_scan_split_count, 1, __ATOMIC_RELAXED);
	} else {
		zp_cands_free(c);
	}
	if (__atomic_load_n(&j->done, __ATOMIC_ACQUIRE))
		zp_cands_free(c2);
	zp_raw2(SYS_munmap, map, JOB_MAP);
	return ret;
}

static bool worth_splitting(size_t len)
{
	size_t min = zp_scan_split_min;
	return min && len >= min && len >= 2 * 4096 && cpus_allowed() >= 2;
}

int zp_cands_from_file(struct cands *c, int fd, uint64_t off, size_t len)
{
	struct source s = {.fd = fd, .off = off};
	if (worth_splitting(len) && split_scan(c, &s, len) == 0)
		return 0;
	return from_file(c, fd, off, len);
}

int zp_cands_from_memory(struct cands *c, const uint8_t *p, size_t len)
{
	struct source s = {.fd = -1, .mem = p};
	if (worth_splitting(len) && split_scan(c, &s, len) == 0)
		return 0;
	return from_memory(c, p, len);
}
