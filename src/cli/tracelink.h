/*
 * tracelink.h - the tracer's shared code (src/common/trace*.c), as the
 * command uses it: the option and inject-spec parsers, to refuse bad input
 * before the program starts, and zp_trace_finish(), to trim the trace file
 * once the program is gone.
 * Thin on purpose: one parser, the tracer's, is the authority on both.
 */
#ifndef ZP_CLI_TRACELINK_H
#define ZP_CLI_TRACELINK_H

#include <stdbool.h>
#include <stddef.h>

/* A whole ZPOLINE_TRACE_OPTS string.  0, or -1 with one line in why.
 * *decode_pids (may be NULL) tells whether -Y is in it. */
int tracelink_check_opts(const char *opts, bool *decode_pids, char *why, size_t why_size);

/* One inject spec (no ';').  0, or -1 with one line in why. */
int tracelink_check_inject(const char *spec, char *why, size_t why_size);

/* After the traced program exited: trim the output, print a -c summary no
 * process could print, remove ctl_path.  0 done, 1 traced processes are
 * still running (they finish it), -1 with why. */
int tracelink_finish(const char *output, const char *ctl_path, const char *last, int last_pid,
		     char *why, size_t why_size);

/* Did pid run an image without the runtime (nothing of ours prints its
 * end)? */
bool tracelink_untraced(const char *ctl_path, int pid);

/* -r: nanoseconds since the start of the session's latest line (0 if none). */
unsigned long long tracelink_since_last_line(const char *ctl_path);

#endif
