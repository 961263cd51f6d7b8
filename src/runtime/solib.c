/*
 * solib.c - mapping a self-contained shared object without ld.so.
 *
 * Why not dlopen: the decoder is needed when new code appears, which is
 * inside a hooked mmap/mprotect, often ld.so's own in the middle of a
 * dlopen; ld.so cannot be entered again from there.  And linking it
 * (DT_NEEDED) costs every process its loading, ~13 page faults and ~150 us
 * on this machine kind, though a process whose code is all in the site
 * cache never decodes anything.
 *
 * What is supported is what such a library uses, and everything else is
 * refused with a reason: ET_DYN x86-64, RELA relocations of types NONE,
 * RELATIVE, 64, GLOB_DAT and JUMP_SLOT into writable segments, symbols
 * found through DT_GNU_HASH, imports only from the caller's list (weak ones
 * may stay unresolved), DT_INIT and DT_INIT_ARRAY.  No TLS, no IFUNC, no
 * text relocations, no dependencies loaded.  Symbols bind to the object's
 * own definitions (nothing can interpose here).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "raw.h"
#include "rt.h"
#include "solib.h"

#define PAGE 4096UL
#define MAX_PHDR 16

static uintptr_t page_down(uintptr_t a)
{
	return a & ~(PAGE - 1);
}

static uintptr_t page_up(uintptr_t a)
{
	return (a + PAGE - 1) & ~(PAGE - 1);
}

static int prot_of(uint32_t f)
{
	return (f & PF_R ? PROT_READ : 0) | (f & PF_W ? PROT_WRITE : 0) | (f & PF_X ? PROT_EXEC : 0);
}

struct loading {
	struct zp_solib *lib;
	const char *path;
	char *err;
	size_t errlen;
	const ElfW(Phdr) *ph;
	int phnum;
	size_t nsyms;
	const struct zp_solib_import *imports;
};

__attribute__((format(printf, 2, 3))) static int refuse(struct loading *l, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	va_start(ap, fmt);
	zp_fmt(why, sizeof why, fmt, ap);
	va_end(ap);
	zp_snprintf(l->err, l->errlen, "%s: %s", l->path, why);
	return -1;
}

/* Is [a, a+n) inside one segment with all of `flags`? */
static bool in_segment(const struct loading *l, uintptr_t a, size_t n, uint32_t flags)
{
	for (int i = 0; i < l->phnum; i++) {
		const ElfW(Phdr) *p = &l->ph[i];
		if (p->p_type != PT_LOAD || (p->p_flags & flags) != flags)
			continue;
		uintptr_t s = l->lib->base + p->p_vaddr;
		if (a >= s && a <= s + p->p_memsz && n <= s + p->p_memsz - a)
			return true;
	}
	return false;
}

/* The number of symbols, which only the GNU hash table tells: the highest
 * bucket's chain runs to the last one. */
static size_t count_symbols(const uint32_t *gh)
{
	uint32_t nbuckets = gh[0], symoffset = gh[1], bloom_size = gh[2];
	const uint32_t *buckets = gh + 4 + 2 * (size_t)bloom_size;
	const uint32_t *chain = buckets + nbuckets;
	uint32_t last = 0;
	for (uint32_t b = 0; b < nbuckets; b++)
		last = buckets[b] > last ? buckets[b] : last;
	if (last < symoffset)
		return symoffset;
	while (!(chain[last - symoffset] & 1))
		last++;
	return (size_t)last + 1;
}

static const char *sym_name(const struct zp_solib *lib, const ElfW(Sym) *s)
{
	return s->st_name < lib->strsz ? lib->strtab + s->st_name : "";
}

static int resolve(struct loading *l, uint32_t idx, uintptr_t *out)
{
	const struct zp_solib *lib = l->lib;
	if (idx >= l->nsyms)
		return refuse(l, "relocation against symbol %u of %zu", idx, l->nsyms);
	const ElfW(Sym) *s = &lib->symtab[idx];
	if (ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC)
		return refuse(l, "%s is an IFUNC", sym_name(lib, s));
	if (s->st_shndx != SHN_UNDEF) {
		*out = lib->base + s->st_value;
		return 0;
	}
	const char *name = sym_name(lib, s);
	for (const struct zp_solib_import *im = l->imports; im && im->name; im++)
		if (!strcmp(im->name, name)) {
			*out = (uintptr_t)im->value;
			return 0;
		}
	if (ELF64_ST_BIND(s->st_info) == STB_WEAK) {
		*out = 0;
		return 0;
	}
	return refuse(l, "needs %s, which the runtime does not provide", name);
}

static int relocate(struct loading *l, const ElfW(Rela) *r, size_t bytes)
{
	uintptr_t base = l->lib->base;
	if (!in_segment(l, (uintptr_t)r, bytes, PF_R))
		return refuse(l, "relocation table outside the object");
	for (size_t i = 0; i < bytes / sizeof *r; i++) {
		uint32_t type = (uint32_t)ELF64_R_TYPE(r[i].r_info);
		uintptr_t where = base + r[i].r_offset, v = 0;
		if (type == R_X86_64_NONE)
			continue;
		if (!in_segment(l, where, 8, PF_W))
			return refuse(l, "relocation at 0x%lx outside its writable segments",
				      (unsigned long)r[i].r_offset);
		switch (type) {
		case R_X86_64_RELATIVE:
			v = base + (uintptr_t)r[i].r_addend;
			break;
		case R_X86_64_64:
		case R_X86_64_GLOB_DAT:
		case R_X86_64_JUMP_SLOT:
			if (resolve(l, (uint32_t)ELF64_R_SYM(r[i].r_info), &v) < 0)
				return -1;
			if (type == R_X86_64_64)
				v += (uintptr_t)r[i].r_addend;
			break;
		default:
			return refuse(l, "relocation type %u is not supported", type);
		}
		memcpy((void *)where, &v, sizeof v); /* packed tables: may be unaligned */
	}
	return 0;
}

static int map_segments(struct loading *l, int fd)
{
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (int i = 0; i < l->phnum; i++) {
		const ElfW(Phdr) *p = &l->ph[i];
		if (p->p_type == PT_TLS)
			return refuse(l, "uses thread-local storage");
		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz > p->p_memsz || (p->p_offset - p->p_vaddr) % PAGE)
			return refuse(l, "a segment is malformed");
		lo = page_down(p->p_vaddr) < lo ? page_down(p->p_vaddr) : lo;
		hi = page_up(p->p_vaddr + p->p_memsz) > hi ? page_up(p->p_vaddr + p->p_memsz) : hi;
	}
	if (lo >= hi || hi - lo > (1UL << 30))
		return refuse(l, "no loadable segment of a sensible size");
	long r = zp_raw6(SYS_mmap, 0, (long)(hi - lo), PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r < 0)
		return refuse(l, "no room for %lu KiB (%ld)", (unsigned long)(hi - lo) / 1024, r);
	l->lib->base = (uintptr_t)r - lo;
	l->lib->lo = (uintptr_t)r;
	l->lib->hi = (uintptr_t)r + (hi - lo);
	for (int i = 0; i < l->phnum; i++) {
		const ElfW(Phdr) *p = &l->ph[i];
		if (p->p_type != PT_LOAD)
			continue;
		uintptr_t start = page_down(l->lib->base + p->p_vaddr);
		uintptr_t file_end = l->lib->base + p->p_vaddr + p->p_filesz;
		uintptr_t mem_end = l->lib->base + p->p_vaddr + p->p_memsz;
		int prot = prot_of(p->p_flags);
		if (p->p_filesz &&
		    zp_raw6(SYS_mmap, (long)start, (long)(page_up(file_end) - start), prot,
			    MAP_PRIVATE | MAP_FIXED, fd, (long)page_down(p->p_offset)) != (long)start)
			return refuse(l, "cannot map a segment");
		if (mem_end <= file_end)
			continue;
		if (!(p->p_flags & PF_W))
			return refuse(l, "zero-filled memory in a read-only segment");
		if (p->p_filesz && file_end != page_up(file_end))
			memset((void *)file_end, 0, page_up(file_end) - file_end);
		uintptr_t anon = p->p_filesz ? page_up(file_end) : start;
		if (page_up(mem_end) > anon &&
		    zp_raw6(SYS_mmap, (long)anon, (long)(page_up(mem_end) - anon), prot,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (long)anon)
			return refuse(l, "cannot map zero-filled memory");
	}
	return 0;
}

static int link_object(struct loading *l)
{
	struct zp_solib *lib = l->lib;
	const ElfW(Phdr) *dynamic = NULL, *relro = NULL;
	for (int i = 0; i < l->phnum; i++) {
		if (l->ph[i].p_type == PT_DYNAMIC)
			dynamic = &l->ph[i];
		else if (l->ph[i].p_type == PT_GNU_RELRO)
			relro = &l->ph[i];
	}
	if (!dynamic || !in_segment(l, lib->base + dynamic->p_vaddr, dynamic->p_memsz, PF_R))
		return refuse(l, "no dynamic section");
	uintptr_t rela = 0, jmprel = 0, init = 0, init_array = 0;
	size_t relasz = 0, pltrelsz = 0, init_arraysz = 0;
	long pltrel = DT_RELA;
	for (const ElfW(Dyn) *d = (const ElfW(Dyn) *)(lib->base + dynamic->p_vaddr);
	     (uintptr_t)(d + 1) <= lib->base + dynamic->p_vaddr + dynamic->p_memsz && d->d_tag != DT_NULL;
	     d++) {
		uintptr_t v = d->d_un.d_val;
		switch (d->d_tag) {
		case DT_SYMTAB: lib->symtab = (const ElfW(Sym) *)(lib->base + v); break;
		case DT_STRTAB: lib->strtab = (const char *)(lib->base + v); break;
		case DT_STRSZ: lib->strsz = v; break;
		case DT_GNU_HASH: lib->gnu_hash = (const uint32_t *)(lib->base + v); break;
		case DT_RELA: rela = lib->base + v; break;
		case DT_RELASZ: relasz = v; break;
		case DT_JMPREL: jmprel = lib->base + v; break;
		case DT_PLTRELSZ: pltrelsz = v; break;
		case DT_PLTREL: pltrel = (long)v; break;
		case DT_INIT: init = lib->base + v; break;
		case DT_INIT_ARRAY: init_array = lib->base + v; break;
		case DT_INIT_ARRAYSZ: init_arraysz = v; break;
		case DT_REL:
			return refuse(l, "has REL relocations");
		case DT_TEXTREL:
			return refuse(l, "relocates its own code");
		case DT_FLAGS:
			if (v & DF_TEXTREL)
				return refuse(l, "relocates its own code");
			break;
		default: break;
		}
	}
	if (!lib->symtab || !lib->strtab || !lib->gnu_hash ||
	    !in_segment(l, (uintptr_t)lib->gnu_hash, 16, PF_R) ||
	    !in_segment(l, (uintptr_t)lib->strtab, lib->strsz, PF_R))
		return refuse(l, "no symbol table with a GNU hash");
	l->nsyms = count_symbols(lib->gnu_hash);
	if (!in_segment(l, (uintptr_t)lib->symtab, l->nsyms * sizeof(ElfW(Sym)), PF_R))
		return refuse(l, "symbol table outside the object");
	if (jmprel && pltrel != DT_RELA)
		return refuse(l, "has REL relocations");
	if ((rela && relocate(l, (const ElfW(Rela) *)rela, relasz) < 0) ||
	    (jmprel && relocate(l, (const ElfW(Rela) *)jmprel, pltrelsz) < 0))
		return -1;
	if (relro) {
		uintptr_t s = page_down(lib->base + relro->p_vaddr);
		uintptr_t e = page_down(lib->base + relro->p_vaddr + relro->p_memsz);
		if (e > s)
			zp_raw3(SYS_mprotect, s, e - s, PROT_READ);
	}
	if (init && in_segment(l, init, 1, PF_X))
		((void (*)(void))init)();
	if (init_array && in_segment(l, init_array, init_arraysz, PF_R))
		for (size_t i = 0; i < init_arraysz / sizeof(uintptr_t); i++) {
			uintptr_t f = ((const uintptr_t *)init_array)[i];
			if (f && f != UINTPTR_MAX && in_segment(l, f, 1, PF_X))
				((void (*)(void))f)();
		}
	return 0;
}

int zp_solib_load(struct zp_solib *lib, const char *path, const struct zp_solib_import *imports,
		  char *err, size_t errlen)
{
	memset(lib, 0, sizeof *lib);
	ElfW(Phdr) ph[MAX_PHDR];
	struct loading l = {lib, path, err, errlen, ph, 0, 0, imports};
	int fd = (int)zp_raw3(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		bool starved = fd == -EMFILE || fd == -ENFILE;
		refuse(&l, "cannot open it (%s)",
		       fd == -ENOENT   ? "no such file"
		       : fd == -EACCES ? "permission denied"
		       : starved       ? "no file descriptor free"
				       : "open failed");
		return starved ? fd : -1;
	}
	ElfW(Ehdr) eh = {0};
	int rc = -1;
	if (zp_raw4(SYS_pread64, fd, &eh, sizeof eh, 0) != (long)sizeof eh ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_DYN || eh.e_machine != EM_X86_64 ||
	    eh.e_phentsize != sizeof(ElfW(Phdr)) || !eh.e_phnum || eh.e_phnum > MAX_PHDR) {
		refuse(&l, "not an x86-64 shared object");
	} else if (zp_raw4(SYS_pread64, fd, ph, eh.e_phnum * sizeof *ph, eh.e_phoff) !=
		   (long)(eh.e_phnum * sizeof *ph)) {
		refuse(&l, "cannot read its program headers");
	} else {
		l.phnum = eh.e_phnum;
		rc = map_segments(&l, fd);
	}
	zp_raw1(SYS_close, fd);
	if (rc == 0)
		rc = link_object(&l);
	if (rc < 0 && lib->hi) {
		zp_raw2(SYS_munmap, lib->lo, lib->hi - lib->lo);
		memset(lib, 0, sizeof *lib);
	}
	return rc;
}

/* ld.so adjusts some dynamic entries in place by the load base, some
 * objects keep them as offsets: an offset is below the base. */
static uintptr_t dyn_ptr(uintptr_t base, uint64_t v)
{
	return v < base ? base + v : v;
}

void *zp_solib_sym_loaded(uintptr_t base, const ElfW(Dyn) *dyn, const char *name)
{
	struct zp_solib lib = {.base = base};
	for (; dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			lib.symtab = (const ElfW(Sym) *)dyn_ptr(base, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			lib.strtab = (const char *)dyn_ptr(base, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRSZ)
			lib.strsz = dyn->d_un.d_val;
		else if (dyn->d_tag == DT_GNU_HASH)
			lib.gnu_hash = (const uint32_t *)dyn_ptr(base, dyn->d_un.d_ptr);
	}
	if (!lib.symtab || !lib.strtab)
		return NULL;
	return zp_solib_sym(&lib, name);
}

void *zp_solib_sym(const struct zp_solib *lib, const char *name)
{
	const uint32_t *gh = lib->gnu_hash;
	if (!gh || !gh[0])
		return NULL;
	uint32_t h = 5381;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = h * 33 + *c;
	uint32_t nbuckets = gh[0], symoffset = gh[1], bloom_size = gh[2], shift = gh[3];
	/* The Bloom filter first: an absent name (most asked of the program
	 * at start-up, nullfault.c) then touches one word, not the buckets,
	 * chains and symbols of a big table. */
	const uint64_t *bloom = (const uint64_t *)(const void *)(gh + 4);
	uint64_t word = bloom_size ? bloom[(h / 64) % bloom_size] : 0;
	if (bloom_size && !((word >> (h % 64)) & (word >> ((h >> shift) % 64)) & 1))
		return NULL;
	const uint32_t *buckets = gh + 4 + 2 * (size_t)bloom_size;
	const uint32_t *chain = buckets + nbuckets;
	uint32_t i = buckets[h % nbuckets];
	if (i < symoffset)
		return NULL;
	for (;; i++) {
		uint32_t ch = chain[i - symoffset];
		const ElfW(Sym) *s = &lib->symtab[i];
		if ((ch | 1) == (h | 1) && s->st_shndx != SHN_UNDEF && !strcmp(sym_name(lib, s), name))
			return (void *)(lib->base + s->st_value);
		if (ch & 1)
			return NULL;
	}
}

bool zp_solib_defines(const struct dl_phdr_info *info, const char *name)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_DYNAMIC)
			continue;
		const ElfW(Dyn) *dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
		return zp_solib_sym_loaded(info->dlpi_addr, dyn, name) != NULL;
	}
	return false;
}
