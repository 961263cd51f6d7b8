/*
 * paths.h - where the runtime and the hook libraries are.
 *
 * Always relative to the command's own executable (/proc/self/exe, with
 * symlinks resolved), so a build tree and any installation prefix work
 * without configuration:
 *   build tree:  DIR/zpoline, DIR/libzpoline.so, DIR/libzphook_NAME.so
 *   installed:   PREFIX/bin/zpoline, PREFIX/lib/zpoline/libzpoline.so,
 *                PREFIX/lib/zpoline/hooks/libzphook_NAME.so
 * zpoline-loader (for static programs) sits next to libzpoline.so in both,
 * where the runtime looks for it too.
 */
#ifndef ZP_CLI_PATHS_H
#define ZP_CLI_PATHS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct zp_paths {
	char exe[PATH_MAX];      /* this command */
	char runtime[PATH_MAX];  /* libzpoline.so; "" if not found */
	char hook_dir[PATH_MAX]; /* where libzphook_NAME.so live */
	char loader[PATH_MAX];   /* zpoline-loader; "" if there is none */
	bool installed;          /* layout found: installed (else build tree) */
	char looked[2][PATH_MAX];/* where the runtime was looked for */
};

/* Fills *p.  Returns 0 if the runtime was found, -1 if not (p->looked says
 * where it was looked for; p->hook_dir is then the build-tree guess). */
int paths_locate(struct zp_paths *p);

/* Resolves a --hook argument: a short name (letters, digits, '_', '-')
 * means HOOK_DIR/libzphook_NAME.so; anything else is a path, made absolute.
 * Writes the absolute path to out and returns 0, or writes one line saying
 * why to why and returns -1. */
int paths_hook(const struct zp_paths *p, const char *spec, char *out, size_t size,
	       char *why, size_t why_size);

/* The short names of the hooks in p->hook_dir, comma separated ("" if none). */
void paths_hook_names(const struct zp_paths *p, char *out, size_t size);

#endif
