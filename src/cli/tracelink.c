/*
 * tracelink.c - see tracelink.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "traceinject.h"
#include "traceopts.h"
#include "traceout.h"
#include "tracelink.h"

int tracelink_check_opts(const char *opts, bool *decode_pids, char *why, size_t n)
{
	static struct zp_trace_opts o; /* large: inject rules carry paths */
	if (zp_trace_opts_parse(opts, &o, why, n) < 0)
		return -1;
	if (decode_pids)
		*decode_pids = o.decode_pids;
	return 0;
}

int tracelink_check_inject(const char *spec, char *why, size_t n)
{
	static struct zp_inject_rule r;
	if (strchr(spec, ';')) {
		snprintf(why, n, "inject spec '%s' contains ';' (give each spec as its own argument)",
			 spec);
		return -1;
	}
	return zp_inject_parse_rule(spec, strlen(spec), &r, why, n) < 0 ? -1 : 0;
}

int tracelink_finish(const char *output, const char *ctl_path, const char *last, int last_pid,
		     char *why, size_t n)
{
	return zp_trace_finish(output, ctl_path, last, last_pid, why, n);
}

bool tracelink_untraced(const char *ctl_path, int pid)
{
	return zp_trace_untraced(ctl_path, pid);
}

unsigned long long tracelink_since_last_line(const char *ctl_path)
{
	uint64_t last = zp_trace_last_line_mono(ctl_path);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	uint64_t t = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	return last && t > last ? t - last : 0;
}
