/* The x86-64 system call table, generated from kernel headers
 * (tools/gen-syscalls.sh). */
#ifndef ZP_SYSCALL_TABLE_H
#define ZP_SYSCALL_TABLE_H

#include <stddef.h>

/* Name of nr, or NULL if the table has none. */
const char *zp_syscall_name(long nr) __attribute__((visibility("hidden")));
/* nr's name copied to dst, which has room bytes: its length, or 0 if the
 * table has no name for nr or the room is short of the table's row (a few
 * bytes more than the longest name: the row is copied whole, a few word
 * moves instead of a search for the NUL). */
size_t zp_syscall_name_copy(long nr, char *dst, size_t room) __attribute__((visibility("hidden")));
/* Highest number in the table. */
long zp_syscall_max(void) __attribute__((visibility("hidden")));
/* Number of a name, or -1. */
long zp_syscall_number(const char *name) __attribute__((visibility("hidden")));
/* How many arguments strace prints for nr (tools/syscall-nargs.txt), or
 * -1 if the list has no count for it. */
int zp_syscall_nargs(long nr) __attribute__((visibility("hidden")));

#endif
