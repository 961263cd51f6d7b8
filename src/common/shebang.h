/*
 * shebang.h - the interpreter line of a "#!" script, read as Linux's
 * binfmt_script reads it: the first 256 bytes of the file (BINPRM_BUF_SIZE),
 * "#!", blanks, the interpreter's path up to a blank or the line's end, and
 * what follows it on the line, blanks trimmed at both ends, as one optional
 * argument.  A static interpreter (busybox, a static shell) ignores
 * LD_PRELOAD, so the runtime, the loader and the command look through a
 * script to its interpreter (docs/loader.md).  No I/O and no libc calls: the
 * runtime and the loader use it too.
 */
#ifndef ZP_SHEBANG_H
#define ZP_SHEBANG_H

#include <stdbool.h>
#include <stddef.h>

#define ZP_SHEBANG_BUF 256 /* the kernel's BINPRM_BUF_SIZE */

struct zp_shebang {
	char interp[ZP_SHEBANG_BUF]; /* as written on the line */
	char arg[ZP_SHEBANG_BUF];    /* "" when there is none */
};

static inline bool zp_shebang_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* buf: the file's first n bytes.  true if they are a script's "#!" line
 * naming an interpreter the kernel would run. */
static inline bool zp_shebang_parse(const char *buf, size_t n, struct zp_shebang *s)
{
	/* The kernel's buffer ends in a NUL of its own: 255 bytes of the
	 * file, zeros after a shorter one. */
	if (n > ZP_SHEBANG_BUF - 1)
		n = ZP_SHEBANG_BUF - 1;
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return false;
	size_t end = 2;
	while (end < n && buf[end] != '\n' && buf[end] != '\0')
		end++;
	size_t i = 2;
	while (i < end && zp_shebang_blank(buf[i]))
		i++;
	size_t start = i;
	while (i < end && !zp_shebang_blank(buf[i]))
		i++;
	/* The interpreter's name must end within the buffer: the kernel
	 * refuses one that may be truncated (ENOEXEC). */
	if (i == start || (i == n && n == ZP_SHEBANG_BUF - 1))
		return false;
	size_t len = i - start;
	for (size_t k = 0; k < len; k++)
		s->interp[k] = buf[start + k];
	s->interp[len] = '\0';
	while (i < end && zp_shebang_blank(buf[i]))
		i++;
	size_t stop = end;
	while (stop > i && zp_shebang_blank(buf[stop - 1]))
		stop--;
	for (size_t k = 0; k < stop - i; k++)
		s->arg[k] = buf[i + k];
	s->arg[stop - i] = '\0';
	return true;
}

#endif
