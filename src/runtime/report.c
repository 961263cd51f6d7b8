/*
 * report.c - ZPOLINE_SITES=FILE: one line per rewritten site,
 *     <object> 0x<offset> <symbol>+0x<off> <callq|trap>
 * where offset is the address objdump -d shows for that object, so the list
 * can be checked against `objdump -d | grep syscall`.  Symbols come from the
 * object file's .symtab (or .dynsym when it is stripped): the function the
 * site is in, or the nearest one before it; "?" if the file has none.
 * Raw system calls only: the report may be written from inside a hooked
 * call (a library loaded later).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "finder.h"
#include "rewrite.h"

static int report_fd = -1;

/* An object file mapped for its symbols. */
struct symfile {
	const uint8_t *map;
	size_t size;
	const Elf64_Sym *syms;
	size_t nsyms;
	const char *strtab;
	size_t strsize;
};

static bool within(const struct symfile *f, uint64_t off, uint64_t len)
{
	return off <= f->size && len <= f->size - off;
}

static void symfile_close(struct symfile *f)
{
	if (f->map)
		zp_raw2(SYS_munmap, f->map, f->size);
	memset(f, 0, sizeof *f);
}

/* Maps `path` and finds its symbol table (.symtab, else .dynsym). */
static bool symfile_open(struct symfile *f, const char *path)
{
	memset(f, 0, sizeof *f);
	int fd = (int)zp_raw3(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct stat st;
	long m = -1;
	if (zp_raw2(SYS_fstat, fd, &st) == 0 && st.st_size > (off_t)sizeof(Elf64_Ehdr))
		m = zp_raw6(SYS_mmap, 0, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	zp_raw1(SYS_close, fd);
	if (m < 0)
		return false;
	f->map = (const uint8_t *)m;
	f->size = (size_t)st.st_size;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f->map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !within(f, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr))) {
		symfile_close(f);
		return false;
	}
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(f->map + eh->e_shoff);
	static const Elf64_Word order[] = {SHT_SYMTAB, SHT_DYNSYM};
	for (size_t k = 0; k < 2 && !f->syms; k++) {
		for (int i = 0; i < eh->e_shnum; i++) {
			if (sh[i].sh_type != order[k] || sh[i].sh_link >= eh->e_shnum)
				continue;
			const Elf64_Shdr *str = &sh[sh[i].sh_link];
			if (!within(f, sh[i].sh_offset, sh[i].sh_size) ||
			    !within(f, str->sh_offset, str->sh_size))
				continue;
			f->syms = (const Elf64_Sym *)(f->map + sh[i].sh_offset);
			f->nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
			f->strtab = (const char *)(f->map + str->sh_offset);
			f->strsize = str->sh_size;
			break;
		}
	}
	return true;
}

/* The function containing vaddr, or the nearest one before it. */
static const char *symbol_for(const struct symfile *f, uint64_t vaddr, uint64_t *off)
{
	const Elf64_Sym *best = NULL;
	for (size_t i = 0; i < f->nsyms; i++) {
		const Elf64_Sym *s = &f->syms[i];
		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || !s->st_value || s->st_value > vaddr ||
		    s->st_name >= f->strsize)
			continue;
		bool inside = vaddr < s->st_value + s->st_size;
		bool best_inside = best && vaddr < best->st_value + best->st_size;
		if (!best || (inside && !best_inside) ||
		    (inside == best_inside && s->st_value > best->st_value))
			best = s;
	}
	if (!best)
		return NULL;
	*off = vaddr - best->st_value;
	const char *name = f->strtab + best->st_name;
	return memchr(name, 0, f->strsize - best->st_name) ? name : NULL;
}

static void report(const char *path, uintptr_t base, const struct zp_sites *s)
{
	struct symfile f;
	bool have = path && path[0] == '/' && symfile_open(&f, path);
	char line[1024];
	for (size_t i = 0; i < s->n; i++) {
		uint64_t va = (uint64_t)(s->v[i].addr - base), off = 0;
		const char *sym = have ? symbol_for(&f, va, &off) : NULL;
		size_t n = zp_snprintf(line, sizeof line, "%s 0x%lx %s+0x%lx %s\n",
				       path && *path ? path : "?", (unsigned long)va, sym ? sym : "?",
				       (unsigned long)off,
				       s->v[i].kind == ZP_SITE_FAST	? "callq"
				       : s->v[i].kind == ZP_SITE_DETOUR ? "detour"
									: "trap");
		if (n >= sizeof line)
			n = sizeof line - 1;
		zp_raw3(SYS_write, report_fd, line, n);
	}
	if (have)
		symfile_close(&f);
}

void zp_sites_report_init(const char *path)
{
	if (!strcmp(path, "-"))
		report_fd = (int)zp_raw1(SYS_dup, 2);
	else
		report_fd = (int)zp_raw3(SYS_open, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
					 0644);
	if (report_fd < 0) {
		zp_log("zpoline: ZPOLINE_SITES: cannot open %s", path);
		return;
	}
	zp_sites_report = report;
}
