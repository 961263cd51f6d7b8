/*
 * traceout.h - where trace lines go, shared by every process of a trace.
 *
 * A trace session is the set of processes writing one trace.  They share a
 * control block (struct zp_trace_ctl): a memfd, or the file named by
 * ZPOLINE_TRACE_CTL, mapped MAP_SHARED, inherited across fork as a mapping
 * and across execve as a descriptor.  With -o FILE every line is one
 * memcpy into a MAP_SHARED mapping of FILE at an offset reserved with an
 * atomic fetch-add on ctl->end, so lines never interleave, need no system
 * call, and are in the page cache the moment they are copied: they survive
 * SIGKILL of the writer.  The file grows ahead of the lines in large
 * chunks, zeros appended at its end (RWF_APPEND: never over a line) or
 * fallocate() (which never shrinks it): concurrent growers cannot race each
 * other into losing data; where that or the mapping is not possible, a
 * line is a pwrite() at its reserved offset instead.  Without -o, lines are write()s
 * to a duplicate of the original stderr.  With -ff each task appends to
 * FILE.TID.
 *
 * Because the file is grown ahead of the data, its tail holds zeros until
 * it is trimmed to ctl->end:
 *   - by the last traced process to exit (ctl->live drops to 0), which also
 *     prints the -c summary;
 *   - by the `zpoline` command after the program is gone, with
 *     zp_trace_finish(): it trims, removes the zero bytes of lines whose
 *     writer was killed between reserving and copying, and prints the -c
 *     summary if no process could (see that function).
 *
 * Across execve the descriptors are passed on (their close-on-exec flag is
 * cleared for the call) and named in ZPOLINE_TRACE_FDS=CTL,OUT,SESSION,
 * which the tracer adds to the new program's environment; the new image
 * joins the session instead of starting one.
 *
 * Everything called on the per-call path is raw (no libc); zp_tout_open()
 * and zp_trace_finish() use libc.
 */
#ifndef ZP_TRACEOUT_H
#define ZP_TRACEOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "traceopts.h"
#include "tracepending.h"

#define ZP_TOUT_HIDDEN __attribute__((visibility("hidden")))

#define ZP_TRACE_CTL_MAGIC 0x7a70747263746c31ull /* "zptrctl1" */
#define ZP_TRACE_COUNT_SLOTS 1024   /* -c counters: numbers past this share the last */
/* Each thread counts in one of these copies of the table (by tid), summed
 * for the summary: threads on different CPUs would otherwise pass the
 * counters' cache lines back and forth on every call. */
#define ZP_TRACE_COUNT_SHARDS 4
/* ... and up to this many threads of the session count in a copy of their
 * own after those (ZP_TRACE_COUNT_SHARDS + i, claimed in count_owner[i]):
 * with one writer, an add needs no bus lock (the trace hook's count()). */
#define ZP_TRACE_COUNT_OWN 28
#define ZP_TRACE_PID_SLOTS 8192     /* traced processes (for killed-by-signal lines) */
#define ZP_TRACE_EXEC_SLOTS 32      /* execve lines waiting for the new image */
#define ZP_TRACE_THREAD_SLOTS 4096  /* traced threads but leaders (for killed-by-signal lines) */
#define ZP_TRACE_EXEC_LINE 4000

enum zp_tout_mode {
	ZP_TOUT_MMAP = 1,   /* shared mapping of -o FILE */
	ZP_TOUT_PWRITE = 2, /* reserved offsets, pwrite() */
	ZP_TOUT_WRITE = 3,  /* write() to a pipe, tty, stderr ... */
	ZP_TOUT_FF = 4,     /* -ff: FILE.TID, appended */
};

struct zp_trace_count {
	uint64_t calls, errors, ns;
};

#define ZP_TRACE_EXEC_TIDS 64
struct zp_exec_slot {
	uint32_t len;
	int32_t threads;  /* traced threads of the image before execve */
	int32_t ntids;    /* the other threads execve ends (their exit lines) */
	int32_t tids[ZP_TRACE_EXEC_TIDS];
	uint64_t t0_ns;   /* entry time (realtime) */
	uint64_t mono0;   /* entry time (monotonic), for -T */
	char comm[16];    /* -Y: the caller's name (the line's prefix) */
	char text[ZP_TRACE_EXEC_LINE];
};

/* strerror()'s messages, copied once for a session by the first process
 * that prints lines (trace.c, errno_messages): ~130 strerror() calls and
 * their copies cost every process ~70-85 us here (libc's gettext path,
 * and the pages they touch), and the processes of a make each print a
 * handful of lines. */
#define ZP_TRACE_ERRMSG_MAX 256
#define ZP_TRACE_ERRMSG_BYTES 8192
struct zp_errmsgs {
	uint32_t state; /* 0: not yet, 1: being written, 2: ready */
	uint32_t n;
	uint16_t num[ZP_TRACE_ERRMSG_MAX]; /* errno values */
	uint16_t off[ZP_TRACE_ERRMSG_MAX]; /* their messages' offsets in text */
	char text[ZP_TRACE_ERRMSG_BYTES];
};

struct zp_trace_ctl {
	uint64_t magic;
	uint64_t session;
	uint32_t size;          /* sizeof(struct zp_trace_ctl) */
	int32_t root;           /* pid of the traced root process */
	uint32_t mode;          /* enum zp_tout_mode */
	uint32_t opts_hash;     /* of ZPOLINE_TRACE_OPTS, to tell sessions apart */
	uint64_t end;           /* bytes reserved in the output */
	uint64_t cap;           /* bytes the output file is known to hold */
	/* The size one writer has undertaken to grow the file to ahead of
	 * the lines (traceout.c, grow_ahead); above cap while it works. */
	uint64_t ahead;
	int32_t live;           /* traced processes alive */
	int32_t tasks;          /* traced tasks alive (threads count) */
	uint32_t finished;      /* the summary was printed and the file trimmed */
	/* The file was trimmed to its lines: a process still tracing (one
	 * the finishing command took for gone) writes its lines with pwrite
	 * at offsets from `end`, which is the file's end again once the
	 * trimming is done, not through its window, whose pages past the
	 * new end would raise SIGBUS (traceout.c). */
	uint32_t trimmed;
	uint32_t count;         /* -c is on */
	/* -c alone (no lines, no -T) on a CPU with an invariant TSC: counts[].ns hold TSC
	 * ticks (one instruction per call instead of two vDSO clock reads,
	 * each touching pages the system call flushed from the TLB), turned
	 * into nanoseconds by the summary against the session's start. */
	uint32_t tsc_ticks;
	/* The CPU has PREFETCHW: asked once, by the session's first process
	 * (CPUID traps to the hypervisor on a VM: 5-25 us a CPUID here, and
	 * __get_cpuid is two, at every process's start). */
	uint32_t prefetchw;
	uint64_t tsc0, mono0;
	uint64_t rel_last;      /* -r: CLOCK_MONOTONIC ns of the latest line's start */
	uint64_t data_from;     /* -A: where this session's lines start */
	uint32_t sortby;        /* -S: ZP_SORT_*, for whoever prints the -c table */
	/* No command started the session (plain LD_PRELOAD use): no one
	 * reaps the root for the trace, so the root itself says it was
	 * killed and ends the session (trace.c, root_killed). */
	uint32_t plain;
	/* CLOCK_REALTIME_COARSE when the session started: an -ff file written
	 * since (its mtime is later) belongs to this session. */
	uint64_t start_coarse_ns;
	uint64_t out_dev, out_ino;
	uint64_t lost_lines;    /* lines that could not be written (full disk, */
	uint64_t lost_bytes;    /* RLIMIT_FSIZE, a closed pipe...) */
	int32_t lost_errno;     /* why the first of them was lost */
	uint32_t out_closed;    /* the output is a pipe nobody reads any more */
	char out_path[4096];    /* absolute path of -o FILE, for zp_trace_finish */
	struct zp_errmsgs errmsgs;
	struct zp_trace_count counts[ZP_TRACE_COUNT_SHARDS + ZP_TRACE_COUNT_OWN][ZP_TRACE_COUNT_SLOTS];
	uint64_t count_owner[ZP_TRACE_COUNT_OWN]; /* the claim holding it, 0 = free */
	uint64_t count_claims;  /* claims made (ids from 1) */
	uint64_t pids[ZP_TRACE_PID_SLOTS]; /* pid | state << 32 (traceout.c) */
	/* exec[i]'s owner, 0 = free, -pid while it writes: apart from the
	 * slots (4 KiB each), so that the search every new image makes reads
	 * 128 bytes, not a page of each slot (each page a fault). */
	int32_t exec_pid[ZP_TRACE_EXEC_SLOTS];
	struct zp_exec_slot exec[ZP_TRACE_EXEC_SLOTS];
	uint64_t threads_ended;  /* entries with the ended bit (most often 0) */
	/* Entries in threads[] (0 in a session of single-threaded programs:
	 * each process start and end would otherwise read all 32 KiB of it). */
	uint64_t threads_used;
	uint64_t threads[ZP_TRACE_THREAD_SLOTS]; /* tid | pid << 32 | ended << 63 */
	/* Calls that may block, in flight (tracepending.h): keys apart from
	 * the entries, so that a search reads 8 bytes a slot. */
	struct zp_pending_form form;
	uint64_t pending_key[ZP_TRACE_PENDING_SLOTS];
	struct zp_pending pending[ZP_TRACE_PENDING_SLOTS];
};

/* The counters thread `tid` adds call `nr` to. */
static inline struct zp_trace_count *zp_trace_counter(struct zp_trace_ctl *c, int tid, long nr)
{
	long k = nr >= 0 && nr < ZP_TRACE_COUNT_SLOTS - 1 ? nr : ZP_TRACE_COUNT_SLOTS - 1;
	return &c->counts[(unsigned)tid % ZP_TRACE_COUNT_SHARDS][k];
}

/* One process's view of the session. */
struct zp_tout {
	struct zp_trace_ctl *ctl;
	int ctl_fd;
	int out_fd;          /* -o file or stderr duplicate; -1 with -ff */
	int mode;
	char *window;        /* MAP_SHARED view of the output */
	uint64_t window_size;
	bool joined;         /* this image continues a session (after execve) */
	bool append;         /* -A: -ff files are appended to, never truncated */
	bool sandboxed;      /* under a seccomp filter: no more system calls to
				grow the file (zp_tout_sandbox) */
	bool prefetchw;      /* the CPU has PREFETCHW (zp_tout_line_ahead) */
	int fd_base;         /* our descriptors go at or above this */
	char ff_prefix[ZP_TRACE_PATH_MAX]; /* -ff: "FILE." */
	size_t ff_prefix_len;
};

/* Set up this process's side of the session: join the one the image
 * before execve belonged to, or (if may_create) start one.  Returns 0,
 * 1 if there is no session to join and none may be started, 2 if -o FILE
 * is still being written by another session (message in err), or -1 with
 * a message.  `opts_string` is ZPOLINE_TRACE_OPTS as given. */
ZP_TOUT_HIDDEN int zp_tout_open(struct zp_tout *t, const struct zp_trace_opts *o,
				const char *opts_string, int root, bool may_create, char *err,
				size_t errlen);
/* Let go of the session (this process will not trace).  _detach is the
 * raw version for the per-call path (a forked child that is not traced). */
ZP_TOUT_HIDDEN void zp_tout_close(struct zp_tout *t);
ZP_TOUT_HIDDEN void zp_tout_detach(struct zp_tout *t);
/* -ff: a fork child's descriptors are its own copies of its parent's
 * (called in the child); a vfork child sharing our memory is gone (called
 * in the parent when its clone returns). */
ZP_TOUT_HIDDEN void zp_tout_forked(struct zp_tout *t);
ZP_TOUT_HIDDEN void zp_tout_vfork_done(struct zp_tout *t, int child);
/* -ff: a child that shares our memory (CLONE_VM without CLONE_THREAD) is
 * about to be made (delta 1) or was not (-1).  vfork: with CLONE_VFORK, it
 * is gone when the clone returns, and the caller gives -1 then too; without,
 * it may run in our memory as long as we do. */
ZP_TOUT_HIDDEN void zp_tout_vm_child(struct zp_tout *t, bool vfork, int delta);

/* The process is about to install a seccomp filter (prctl(PR_SET_SECCOMP)
 * or seccomp()): a filter may kill it for any system call it does not
 * expect, and growing the file (fallocate, madvise, pwrite) is one.  Grow
 * it once now, ahead of what the process may still write; from then on its
 * lines use that room only, and are lost past it.  -ff: the calling
 * thread tid's file is opened now.  Raw. */
ZP_TOUT_HIDDEN void zp_tout_sandbox(struct zp_tout *t, int tid);

/* Write one complete line (with its '\n') for task tid.  Raw. */
ZP_TOUT_HIDDEN void zp_tout_line(struct zp_tout *t, int tid, const char *s, size_t n);
/* A line is being formatted: ask for the cache line of the session's end
 * for writing now, so that the line's reservation (an atomic add that
 * every writing thread makes) finds it here more often instead of waiting
 * for it to come from another CPU. */
static inline void zp_tout_line_ahead(struct zp_tout *t)
{
	/* prefetchw: the cache line for writing, not a shared copy that the
	 * reservation's add must then upgrade */
	if (t->prefetchw)
		__asm__("prefetchw %0" : : "m"(t->ctl->end));
}

/* The program set RLIMIT_FSIZE's soft limit to cur (~0: unlimited; ~0 - 1:
 * unknown, asked again), which writes of ours to a regular file must not
 * reach: the kernel would kill the program with SIGXFSZ.  Raw. */
ZP_TOUT_HIDDEN void zp_tout_fsize_set(uint64_t cur);

/* The program gave itself a finite RLIMIT_AS: the output's window (up to
 * 16 GiB of address space) is given back and lines are pwrite()s, if
 * `alone` says no other thread of this process may be copying into it.
 * Raw. */
ZP_TOUT_HIDDEN void zp_tout_as_limited(struct zp_tout *t, bool alone);

/* Our descriptors: is fd one of them?  Raw. */
ZP_TOUT_HIDDEN bool zp_tout_owns(struct zp_tout *t, long fd);
/* Move our descriptor `fd` out of the way (the program is about to dup2
 * over it).  Raw. */
ZP_TOUT_HIDDEN void zp_tout_evict(struct zp_tout *t, long fd);
/* Around execve: pass the descriptors on, or take them back if it failed.
 * Raw. */
ZP_TOUT_HIDDEN void zp_tout_exec_prepare(struct zp_tout *t);
ZP_TOUT_HIDDEN void zp_tout_exec_failed(struct zp_tout *t);
/* "ZPOLINE_TRACE_FDS=..." for the new image's environment.  Raw. */
ZP_TOUT_HIDDEN size_t zp_tout_env(struct zp_tout *t, char *buf, size_t len);

/* Trim the output to the reserved size (the last process out).  Raw. */
ZP_TOUT_HIDDEN void zp_tout_trim(struct zp_tout *t);

/* Process and task accounting, raw.  tasks: traced tasks alive (decides
 * the [pid N] prefix); live: traced processes alive. */
ZP_TOUT_HIDDEN void zp_tout_task_add(struct zp_tout *t, int delta);
ZP_TOUT_HIDDEN int zp_tout_tasks(struct zp_tout *t);
ZP_TOUT_HIDDEN void zp_tout_proc_add(struct zp_tout *t, int delta);
/* The parent saw fork/clone return child pid. */
ZP_TOUT_HIDDEN void zp_tout_proc_started(struct zp_tout *t, int pid);
/* This process ends; true if it was the last traced one. */
ZP_TOUT_HIDDEN bool zp_tout_proc_exit(struct zp_tout *t, int pid);
/* pid is about to run a program that never loads the runtime (untraced
 * true), or that turned out not to (false: the execve failed). */
ZP_TOUT_HIDDEN void zp_tout_proc_untraced(struct zp_tout *t, int pid, bool untraced);
/* A parent reaped pid: 1 if it was a traced process killed by a signal
 * (now counted out), 2 if that made it the last; 3 if it ran untraced
 * (its end is for the parent to print); else 0. */
ZP_TOUT_HIDDEN int zp_tout_proc_reaped(struct zp_tout *t, int pid, bool signaled);

/* The threads of each traced process (but its leader), so that a parent
 * reaping a process a signal killed can print their lines too, as strace
 * does: a thread that ends by itself (exit, or exit_group/execve of
 * another, which print its line) is taken out.  The creating thread adds
 * a new thread after clone returns, which may be after the thread ended:
 * either order leaves nothing behind.  When the table is full a thread is
 * not kept (its line is missing).  Raw. */
ZP_TOUT_HIDDEN void zp_tout_thread_begin(struct zp_tout *t, int tid, int pid);
ZP_TOUT_HIDDEN void zp_tout_thread_end(struct zp_tout *t, int tid, int pid);
/* Forget every thread of pid (its process ended, or it is a new process
 * with a recycled pid); with tids, return up to max of those still alive. */
ZP_TOUT_HIDDEN int zp_tout_threads_take(struct zp_tout *t, int pid, int *tids, int max);
/* True for exactly one caller per session: who prints the summary. */
ZP_TOUT_HIDDEN bool zp_tout_finish_once(struct zp_tout *t);

/* execve: the line waits in the control block for the new image to print
 * it with "= 0"; a failed execve drops it.  Raw. */
ZP_TOUT_HIDDEN void zp_tout_exec_save(struct zp_tout *t, int pid, const char *text, size_t n,
				      uint64_t t0, uint64_t mono0, int threads);
ZP_TOUT_HIDDEN struct zp_exec_slot *zp_tout_exec_find(struct zp_tout *t, int pid);
ZP_TOUT_HIDDEN void zp_tout_exec_drop(struct zp_tout *t, int pid);

/*
 * zp_trace_finish - for the `zpoline` command, after the traced program
 * has exited (it is called from outside the traced processes).
 *
 *   output    the -o FILE given to the tracer (NULL or "" if none)
 *   ctl_path  the file passed in ZPOLINE_TRACE_CTL (NULL if none)
 *   last      NULL, or a line (with its newline) that goes after the trace
 *             and before the summary: "+++ killed by SIGKILL +++" for a
 *             root process no traced parent saw die; with -ff it goes to
 *             the file of last_pid.
 *
 * With ctl_path: if traced processes are still alive (they keep writing
 * and will finish the file themselves) it returns 1 and does nothing.
 * Otherwise, if no process printed the -c summary (the last one was
 * killed), prints it (to output, else to stderr), trims the file to the
 * data, removes zero bytes left by a writer killed mid-line, and deletes
 * ctl_path.  Without ctl_path it can only trim and remove zero bytes.
 * Returns 0 when done, -1 with a message in err.
 */
int zp_trace_finish(const char *output, const char *ctl_path, const char *last, int last_pid,
		    char *err, size_t errlen);

/* The states of a pid in ctl->pids (traceout.c) that the command reads:
 * its exit_group or last exit ran; it ran an image without the runtime (a
 * set-user-ID program, valgrind's tool): no process of ours prints its
 * end. */
#define ZP_TRACE_PID_EXITED 2
#define ZP_TRACE_PID_UNTRACED 4
/* For the command: is pid in that state in the session's table?  Then the
 * command prints its "+++ exited with N +++" (it waited for it). */
bool zp_trace_untraced(const char *ctl_path, int pid);
/* For the command's own "+++" line with -r: CLOCK_MONOTONIC ns of the
 * start of the session's latest line, 0 if none or unknown. */
uint64_t zp_trace_last_line_mono(const char *ctl_path);

/* The -c table from the counters in ctl into buf; returns its length.
 * ctl_fd: the file ctl is mapped from, so that the parts of the block
 * never written (holes) need not be read; -1 reads it all.  Raw (the last
 * process prints it on its way out). */
ZP_TOUT_HIDDEN size_t zp_trace_summary(const struct zp_trace_ctl *ctl, int ctl_fd, char *buf,
				       size_t len, const char *(*name)(long nr));

#endif
