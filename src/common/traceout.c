/*
 * traceout.c - see traceout.h for the design.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "raw.h"
#include "tracefmt.h"
#include "traceout.h"

#define WINDOW_MAX (16ull << 30) /* address space for the output mapping */
#define WINDOW_MIN (64ull << 20)
#define CHUNK_MIN (1ull << 20)   /* the file grows by at least this much */
/* The part of the first chunk the session's first process faults in at
 * start: only its own page tables gain from it (each process faults in
 * the pages it writes to), and most sessions' first process writes a few
 * lines.  All of it, 256 pages fallocate()d on ext4, took ~1.3 ms, and
 * trimming them away at the end ~0.7 ms: a traced /bin/true's -o session
 * cost twice a -c one. */
#define PREFAULT_FIRST (64ull << 10)

/* Our descriptors, so close/dup2 by the program can spare them. */
#define OWNED_FDS 65536
static unsigned long owned[OWNED_FDS / (8 * sizeof(unsigned long))];

static void own(long fd, bool on)
{
	if (fd < 0 || fd >= OWNED_FDS)
		return;
	unsigned long bit = 1ul << (fd % (8 * sizeof(unsigned long)));
	unsigned long *w = &owned[fd / (8 * sizeof(unsigned long))];
	if (on)
		__atomic_fetch_or(w, bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(w, ~bit, __ATOMIC_RELAXED);
}

bool zp_tout_owns(struct zp_tout *t, long fd)
{
	(void)t;
	if (fd < 0 || fd >= OWNED_FDS)
		return false;
	unsigned long w = __atomic_load_n(&owned[fd / (8 * sizeof(unsigned long))], __ATOMIC_RELAXED);
	return (w >> (fd % (8 * sizeof(unsigned long)))) & 1;
}

/* ---- raw I/O ------------------------------------------------------------- */

static long raw_write_all(int fd, const char *s, size_t n)
{
	while (n) {
		long r = zp_raw3(SYS_write, fd, s, n);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r <= 0)
			return r < 0 ? r : -EIO;
		s += r;
		n -= (size_t)r;
	}
	return 0;
}

/* 0, or the error that stopped the write: a line is whole or lost. */
static long raw_pwrite_all(int fd, const char *s, size_t n, uint64_t off)
{
	size_t done = 0;
	while (done < n) {
		long r = zp_raw4(SYS_pwrite64, fd, s + done, n - done, off + done);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r <= 0) {
			/* Part of the line went in (the file system filled up
			 * in the middle of it): zero it, so that the finished
			 * trace has no torn line (zp_trace_finish removes zero
			 * bytes).  The pages are there: this cannot fail for
			 * want of space. */
			static const char zeros[256];
			for (size_t z = 0; z < done;) {
				size_t k = done - z < sizeof zeros ? done - z : sizeof zeros;
				if (zp_raw4(SYS_pwrite64, fd, zeros, k, off + z) <= 0)
					break;
				z += k;
			}
			return r < 0 ? r : -ENOSPC;
		}
		done += (size_t)r;
	}
	return 0;
}

/* A descriptor of ours at or above base, close-on-exec; the original is
 * closed.  Raw: also used on the per-call path. */
static int move_high(int fd, int base)
{
	if (fd < 0 || fd >= base)
		return fd;
	long n = zp_raw3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, base);
	if (n < 0)
		n = zp_raw3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 10);
	if (n < 0)
		return fd;
	zp_raw1(SYS_close, fd);
	return (int)n;
}

/* ---- growing and writing --------------------------------------------------- */

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Fault the pages of [from, to) of the mapping in with one call instead of
 * one fault per page as lines arrive (Linux 5.14+; harmless elsewhere). */
static void prefault(struct zp_tout *t, uint64_t from, uint64_t to)
{
	if (!t->window || from >= t->window_size)
		return;
	if (to > t->window_size)
		to = t->window_size;
	zp_raw3(SYS_madvise, t->window + from, to - from, MADV_POPULATE_WRITE);
}

/* RLIMIT_FSIZE: extending the file past it raises SIGXFSZ, which kills a
 * program that does not expect it (sshd's pre-authentication child sets it
 * to 0).  ~0 when unlimited. */
static uint64_t fsize_limit(void)
{
	uint64_t rl[2];
	if (zp_raw4(SYS_prlimit64, 0, RLIMIT_FSIZE, 0, rl) < 0)
		return ~0ull;
	return rl[0];
}

/* The room the file grows by next: chunks grow with the file, so a big
 * trace takes few fallocate calls. */
static uint64_t chunk_for(uint64_t cap)
{
	return cap / 4 > CHUNK_MIN ? cap / 4 : CHUNK_MIN;
}

/* Publish that the file holds at least newcap bytes; true if this call
 * raised ctl->cap (whoever raises it pre-faults what it added: several
 * threads faulting the same pages in at once waited on each other's page
 * locks, a quarter of a multi-threaded trace's time). */
static bool cap_raise(struct zp_trace_ctl *c, uint64_t *cap, uint64_t newcap)
{
	while (*cap < newcap)
		if (__atomic_compare_exchange_n(&c->cap, cap, newcap, true, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return true;
	return false;
}

/* RLIMIT_FSIZE's soft limit, per image, asked once (FSIZE_UNKNOWN: not
 * yet) and then followed through the program's own setrlimit/prlimit64
 * calls, which the trace hook reports (zp_tout_fsize_set): limits are
 * inherited unchanged by fork and execve, and asking again would be a
 * call a seccomp filter installed since may kill for (sshd's
 * pre-authentication child lowers it to 0, then allows little more than
 * read and write).  A limit another process sets on this one (prlimit
 * --pid) is not seen. */
#define FSIZE_UNKNOWN (~0ull - 1)
static uint64_t fsize_cur = FSIZE_UNKNOWN;

void zp_tout_fsize_set(uint64_t cur)
{
	__atomic_store_n(&fsize_cur, cur, __ATOMIC_RELAXED);
}

/* Other threads may have read the window's address and size for a line
 * they are copying: unmapping it under them would fault, so the window
 * stays where they may exist (map_window says why it should go). */
void zp_tout_as_limited(struct zp_tout *t, bool alone)
{
	if (t->mode != ZP_TOUT_MMAP || !t->window || !alone || t->sandboxed)
		return;
	char *w = t->window;
	uint64_t n = t->window_size;
	t->mode = ZP_TOUT_PWRITE;
	t->window = NULL;
	t->window_size = 0;
	zp_raw2(SYS_munmap, w, n);
}

static uint64_t fsize_now(void)
{
	uint64_t v = __atomic_load_n(&fsize_cur, __ATOMIC_RELAXED);
	if (v == FSIZE_UNKNOWN) {
		v = fsize_limit();
		__atomic_store_n(&fsize_cur, v, __ATOMIC_RELAXED);
	}
	return v;
}

/* A write or truncate of ours that may raise a signal the program would
 * die of (SIGXFSZ past RLIMIT_FSIZE, SIGPIPE on a pipe without reader) is
 * made with that signal blocked; the kernel then leaves it pending on this
 * thread, and if our call raised it (it failed with the error that comes
 * with it) and it was not pending already, it is taken back.
 * Natively no such write exists: the program must not see the signal. */
struct sigguard {
	uint64_t set, old, before;
};

static void guard_begin(struct sigguard *gd, uint64_t set)
{
	gd->set = set;
	gd->old = 0;
	gd->before = 0;
	if (set && zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &gd->set, &gd->old, 8) < 0)
		gd->set = 0;
	/* Blocked by the program (a shell blocks every signal around fork,
	 * and the tracer writes the fork's line then), the signal may already
	 * be pending for a call of the program's own: that one stays.  One
	 * that was not is ours: left pending, it killed the shell when it
	 * unblocked. */
	if ((gd->old & gd->set) && zp_raw2(SYS_rt_sigpending, &gd->before, 8) < 0)
		gd->before = gd->set;
}

static void guard_end(struct sigguard *gd, bool raised)
{
	if (!gd->set)
		return;
	if (raised && !(gd->before & gd->set)) {
		struct timespec zero = {0, 0};
		zp_raw4(SYS_rt_sigtimedwait, &gd->set, NULL, &zero, 8);
	}
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &gd->old, NULL, 8);
}

#define SIGBIT(s) (1ull << ((s) - 1))

/* Writes to a regular file of ours: past RLIMIT_FSIZE they fail with
 * EFBIG instead of killing the program with SIGXFSZ (the line is lost).
 * Under a limit of 0 every such write would fail: none is made (no extra
 * call for a seccomp filter to object to). */
static long file_write_all(int fd, const char *s, size_t n)
{
	uint64_t lim = fsize_now();
	if (lim == ~0ull)
		return raw_write_all(fd, s, n);
	if (lim == 0)
		return -EFBIG;
	struct sigguard gd;
	guard_begin(&gd, SIGBIT(SIGXFSZ));
	long r = raw_write_all(fd, s, n);
	guard_end(&gd, r == -EFBIG);
	return r;
}

static long file_pwrite_all(int fd, const char *s, size_t n, uint64_t off)
{
	uint64_t lim = fsize_now();
	if (lim == ~0ull)
		return raw_pwrite_all(fd, s, n, off);
	if (off >= lim)
		return -EFBIG;
	struct sigguard gd;
	guard_begin(&gd, SIGBIT(SIGXFSZ));
	long r = raw_pwrite_all(fd, s, n, off);
	guard_end(&gd, r == -EFBIG);
	return r;
}

static int grow(struct zp_tout *t, uint64_t need)
{
	struct zp_trace_ctl *c = t->ctl;
	uint64_t cap = __atomic_load_n(&c->cap, __ATOMIC_ACQUIRE);
	uint64_t limit = cap < need ? fsize_now() : ~0ull;
	if (need > limit)
		return -EFBIG;
	while (cap < need) {
		uint64_t newcap = (need + chunk_for(cap) + CHUNK_MIN - 1) & ~(CHUNK_MIN - 1);
		if (newcap > limit)
			newcap = limit;
		long r = zp_raw4(SYS_fallocate, t->out_fd, 0, cap, newcap - cap);
		if (r < 0)
			return (int)r;
		uint64_t from = cap;
		if (cap_raise(c, &cap, newcap))
			prefault(t, from, newcap);
	}
	return 0;
}

/* The line just written ended at `end`, past the point where the room left
 * is half a chunk: grow the file by the next chunk now, before a writer
 * needs it, so that writers seldom wait in grow() or fault pages in one at
 * a time.  One writer of the session does it (the one that moves
 * ctl->ahead past ctl->cap); the others go on writing in the room there
 * is.  A writer killed in here leaves ctl->ahead above ctl->cap, which
 * only stops the growing ahead until grow() has passed it: nothing waits
 * on it. */
#ifndef RWF_APPEND
#define RWF_APPEND 0x10
#endif

/* Zeros written at the end of the file, wherever it is when the kernel
 * takes the file's lock (RWF_APPEND), so never over a line: lines only go
 * below ctl->cap, which is never past the end.  Written zeros are page
 * cache pages the write filled (large folios where the file system has
 * them), which MADV_POPULATE_WRITE then only maps: about twice as fast as
 * pre-faulting a fallocate()d range, whose pages the kernel first reads
 * in as zeros one by one.  Returns the file's size after, or -errno. */
static long append_zeros(struct zp_tout *t, uint64_t len)
{
	static const char zeros[4096];
	struct iovec iov[64];
	for (int i = 0; i < 64; i++) {
		iov[i].iov_base = (void *)zeros;
		iov[i].iov_len = sizeof zeros;
	}
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < sizeof iov / sizeof iov[0] * sizeof zeros ?
			     (len - done + sizeof zeros - 1) / sizeof zeros : sizeof iov / sizeof iov[0];
		long r = zp_raw6(SYS_pwritev2, t->out_fd, (long)iov, (long)n, 0, 0, RWF_APPEND);
		if (r <= 0)
			return r < 0 ? r : -EIO;
		done += (uint64_t)r;
	}
	struct stat st;
	long r = zp_raw2(SYS_fstat, t->out_fd, &st);
	return r < 0 ? r : (long)st.st_size;
}

/* The line just written ended at `end`, past the point where the room left
 * is half a chunk: grow the file by the next chunk now, before a writer
 * needs it, so that writers seldom wait in grow() or fault pages in one at
 * a time.  One writer of the session does it (the one that moves
 * ctl->ahead past ctl->cap); the others go on writing in the room there
 * is.  A writer killed in here leaves ctl->ahead above ctl->cap, which
 * only stops the growing ahead until grow() has passed it: nothing waits
 * on it. */
static void grow_ahead(struct zp_tout *t, uint64_t cap)
{
	struct zp_trace_ctl *c = t->ctl;
	uint64_t ahead = __atomic_load_n(&c->ahead, __ATOMIC_RELAXED);
	if (ahead > cap)
		return; /* taken */
	uint64_t newcap = (cap + chunk_for(cap) + CHUNK_MIN - 1) & ~(CHUNK_MIN - 1);
	if (newcap > t->window_size)
		newcap = t->window_size;
	if (newcap <= cap)
		return;
	if (!__atomic_compare_exchange_n(&c->ahead, &ahead, newcap, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return;
	uint64_t from = cap, limit = fsize_limit();
	if (limit == ~0ull) {
		/* (with a limit, appending past it would raise SIGXFSZ) */
		long size = append_zeros(t, newcap - cap);
		if (size > 0) {
			if (cap_raise(c, &cap, (uint64_t)size))
				prefault(t, from, (uint64_t)size);
			return;
		}
	}
	/* Past RLIMIT_FSIZE fallocate raises SIGXFSZ too; grow() tells when a
	 * line does not fit. */
	if (newcap > limit)
		return;
	if (zp_raw4(SYS_fallocate, t->out_fd, 0, cap, newcap - cap) < 0)
		return;
	if (cap_raise(c, &cap, newcap))
		prefault(t, from, newcap);
}

#define FF_SLOTS 1024
/* -ff: FILE.TID's descriptor, per task written for.  fdpid packs the
 * descriptor (low half) and who opened it (high half): 0 for this
 * process (ff_pid), else the pid of a vfork child (posix_spawn:
 * CLONE_VM|CLONE_VFORK) that shares our memory, and so this table, but not
 * our descriptor table.  Its descriptors mean nothing here (the parent
 * that reaped such a child wrote its "+++ killed by +++" line to a closed
 * descriptor, EBADF, or to whatever file of its own had that number), and
 * ours are not to be trusted there (the parent's other threads may have
 * opened them after the clone): each side opens its own. */
struct ff_entry {
	int tid;
	uint64_t fdpid;
};
static struct ff_entry ff_tab[FF_SLOTS];
static int exec_pid; /* -ff: the pid whose file this image continues */
static int ff_pid;   /* -ff: the process whose descriptors ff_tab holds */
/* -ff: vfork children running in our memory now, plus FF_VM_FOREVER once a
 * child shared it without CLONE_VFORK (it may outlive any call of ours).
 * While it is 0 a line's writer is this process and needs no getpid(): a
 * process in seccomp's strict mode is killed for any call but read, write,
 * exit and rt_sigreturn, and each -ff line asked. */
static int ff_vm_sharers;
#define FF_VM_FOREVER (1 << 24)

static uint64_t ff_pack(int fd, int owner)
{
	return (uint32_t)fd | (uint64_t)(uint32_t)owner << 32;
}

/* Was FILE.TID written in this session already?  Tasks in pid namespaces
 * are named by the ids they see: the first process of each namespace is 1,
 * and a new namespace's 1 truncated the file of the one before (all of the
 * first `unshare -fp` shell's lines were lost).  Such a file is continued;
 * a file left by an earlier session is started afresh. */
static bool ff_written_now(struct zp_tout *t, const char *path)
{
	struct stat st;
	if (zp_raw4(SYS_newfstatat, AT_FDCWD, path, &st, 0) != 0)
		return false;
	uint64_t m = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
	return m > t->ctl->start_coarse_ns;
}

/* FILE.TID opened for appending, high and ours; fresh: a new task's file,
 * started afresh unless written in this session already. */
static int ff_open(struct zp_tout *t, int tid, bool fresh)
{
	char path[ZP_TRACE_PATH_MAX + 16];
	struct tb b;
	tb_init(&b, path, sizeof path - 1);
	tb_putn(&b, t->ff_prefix, t->ff_prefix_len);
	tb_dec(&b, tid);
	path[b.len] = '\0';
	long flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
	if (fresh && tid != exec_pid && !t->append && !ff_written_now(t, path))
		flags |= O_TRUNC;
	long fd = zp_raw4(SYS_openat, AT_FDCWD, path, flags, 0644);
	if (fd >= 0) {
		fd = move_high((int)fd, t->fd_base);
		own(fd, true);
	}
	return (int)fd;
}

static int ff_fd(struct zp_tout *t, int tid)
{
	int me = 0;
	if (__atomic_load_n(&ff_vm_sharers, __ATOMIC_ACQUIRE) != 0) {
		int self = (int)zp_raw0(SYS_getpid);
		me = self == __atomic_load_n(&ff_pid, __ATOMIC_RELAXED) ? 0 : self;
	}
	unsigned h = (unsigned)tid % FF_SLOTS;
	for (unsigned i = 0; i < FF_SLOTS; i++) {
		struct ff_entry *e = &ff_tab[(h + i) % FF_SLOTS];
		int cur = __atomic_load_n(&e->tid, __ATOMIC_ACQUIRE);
		if (cur == tid) {
			uint64_t v = __atomic_load_n(&e->fdpid, __ATOMIC_ACQUIRE);
			if ((int)(v >> 32) == me)
				return (int)(uint32_t)v;
			/* Opened by the other side of a vfork: the file was
			 * written in this session, continue it. */
			int fd = ff_open(t, tid, false);
			__atomic_store_n(&e->fdpid, ff_pack(fd, me), __ATOMIC_RELEASE);
			return fd;
		}
		if (cur != 0)
			continue;
		int zero = 0;
		if (!__atomic_compare_exchange_n(&e->tid, &zero, -tid, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			if (zero == tid || zero == -tid)
				return -1; /* being opened by ... itself? cannot happen */
			continue;
		}
		/* FILE.TID: continue it after our own execve, start it afresh
		 * for a new task. */
		int fd = ff_open(t, tid, true);
		__atomic_store_n(&e->fdpid, ff_pack(fd, me), __ATOMIC_RELEASE);
		__atomic_store_n(&e->tid, tid, __ATOMIC_RELEASE);
		return fd;
	}
	return -1;
}

static bool ff_ours(struct zp_tout *t, int fd)
{
	if (fd < 0)
		return false;
	if (fd == t->out_fd || fd == t->ctl_fd)
		return true;
	for (unsigned i = 0; i < FF_SLOTS; i++) {
		uint64_t v = __atomic_load_n(&ff_tab[i].fdpid, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&ff_tab[i].tid, __ATOMIC_ACQUIRE) > 0 && !(v >> 32) &&
		    (int)(uint32_t)v == fd)
			return true;
	}
	return false;
}

void zp_tout_vm_child(struct zp_tout *t, bool vfork, int delta)
{
	if (t->mode != ZP_TOUT_FF)
		return;
	__atomic_add_fetch(&ff_vm_sharers, vfork ? delta : delta * FF_VM_FOREVER, __ATOMIC_ACQ_REL);
}

void zp_tout_vfork_done(struct zp_tout *t, int child)
{
	if (t->mode != ZP_TOUT_FF || child <= 0)
		return;
	/* The child's descriptors were marked ours in our shared bitmap:
	 * unmark those that are not (the program may use the numbers). */
	for (unsigned i = 0; i < FF_SLOTS; i++) {
		uint64_t v = __atomic_load_n(&ff_tab[i].fdpid, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&ff_tab[i].tid, __ATOMIC_ACQUIRE) > 0 && (int)(v >> 32) == child &&
		    !ff_ours(t, (int)(uint32_t)v))
			own((int)(uint32_t)v, false);
	}
}

void zp_tout_forked(struct zp_tout *t)
{
	if (t->mode == ZP_TOUT_FF) {
		__atomic_store_n(&ff_pid, (int)zp_raw0(SYS_getpid), __ATOMIC_RELAXED);
		/* the parent's vfork children do not run in our memory */
		__atomic_store_n(&ff_vm_sharers, 0, __ATOMIC_RELEASE);
	}
}

#define SANDBOX_ROOM (8ull << 20) /* what a sandboxed process may still write */

void zp_tout_sandbox(struct zp_tout *t, int tid)
{
	/* What the first line would ask for, asked now, while the calls are
	 * allowed (seccomp's strict mode kills for prlimit64 and openat; -e
	 * may have left out every line so far): RLIMIT_FSIZE, and -ff's file
	 * of the calling thread. */
	(void)fsize_now();
	if (t->mode == ZP_TOUT_FF)
		(void)ff_fd(t, tid);
	if (t->sandboxed)
		return;
	if (t->mode == ZP_TOUT_MMAP) {
		uint64_t want = __atomic_load_n(&t->ctl->end, __ATOMIC_ACQUIRE) + SANDBOX_ROOM;
		grow(t, want < t->window_size ? want : t->window_size);
	}
	t->sandboxed = true;
}

/* A sandboxed process: a line goes in the room the file already has, or
 * is lost (no offset is reserved for it, so it leaves no hole). */
static void line_sandboxed(struct zp_tout *t, const char *s, size_t n)
{
	struct zp_trace_ctl *c = t->ctl;
	if (t->mode != ZP_TOUT_MMAP)
		return;
	uint64_t off = __atomic_load_n(&c->end, __ATOMIC_RELAXED);
	do {
		uint64_t cap = __atomic_load_n(&c->cap, __ATOMIC_ACQUIRE);
		if (off + n > cap || off + n > t->window_size)
			return;
	} while (!__atomic_compare_exchange_n(&c->end, &off, off + n, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	zp_memcpy(t->window + off, s, n);
}

/* -o FIFO or stderr a pipe: once its reader is gone a write raises
 * SIGPIPE, which would kill the traced program for a line of ours (and
 * natively it would not have died there).  Such writes are made with
 * SIGPIPE blocked; the first EPIPE takes the signal back and marks the
 * output closed for the whole session: later lines are only counted.
 * A regular file (stderr redirected to a log) is written as the files of
 * -o and -ff are, within RLIMIT_FSIZE (file_write_all); a terminal has
 * neither trap. */
static int out_kind = -1; /* per image: -1 unknown, 0 other, 1 pipe or socket, 2 regular file */

static long write_line(struct zp_tout *t, int fd, const char *s, size_t n)
{
	struct zp_trace_ctl *c = t->ctl;
	if (c && __atomic_load_n(&c->out_closed, __ATOMIC_RELAXED))
		return -EPIPE;
	int k = __atomic_load_n(&out_kind, __ATOMIC_RELAXED);
	if (k < 0) {
		struct stat st;
		k = zp_raw2(SYS_fstat, fd, &st) != 0			       ? 0
		    : S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ? 1
		    : S_ISREG(st.st_mode)			       ? 2
								       : 0;
		__atomic_store_n(&out_kind, k, __ATOMIC_RELAXED);
	}
	if (k == 2)
		return file_write_all(fd, s, n);
	if (k == 0)
		return raw_write_all(fd, s, n);
	struct sigguard gd;
	guard_begin(&gd, SIGBIT(SIGPIPE));
	long r = raw_write_all(fd, s, n);
	if (r == -EPIPE && c)
		__atomic_store_n(&c->out_closed, 1, __ATOMIC_RELAXED);
	guard_end(&gd, r == -EPIPE);
	return r;
}

/* A line that could not be written: count it, for zp_trace_finish. */
static void lost(struct zp_tout *t, size_t n, long err)
{
	struct zp_trace_ctl *c = t->ctl;
	if (!c || !err)
		return;
	int zero = 0;
	__atomic_compare_exchange_n(&c->lost_errno, &zero, (int)-err, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->lost_bytes, n, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->lost_lines, 1, __ATOMIC_RELAXED);
}

void zp_tout_line(struct zp_tout *t, int tid, const char *s, size_t n)
{
	struct zp_trace_ctl *c = t->ctl;
	if (t->sandboxed && (t->mode == ZP_TOUT_MMAP || t->mode == ZP_TOUT_PWRITE)) {
		line_sandboxed(t, s, n);
		return;
	}
	switch (t->mode) {
	case ZP_TOUT_MMAP: {
		/* Trimmed under a process still tracing: its window's pages past
		 * the end would raise SIGBUS.  As PWRITE below: ctl->end is
		 * the file's end again once the trimming is done. */
		if (__builtin_expect(__atomic_load_n(&c->trimmed, __ATOMIC_ACQUIRE), 0))
			goto pwrite;
		uint64_t off = __atomic_fetch_add(&c->end, n, __ATOMIC_RELAXED);
		uint64_t need = off + n;
		int g = 0;
		uint64_t cap = __atomic_load_n(&c->cap, __ATOMIC_ACQUIRE);
		if (need <= t->window_size && (need <= cap || (g = grow(t, need)) == 0)) {
			zp_memcpy(t->window + off, s, n);
			if (need <= cap && cap - need < chunk_for(cap) / 2)
				grow_ahead(t, cap);
			return;
		}
		if (g == -EFBIG) {
			lost(t, n, g); /* past RLIMIT_FSIZE: lost, not SIGXFSZ */
			return;
		}
		lost(t, n, file_pwrite_all(__atomic_load_n(&t->out_fd, __ATOMIC_RELAXED), s, n, off));
		return;
	}
	case ZP_TOUT_PWRITE:
	pwrite: {
		uint64_t off = __atomic_fetch_add(&c->end, n, __ATOMIC_RELAXED);
		lost(t, n, file_pwrite_all(__atomic_load_n(&t->out_fd, __ATOMIC_RELAXED), s, n, off));
		return;
	}
	case ZP_TOUT_WRITE: {
		int fd = __atomic_load_n(&t->out_fd, __ATOMIC_RELAXED);
		if (fd >= 0)
			lost(t, n, write_line(t, fd, s, n));
		return;
	}
	case ZP_TOUT_FF: {
		int fd = ff_fd(t, tid);
		lost(t, n, fd >= 0 ? file_write_all(fd, s, n) : fd == -1 ? -EMFILE : fd);
		return;
	}
	default:
		return;
	}
}

void zp_tout_trim(struct zp_tout *t)
{
	if (t->mode != ZP_TOUT_MMAP && t->mode != ZP_TOUT_PWRITE)
		return;
	uint64_t end = __atomic_load_n(&t->ctl->end, __ATOMIC_ACQUIRE);
	__atomic_store_n(&t->ctl->cap, end, __ATOMIC_RELEASE);
	__atomic_store_n(&t->ctl->trimmed, 1, __ATOMIC_RELEASE);
	/* end may lie past RLIMIT_FSIZE (lines lost to it took their room) */
	struct sigguard gd;
	guard_begin(&gd, fsize_now() != ~0ull ? SIGBIT(SIGXFSZ) : 0);
	long r = zp_raw2(SYS_ftruncate, t->out_fd, end);
	guard_end(&gd, r == -EFBIG);
}

/* ---- descriptors ----------------------------------------------------------- */

void zp_tout_evict(struct zp_tout *t, long fd)
{
	long n = zp_raw3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, t->fd_base);
	if (n < 0 || n == fd)
		return;
	own(n, true);
	if (t->out_fd == fd)
		__atomic_store_n(&t->out_fd, (int)n, __ATOMIC_RELEASE);
	else if (t->ctl_fd == fd)
		t->ctl_fd = (int)n;
	else
		for (unsigned i = 0; i < FF_SLOTS; i++) {
			uint64_t v = __atomic_load_n(&ff_tab[i].fdpid, __ATOMIC_ACQUIRE);
			int me = (int)zp_raw0(SYS_getpid) == ff_pid ? 0 : (int)zp_raw0(SYS_getpid);
			if (ff_tab[i].tid > 0 && v == ff_pack((int)fd, me))
				__atomic_store_n(&ff_tab[i].fdpid, ff_pack((int)n, me), __ATOMIC_RELEASE);
		}
	own(fd, false);
}

void zp_tout_exec_prepare(struct zp_tout *t)
{
	if (t->ctl_fd >= 0)
		zp_raw3(SYS_fcntl, t->ctl_fd, F_SETFD, 0);
	if (t->out_fd >= 0)
		zp_raw3(SYS_fcntl, t->out_fd, F_SETFD, 0);
}

void zp_tout_exec_failed(struct zp_tout *t)
{
	if (t->ctl_fd >= 0)
		zp_raw3(SYS_fcntl, t->ctl_fd, F_SETFD, FD_CLOEXEC);
	if (t->out_fd >= 0)
		zp_raw3(SYS_fcntl, t->out_fd, F_SETFD, FD_CLOEXEC);
}

size_t zp_tout_env(struct zp_tout *t, char *buf, size_t len)
{
	struct tb b;
	tb_init(&b, buf, len - 1);
	tb_puts(&b, "ZPOLINE_TRACE_FDS=");
	tb_dec(&b, t->ctl_fd);
	tb_putc(&b, ',');
	tb_dec(&b, t->out_fd);
	tb_putc(&b, ',');
	tb_hex(&b, t->ctl->session);
	buf[b.len] = '\0';
	return b.truncated ? 0 : b.len;
}

/* ---- processes ---------------------------------------------------------------
 * ctl->live counts traced processes; the one that brings it to 0 prints the
 * summary and trims.  ctl->pids remembers children (pid | state << 32) so
 * that a parent reaping a child killed by a signal can count it out. */
/* PID_UNTRACED: it runs a program that does not load the runtime (secure
 * execution): no image of ours will print its end. */
enum { PID_LIVE = 1, PID_EXITED = ZP_TRACE_PID_EXITED, PID_GONE = 3, PID_UNTRACED = ZP_TRACE_PID_UNTRACED };

void zp_tout_task_add(struct zp_tout *t, int delta)
{
	__atomic_fetch_add(&t->ctl->tasks, delta, __ATOMIC_RELAXED);
}

int zp_tout_tasks(struct zp_tout *t)
{
	return __atomic_load_n(&t->ctl->tasks, __ATOMIC_RELAXED);
}

void zp_tout_proc_add(struct zp_tout *t, int delta)
{
	__atomic_fetch_add(&t->ctl->live, delta, __ATOMIC_RELAXED);
}

/* Set pid's entry to state `to` if it is in state `from` (0: absent; an
 * entry left GONE by an earlier process with the same pid counts as absent).
 * Entries are never emptied (lookups probe until an empty slot), but a new
 * pid takes over the first GONE entry of its probe chain: without that, a
 * session that ran ZP_TRACE_PID_SLOTS processes (Ruby's test_process.rb
 * runs ~20,000) found no room for the next ones, and their parents reaped
 * them killed by a signal with no "+++ killed by +++" line. */
static bool pid_set(struct zp_trace_ctl *c, int pid, int from, int to)
{
	unsigned h = (unsigned)pid * 2654435761u % ZP_TRACE_PID_SLOTS;
	const uint64_t nv = (uint32_t)pid | (uint64_t)to << 32;
retry:;
	uint64_t *gone = NULL, gone_v = 0;
	for (unsigned i = 0; i < ZP_TRACE_PID_SLOTS; i++) {
		uint64_t *e = &c->pids[(h + i) % ZP_TRACE_PID_SLOTS];
		uint64_t v = __atomic_load_n(e, __ATOMIC_ACQUIRE);
		for (;;) {
			if (v == 0) {
				if (from != 0)
					return false;
				if (gone) {
					/* pid is not in the table: reuse the
					 * reaped entry met on the way */
					if (__atomic_compare_exchange_n(gone, &gone_v, nv, false,
									__ATOMIC_ACQ_REL,
									__ATOMIC_ACQUIRE))
						return true;
					goto retry;
				}
				if (__atomic_compare_exchange_n(e, &v, nv, false, __ATOMIC_ACQ_REL,
								__ATOMIC_ACQUIRE))
					return true;
				continue; /* v now holds what won the slot */
			}
			int state = (int)(v >> 32);
			if ((int)(v & 0xffffffffu) != pid) {
				if (from == 0 && state == PID_GONE && !gone) {
					gone = e;
					gone_v = v;
				}
				break;
			}
			if (state != from && from != -1 && !(from == 0 && state == PID_GONE))
				return false;
			if (__atomic_compare_exchange_n(e, &v, nv, false, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
				return true;
		}
	}
	if (gone && from == 0) {
		if (__atomic_compare_exchange_n(gone, &gone_v, nv, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return true;
		goto retry;
	}
	return false;
}

void zp_tout_proc_started(struct zp_tout *t, int pid)
{
	pid_set(t->ctl, pid, 0, PID_LIVE);
}

bool zp_tout_proc_exit(struct zp_tout *t, int pid)
{
	struct zp_trace_ctl *c = t->ctl;
	if (!pid_set(c, pid, PID_LIVE, PID_EXITED))
		pid_set(c, pid, 0, PID_EXITED);
	return __atomic_sub_fetch(&c->live, 1, __ATOMIC_ACQ_REL) == 0;
}

void zp_tout_proc_untraced(struct zp_tout *t, int pid, bool untraced)
{
	struct zp_trace_ctl *c = t->ctl;
	/* A vfork child execs before its parent has entered it as started. */
	if (untraced ? pid_set(c, pid, PID_LIVE, PID_UNTRACED) || pid_set(c, pid, 0, PID_UNTRACED)
		     : pid_set(c, pid, PID_UNTRACED, PID_LIVE))
		zp_tout_proc_add(t, untraced ? -1 : 1);
}

int zp_tout_proc_reaped(struct zp_tout *t, int pid, bool signaled)
{
	struct zp_trace_ctl *c = t->ctl;
	if (pid_set(c, pid, PID_UNTRACED, PID_GONE))
		return 3;
	if (signaled && pid_set(c, pid, PID_LIVE, PID_GONE))
		return __atomic_sub_fetch(&c->live, 1, __ATOMIC_ACQ_REL) == 0 ? 2 : 1;
	pid_set(c, pid, -1, PID_GONE);
	return 0;
}

/* ---- threads ------------------------------------------------------------------ */
#define THREAD_ENDED (1ull << 63)

static uint64_t thread_key(int tid, int pid)
{
	return (uint32_t)tid | (uint64_t)(uint32_t)pid << 32;
}

static unsigned thread_hash(int tid)
{
	return (unsigned)tid * 2654435761u % ZP_TRACE_THREAD_SLOTS;
}

/* Clear the slot holding exactly v; true if this call cleared it.  Entries
 * go to the first free slot from the tid's hash, and leave holes when
 * removed: a search starts there but cannot stop at a hole. */
static bool thread_clear(struct zp_trace_ctl *c, int tid, uint64_t v)
{
	unsigned h = thread_hash(tid);
	for (unsigned i = 0; i < ZP_TRACE_THREAD_SLOTS; i++) {
		uint64_t *e = &c->threads[(h + i) % ZP_TRACE_THREAD_SLOTS];
		uint64_t cur = __atomic_load_n(e, __ATOMIC_SEQ_CST);
		if (cur == v && __atomic_compare_exchange_n(e, &cur, 0, false, __ATOMIC_SEQ_CST,
							    __ATOMIC_SEQ_CST)) {
			__atomic_sub_fetch(&c->threads_used, 1, __ATOMIC_SEQ_CST);
			return true;
		}
	}
	return false;
}

static bool thread_put(struct zp_trace_ctl *c, int tid, uint64_t v)
{
	unsigned h = thread_hash(tid);
	for (unsigned i = 0; i < ZP_TRACE_THREAD_SLOTS; i++) {
		uint64_t *e = &c->threads[(h + i) % ZP_TRACE_THREAD_SLOTS];
		uint64_t cur = 0;
		if (__atomic_compare_exchange_n(e, &cur, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			__atomic_add_fetch(&c->threads_used, 1, __ATOMIC_SEQ_CST);
			return true;
		}
	}
	return false;
}

/* A thread's creator enters it (begin) after clone returned, which may be
 * after the thread ended (end): whichever comes second removes the other's
 * entry instead of entering its own.  Two racing callers each store theirs
 * and then look for the other's: with sequentially consistent operations
 * at least one sees the other's entry, and removes both.  The creator looks
 * for an ended entry only when the count of them says there is one: the
 * count is raised after the entry is stored, and read after the creator
 * stored its own, so the same argument holds. */
void zp_tout_thread_begin(struct zp_tout *t, int tid, int pid)
{
	struct zp_trace_ctl *c = t->ctl;
	uint64_t k = thread_key(tid, pid), ended = k | THREAD_ENDED;
	if (__atomic_load_n(&c->threads_ended, __ATOMIC_SEQ_CST) && thread_clear(c, tid, ended)) {
		__atomic_sub_fetch(&c->threads_ended, 1, __ATOMIC_SEQ_CST);
		return;
	}
	if (!thread_put(c, tid, k))
		return;
	if (__atomic_load_n(&c->threads_ended, __ATOMIC_SEQ_CST) && thread_clear(c, tid, ended)) {
		__atomic_sub_fetch(&c->threads_ended, 1, __ATOMIC_SEQ_CST);
		thread_clear(c, tid, k);
	}
}

void zp_tout_thread_end(struct zp_tout *t, int tid, int pid)
{
	struct zp_trace_ctl *c = t->ctl;
	uint64_t k = thread_key(tid, pid), ended = k | THREAD_ENDED;
	if (thread_clear(c, tid, k))
		return;
	if (!thread_put(c, tid, ended))
		return;
	__atomic_add_fetch(&c->threads_ended, 1, __ATOMIC_SEQ_CST);
	if (thread_clear(c, tid, k) && thread_clear(c, tid, ended))
		__atomic_sub_fetch(&c->threads_ended, 1, __ATOMIC_SEQ_CST);
}

int zp_tout_threads_take(struct zp_tout *t, int pid, int *tids, int max)
{
	struct zp_trace_ctl *c = t->ctl;
	int n = 0;
	/* An entry stored as this reads 0 is one the search would have
	 * passed by anyway. */
	if (!__atomic_load_n(&c->threads_used, __ATOMIC_SEQ_CST))
		return 0;
	for (unsigned i = 0; i < ZP_TRACE_THREAD_SLOTS; i++) {
		uint64_t cur = __atomic_load_n(&c->threads[i], __ATOMIC_SEQ_CST);
		if (!cur || (int)(uint32_t)(cur >> 32 & 0x7fffffffu) != pid)
			continue;
		if (!__atomic_compare_exchange_n(&c->threads[i], &cur, 0, false, __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST))
			continue;
		__atomic_sub_fetch(&c->threads_used, 1, __ATOMIC_SEQ_CST);
		if (cur & THREAD_ENDED)
			__atomic_sub_fetch(&c->threads_ended, 1, __ATOMIC_SEQ_CST);
		else if (tids && n < max)
			tids[n++] = (int)(uint32_t)cur;
	}
	return n;
}

bool zp_tout_finish_once(struct zp_tout *t)
{
	uint32_t zero = 0;
	return __atomic_compare_exchange_n(&t->ctl->finished, &zero, 1, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* ---- execve lines waiting for the new image ------------------------------------ */

static bool pid_dead(int pid)
{
	return zp_raw2(SYS_kill, pid, 0) == -ESRCH;
}

void zp_tout_exec_save(struct zp_tout *t, int pid, const char *text, size_t n, uint64_t t0,
		       uint64_t mono0, int threads)
{
	struct zp_trace_ctl *c = t->ctl;
	if (n > ZP_TRACE_EXEC_LINE)
		n = ZP_TRACE_EXEC_LINE;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < ZP_TRACE_EXEC_SLOTS; i++) {
			struct zp_exec_slot *s = &c->exec[i];
			int32_t *owner = &c->exec_pid[i];
			int32_t cur = __atomic_load_n(owner, __ATOMIC_ACQUIRE);
			/* First pass: our own or free slots; second: slots of
			 * processes that died before their new image ran. */
			if (cur == pid || cur == 0 || (pass == 1 && cur > 0 && pid_dead(cur))) {
				if (cur != pid && !__atomic_compare_exchange_n(owner, &cur, -pid, false,
									       __ATOMIC_ACQ_REL,
									       __ATOMIC_ACQUIRE))
					continue;
				if (cur == pid)
					__atomic_store_n(owner, -pid, __ATOMIC_RELEASE);
				zp_memcpy(s->text, text, n);
				s->len = (uint32_t)n;
				s->t0_ns = t0;
				s->mono0 = mono0;
				s->threads = threads;
				s->ntids = 0;
				__atomic_store_n(owner, pid, __ATOMIC_RELEASE);
				return;
			}
		}
	}
}

struct zp_exec_slot *zp_tout_exec_find(struct zp_tout *t, int pid)
{
	for (int i = 0; i < ZP_TRACE_EXEC_SLOTS; i++)
		if (__atomic_load_n(&t->ctl->exec_pid[i], __ATOMIC_ACQUIRE) == pid)
			return &t->ctl->exec[i];
	return NULL;
}

void zp_tout_exec_drop(struct zp_tout *t, int pid)
{
	struct zp_exec_slot *s = zp_tout_exec_find(t, pid);
	if (s)
		__atomic_store_n(&t->ctl->exec_pid[s - t->ctl->exec], 0, __ATOMIC_RELEASE);
}

/* ---- opening ----------------------------------------------------------------- */

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int fd_base(void)
{
	struct rlimit rl;
	long soft = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		soft = (long)rl.rlim_cur;
	if (soft > 1024)
		soft = 1024;
	if (soft < 64)
		return 3;
	return (int)(soft - soft / 16);
}

static int map_ctl(struct zp_tout *t, int fd)
{
	void *m = mmap(NULL, sizeof(struct zp_trace_ctl), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	t->ctl = m;
	return 0;
}

/* The window is address space the program would not use natively: under a
 * finite RLIMIT_AS (Dovecot gives each of its processes 256 MiB, a shell's
 * `ulimit -v`) it is not mapped at all, or the program's own mappings would
 * fail where natively they fit (the shell said "Cannot fork", Dovecot's
 * processes exec'd untraced); lines are then pwrite()s. */
static void map_window(struct zp_tout *t)
{
	struct rlimit rl;
	uint64_t size = WINDOW_MAX;
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		size = 0;
	for (; size >= WINDOW_MIN; size /= 2) {
		void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, t->out_fd, 0);
		if (m != MAP_FAILED) {
			t->window = m;
			t->window_size = size;
			return;
		}
	}
	t->window = NULL;
	t->window_size = 0;
}

/* Decide how lines reach the output file.  ctl->cap only has to be a lower
 * bound of the file's size, so a joining process leaves it alone. */
static void choose_file_mode(struct zp_tout *t, bool writable_map, bool fresh)
{
	struct stat st;
	if (fstat(t->out_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		t->mode = ZP_TOUT_WRITE;
		return;
	}
	t->mode = ZP_TOUT_PWRITE;
	if (!writable_map)
		return;
	/* -A starts a session at the end of what the file holds */
	uint64_t base = fresh ? t->ctl->end : 0;
	/* A new file's first chunk: zeros written, as grow_ahead writes the
	 * next ones (RLIMIT_FSIZE aside), not fallocate()d: another process
	 * faulting in a MiB of a fallocate()d range took ~4 us a page here,
	 * and trimming it away at the end ~0.4 ms; a MiB of written zeros,
	 * ~0.2 ms to write, ~0.7 us a page, ~0.08 ms to trim (ext4, a test
	 * program doing each 20 times). */
	long size = fresh && base == 0 && st.st_size == 0 && fsize_limit() == ~0ull
			    ? append_zeros(t, CHUNK_MIN)
			    : -1;
	if (size >= (long)CHUNK_MIN) {
		t->ctl->cap = (uint64_t)size;
	} else if (fallocate(t->out_fd, 0, (off_t)base, (off_t)CHUNK_MIN) == 0) {
		if (fresh)
			t->ctl->cap = base + CHUNK_MIN;
	} else {
		return;
	}
	map_window(t);
	if (t->window) {
		t->mode = ZP_TOUT_MMAP;
		prefault(t, base, base + PREFAULT_FIRST);
	}
}

static int absolute(const char *path, char *out, size_t len)
{
	if (path[0] == '/') {
		if (strlen(path) >= len)
			return -1;
		strcpy(out, path);
		return 0;
	}
	char cwd[ZP_TRACE_PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return -1;
	if ((size_t)snprintf(out, len, "%s/%s", cwd, path) >= len)
		return -1;
	return 0;
}

static uint64_t random_session(void)
{
	uint64_t v = 0;
	long r = zp_raw3(SYS_getrandom, &v, sizeof v, 0);
	if (r != (long)sizeof v) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_nsec * 6364136223846793005ull ^ (uint64_t)getpid() << 32 ^
		    (uint64_t)ts.tv_sec;
	}
	return v ? v : 1;
}

static int open_output(struct zp_tout *t, const struct zp_trace_opts *o, bool truncate, char *err,
		       size_t errlen)
{
	struct zp_trace_ctl *c = t->ctl;
	if (!o->output[0]) {
		t->out_fd = fcntl(2, F_DUPFD_CLOEXEC, t->fd_base);
		if (t->out_fd < 0)
			t->out_fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
		t->mode = ZP_TOUT_WRITE;
		c->mode = (uint32_t)t->mode;
		return 0;
	}
	if (absolute(o->output, c->out_path, sizeof c->out_path) < 0) {
		snprintf(err, errlen, "-o %s: path too long", o->output);
		return -1;
	}
	if (o->follow == 2) {
		t->mode = ZP_TOUT_FF;
		c->mode = (uint32_t)t->mode;
		return 0;
	}
	int flags = O_CREAT | O_CLOEXEC;
	bool rw = true;
	struct stat fst;
	int fd;
	if (zp_raw4(SYS_newfstatat, AT_FDCWD, c->out_path, &fst, 0) == 0 && S_ISFIFO(fst.st_mode)) {
		/* Read-write, we would be a reader of our own FIFO (and its
		 * reader would see us come and go, and stop at our close): once
		 * its reader is gone, the lines would fill the pipe and every
		 * traced call would block for good.  Write-only, as strace: wait
		 * for a reader here, see EPIPE when it is gone. */
		rw = false;
		fd = open(c->out_path, O_WRONLY | O_CLOEXEC);
	} else {
		fd = open(c->out_path, O_RDWR | flags, 0644);
	}
	if (fd < 0 && rw && (errno == EACCES || errno == EISDIR || errno == ETXTBSY)) {
		rw = false;
		fd = open(c->out_path, O_WRONLY | flags, 0644);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open -o %s: %s", o->output, strerror(errno));
		return -1;
	}
	/* Every process of a session shares this open file, and with it a
	 * shared lock: a new session that finds the lock taken would truncate
	 * a trace that is still being written.  Only a regular file can be
	 * truncated or interleaved: /dev/null, a tty or a pipe is shared by
	 * any number of sessions (flock on /dev/null is system-wide). */
	struct stat st0;
	bool regular = fstat(fd, &st0) == 0 && S_ISREG(st0.st_mode);
	bool fresh = truncate;
	if (truncate && regular && o->append) {
		/* -A: the lines go after what the file holds */
		truncate = false;
		c->end = (uint64_t)st0.st_size;
		c->cap = (uint64_t)st0.st_size;
		c->data_from = c->end;
	}
	if (truncate && regular) {
		if (flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
			snprintf(err, errlen, "-o %s: another trace session is still writing it",
				 o->output);
			close(fd);
			return 2;
		}
		/* Only a file with something in it: ext4 flushes a file
		 * truncated to 0 when it is closed (its auto_da_alloc), which
		 * cost a new trace of find 0.4-8 ms at the traced program's
		 * exit for nothing. */
		if (st0.st_size > 0 && ftruncate(fd, 0) < 0 && errno != EINVAL) {
			snprintf(err, errlen, "cannot truncate -o %s: %s", o->output, strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (regular)
		flock(fd, LOCK_SH | LOCK_NB);
	t->out_fd = move_high(fd, t->fd_base);
	struct stat st;
	if (fstat(t->out_fd, &st) == 0) {
		c->out_dev = st.st_dev;
		c->out_ino = st.st_ino;
	}
	if (regular && o->append && rw) {
		/* -A: other sessions (programs traced on their own with the
		 * same options, as each test of a suite run with the runtime
		 * in LD_PRELOAD) may append to the file at the same time, as
		 * with strace: each line is one write at the file's end, never
		 * in a region this session maps, grows or trims (another
		 * session's trim at its end cut the file under our window:
		 * SIGBUS). */
		int fl = fcntl(t->out_fd, F_GETFL);
		if (fl >= 0 && fcntl(t->out_fd, F_SETFL, fl | O_APPEND) == 0) {
			t->mode = ZP_TOUT_WRITE;
			c->mode = (uint32_t)t->mode;
			return 0;
		}
	}
	/* -c alone writes its table once, at the end: no window to map */
	choose_file_mode(t, rw && o->lines, fresh);
	c->mode = (uint32_t)t->mode;
	return 0;
}

static void set_ff_prefix(struct zp_tout *t)
{
	ff_pid = (int)zp_raw0(SYS_getpid);
	size_t n = strlen(t->ctl->out_path);
	if (n + 2 > sizeof t->ff_prefix)
		n = sizeof t->ff_prefix - 2;
	memcpy(t->ff_prefix, t->ctl->out_path, n);
	t->ff_prefix[n] = '.';
	t->ff_prefix[n + 1] = '\0';
	t->ff_prefix_len = n + 1;
}

/* ZPOLINE_TRACE_FDS=CTL,OUT,SESSION from the image before our execve. */
static int join_inherited(struct zp_tout *t, const char *v, uint32_t hash)
{
	char *end;
	long cfd = strtol(v, &end, 10);
	if (*end != ',')
		return -1;
	long ofd = strtol(end + 1, &end, 10);
	if (*end != ',')
		return -1;
	unsigned long long session = strtoull(end + 1, &end, 16);
	if (*end)
		return -1;
	struct stat st;
	if (cfd < 0 || fstat((int)cfd, &st) < 0 || (size_t)st.st_size < sizeof(struct zp_trace_ctl))
		return -1;
	if (map_ctl(t, (int)cfd) < 0)
		return -1;
	struct zp_trace_ctl *c = t->ctl;
	if (c->magic != ZP_TRACE_CTL_MAGIC || c->session != session || c->opts_hash != hash ||
	    c->size != sizeof *c) {
		munmap(c, sizeof *c);
		t->ctl = NULL;
		return -1;
	}
	t->ctl_fd = (int)cfd;
	fcntl(t->ctl_fd, F_SETFD, FD_CLOEXEC);
	t->mode = (int)c->mode;
	t->out_fd = -1;
	if (t->mode != ZP_TOUT_FF) {
		if (ofd < 0 || fstat((int)ofd, &st) < 0)
			return -1;
		t->out_fd = (int)ofd;
		fcntl(t->out_fd, F_SETFD, FD_CLOEXEC);
		if (t->mode == ZP_TOUT_MMAP) {
			map_window(t);
			if (!t->window)
				t->mode = ZP_TOUT_PWRITE;
		}
	} else {
		set_ff_prefix(t);
		exec_pid = getpid();
	}
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts = {0, 0};
	zp_raw2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPUID 0x80000007 EDX bit 8: the TSC ticks at one rate in every power
 * state, on every CPU.  Asked once per session (CPUID traps to the
 * hypervisor on a VM). */
static bool invariant_tsc(void)
{
	unsigned a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
	if (a < 0x80000007u)
		return false;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000007u), "c"(0));
	return (d >> 8) & 1;
}

/* `zeroed`: the block is a file just extended from empty, which reads as
 * zeros already: clearing it would fault in all of its pages (~65, about
 * 1.3 ms here) where a session touches only the few it uses. */
static void init_ctl(struct zp_tout *t, int root, uint32_t hash, const struct zp_trace_opts *o,
		     bool zeroed)
{
	struct zp_trace_ctl *c = t->ctl;
	if (!zeroed)
		memset(c, 0, sizeof *c);
	c->magic = ZP_TRACE_CTL_MAGIC;
	c->session = random_session();
	c->size = sizeof *c;
	c->root = root;
	c->opts_hash = hash;
	c->live = 1;
	c->tasks = 1;
	c->count = o->count;
	c->sortby = o->sortby;
	c->form.column = o->column;
	c->form.json = o->json;
	c->form.follow = (uint8_t)o->follow;
	c->form.to_file = o->output[0] != '\0';
	struct timespec now = {0, 0};
	zp_raw2(SYS_clock_gettime, CLOCK_REALTIME_COARSE, &now);
	c->start_coarse_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	unsigned a, b, cx, d;
	c->prefetchw = __get_cpuid(0x80000001, &a, &b, &cx, &d) && (cx & bit_PRFCHW);
	if (o->count && !o->lines && !o->durations && invariant_tsc()) {
		c->tsc_ticks = 1;
		c->mono0 = mono_ns();
		c->tsc0 = __builtin_ia32_rdtsc();
	}
}

void zp_tout_detach(struct zp_tout *t)
{
	if (t->window)
		zp_raw2(SYS_munmap, t->window, t->window_size);
	if (t->ctl)
		zp_raw2(SYS_munmap, t->ctl, sizeof *t->ctl);
	if (t->ctl_fd >= 0) {
		own(t->ctl_fd, false);
		zp_raw1(SYS_close, t->ctl_fd);
	}
	if (t->out_fd >= 0) {
		own(t->out_fd, false);
		zp_raw1(SYS_close, t->out_fd);
	}
	for (unsigned i = 0; i < FF_SLOTS; i++) {
		int fd = (int)(uint32_t)ff_tab[i].fdpid;
		if (ff_tab[i].tid > 0 && !(ff_tab[i].fdpid >> 32) && fd >= 0) {
			own(fd, false);
			zp_raw1(SYS_close, fd);
		}
		ff_tab[i].tid = 0;
		ff_tab[i].fdpid = 0;
	}
	t->window = NULL;
	t->ctl = NULL;
	t->ctl_fd = t->out_fd = -1;
}

void zp_tout_close(struct zp_tout *t)
{
	if (t->window)
		munmap(t->window, t->window_size);
	if (t->ctl)
		munmap(t->ctl, sizeof *t->ctl);
	if (t->ctl_fd >= 0) {
		own(t->ctl_fd, false);
		close(t->ctl_fd);
	}
	if (t->out_fd >= 0) {
		own(t->out_fd, false);
		close(t->out_fd);
	}
	memset(t, 0, sizeof *t);
	t->ctl_fd = t->out_fd = -1;
}

int zp_tout_open(struct zp_tout *t, const struct zp_trace_opts *o, const char *opts_string, int root,
		 bool may_create, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	t->ctl_fd = t->out_fd = -1;
	t->fd_base = fd_base();
	t->append = o->append;
	uint32_t hash = hash_str(opts_string);

	const char *fds = getenv("ZPOLINE_TRACE_FDS");
	if (fds && join_inherited(t, fds, hash) == 0) {
		t->joined = true;
		t->prefetchw = t->ctl->prefetchw != 0;
		own(t->ctl_fd, true);
		own(t->out_fd, true);
		return 0;
	}
	if (t->ctl)
		munmap(t->ctl, sizeof *t->ctl);
	t->ctl = NULL;
	if (!may_create)
		return 1;

	/* A control file named by the command: the session may already exist
	 * (a process whose parent chain lost the descriptors). */
	const char *ctl_path = getenv("ZPOLINE_TRACE_CTL");
	int cfd;
	bool existing = false, zeroed = false;
	if (ctl_path && *ctl_path) {
		cfd = open(ctl_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (cfd < 0) {
			snprintf(err, errlen, "cannot open ZPOLINE_TRACE_CTL=%s: %s", ctl_path,
				 strerror(errno));
			return -1;
		}
		flock(cfd, LOCK_EX);
		struct stat st;
		bool known = fstat(cfd, &st) == 0;
		zeroed = known && st.st_size == 0;
		if (known && (size_t)st.st_size >= sizeof(struct zp_trace_ctl) && map_ctl(t, cfd) == 0) {
			if (t->ctl->magic == ZP_TRACE_CTL_MAGIC && t->ctl->size == sizeof *t->ctl &&
			    t->ctl->opts_hash == hash)
				existing = true;
		} else if (ftruncate(cfd, sizeof(struct zp_trace_ctl)) < 0 || map_ctl(t, cfd) < 0) {
			snprintf(err, errlen, "cannot set up ZPOLINE_TRACE_CTL=%s: %s", ctl_path,
				 strerror(errno));
			close(cfd);
			return -1;
		} else {
			/* The block is written through the mapping as processes
			 * come (pid slots, counts): a page first written once
			 * the program has filled $TMPDIR raised SIGBUS in the
			 * program (stress-ng's forkheavy fills /tmp).  Its room
			 * is taken now (ext4: ~20 us; tmpfs: ~0.7 ms, 5 MiB). */
			(void)!fallocate(cfd, 0, 0, sizeof(struct zp_trace_ctl));
		}
	} else {
		cfd = memfd_create("zpoline-trace", MFD_CLOEXEC);
		if (cfd < 0 || ftruncate(cfd, sizeof(struct zp_trace_ctl)) < 0 || map_ctl(t, cfd) < 0) {
			snprintf(err, errlen, "cannot create the trace control block: %s",
				 strerror(errno));
			return -1;
		}
		zeroed = true;
	}
	t->ctl_fd = move_high(cfd, t->fd_base);
	if (existing) {
		t->prefetchw = t->ctl->prefetchw != 0;
		/* Join: never truncate what the others wrote. */
		__atomic_fetch_add(&t->ctl->live, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&t->ctl->tasks, 1, __ATOMIC_RELAXED);
		int r = open_output(t, o, false, err, errlen);
		if (t->mode == ZP_TOUT_FF)
			set_ff_prefix(t);
		t->joined = true;
		flock(t->ctl_fd, LOCK_UN);
		own(t->ctl_fd, true);
		own(t->out_fd, true);
		return r;
	}
	init_ctl(t, root, hash, o, zeroed);
	t->prefetchw = t->ctl->prefetchw != 0;
	int r = open_output(t, o, true, err, errlen);
	if (t->mode == ZP_TOUT_FF)
		set_ff_prefix(t);
	if (ctl_path && *ctl_path)
		flock(t->ctl_fd, LOCK_UN);
	own(t->ctl_fd, true);
	own(t->out_fd, true);
	return r;
}

/* ---- the -c table -------------------------------------------------------- */

static void put_fixed6(struct tb *b, uint64_t us, int width)
{
	/* us as seconds with 6 decimals, right-aligned in width */
	char tmp[32];
	struct tb t;
	tb_init(&t, tmp, sizeof tmp);
	tb_udec(&t, us / 1000000);
	tb_putc(&t, '.');
	tb_udec_w(&t, us % 1000000, 6, '0');
	for (int i = (int)t.len; i < width; i++)
		tb_putc(b, ' ');
	tb_putn(b, tmp, t.len);
}

static void put_pct(struct tb *b, uint64_t hundredths)
{
	char tmp[16];
	struct tb t;
	tb_init(&t, tmp, sizeof tmp);
	tb_udec(&t, hundredths / 100);
	tb_putc(&t, '.');
	tb_udec_w(&t, hundredths % 100, 2, '0');
	for (int i = (int)t.len; i < 6; i++)
		tb_putc(b, ' ');
	tb_putn(b, tmp, t.len);
}

static void summary_row(struct tb *b, uint64_t pct, uint64_t ns, uint64_t calls, uint64_t errors,
			const char *name, long nr)
{
	put_pct(b, pct);
	tb_putc(b, ' ');
	put_fixed6(b, ns / 1000, 11);
	tb_putc(b, ' ');
	tb_udec_w(b, calls ? ns / 1000 / calls : 0, 11, ' ');
	tb_putc(b, ' ');
	tb_udec_w(b, calls, 9, ' ');
	tb_putc(b, ' ');
	if (errors)
		tb_udec_w(b, errors, 9, ' ');
	else
		tb_putn(b, "         ", 9);
	tb_putc(b, ' ');
	if (name) {
		tb_puts(b, name);
	} else {
		tb_puts(b, "syscall_");
		tb_dec(b, nr);
	}
	tb_putc(b, '\n');
}

static const char summary_rule[] =
	"------ ----------- ----------- --------- --------- ----------------\n";

static const char *row_name(int nr, const char *(*name)(long nr))
{
	const char *nm = nr < ZP_TRACE_COUNT_SLOTS - 1 ? name(nr) : "(other)";
	return nm ? nm : "";
}

static int three_way(unsigned __int128 x, unsigned __int128 y)
{
	return (x > y) - (x < y);
}

/* -S: does row a go before row b?  Larger first (names: alphabetical);
 * rows that tie keep number order, as in strace's (stable) sort. */
static bool row_before(uint32_t sortby, const struct zp_trace_count *sum, int a, int b,
		       const uint64_t *ns_of, const char *(*name)(long nr))
{
	const struct zp_trace_count *x = &sum[a], *y = &sum[b];
	int c;
	switch (sortby) {
	case ZP_SORT_CALLS:
		c = three_way(x->calls, y->calls);
		break;
	case ZP_SORT_ERRORS:
		c = three_way(x->errors, y->errors);
		break;
	case ZP_SORT_NAME:
		return zp_strcmp(row_name(a, name), row_name(b, name)) < 0;
	case ZP_SORT_AVG:
		c = three_way((unsigned __int128)ns_of[a] * y->calls, (unsigned __int128)ns_of[b] * x->calls);
		break;
	case ZP_SORT_NOTHING:
		return false; /* number order */
	default:
		c = three_way(ns_of[a], ns_of[b]);
	}
	return c > 0;
}

/* The counters of every table added up, into sum.  The tables take 768
 * KiB of the control block, of which a session writes a few pages: one
 * table per thread that counted alone, and in it the rows of the calls it
 * made.  Reading the rest through the mapping would fault in a zeroed page
 * for each page never written (~175 faults here at the end of every -c
 * session, and ~700 KiB of memory): the block's file says where
 * it holds data (SEEK_DATA/SEEK_HOLE), and a hole reads as zeros, which
 * add nothing.  Where the file cannot tell (fd < 0, or lseek fails) every
 * table is read, and so it is when fd is not a file of the block's size
 * (the program closed ours and the number went to another file, whose
 * holes are not the block's). */
static void sum_counts(const struct zp_trace_ctl *ctl, int fd, struct zp_trace_count *sum)
{
	struct stat st;
	if (fd >= 0 && (zp_raw2(SYS_fstat, fd, &st) != 0 || (uint64_t)st.st_size != sizeof *ctl))
		fd = -1;
	const struct zp_trace_count *all = &ctl->counts[0][0];
	const uint64_t base = offsetof(struct zp_trace_ctl, counts);
	const uint64_t end = base + sizeof ctl->counts, row = sizeof all[0];
	for (int i = 0; i < ZP_TRACE_COUNT_SLOTS; i++)
		sum[i] = (struct zp_trace_count){0, 0, 0};
	for (uint64_t pos = base; pos < end;) {
		uint64_t from = pos, to = end;
		if (fd >= 0) {
			long d = zp_raw3(SYS_lseek, fd, (long)pos, SEEK_DATA);
			if (d == -ENXIO)
				break; /* nothing but holes from pos on */
			long h = d >= 0 ? zp_raw3(SYS_lseek, fd, d, SEEK_HOLE) : -1;
			if (d >= 0 && h > d) {
				from = (uint64_t)d;
				to = (uint64_t)h < end ? (uint64_t)h : end;
			}
		}
		if (from >= end)
			break;
		/* Every row the range touches.  A row across its edge is read
		 * only up to the edge: the rest lies in a hole (zeros) or in the
		 * next range, which adds it then; reading it here would fault a
		 * hole's page in, which the next SEEK_DATA would then find. */
		for (uint64_t k = (from - base) / row; k < (to - base + row - 1) / row; k++) {
			struct zp_trace_count part = {0, 0, 0};
			const struct zp_trace_count *y = &all[k];
			uint64_t lo = base + k * row, hi = lo + row;
			if (lo < from || hi > to) {
				uint64_t a = lo < from ? from : lo, z = hi > to ? to : hi;
				zp_memcpy((char *)&part + (a - lo), (const char *)y + (a - lo), z - a);
				y = &part;
			}
			struct zp_trace_count *x = &sum[k % ZP_TRACE_COUNT_SLOTS];
			x->calls += y->calls;
			x->errors += y->errors;
			x->ns += y->ns;
		}
		pos = to;
	}
}

size_t zp_trace_summary(const struct zp_trace_ctl *ctl, int ctl_fd, char *buf, size_t len,
			const char *(*name)(long nr))
{
	struct tb b;
	tb_init(&b, buf, len);
	uint16_t order[ZP_TRACE_COUNT_SLOTS];
	static uint64_t ns_of[ZP_TRACE_COUNT_SLOTS];
	/* TSC ticks to nanoseconds: the rate over the session so far. */
	uint64_t dt = 0, dm = 0;
	if (ctl->tsc_ticks) {
		dm = mono_ns() - ctl->mono0;
		dt = __builtin_ia32_rdtsc() - ctl->tsc0;
	}
	static struct zp_trace_count sum[ZP_TRACE_COUNT_SLOTS];
	sum_counts(ctl, ctl_fd, sum);
	int n = 0;
	uint64_t total_ns = 0, total_calls = 0, total_err = 0;
	for (int i = 0; i < ZP_TRACE_COUNT_SLOTS; i++) {
		const struct zp_trace_count *k = &sum[i];
		if (!k->calls)
			continue;
		ns_of[i] = !ctl->tsc_ticks ? k->ns
					   : dt ? (uint64_t)((unsigned __int128)k->ns * dm / dt) : 0;
		/* Insertion in -S order; equal rows keep number order. */
		int j = n++;
		while (j > 0 && row_before(ctl->sortby, sum, i, order[j - 1], ns_of, name)) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = (uint16_t)i;
		total_ns += ns_of[i];
		total_calls += k->calls;
		total_err += k->errors;
	}
	tb_puts(&b, "% time     seconds  usecs/call     calls    errors syscall\n");
	tb_puts(&b, summary_rule);
	for (int i = 0; i < n; i++) {
		const struct zp_trace_count *k = &sum[order[i]];
		uint64_t ns = ns_of[order[i]];
		uint64_t pct = total_ns ? (ns * 20000 / total_ns + 1) / 2 : 0;
		long nr = order[i];
		const char *nm = nr < ZP_TRACE_COUNT_SLOTS - 1 ? name(nr) : "(other)";
		summary_row(&b, pct, ns, k->calls, k->errors, nm, nr);
	}
	tb_puts(&b, summary_rule);
	summary_row(&b, 10000, total_ns, total_calls, total_err, "total", -1);
	return b.len;
}
