/*
 * opts.h - the command's option walker.
 *
 * getopt() cannot say where a spec list ends and the program begins (the
 * inject command takes free arguments before "--"), and its messages are
 * not ours, so each subcommand walks its arguments with this instead.
 * Short options may be clustered (-ff, -tt, -fT) and take their argument
 * attached or separate (-s64, -s 64); long options take --name=value or
 * --name value.
 */
#ifndef ZP_CLI_OPTS_H
#define ZP_CLI_OPTS_H

#include <stdbool.h>

struct opt {
	const char *long_name; /* without "--"; NULL if none */
	char short_name;       /* 0 if none */
	unsigned char has_arg; /* false, true, or OPTS_ARG_OPTIONAL */
	int id;                /* returned by opts_next; must be > 0 */
};

/* has_arg: the long form may go without its value (--name, or
 * --name=value; *arg is NULL without one) and the short form never takes
 * one (strace's -r, --relative-timestamps[=PRECISION]). */
#define OPTS_ARG_OPTIONAL 2

enum {
	OPTS_END = 0,      /* no more arguments */
	OPTS_NONOPT = -1,  /* a free argument: *arg; already consumed */
	OPTS_DASHDASH = -2 /* "--": the rest are free; already consumed */
};

struct opts {
	int argc;
	char **argv;
	int index;           /* next argument to look at */
	const char *cluster; /* rest of a short-option cluster, or NULL */
	const char *cmd;     /* "run", "trace", ... for messages */
};

void opts_init(struct opts *o, const char *cmd, int argc, char **argv);

/* Returns an option id (with *arg set if it takes one), or one of OPTS_*.
 * A bad option or missing argument ends the command (usage error, exit 2). */
int opts_next(struct opts *o, const struct opt *table, const char **arg);

#endif
