/*
 * injectspec.h - checking fault-injection specs before the program starts,
 * so a typo is one clear line rather than a hook that refuses to load.
 *
 *   SYSCALL[,SYSCALL...]:error=ERRNO|retval=V[:when=N|N+|N+STEP][:path=P]
 *
 * The inject hook parses the specs again (it is the authority); this is the
 * command's early check against the same grammar.
 */
#ifndef ZP_CLI_INJECTSPEC_H
#define ZP_CLI_INJECTSPEC_H

#include <stddef.h>

/* Returns 0, or writes one line saying what is wrong to why and returns -1. */
int injectspec_check(const char *spec, char *why, size_t why_size);

/* The number of an errno name ("ENOSPC"), or -1. */
int errno_by_name(const char *name);

#endif
