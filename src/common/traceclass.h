/*
 * traceclass.h - the system call classes of -e trace=%CLASS (strace's
 * names).  A class is a property of what a call does (takes a file name,
 * a descriptor, changes memory mappings ...), so the lists are written
 * out by name in traceclass.c; the numbers come from the generated
 * system call table.
 */
#ifndef ZP_TRACECLASS_H
#define ZP_TRACECLASS_H

#include <stddef.h>

#include "traceinject.h"

/* Adds the members of class `name` (without the '%', len bytes) to set.
 * Returns 0, or -1 if there is no such class. */
__attribute__((visibility("hidden"))) int zp_class_add(const char *name, size_t len,
							struct zp_syscall_set *set);
/* The class names, for messages: "file, desc, ..." */
__attribute__((visibility("hidden"))) const char *zp_class_list(void);

#endif
