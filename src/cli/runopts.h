/*
 * runopts.h - the options run, trace and inject share, and the steps
 * between parsing them and starting the program.
 */
#ifndef ZP_CLI_RUNOPTS_H
#define ZP_CLI_RUNOPTS_H

#include <stdbool.h>

#include "launch.h"
#include "opts.h"
#include "paths.h"

#define RUNOPTS_MAX_HOOKS 16

struct runopts {
	const char *hooks[RUNOPTS_MAX_HOOKS]; /* --hook, in order */
	int nhooks;
	const char *mode;  /* --mode: auto, zpoline, net, sud or detour */
	bool set_min_addr; /* --set-mmap-min-addr */
	bool from_start;   /* --from-start */
};

enum { RUNOPT_HOOK = 1000, RUNOPT_MODE, RUNOPT_SET_MIN_ADDR, RUNOPT_FROM_START };

#define RUNOPTS_TABLE                                        \
	{"hook", 0, true, RUNOPT_HOOK},                      \
	{"mode", 0, true, RUNOPT_MODE},                      \
	{"set-mmap-min-addr", 0, false, RUNOPT_SET_MIN_ADDR}, \
	{"from-start", 0, false, RUNOPT_FROM_START}

/* Takes option id if it is one of RUNOPTS_TABLE; false otherwise. */
bool runopts_take(struct runopts *r, const char *cmd, int id, const char *arg);

/* Everything before fork: finds the runtime, resolves the hooks (lead_hooks,
 * e.g. "trace", come before the --hook ones), checks page 0 and picks the
 * mode, and sends static programs (or, with --from-start, every program)
 * through zpoline-loader.  Fills *l and *p.  Exits 2 on a problem. */
void runopts_prepare(const struct runopts *r, const char *const *lead_hooks, int nlead,
		     char **argv, struct launch *l, struct zp_paths *p);

#endif
