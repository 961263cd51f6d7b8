/*
 * tracepending.h - calls a thread may die in, kept where whoever reports
 * its death can read them.
 *
 * A thread blocked in a call dies without returning from it when another
 * thread calls exit_group or execve, or a signal kills the process (from
 * outside, SIGKILL, or its own abort()): no post() runs, and strace's
 * "read(0,  <unfinished ...>) = ?" line would be lost.  So, before a call
 * that may block, its owner writes the start of that line (time, number,
 * name and entry arguments: what strace prints at entry) into an entry of
 * the session's control block, which outlives the process; whoever
 * reports the death (the thread calling exit_group, the new image after
 * execve, the thread a fatal signal hits, the traced parent reaping the
 * process, or the `zpoline` command for its program) prints it before the
 * thread's "+++" line.
 *
 * Exactly one line per call: the entry's key word moves from READY either
 * to free (the owner's post(), which then prints the call whole) or to
 * CLAIMED (a reporter, which prints it unfinished and frees it), by one
 * compare-and-swap each.  Every function is raw: no libc.
 */
#ifndef ZP_TRACEPENDING_H
#define ZP_TRACEPENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZP_TP_HIDDEN __attribute__((visibility("hidden")))

#define ZP_TRACE_PENDING_SLOTS 4096
/* An entry is placed this far at most from its tid's hash: a lookup for a
 * thread that has none reads this many keys, not the whole table. */
#define ZP_TRACE_PENDING_PROBE 64
#define ZP_TRACE_PENDING_TEXT 920

/* The key word of an entry: tid | pid << 32, with one of these bits while
 * its owner fills it (FILL), a reporter prints it unfinished (CLAIMED) or
 * the owner prints the call whole (OWNED); 0 = free. */
#define ZP_PENDING_FILL (1ull << 62)
#define ZP_PENDING_CLAIMED (1ull << 63)
#define ZP_PENDING_OWNED (1ull << 61)
#define ZP_PENDING_STATES (ZP_PENDING_FILL | ZP_PENDING_CLAIMED | ZP_PENDING_OWNED)

struct zp_pending {
	int32_t shown_pid, shown_tid; /* the ids the owner's lines show (pid namespaces) */
	uint32_t len;
	/* The text shows the call's memory arguments as addresses (they were
	 * not read, to spare a hot call a system call): a reporter in the
	 * same process, whose memory is still there, writes it again from
	 * what follows (the tracer's pending.c). */
	uint32_t unread;
	int64_t nr, args[6];
	uint64_t t0_real, t0_mono, ip;
	int32_t entry_args;
	int32_t reserved;
	/* Text: "[time][nr][ip]name(args" as the call's own line would start
	 * after its prefix; JSON: ",\"ts\":...,\"nr\":...,\"args\":[...]". */
	char text[ZP_TRACE_PENDING_TEXT];
};

/* How the session's lines look, for reporters outside the tracer (the
 * command), set once when the session starts. */
struct zp_pending_form {
	uint32_t column; /* -a */
	uint8_t json;
	uint8_t follow;  /* 0, 1 (-f), 2 (-ff) */
	uint8_t to_file; /* -o */
	uint8_t reserved;
};

struct zp_trace_ctl;

/* The owner, before the call: an entry for tid of process pid in FILL
 * state (its index), or -1 if none is free near its hash. */
ZP_TP_HIDDEN int zp_pending_open(struct zp_trace_ctl *c, int tid, int pid);
ZP_TP_HIDDEN struct zp_pending *zp_pending_at(struct zp_trace_ctl *c, int i);
/* The text is written: reporters may take it. */
ZP_TP_HIDDEN void zp_pending_publish(struct zp_trace_ctl *c, int i, int tid, int pid);
/* The owner, after the call, before it prints the call's line: true if
 * the line is the owner's to print (the entry is OWNED until
 * zp_pending_done, once the line is written), false if a reporter printed
 * it unfinished. */
ZP_TP_HIDDEN bool zp_pending_close(struct zp_trace_ctl *c, int i, int tid, int pid);
ZP_TP_HIDDEN void zp_pending_done(struct zp_trace_ctl *c, int i, int tid, int pid);

/* A reporter: the published entry of tid (of pid), now CLAIMED, or -1.
 * wait: the owner lives on until the reporter is done (the thread calling
 * exit_group): an entry it owns is waited for until its line is written,
 * so that the "+++" line comes after it.  Otherwise (the owner is dead) an
 * owned entry is left alone: its line was written or is lost. */
ZP_TP_HIDDEN int zp_pending_claim(struct zp_trace_ctl *c, int tid, int pid, bool wait);
ZP_TP_HIDDEN void zp_pending_release(struct zp_trace_ctl *c, int i);
/* The same for any thread of pid: -1 once there is none. */
ZP_TP_HIDDEN int zp_pending_claim_any(struct zp_trace_ctl *c, int pid);
/* Free every entry of pid, whatever its state (pid is gone, or is a new
 * process with a recycled id). */
ZP_TP_HIDDEN void zp_pending_forget(struct zp_trace_ctl *c, int pid);

/* The whole line of claimed entry i, with its newline, into buf: prefix
 * (text only), the entry's text, " <unfinished ...>)" and " = ?" at the
 * session's column, or the JSON record.  Returns its length. */
ZP_TP_HIDDEN size_t zp_pending_compose(const struct zp_trace_ctl *c, int i, const char *prefix,
				       size_t plen, char *buf, size_t len);

#endif
