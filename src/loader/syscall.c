/*
 * syscall.c - which way the loader's system calls go.
 *
 * They must not reach the hooks (they are the exec, not the program) and
 * must not trip the runtime's Syscall User Dispatch (ZPOLINE_MODE=net or
 * sud), which traps every system call made outside libzpoline.so and would
 * hand the loader's calls to the hooks, and its mmap of the program to the
 * runtime's watch on new code.  A runtime that exports
 *     long zpoline_raw_syscall(long nr, long a1, ..., long a6);
 * (a call made from inside libzpoline.so, never hooked, never trapped) is
 * used for that; otherwise the hidden instruction of sys.S, which is enough
 * in the default mode (page 0 and rewriting, no SUD).
 */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "loader.h"

typedef long (*raw_fn)(long, long, long, long, long, long, long);
static raw_fn raw = zl_hidden_syscall;

void zl_sys_init(void)
{
	raw_fn f = (raw_fn)dlsym(RTLD_DEFAULT, "zpoline_raw_syscall");
	if (f)
		raw = f;
}

long zl_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return raw(nr, a1, a2, a3, a4, a5, a6);
}
