/*
 * trace_hook.h - what the files of libzphook_trace.so share.  Not
 * installed.  See trace.c for the overview.
 */
#ifndef ZP_TRACE_HOOK_H
#define ZP_TRACE_HOOK_H

#include <stdbool.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <time.h>

#include <zpoline.h>

#include "decode.h"
#include "traceopts.h"
#include "traceout.h"

#define TH_HIDDEN __attribute__((visibility("hidden")))

/* A call in flight: what pre() saw, for post(). */
struct slot {
	long args[6];       /* as the program passed them (before other hooks or
			       the runtime rewrote any) */
	uint64_t t0_real;   /* entry, CLOCK_REALTIME ns (-t) */
	uint64_t t0_mono;   /* entry, CLOCK_MONOTONIC ns (-T, -c) */
	int kind;           /* enum slot_kind */
	char comm[16];      /* -Y, prctl(PR_SET_NAME): the name before the call */
	bool vm_child;      /* SK_NEW_PROCESS sharing our memory (CLONE_VM) */
	bool vm_vfork;      /* ... until it returns (CLONE_VFORK) */
	int env_buf;        /* execve: our environment buffer, or -1 */
	int pending;        /* its entry in the control block (pending.c), or -1 */
	unsigned snaplen;
	unsigned char snap[ZP_DEC_SNAP];
	/* wait4/waitid called without a status (NULL): the kernel writes it
	 * here instead, so that -f learns how a reaped child ended. */
	bool wsub;
	int wstatus;
	unsigned char winfo[128] __attribute__((aligned(8))); /* a siginfo_t */
};

enum slot_kind {
	SK_PLAIN = 0,
	SK_NEW_PROCESS, /* fork/vfork/clone without CLONE_THREAD */
	SK_NEW_THREAD,  /* clone with CLONE_THREAD */
	SK_EXEC,
	SK_UNFINISHED, /* its line was started in pre() */
	SK_PRINTED,    /* its whole line was printed in pre() */
};

struct trace_state {
	struct zp_tout out;
	struct zp_dec_cfg dcfg;
	const struct zpoline_runtime *rt;
	int (*held_signal)(siginfo_t *info); /* rt's, if this runtime has it; else NULL */
	const struct zpoline_call *(*interrupted_call)(long *rax, int *again); /* the same */
	unsigned long (*sigreturn_blocked_own)(void); /* the same */
	bool active;          /* this process traces (its root task, or -f) */
	/* calls printed when a signal came, waiting for their post() (trace.c);
	 * next to `active`, which every call reads: no page more per call */
	int intr_count;
	int root;             /* pid of the traced root */
	/* The thread of this process in exit_group (0: none), and how many
	 * threads are writing a line (emit(): exit_group waits for none
	 * before printing a thread's end, so that a line of the thread is
	 * either before it or left out); both read per line. */
	int group_exit_tid;
	int emitting;
	int self_pid;         /* the process these statics belong to */
	int threads;          /* traced threads of this process */
	bool need_real;       /* -t: wall-clock timestamps */
	bool need_mono;       /* -T or -c: durations */
	bool dumps;           /* -e read= or -e write= name a descriptor */
	long tz_offset;       /* seconds east of UTC, for -t */
	int (*gettime)(clockid_t, struct timespec *);
	unsigned char select[ZPOLINE_NR_FAST / 8];
	/* The runtime's path (LD_PRELOAD's first entry, when absolute): a
	 * program exec'd where it cannot be reached (after chroot) runs
	 * without it, untraced. */
	char runtime[256];
	/* LIBZPHOOK as this process got it, and whether the session is sticky
	 * (ZPOLINE_STICKY=1: the runtime puts missing variables back across
	 * execve): what tells an execve whose new image will not be traced. */
	char hooks_var[1024];
	bool sticky;
	/* The threads whose last lines exit_group has printed: no more of
	 * theirs are (read only while exit_group runs). */
	int nended;
	int ended[256];
	/* Last: its tail (the -o path, the inject rules) is big and read only
	 * as far as it is filled; untouched, it costs no page at start-up. */
	struct zp_trace_opts o;
};

extern TH_HIDDEN struct trace_state g;

/* time.c-like helpers (trace.c) */
TH_HIDDEN uint64_t th_now(clockid_t clk);

/* slots.c */
TH_HIDDEN int slots_init(void);
/* A call's cookie: a slot (1..NSLOTS), or with -c alone and nothing else
 * to keep, the entry time itself with this bit set (no slot to claim,
 * fill and release, and one page fewer touched per call). */
#define TIME_COOKIE (1ul << 63)
TH_HIDDEN struct slot *slot_get(unsigned long cookie);
TH_HIDDEN unsigned long slot_claim(void); /* cookie, 0 if none free */
TH_HIDDEN void slot_release(unsigned long cookie);
TH_HIDDEN void slots_forked(unsigned long keep);

/* -i: where the call returns to (the instruction after it), 0 if unknown. */
static inline uintptr_t call_ip(const struct zpoline_call *c)
{
	return c->site ? (uintptr_t)c->site + 2 : 0;
}

/* line.c */
/* LR_RESTART: a call a signal interrupted, "= ? ERESTARTSYS (...)" (ret
 * holds -ERESTART*). */
enum line_result { LR_RESULT, LR_NORET, LR_INJECTED, LR_RESTART };
/* One call's line (text or JSON) for task tid of process pid; ret as the
 * program sees it.  args: the arguments to decode.  true if printed (not
 * left out by -e status=, -z, -Z or -P). */
TH_HIDDEN bool line_call(int pid, int tid, long nr, const long *args, long ret, int how,
			 const struct slot *s, uint64_t t_end_mono, uintptr_t ip);
/* A call that may not come back (it signals its own process): its line up
 * to the arguments now, "<unfinished ...>", and the rest when it returns. */
TH_HIDDEN void line_unfinished(int pid, int tid, long nr, const long *args, const struct slot *s,
			       uintptr_t ip);
TH_HIDDEN bool line_resumed(int pid, int tid, long nr, const long *args, long ret,
			    const struct slot *s, uint64_t t_end_mono, uintptr_t ip);
/* "--- SIGPIPE {si_signo=SIGPIPE, ...} ---": a signal delivered to tid. */
TH_HIDDEN void line_signal(int pid, int tid, const siginfo_t *si, long nr, uintptr_t ip);
/* "+++ exited with N +++" and friends, for task tid. */
TH_HIDDEN void line_event(int tid, const char *text, long status, int pid);
/* A prepared execve text from before the exec, completed with " = 0", or
 * with " = ?" when the tracer did not see it return (!returned).  comm:
 * the name of the image that made the call, for -Y (NULL: unknown). */
TH_HIDDEN void line_exec_done(int tid, const char *text, size_t n, uint64_t t0_real,
			      uint64_t t0_mono, bool returned, const char *comm);
/* The text "execve(...)" alone, for the control block. */
TH_HIDDEN size_t line_exec_text(int pid, long nr, const long *args, char *buf, size_t len,
				uintptr_t ip);
TH_HIDDEN void line_summary(void);
/* The start of a call's line as a pending entry holds it (tracepending.h):
 * time, number, name and its first entry_args arguments (as strace prints
 * them at entry; 6: all), without the ")"; 0 if the call is not shown (-P).
 * !peek: the program's memory is not read (pointers as addresses). */
TH_HIDDEN size_t line_pending_text(int pid, long nr, const long *args, const struct slot *s,
				   int entry_args, bool peek, uintptr_t ip, char *buf, size_t len);
/* exit_group's thread has printed tid's end: no more lines of tid. */
TH_HIDDEN void line_thread_ended(int tid);
/* Has another thread's exit_group printed the calling thread's end? */
TH_HIDDEN bool line_ended_by_group_exit(void);
/* The prefix of a line for the task shown as shown_tid. */
TH_HIDDEN size_t line_prefix(int shown_tid, int tid, char *buf, size_t len);

/* dumpio.c: -e read=, -e write=: after a call's line, the data it read
 * or wrote, when its descriptor is in the set. */
TH_HIDDEN void dump_io(int pid, int tid, long nr, const long *args, long ret);

/* pending.c: calls a thread may die in (src/common/tracepending.h). */
/* Does this call keep its line's start while it runs (a slot is needed)? */
TH_HIDDEN bool pending_wanted(const struct zpoline_call *c);
/* May a call with this number be wanted, whatever its arguments? */
TH_HIDDEN bool pending_may(long nr);
/* Before the call: keep it (s->pending). */
TH_HIDDEN void pending_begin(const struct zpoline_call *c, struct slot *s);
/* After it, before its line: true if the line is the caller's to print (no
 * reporter printed it unfinished); then pending_done once it is written. */
TH_HIDDEN bool pending_end(const struct zpoline_call *c, struct slot *s);
TH_HIDDEN void pending_done(const struct zpoline_call *c, struct slot *s);
/* Task tid of process pid died: its call's unfinished line, if it was in
 * one.  alive: tid still runs, in this process that is ending (its line,
 * if it is printing one, is waited for). */
TH_HIDDEN void pending_report(int tid, int pid, bool alive);
/* Process pid is gone (or is new): drop what its threads left. */
TH_HIDDEN void pending_forget(int pid);

/* exec.c */
TH_HIDDEN void exec_pre(struct zpoline_call *c, struct slot *s);
TH_HIDDEN void exec_failed(struct zpoline_call *c, struct slot *s);
TH_HIDDEN void exec_release_for(int pid);
TH_HIDDEN void exec_announce(void);
/* trace.c's reaper: process pid, traced, ended by a signal; an execve of
 * its that waits for its new image gets its line now. */
TH_HIDDEN void exec_lost(int pid);
/* trace.c: "+++ exited with STATUS +++" for task tid of process pid; the
 * other threads of this process (not those that printed their exit). */
TH_HIDDEN void exit_line(int tid, int pid, long status);
TH_HIDDEN int other_threads(int self, int *tids, int max);
/* The id a line shows for task id of this process (pidns.c). */
TH_HIDDEN int shown_id(int id);
/* vdso.c */
TH_HIDDEN void *zp_vdso_sym(const char *name);

#endif
