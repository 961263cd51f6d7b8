/*
 * elfstatic.h - is a file a static x86-64 program (no PT_INTERP, an entry
 * point)?  LD_PRELOAD cannot reach one, so the runtime (an execve), the
 * command (what it is asked to run) and the loader (a script's interpreter)
 * send it through zpoline-loader.  With --from-start the loader also loads
 * a script's dynamic interpreter itself (zp_elf_program).  The file is read through the caller's
 * pread (the runtime and the loader make raw system calls).
 */
#ifndef ZP_ELFSTATIC_H
#define ZP_ELFSTATIC_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* pread(fd, buf, len, off): the bytes read, or a negative value. */
typedef long (*zp_pread_fn)(int fd, void *buf, size_t len, long off);

/* What zp_elf_program says of a file. */
#define ZP_ELF_NONE 0    /* not an x86-64 program */
#define ZP_ELF_STATIC 1  /* no PT_INTERP: LD_PRELOAD cannot reach it */
#define ZP_ELF_DYNAMIC 2 /* started by the ld.so its PT_INTERP names */

static inline int zp_elf_program(int fd, zp_pread_fn rd)
{
	Elf64_Ehdr eh;
	if (rd(fd, &eh, sizeof eh, 0) != (long)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > 64)
		return ZP_ELF_NONE;
	Elf64_Phdr ph[64];
	size_t len = sizeof(Elf64_Phdr) * eh.e_phnum;
	if (rd(fd, ph, len, (long)eh.e_phoff) != (long)len)
		return ZP_ELF_NONE;
	bool loads = false, interp = false;
	for (int i = 0; i < eh.e_phnum; i++) {
		interp |= ph[i].p_type == PT_INTERP;
		loads |= ph[i].p_type == PT_LOAD;
	}
	/* A shared library (ET_DYN without an entry point) is not a program;
	 * ET_DYN with one and no interpreter is a static-pie. */
	if (!loads || eh.e_entry == 0)
		return ZP_ELF_NONE;
	return interp ? ZP_ELF_DYNAMIC : ZP_ELF_STATIC;
}

static inline bool zp_elf_is_static(int fd, zp_pread_fn rd)
{
	return zp_elf_program(fd, rd) == ZP_ELF_STATIC;
}

#endif
