/*
 * main.c - the zpoline command: picks the subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{"run", cmd_run},
	{"trace", cmd_trace},
	{"inject", cmd_inject},
	{"doctor", cmd_doctor},
};

int main(int argc, char **argv)
{
	if (argc < 2)
		usage_error(NULL, "no command given");
	const char *c = argv[1];
	if (!strcmp(c, "--help") || !strcmp(c, "-h")) {
		help_main();
		return 0;
	}
	if (!strcmp(c, "--version") || !strcmp(c, "-V")) {
		printf("zpoline %s\n", ZPOLINE_VERSION);
		return 0;
	}
	if (!strcmp(c, "help")) {
		if (argc == 2) {
			help_main();
			return 0;
		}
		if (argc > 3)
			usage_error(NULL, "help takes one command name");
		if (!help_command(argv[2]))
			usage_error(NULL, "unknown command '%s'", argv[2]);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(c, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	if (c[0] == '-')
		usage_error(NULL, "unknown option '%s'", c);
	usage_error(NULL, "unknown command '%s'", c);
}
