/*
 * cmd_run.c - zpoline run [--hook LIB]... [--mode MODE] [--set-mmap-min-addr]
 *             [--] PROG ARGS...
 */
#include <string.h>

#include "cli.h"
#include "runopts.h"

enum { OPT_HELP = 1 };

static const struct opt run_table[] = {
	{"help", 'h', false, OPT_HELP},
	RUNOPTS_TABLE,
	{NULL, 0, false, 0},
};

int cmd_run(int argc, char **argv)
{
	struct runopts r;
	memset(&r, 0, sizeof r);
	struct opts o;
	opts_init(&o, "run", argc, argv);
	const char *arg;
	int id;
	while ((id = opts_next(&o, run_table, &arg)) > 0) {
		if (id == OPT_HELP) {
			help_command("run");
			return 0;
		}
		runopts_take(&r, "run", id, arg);
	}
	if (id == OPTS_NONOPT)
		o.index--; /* the program */
	if (o.index >= argc)
		usage_error("run", "no program given");

	struct launch l;
	struct zp_paths p;
	runopts_prepare(&r, NULL, 0, argv + o.index, &l, &p);
	int wstatus = 0;
	int status = launch_run(&l, NULL, &wstatus);
	launch_free(&l);
	launch_die_like(wstatus);
	return status;
}
