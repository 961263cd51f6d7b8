/*
 * hookflags.h - the flags the shipped hooks declare.
 *
 * They touch no vector register (built with -mgeneral-regs-only, string
 * functions from gprmem.c), so the runtime may skip saving the extended
 * state around them.  A sanitizer build (`make sanitize`) calls into the
 * sanitizer's runtime on every memory access, and that runtime uses SSE:
 * there the state must be saved.
 */
#ifndef ZP_HOOKFLAGS_H
#define ZP_HOOKFLAGS_H

#include "zpoline.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define ZP_SHIPPED_HOOK_FLAGS 0u
#else
#define ZP_SHIPPED_HOOK_FLAGS ZPOLINE_HOOK_NO_XSTATE
#endif

#endif
