/*
 * env.c - the runtime's settings read from the environment.
 *
 * A value that means nothing is said (on stderr) and the default taken:
 * `ZPOLINE_CACHE=no` used to leave the cache on without a word, as any
 * value but `0` did.  Only ZPOLINE_MODE stops the program (init.c): a
 * wrong mode changes what is hooked.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gprfmt.h"
#include "rt.h"

int zp_env_int(const char *name, int dflt)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end) {
		zp_log("zpoline: %s=%s is not a number; using %d", name, v, dflt);
		return dflt;
	}
	if (n > INT_MAX || n < INT_MIN) {
		zp_log("zpoline: %s=%s is out of range; using %d", name, v, dflt);
		return dflt;
	}
	return (int)n;
}

int zp_env_word(const char *name, const char *const *words, int nwords, int dflt)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	for (int i = 0; i < nwords; i++)
		if (!strcmp(v, words[i]))
			return i;
	char list[160];
	size_t at = 0;
	for (int i = 0; i < nwords && at < sizeof list; i++)
		at += zp_snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "", words[i]);
	zp_log("zpoline: %s=%s means nothing (%s); using the default", name, v, list);
	return dflt;
}

bool zp_env_bool(const char *name, bool dflt)
{
	static const char *const words[] = {"0", "1", "off", "on", "no", "yes", "false", "true"};
	int i = zp_env_word(name, words, (int)(sizeof words / sizeof words[0]), -1);
	return i < 0 ? dflt : (i & 1) != 0;
}
