/*
 * opts.c - the option walker (see opts.h).
 */
#include <string.h>

#include "cli.h"
#include "opts.h"

void opts_init(struct opts *o, const char *cmd, int argc, char **argv)
{
	o->argc = argc;
	o->argv = argv;
	o->index = 1; /* argv[0] is the subcommand's name */
	o->cluster = NULL;
	o->cmd = cmd;
}

static const struct opt *find_short(const struct opt *t, char c)
{
	for (; t->id; t++)
		if (t->short_name && t->short_name == c)
			return t;
	return NULL;
}

static const struct opt *find_long(const struct opt *t, const char *name, size_t len)
{
	for (; t->id; t++)
		if (t->long_name && strlen(t->long_name) == len && !strncmp(t->long_name, name, len))
			return t;
	return NULL;
}

static int next_short(struct opts *o, const struct opt *table, const char **arg)
{
	char c = *o->cluster++;
	const struct opt *d = find_short(table, c);
	if (!d)
		usage_error(o->cmd, "unknown option '-%c'", c);
	if (!d->has_arg || d->has_arg == OPTS_ARG_OPTIONAL) {
		if (!*o->cluster)
			o->cluster = NULL;
		return d->id;
	}
	if (*o->cluster) { /* -s64 */
		*arg = o->cluster;
	} else {           /* -s 64 */
		if (o->index >= o->argc)
			usage_error(o->cmd, "option '-%c' needs an argument", c);
		*arg = o->argv[o->index++];
	}
	o->cluster = NULL;
	return d->id;
}

int opts_next(struct opts *o, const struct opt *table, const char **arg)
{
	*arg = NULL;
	if (o->cluster)
		return next_short(o, table, arg);
	if (o->index >= o->argc)
		return OPTS_END;
	const char *a = o->argv[o->index++];
	if (a[0] != '-' || a[1] == '\0') {
		*arg = a;
		return OPTS_NONOPT;
	}
	if (a[1] != '-') {
		o->cluster = a + 1;
		return next_short(o, table, arg);
	}
	if (a[2] == '\0')
		return OPTS_DASHDASH;
	const char *name = a + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt *d = find_long(table, name, len);
	if (!d)
		usage_error(o->cmd, "unknown option '--%.*s'", (int)len, name);
	if (!d->has_arg) {
		if (eq)
			usage_error(o->cmd, "option '--%s' takes no argument", d->long_name);
		return d->id;
	}
	if (eq) {
		*arg = eq + 1;
	} else if (d->has_arg != OPTS_ARG_OPTIONAL) {
		if (o->index >= o->argc)
			usage_error(o->cmd, "option '--%s' needs an argument", d->long_name);
		*arg = o->argv[o->index++];
	}
	return d->id;
}
