/*
 * cmd_inject.c - zpoline inject SPEC... [run options] -- PROG ARGS...
 *
 * The specs go to the inject hook in ZPOLINE_INJECT, joined by ';'.
 * strace's spellings of a spec, `-e inject=SPEC` and `--inject=SPEC`, are
 * taken too: users come with strace command lines.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runopts.h"
#include "tracelink.h"

enum { OPT_HELP = 1, OPT_EXPR, OPT_INJECT };

static const struct opt inject_table[] = {
	{"help", 'h', false, OPT_HELP},
	{NULL, 'e', true, OPT_EXPR},
	{"inject", 0, true, OPT_INJECT},
	RUNOPTS_TABLE,
	{NULL, 0, false, 0},
};

int cmd_inject(int argc, char **argv)
{
	struct runopts r;
	memset(&r, 0, sizeof r);
	struct opts o;
	opts_init(&o, "inject", argc, argv);
	size_t joined_size = 1;
	for (int i = 1; i < argc; i++)
		joined_size += strlen(argv[i]) + 1;
	char *joined = calloc(1, joined_size);
	if (!joined)
		die(EXIT_USAGE, "out of memory");
	int nspecs = 0;
	const char *arg;
	int id;
	while ((id = opts_next(&o, inject_table, &arg)) != OPTS_END && id != OPTS_DASHDASH) {
		if (id == OPT_HELP) {
			free(joined);
			help_command("inject");
			return 0;
		}
		if (id == OPT_EXPR) {
			if (strncmp(arg, "inject=", 7) != 0)
				usage_error("inject", "-e %s: only -e inject=SPEC is taken here "
						      "(zpoline trace takes the others)", arg);
			arg += 7;
		} else if (id != OPTS_NONOPT && id != OPT_INJECT) {
			runopts_take(&r, "inject", id, arg);
			continue;
		} else if (id == OPTS_NONOPT && !strchr(arg, ':') && nspecs > 0) {
			o.index--; /* no "--": this is the program */
			break;
		}
		char why[768];
		if (tracelink_check_inject(arg, why, sizeof why) < 0)
			usage_error("inject", "%s", why);
		if (nspecs++)
			strcat(joined, ";");
		strcat(joined, arg);
	}
	if (nspecs == 0)
		usage_error("inject", "no inject spec given");
	if (o.index >= argc)
		usage_error("inject", "no program given");

	struct launch l;
	struct zp_paths p;
	static const char *const lead[] = {"inject"};
	runopts_prepare(&r, lead, 1, argv + o.index, &l, &p);
	launch_setenv(&l, "ZPOLINE_INJECT", joined);
	int wstatus = 0;
	int status = launch_run(&l, NULL, &wstatus);
	launch_free(&l);
	free(joined);
	launch_die_like(wstatus);
	return status;
}
