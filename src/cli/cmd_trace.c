/*
 * cmd_trace.c - zpoline trace [strace-style options] [run options] [--] PROG ARGS...
 *
 * The tracer is a hook (libzphook_trace.so) configured by two variables:
 *   ZPOLINE_TRACE_OPTS  the strace-style options, as one string;
 *   ZPOLINE_TRACE_ROOT  the pid of the traced program (the child), so that
 *                       without -f its children are left alone.
 * -e inject=SPEC is not left to the tracer: it becomes a spec for the inject
 * hook (ZPOLINE_INJECT), loaded after the tracer so the trace shows the
 * injected results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "injectspec.h"
#include "runopts.h"

enum {
	OPT_HELP = 1,
	OPT_OUTPUT,
	OPT_FOLLOW,
	OPT_SUMMARY,
	OPT_SUMMARY_TOO,
	OPT_EXPR,
	OPT_TIME,
	OPT_DURATION,
	OPT_STRSIZE,
	OPT_FDPATHS,
	OPT_JSON,
};

static const struct opt trace_table[] = {
	{"help", 'h', false, OPT_HELP},
	{"output", 'o', true, OPT_OUTPUT},
	{NULL, 'f', false, OPT_FOLLOW},
	{"summary-only", 'c', false, OPT_SUMMARY},
	{"summary", 'C', false, OPT_SUMMARY_TOO},
	{"expr", 'e', true, OPT_EXPR},
	{NULL, 't', false, OPT_TIME},
	{NULL, 'T', false, OPT_DURATION},
	{"string-limit", 's', true, OPT_STRSIZE},
	{NULL, 'y', false, OPT_FDPATHS},
	{"json", 0, false, OPT_JSON},
	RUNOPTS_TABLE,
	{NULL, 0, false, 0},
};

/* A growing string of items, separated by sep. */
struct strbuf {
	char *s;
	size_t len, cap;
	char sep;
};

static void sb_add(struct strbuf *b, const char *text)
{
	size_t n = strlen(text);
	if (b->len + n + 2 > b->cap) {
		b->cap = (b->len + n + 2) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			die(EXIT_USAGE, "out of memory");
	}
	if (b->len)
		b->s[b->len++] = b->sep;
	memcpy(b->s + b->len, text, n + 1);
	b->len += n;
}

/* The tracer may reopen -o FILE after the program changed directory or
 * exec'd, so it gets an absolute path. */
static char *absolute_output(const char *file)
{
	if (!*file)
		usage_error("trace", "-o needs a file name");
	if (file[0] == '|' || file[0] == '!')
		usage_error("trace", "-o %s: piping the trace to a command is not supported", file);
	char *abs;
	if (file[0] == '/') {
		abs = strdup(file);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			die(EXIT_USAGE, "cannot find the current directory: %s", strerror(errno));
		if (asprintf(&abs, "%s/%s", cwd, file) < 0)
			abs = NULL;
	}
	if (!abs)
		die(EXIT_USAGE, "out of memory");
	char *dir = strdup(abs);
	if (!dir)
		die(EXIT_USAGE, "out of memory");
	*strrchr(dir, '/') = '\0';
	if (access(*dir ? dir : "/", W_OK | X_OK) != 0)
		usage_error("trace", "cannot write the trace to %s: %s: %s", file, *dir ? dir : "/",
			    strerror(errno));
	free(dir);
	if (strchr(abs, ' '))
		usage_error("trace", "-o %s: the trace file's path may not contain spaces", file);
	return abs;
}

static void check_strsize(const char *v)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < 0 || n > INT_MAX)
		usage_error("trace", "-s needs a number of bytes, not '%s'", v);
}

int cmd_trace(int argc, char **argv)
{
	struct runopts r;
	memset(&r, 0, sizeof r);
	struct strbuf topts = {.sep = ' '}, inject = {.sep = ';'};
	int follow = 0, timestamps = 0;
	const char *output = NULL;
	struct opts o;
	opts_init(&o, "trace", argc, argv);
	const char *arg;
	int id;
	while ((id = opts_next(&o, trace_table, &arg)) > 0) {
		char why[768];
		switch (id) {
		case OPT_HELP:
			help_command("trace");
			return 0;
		case OPT_OUTPUT:
			if (output)
				usage_error("trace", "-o given twice");
			output = absolute_output(arg);
			break;
		case OPT_FOLLOW:
			follow++;
			break;
		case OPT_SUMMARY:
			sb_add(&topts, "-c");
			break;
		case OPT_SUMMARY_TOO:
			sb_add(&topts, "-C");
			break;
		case OPT_TIME:
			timestamps++;
			break;
		case OPT_DURATION:
			sb_add(&topts, "-T");
			break;
		case OPT_FDPATHS:
			sb_add(&topts, "-y");
			break;
		case OPT_JSON:
			sb_add(&topts, "--json");
			break;
		case OPT_STRSIZE:
			check_strsize(arg);
			sb_add(&topts, "-s");
			sb_add(&topts, arg);
			break;
		case OPT_EXPR:
			if (!*arg)
				usage_error("trace", "-e needs an expression");
			if (strchr(arg, ' '))
				usage_error("trace", "-e '%s': expressions may not contain spaces", arg);
			if (!strncmp(arg, "inject=", 7)) {
				if (injectspec_check(arg + 7, why, sizeof why) < 0)
					usage_error("trace", "%s", why);
				sb_add(&inject, arg + 7);
				break;
			}
			sb_add(&topts, "-e");
			sb_add(&topts, arg);
			break;
		default:
			runopts_take(&r, "trace", id, arg);
		}
	}
	if (id == OPTS_NONOPT)
		o.index--;
	if (o.index >= argc)
		usage_error("trace", "no program given");
	if (follow > 2)
		usage_error("trace", "-f may be given at most twice (-ff)");
	if (timestamps > 3)
		usage_error("trace", "-t may be given at most three times (-ttt)");
	if (follow)
		sb_add(&topts, follow == 2 ? "-ff" : "-f");
	if (timestamps)
		sb_add(&topts, timestamps == 3 ? "-ttt" : timestamps == 2 ? "-tt" : "-t");
	if (output) {
		sb_add(&topts, "-o");
		sb_add(&topts, output);
	}

	struct launch l;
	struct zp_paths p;
	static const char *const lead[] = {"trace", "inject"};
	runopts_prepare(&r, lead, inject.len ? 2 : 1, &l, &p);
	launch_setenv(&l, "ZPOLINE_TRACE_OPTS", topts.s ? topts.s : "");
	if (inject.len)
		launch_setenv(&l, "ZPOLINE_INJECT", inject.s);
	l.trace_root = true;
	l.argv = argv + o.index;
	int status = launch_run(&l, NULL);
	/* TODO(trace output): once src/common/ has the tracer's finalisation
	 * function, call it here on `output` (and its FILE.PID files with -ff):
	 * the shared-mapping trace file has to be trimmed to its real length
	 * after the program and all its children are gone. */
	return status;
}
