/*
 * vdso.c - find a function in the vDSO, so that timestamps on the per-call
 * path cost no system call and touch no libc state.
 */
#include <elf.h>
#include <string.h>
#include <sys/auxv.h>

#include "trace_hook.h"

void *zp_vdso_sym(const char *name)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	if (!base)
		return NULL;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return NULL;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	unsigned long bias = 0;
	const Elf64_Dyn *dyn = NULL;
	int have_load = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			bias = base + ph[i].p_offset - ph[i].p_vaddr;
			have_load = 1;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
		}
	}
	if (!have_load || !dyn)
		return NULL;
	const Elf64_Sym *sym = NULL;
	const char *str = NULL;
	const Elf64_Word *hash = NULL;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB:
			sym = (const Elf64_Sym *)(bias + dyn->d_un.d_ptr);
			break;
		case DT_STRTAB:
			str = (const char *)(bias + dyn->d_un.d_ptr);
			break;
		case DT_HASH:
			hash = (const Elf64_Word *)(bias + dyn->d_un.d_ptr);
			break;
		default:
			break;
		}
	}
	if (!sym || !str || !hash)
		return NULL;
	Elf64_Word n = hash[1]; /* nchain: the number of symbols */
	for (Elf64_Word i = 0; i < n; i++) {
		if (ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC || sym[i].st_shndx == SHN_UNDEF)
			continue;
		if (strcmp(str + sym[i].st_name, name) == 0)
			return (void *)(bias + sym[i].st_value);
	}
	return NULL;
}
