/*
 * cachedir.h - where the site cache lives by default: the one rule the
 * runtime (cache.c) and the command (launch.c, which pins it for the whole
 * session) both follow.  Header-only and libc-free: the runtime has no
 * libc of its own to call at start-up.
 */
#ifndef ZP_CACHEDIR_H
#define ZP_CACHEDIR_H

#include <stdbool.h>
#include <stddef.h>

/* The directory the cache goes into (its "zpoline" subdirectory):
 * $XDG_CACHE_HOME if absolute, else $HOME/.cache if $HOME is absolute.
 * false (out empty) when neither holds or it does not fit in n bytes. */
static inline bool zp_cache_parent(const char *xdg, const char *home, char *out, size_t n)
{
	const char *base = xdg && *xdg == '/' ? xdg : home && *home == '/' ? home : NULL;
	const char *tail = base == xdg ? "" : "/.cache";
	size_t k = 0;
	for (const char *p = base; p && *p && k < n; p++)
		out[k++] = *p;
	for (const char *p = tail; base && *p && k < n; p++)
		out[k++] = *p;
	if (!base || k >= n) {
		if (n)
			out[0] = '\0';
		return false;
	}
	out[k] = '\0';
	return true;
}

#endif
