/*
 * tracesets.h - strace's /REGEX items in system call sets.
 *
 * The tracer has no regular expression engine (it loads without libc:
 * src/common/hooklibc.c), so the command replaces each /REGEX item of a
 * set with the names it matches before the options reach the tracer.
 */
#ifndef ZP_CLI_TRACESETS_H
#define ZP_CLI_TRACESETS_H

#include <stddef.h>

/* expr is an -e expression (trace=SET, SET, inject=SET:...).  If its set
 * has /REGEX items, *out gets a new expression (malloc'd) with them
 * replaced; else *out is NULL.  0, or -1 with one line in why (a bad
 * regex, or one that matches no call and is not marked optional by '?'). */
int tracesets_expand(const char *expr, char **out, char *why, size_t why_size);

#endif
