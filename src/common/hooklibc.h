/*
 * hooklibc.h - see hooklibc.c.  A hook built with it calls zp_hl_init()
 * first thing in zpoline_hook_init().
 */
#ifndef ZP_HOOKLIBC_H
#define ZP_HOOKLIBC_H

#include "zpoline.h"

#define ZP_HL_HIDDEN __attribute__((visibility("hidden")))

ZP_HL_HIDDEN void zp_hl_init(const struct zpoline_runtime *rt);
/* rt->program_symbol(name) where this runtime has it, else NULL: at init
 * only. */
ZP_HL_HIDDEN void *zp_hl_program_symbol(const char *name);
/* The program's environment (its libc's environ), or NULL. */
ZP_HL_HIDDEN char **zp_hl_environ(void);
/* Takes NAME out of the program's environ in place (not the program's
 * unsetenv, which may be its own: bash's does nothing before main). */
ZP_HL_HIDDEN void zp_hl_env_remove(const char *name);
/* A message and a newline on stderr, formatted by gprfmt.c. */
ZP_HL_HIDDEN void zp_hl_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
