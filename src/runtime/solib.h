/*
 * solib.h - mapping a self-contained shared object without ld.so.
 *
 * For the x86 decoder (decoder.c): a library that needs nothing but a few
 * string functions, loaded only when some code has to be decoded, from any
 * context (inside a hooked mmap while ld.so holds its locks, in a signal
 * handler).  Raw system calls, no allocation, no lock of ld.so or libc.
 */
#ifndef ZP_SOLIB_H
#define ZP_SOLIB_H

#include <elf.h>
#include <link.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A symbol the object may import, and what it gets. */
struct zp_solib_import {
	const char *name;
	void *value;
};

struct zp_solib {
	uintptr_t base;		/* load bias: address = base + vaddr */
	uintptr_t lo, hi;	/* the whole mapping */
	const ElfW(Sym) *symtab;
	const char *strtab;
	size_t strsz;
	const uint32_t *gnu_hash;
};

/* Maps `path`, applies its relocations (imports resolved from `imports`, a
 * list ending with a NULL name) and runs its initialisers.  0, or a
 * negative value with the reason in `err`: -EMFILE or -ENFILE when no
 * descriptor was free to open it (worth another try later), else -1;
 * nothing stays mapped on failure. */
int zp_solib_load(struct zp_solib *lib, const char *path, const struct zp_solib_import *imports,
		  char *err, size_t errlen);

/* The address of a defined function or object, or NULL. */
void *zp_solib_sym(const struct zp_solib *lib, const char *name);

/* The same for an object ld.so loaded at `base` (its load bias), from its
 * dynamic section in memory; NULL without a GNU hash table. */
void *zp_solib_sym_loaded(uintptr_t base, const ElfW(Dyn) *dyn, const char *name);

/* Does a loaded object (as dl_iterate_phdr describes it) define `name`? */
bool zp_solib_defines(const struct dl_phdr_info *info, const char *name);

#endif
