/*
 * program.h - what kind of program is about to be run.
 *
 * LD_PRELOAD cannot reach a static executable (there is no ld.so to load
 * the runtime), so the command hands those to zpoline-loader, which loads
 * them inside a process where the runtime is already in charge
 * (docs/loader.md).  Deciding needs the file the kernel would execute.
 */
#ifndef ZP_CLI_PROGRAM_H
#define ZP_CLI_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>

/* The file execvp() would run for name: name itself if it has a '/', else
 * the first executable regular file of that name in $PATH.  Returns 0, or
 * -1 if there is none (execvp will then report it). */
int program_find(const char *name, char *out, size_t size);

/* Does the kernel run a static program for path: a 64-bit x86-64 ELF
 * executable without PT_INTERP (gcc -static, -static-pie, Go,
 * busybox-static), or a "#!" script whose interpreter is one? */
bool program_is_static(const char *path);

#endif
