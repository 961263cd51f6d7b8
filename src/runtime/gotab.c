/*
 * gotab.c - where a loaded object's Go function table is.
 *
 * Go code has no unwind table, and a stripped Go binary no symbol table,
 * but every one keeps its function table (gopclntab.c), the source of
 * function boundaries for Go code.  rewrite.c asks for it only when an
 * object has candidates its unwind table does not place, so programs
 * without Go code never pay for it.
 *
 * The table is found through the file's section headers (.gopclntab, or
 * .data.rel.ro.gopclntab in a PIE, where ld.so relocates its text start):
 * a few small reads.  A file without section headers (sstrip), or without
 * such a section (a Go library linked by the C linker, which merges it
 * into .data.rel.ro), is searched in memory for the table's header, in
 * the object's readable segments.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "gotab.h"

#define NAMES_MAX (64u << 10) /* section names: a Go binary has ~300 bytes */
#define SH_CHUNK 64           /* section headers read at a time */

struct obj {
	const struct zp_maps *maps;
	uintptr_t base;
	const ElfW(Phdr) * ph;
	int phnum;
	uint64_t file_size;
};

/* Every function of the table is code of this object (one executable
 * segment): the table names addresses, and one naming anything else -
 * another object's code, or an address ld.so has not relocated - is not
 * this object's. */
static bool in_code(const struct obj *o, const struct zp_gopcln *g)
{
	for (int i = 0; i < o->phnum; i++) {
		const ElfW(Phdr) *p = &o->ph[i];
		if (p->p_type != PT_LOAD || !(p->p_flags & PF_X))
			continue;
		uintptr_t s = o->base + p->p_vaddr, e = s + p->p_memsz;
		if (g->lo >= s && g->hi <= e)
			return true;
	}
	return false;
}

/* The table at p as ld.so left it, or else as in the file (zpoline-loader
 * --from-start hands the runtime a PIE before ld.so relocates it). */
static bool try_table(const struct obj *o, const void *p, size_t n, struct zp_gopcln *g)
{
	if (zp_gopcln_init(g, p, n, 0) == 0 && in_code(o, g))
		return true;
	return o->base && zp_gopcln_init(g, p, n, o->base) == 0 && in_code(o, g);
}

static bool pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	for (size_t got = 0; got < n;) {
		long r = zp_raw4(SYS_pread64, fd, (char *)buf + got, n - got, off + got);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static bool named_pclntab(const char *names, size_t len, uint32_t at)
{
	static const char *const want[] = {".gopclntab", ".data.rel.ro.gopclntab"};
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		size_t n = strlen(want[k]) + 1; /* with its NUL */
		if (at <= len && len - at >= n && !memcmp(names + at, want[k], n))
			return true;
	}
	return false;
}

/* 1 found, 0 not found, -1 no usable section headers. */
static int from_sections(const struct obj *o, int fd, struct zp_gopcln *g)
{
	Elf64_Ehdr eh;
	if (!pread_all(fd, &eh, sizeof eh, 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    !eh.e_shoff || !eh.e_shnum || eh.e_shstrndx >= eh.e_shnum ||
	    eh.e_shoff > o->file_size ||
	    (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > o->file_size - eh.e_shoff)
		return -1;
	Elf64_Shdr str;
	if (!pread_all(fd, &str, sizeof str, eh.e_shoff + (uint64_t)eh.e_shstrndx * sizeof str) ||
	    !str.sh_size || str.sh_size > NAMES_MAX || str.sh_offset > o->file_size ||
	    str.sh_size > o->file_size - str.sh_offset)
		return -1;
	/* Not on the stack: this may run in a signal handler (watch.c). */
	const size_t bytes = NAMES_MAX + SH_CHUNK * sizeof(Elf64_Shdr);
	long m = zp_raw6(SYS_mmap, 0, (long)bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0)
		return -1;
	char *names = (char *)m;
	// cppcheck-suppress nullPointerArithmeticRedundantCheck ; mmap's result, checked above: never 0 here
	Elf64_Shdr *sh = (Elf64_Shdr *)(void *)(names + NAMES_MAX);
	int ret = -1;
	if (!pread_all(fd, names, str.sh_size, str.sh_offset))
		goto out;
	ret = 0;
	for (unsigned i = 0; i < eh.e_shnum && ret == 0; i += SH_CHUNK) {
		unsigned n = eh.e_shnum - i < SH_CHUNK ? eh.e_shnum - i : SH_CHUNK;
		if (!pread_all(fd, sh, n * sizeof *sh, eh.e_shoff + (uint64_t)i * sizeof *sh)) {
			ret = -1;
			break;
		}
		for (unsigned k = 0; k < n && ret == 0; k++) {
			const Elf64_Shdr *s = &sh[k];
			if (s->sh_type != SHT_PROGBITS || !(s->sh_flags & SHF_ALLOC) ||
			    s->sh_size < 16 || s->sh_offset > o->file_size ||
			    s->sh_size > o->file_size - s->sh_offset ||
			    !named_pclntab(names, str.sh_size, s->sh_name))
				continue;
			const void *p = (const void *)(o->base + s->sh_addr);
			if (zp_maps_readable(o->maps, p, s->sh_size) && try_table(o, p, s->sh_size, g))
				ret = 1;
		}
	}
out:
	zp_raw2(SYS_munmap, m, bytes);
	return ret;
}

/* The readable segments' file bytes, data before code (the table lives in
 * read-only data, which old linkers put in the code segment). */
static bool from_memory(const struct obj *o, struct zp_gopcln *g)
{
	for (int code = 0; code < 2; code++)
		for (int i = 0; i < o->phnum; i++) {
			const ElfW(Phdr) *p = &o->ph[i];
			if (p->p_type != PT_LOAD || !(p->p_flags & PF_R) ||
			    ((p->p_flags & PF_X) != 0) != (code != 0) || p->p_offset > o->file_size)
				continue;
			size_t n = p->p_filesz;
			if (n > o->file_size - p->p_offset)
				n = o->file_size - p->p_offset; /* past the file: SIGBUS */
			const uint8_t *s = (const uint8_t *)(o->base + p->p_vaddr), *at = s;
			if (!zp_maps_readable(o->maps, s, n))
				continue;
			while (at < s + n &&
			       (at = zp_gopcln_scan(at, n - (size_t)(at - s), 0, g)) != NULL) {
				if (in_code(o, g) || try_table(o, at, n - (size_t)(at - s), g))
					return true;
				at += 8;
			}
		}
	return false;
}

/* Go's linker marks what it links with a note "Go" of type 4 (its build
 * ID), stripped or not, and C-linked Go libraries keep it.  Only such an
 * object is searched in memory: a search costs a pass over every readable
 * byte (libLLVM's 100 MiB doubled clang-tidy's first start). */
bool zp_go_note_in(const void *notes, size_t len)
{
	const uint8_t *p = notes, *end = p + len;
	while (p + 12 <= end) {
		const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
		const uint8_t *name = p + 12;
		/* Go's linker counts the name's padding: "Go\0\0". */
		if (nh->n_type == 4 && (nh->n_namesz == 3 || nh->n_namesz == 4) && name + 4 <= end &&
		    !memcmp(name, "Go", 3))
			return true;
		size_t skip = 12 + ((nh->n_namesz + 3) & ~3u) + ((nh->n_descsz + 3) & ~3u);
		if (skip > (size_t)(end - p))
			break;
		p += skip;
	}
	return false;
}

static bool has_go_note(const struct obj *o)
{
	for (int i = 0; i < o->phnum; i++) {
		const ElfW(Phdr) *ph = &o->ph[i];
		if (ph->p_type != PT_NOTE || ph->p_memsz < 12)
			continue;
		const void *p = (const void *)(o->base + ph->p_vaddr);
		if (zp_maps_readable(o->maps, p, ph->p_memsz) && zp_go_note_in(p, ph->p_memsz))
			return true;
	}
	return false;
}

bool zp_go_note_present(const struct zp_maps *maps, uintptr_t base, const ElfW(Phdr) * ph, int phnum)
{
	struct obj o = {maps, base, ph, phnum, 0};
	return has_go_note(&o);
}

int zp_go_table_find(const struct zp_maps *maps, uintptr_t base, const ElfW(Phdr) * ph, int phnum,
		     struct zp_gopcln *g)
{
	/* The file of the object's first code mapping, if it still is the
	 * file mapped (same inode). */
	const struct zp_map *m = NULL;
	for (int i = 0; i < phnum && !m; i++)
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X))
			m = zp_maps_find(maps, base + ph[i].p_vaddr);
	if (!m || !m->inode || m->path[0] != '/')
		return -1;
	int fd = (int)zp_raw3(SYS_open, m->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	struct stat st;
	struct obj o = {maps, base, ph, phnum, 0};
	int found = -1;
	if (zp_raw2(SYS_fstat, fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_ino == m->inode &&
	    major(st.st_dev) == m->dev_major && minor(st.st_dev) == m->dev_minor) {
		o.file_size = (uint64_t)st.st_size;
		found = from_sections(&o, fd, g);
		/* No section headers, or no section of that name: the C linker
		 * merges .data.rel.ro.gopclntab into .data.rel.ro when it links
		 * a Go library (-buildmode=c-shared). */
		if (found <= 0)
			found = has_go_note(&o) && from_memory(&o, g) ? 1 : 0;
	}
	zp_raw1(SYS_close, fd);
	if (found != 1) {
		*g = (struct zp_gopcln){0};
		return -1;
	}
	return 0;
}
