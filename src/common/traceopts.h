/*
 * traceopts.h - the tracer's options, in strace's syntax.
 *
 * The `zpoline` command passes them to the tracer hook in the environment
 * variable ZPOLINE_TRACE_OPTS (one string, split on blanks; '...', "..."
 * and backslash quote).  The command links this same parser to reject bad
 * options before it starts the program; the hook parses again at init.
 *
 *   -o FILE        write the trace to FILE (default: stderr)
 *   -f             follow children (fork, vfork, clone): trace every process
 *                  of the tree; lines get a pid prefix
 *   -ff            with -o: one file per task, FILE.TID
 *   -c             count calls, errors and time per system call; print the
 *                  table at exit instead of the trace
 *   -C             like -c, and print the trace too
 *   -e trace=SET   which calls to show (names, %file %desc %process
 *                  %network %memory %signal %ipc %creds %clock ..., all,
 *                  none; a leading ! negates).  "-e SET" is the same.
 *   -e inject=SPEC fault injection, see traceinject.h
 *   -t, -tt, -ttt  time of day; with microseconds; seconds since the epoch
 *   -T             time spent in each call, <0.000123> after the result
 *   -r             time since the previous line, at the start of each line
 *                  (with -t: "(+ 0.000123)" after the time)
 *   -i             the instruction pointer after the call: [00007f...]
 *   -n             the system call's number: [ 257]
 *   -x, -xx        strings with any non-ASCII byte, or all strings, in hex
 *   -a COLUMN      results start at COLUMN (default 40)
 *   -A             with -o: append to FILE instead of truncating it
 *   -S SORTBY      -c table order: time (default), calls, errors, name,
 *                  avg-time, nothing
 *   -w             accepted: the -c times are always wall-clock time
 *   -s N           print at most N bytes of strings (default 32)
 *   -y             print the path behind descriptor arguments: 3</etc/passwd>
 *   -Y             print the command name after process ids: 1234<sh>, in
 *                  the line prefix, arguments, results and siginfo
 *   -P PATH        only calls with PATH as a path argument, or a descriptor
 *                  argument (or result) open on it (the command adds the
 *                  path a symbolic link resolves to); may be repeated
 *   -z, -Z         print only calls that succeeded, or failed (strace's
 *                  -e status=successful / failed)
 *   -e status=SET  which results to print: successful, failed, unavailable
 *                  (calls that do not return: exit, execve's new image...),
 *                  unfinished and detached (accepted; lines are always
 *                  whole here), all, none; a leading ! negates
 *   -e raw=SET     these calls' arguments and result as hex numbers
 *   -e quiet=SET   exit (or all): as -qq; the other messages are accepted
 *   -e decode-fds=SET  path or all: as -y; none: off
 *   -e signal=SET  which signal deliveries to print
 *   -v             structures in full (stat, statx, uname, execve's
 *                  environment) and arrays without the -s limit
 *   -e abbrev=SET  the calls whose structures are shown in short (all by
 *                  default; none: -v)
 *   -e verbose=all accepted (structures are always decoded)
 *   -e read=SET, -e write=SET  descriptors (numbers below 1024, all, none;
 *                  a leading ! negates) whose data read, or written, is
 *                  dumped in hex and text after the call's line
 *   -q, -qq        -q is accepted (there are no attach messages); -qq also
 *                  leaves out the "+++ exited with N +++" lines (not the
 *                  "+++ killed by SIG +++" ones, as strace)
 *   --json         one JSON object per call and line instead of strace text
 *
 * Short options may be combined (-ftt) and take their argument attached
 * or as the next word (-s64, -s 64).
 */
#ifndef ZP_TRACEOPTS_H
#define ZP_TRACEOPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "traceinject.h"

#define ZP_TRACE_PATH_MAX 4096
#define ZP_TRACE_TPATHS 16 /* -P given this many times at most */

/* -e status= classes */
#define ZP_STATUS_SUCCESSFUL 1u
#define ZP_STATUS_FAILED 2u
#define ZP_STATUS_UNAVAILABLE 4u
#define ZP_STATUS_NOTHING 8u /* status=none: a set no result is in */
/* calls a thread was in when it died (another's exit_group or execve, a
 * fatal signal): their lines end "<unfinished ...>) = ?" */
#define ZP_STATUS_UNFINISHED 16u
#define ZP_STATUS_ALL (ZP_STATUS_SUCCESSFUL | ZP_STATUS_FAILED | ZP_STATUS_UNAVAILABLE | ZP_STATUS_UNFINISHED)

/* -S: the -c table's order */
enum { ZP_SORT_TIME, ZP_SORT_CALLS, ZP_SORT_ERRORS, ZP_SORT_NAME, ZP_SORT_AVG, ZP_SORT_NOTHING };

/* -e read=, -e write=: the descriptors whose data is dumped */
#define ZP_FDSET_MAX 1024
struct zp_fdset {
	bool any;    /* some descriptor is in the set: dumps are to be made */
	bool invert; /* the bits say which are not (and the set holds those >= ZP_FDSET_MAX) */
	uint64_t bits[ZP_FDSET_MAX / 64];
};

static inline bool zp_fdset_has(const struct zp_fdset *s, long fd)
{
	if (fd < 0)
		return false;
	if (fd >= ZP_FDSET_MAX)
		return s->invert;
	return (bool)((s->bits[fd / 64] >> (fd % 64)) & 1) != s->invert;
}

struct zp_trace_opts {
	int follow;                     /* 0, 1 (-f), 2 (-ff) */
	bool count;                     /* -c or -C */
	bool lines;                     /* print the trace (not -c alone) */
	int tstamp;                     /* 0, 1 -t, 2 -tt, 3 -ttt */
	bool durations;                 /* -T */
	unsigned strsize;               /* -s */
	unsigned char decode_fds;       /* -y: 1; -yy: 2 (sockets, devices) */
	bool json;                      /* --json */
	bool relative;                  /* -r */
	bool show_ip;                   /* -i */
	bool show_nr;                   /* -n */
	bool decode_pids;               /* -Y: command names after process ids */
	bool append;                    /* -A */
	int hex;                        /* -x 1, -xx 2 */
	unsigned column;                /* -a: where results start */
	unsigned sortby;                /* -S: ZP_SORT_* */
	uint64_t signals;               /* -e signal=: deliveries to print (bit sig-1) */
	unsigned status;                /* ZP_STATUS_* results to print; 0: all */
	int quiet;                      /* -q count */
	bool trace_given;               /* some -e trace= */
	struct zp_syscall_set trace;    /* calls to show */
	bool raw_given;
	struct zp_syscall_set raw;      /* -e raw=: calls shown undecoded */
	bool abbrev_given;              /* -v or -e abbrev= */
	struct zp_syscall_set abbrev;   /* calls whose structures are shown in short */
	struct zp_fdset dump_read;      /* -e read= */
	struct zp_fdset dump_write;     /* -e write= */
	/* The big ones last: read only up to their terminator or count. */
	char output[ZP_TRACE_PATH_MAX]; /* "" = stderr */
	struct zp_inject_set inject;    /* -e inject= */
	unsigned ntpaths;               /* -P */
	char tpaths[ZP_TRACE_TPATHS][ZP_TRACE_PATH_MAX];
};

/* Parse opts (NULL or "" = defaults).  Returns 0, or -1 with one line in
 * err saying what is wrong. */
__attribute__((visibility("hidden"))) int zp_trace_opts_parse(const char *opts,
							       struct zp_trace_opts *o,
							       char *err, size_t errlen);

#endif
