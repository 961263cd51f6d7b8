/*
 * launch.h - starting the program under the runtime and waiting for it.
 */
#ifndef ZP_CLI_LAUNCH_H
#define ZP_CLI_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#define LAUNCH_MAX_ENV 8

struct launch {
	const char *runtime;  /* prepended to LD_PRELOAD */
	const char *hooks;    /* LIBZPHOOK; NULL leaves the inherited value alone */
	const char *mode;     /* ZPOLINE_MODE; NULL leaves the inherited value alone */
	bool trace_root;      /* set ZPOLINE_TRACE_ROOT to the program's pid */
	int nenv;             /* further variables to set */
	const char *env_name[LAUNCH_MAX_ENV];
	const char *env_value[LAUNCH_MAX_ENV];
	char **argv;          /* the program and its arguments */
	const char *loader;   /* run the program through zpoline-loader; NULL: directly */
	bool from_start;      /* with the loader: --from-start */
	char *loader_prog;    /* with the loader: the program's path found in $PATH
	                       * (argv[0] is then passed as --argv0); NULL: argv[0] */
	char *owned;          /* memory launch_free releases (the hook list) */
	char *root_comm;      /* if not NULL (16 bytes): the program's name when it
	                       * ended ("" if unknown), for trace -Y */
};

/* Releases what the launch owns. */
void launch_free(struct launch *l);

/* Adds NAME=VALUE to the program's environment. */
void launch_setenv(struct launch *l, const char *name, const char *value);

/* Runs the program as a child and waits for it, forwarding SIGTERM, SIGHUP,
 * SIGUSR1 and SIGUSR2 and ignoring SIGINT and SIGQUIT (the terminal sends
 * those to the child as well).  Returns the status the command should exit
 * with: the program's, 128+N if signal N killed it, 127/126 (with a
 * message) if it could not be executed.  *pid gets the child's pid and
 * *wstatus its wait status (each may be NULL). */
int launch_run(const struct launch *l, pid_t *pid, int *wstatus);

/* If wstatus says a signal killed the program, the command dies of the same
 * signal (without a core file of its own), so that whoever waits for it
 * sees what a native run shows: a death by signal, not exit(128+N).
 * Returns if the signal does not kill (then exit with 128+N). */
void launch_die_like(int wstatus);

#endif
