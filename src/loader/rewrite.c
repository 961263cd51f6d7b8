/*
 * rewrite.c - having the runtime rewrite an image the loader mapped.
 *
 * The runtime (libzpoline.so, preloaded into the loader) exports
 *     int zpoline_rewrite_image(uintptr_t base, const void *phdr, int phnum,
 *                               const char *path);
 * Its site finder trusts only instruction boundaries it can prove: it
 * decodes whole functions, whose starts and lengths it takes from the table
 * of PT_GNU_EH_FRAME (.eh_frame_hdr).  Many static executables have no such
 * table:
 *   - gcc does not ask the linker for one when it links with -static, so
 *     most static C programs (busybox among them) carry .eh_frame - every
 *     function's start and length - but no index for it;
 *   - Go writes no unwind information at all, only a symbol table and its
 *     own function table (which the runtime reads itself: a stripped Go
 *     program has only that).
 * For such an image the loader builds what the linker would have: an
 * .eh_frame_hdr (the LSB format: a sorted table of (start, FDE) pairs)
 * over the image's own .eh_frame, or else over a made-up .eh_frame with one
 * FDE per function symbol.  It lives in a temporary mapping next to the
 * image (its offsets are 32-bit) and the runtime gets a copy of the program
 * headers with a PT_GNU_EH_FRAME entry pointing at it.  The mapping is gone
 * once the image is rewritten.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "gopclntab.h"
#include "loader.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef SHT_X86_64_UNWIND
#define SHT_X86_64_UNWIND 0x70000001
#endif

/* DWARF pointer encodings (DW_EH_PE_*). */
enum {
	ENC_ABSPTR = 0x00,
	ENC_UDATA2 = 0x02,
	ENC_UDATA4 = 0x03,
	ENC_UDATA8 = 0x04,
	ENC_SDATA2 = 0x0a,
	ENC_SDATA4 = 0x0b,
	ENC_SDATA8 = 0x0c,
	ENC_PCREL = 0x10,
	ENC_DATAREL = 0x30,
	ENC_OMIT = 0xff,
};

typedef int (*rewrite_fn)(uintptr_t base, const void *phdr, int phnum, const char *path);
typedef int (*trap_fn)(uintptr_t lo, uintptr_t hi);

static rewrite_fn runtime_rewrite(void)
{
	static rewrite_fn fn;
	if (!fn)
		fn = (rewrite_fn)dlsym(RTLD_DEFAULT, "zpoline_rewrite_image");
	return fn;
}

bool zl_runtime_present(void)
{
	return runtime_rewrite() != NULL;
}

/* ---- reading .eh_frame ------------------------------------------------- */

struct span {
	const uint8_t *lo, *hi;
};

static bool in(const struct span *s, const uint8_t *p, size_t n)
{
	return p >= s->lo && p <= s->hi && n <= (size_t)(s->hi - p);
}

static bool uleb(const struct span *s, const uint8_t **p, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (!in(s, *p, 1))
			return false;
		uint8_t b = *(*p)++;
		if (shift < 64)
			*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
}

/* A pointer in one of the fixed-size encodings; pc-relative ones are
 * relative to the field itself. */
static bool read_ptr(const struct span *s, const uint8_t **p, uint8_t enc, uint64_t *v)
{
	const uint8_t *field = *p;
	size_t n;
	switch (enc & 0x0f) {
	case ENC_UDATA2: case ENC_SDATA2: n = 2; break;
	case ENC_UDATA4: case ENC_SDATA4: n = 4; break;
	case ENC_ABSPTR: case ENC_UDATA8: case ENC_SDATA8: n = 8; break;
	default: return false;
	}
	if (!in(s, field, n))
		return false;
	uint64_t x = 0;
	memcpy(&x, field, n);
	if ((enc & 0x0f) == ENC_SDATA2)
		x = (uint64_t)(int64_t)(int16_t)x;
	else if ((enc & 0x0f) == ENC_SDATA4)
		x = (uint64_t)(int64_t)(int32_t)x;
	switch (enc & 0x70) {
	case 0:
		break;
	case ENC_PCREL:
		x += (uintptr_t)field;
		break;
	default:
		return false;
	}
	*p = field + n;
	*v = x;
	return true;
}

/* The encoding a CIE gives its FDEs' addresses ('R' in a "z" augmentation;
 * absolute without one).  `body` follows the length field. */
static bool cie_encoding(const struct span *s, const uint8_t *body, uint8_t *enc)
{
	const uint8_t *p = body + 4; /* CIE id */
	if (!in(s, p, 1))
		return false;
	uint8_t version = *p++;
	const char *aug = (const char *)p;
	while (in(s, p, 1) && *p)
		p++;
	if (!in(s, p, 1))
		return false;
	p++;
	*enc = ENC_ABSPTR;
	if (aug[0] != 'z')
		return aug[0] == '\0';
	if (version >= 4)
		p += 2; /* address and segment selector sizes */
	uint64_t skip;
	if (!uleb(s, &p, &skip) || !uleb(s, &p, &skip)) /* code, data alignment */
		return false;
	if (version == 1)
		p++;
	else if (!uleb(s, &p, &skip)) /* return address register */
		return false;
	if (!uleb(s, &p, &skip)) /* augmentation data length */
		return false;
	for (const char *a = aug + 1; *a; a++) {
		if (!in(s, p, 1))
			return false;
		switch (*a) {
		case 'R':
			*enc = *p;
			return true;
		case 'L':
			p++;
			break;
		case 'P': {
			uint8_t penc = *p++;
			uint64_t ignored;
			if (!read_ptr(s, &p, penc & 0x7f, &ignored))
				return false;
			break;
		}
		case 'S':
		case 'B':
		case 'G':
			break;
		default:
			return false;
		}
	}
	return true;
}

struct fde_ref {
	uintptr_t start;
	uintptr_t fde;
};

static void sift(struct fde_ref *v, size_t n, size_t i)
{
	for (;;) {
		size_t big = i, l = 2 * i + 1, r = l + 1;
		if (l < n && v[l].start > v[big].start)
			big = l;
		if (r < n && v[r].start > v[big].start)
			big = r;
		if (big == i)
			return;
		struct fde_ref t = v[i];
		v[i] = v[big];
		v[big] = t;
		i = big;
	}
}

static void sort_refs(struct fde_ref *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift(v, n, i);
	for (size_t end = n; end-- > 1;) {
		struct fde_ref t = v[0];
		v[0] = v[end];
		v[end] = t;
		sift(v, end, 0);
	}
}

/* Every FDE of .eh_frame at [lo, hi): (function start, FDE address). */
static size_t collect_fdes(const uint8_t *lo, const uint8_t *hi, struct fde_ref **out,
			   size_t *cap_bytes)
{
	struct span s = {lo, hi};
	size_t n = 0, cap = 0;
	struct fde_ref *v = NULL;
	const uint8_t *cie_seen = NULL;
	uint8_t enc = ENC_OMIT;
	for (const uint8_t *p = lo; in(&s, p, 4);) {
		uint32_t len32;
		memcpy(&len32, p, 4);
		if (len32 == 0)
			break; /* terminator */
		uint64_t len = len32;
		const uint8_t *body = p + 4;
		if (len32 == 0xffffffffu) {
			if (!in(&s, p + 4, 8))
				break;
			memcpy(&len, p + 4, 8);
			body = p + 12;
		}
		if (len < 4 || !in(&s, body, len))
			break;
		const uint8_t *next = body + len;
		uint32_t id;
		memcpy(&id, body, 4);
		if (id != 0) { /* an FDE: id is the distance back to its CIE */
			const uint8_t *cie = body - id;
			if (cie != cie_seen) {
				cie_seen = cie;
				uint32_t cl;
				const uint8_t *cbody = cie + 4;
				if (!in(&s, cie, 4) || (memcpy(&cl, cie, 4), cl == 0xffffffffu))
					cbody = cie + 12;
				if (!in(&s, cbody, 5) || !cie_encoding(&s, cbody, &enc))
					enc = ENC_OMIT;
			}
			const uint8_t *q = body + 4;
			uint64_t start, range;
			if (enc != ENC_OMIT && read_ptr(&s, &q, enc, &start) &&
			    read_ptr(&s, &q, enc & 0x0f, &range) && start != 0 && range != 0) {
				if (n == cap) {
					size_t ncap = cap ? cap * 2 : 4096;
					struct fde_ref *nv = zl_alloc(ncap * sizeof *nv);
					if (v)
						memcpy(nv, v, n * sizeof *v);
					zl_free(v, cap * sizeof *v);
					v = nv;
					cap = ncap;
				}
				v[n++] = (struct fde_ref){(uintptr_t)start, (uintptr_t)p};
			}
		}
		p = next;
	}
	*out = v;
	*cap_bytes = cap * sizeof *v;
	return n;
}

/* ---- the file's section headers ---------------------------------------- */

struct sections {
	Elf64_Shdr *sh;
	size_t n, bytes;
	char *names;
	size_t names_len;
};

static void sections_free(struct sections *s)
{
	zl_free(s->sh, s->bytes);
	zl_free(s->names, s->names_len + 1);
	s->sh = NULL;
	s->names = NULL;
}

/* The section headers and their names, read from the file (they are not
 * loaded; a file without them - sstrip - has nothing to offer here). */
static bool sections_read(const struct zl_file *f, struct sections *s)
{
	const Elf64_Ehdr *e = &f->eh;
	*s = (struct sections){0};
	if (!e->e_shoff || e->e_shentsize != sizeof(Elf64_Shdr))
		return false;
	Elf64_Shdr first;
	if (zl_pread_all(f->fd, &first, sizeof first, e->e_shoff) < 0)
		return false;
	size_t shnum = e->e_shnum ? e->e_shnum : first.sh_size;
	size_t strndx = e->e_shstrndx == SHN_XINDEX ? first.sh_link : e->e_shstrndx;
	if (!shnum || shnum > 65536 || strndx >= shnum)
		return false;
	s->n = shnum;
	s->bytes = shnum * sizeof(Elf64_Shdr);
	s->sh = zl_alloc(s->bytes);
	if (zl_pread_all(f->fd, s->sh, s->bytes, e->e_shoff) < 0)
		goto bad;
	const Elf64_Shdr *str = &s->sh[strndx];
	if (!str->sh_size || str->sh_size > (16u << 20) || str->sh_offset > f->size ||
	    str->sh_size > f->size - str->sh_offset)
		goto bad;
	s->names_len = str->sh_size;
	s->names = zl_alloc(s->names_len + 1);
	if (zl_pread_all(f->fd, s->names, s->names_len, str->sh_offset) < 0)
		goto bad;
	s->names[s->names_len] = '\0';
	return true;
bad:
	sections_free(s);
	return false;
}

static const Elf64_Shdr *section_named(const struct sections *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->sh[i].sh_name < s->names_len && !strcmp(s->names + s->sh[i].sh_name, name))
			return &s->sh[i];
	return NULL;
}

/* Is [vaddr, vaddr + size) file contents mapped by a segment with `flag`? */
static bool in_segment(const struct zl_file *f, uint64_t vaddr, uint64_t size, uint32_t flag)
{
	for (unsigned k = 0; k < f->eh.e_phnum; k++) {
		const Elf64_Phdr *p = &f->ph[k];
		if (p->p_type == PT_LOAD && (p->p_flags & flag) && p->p_vaddr <= vaddr &&
		    vaddr + size <= p->p_vaddr + p->p_filesz)
			return true;
	}
	return false;
}

/* ---- the index ------------------------------------------------------------- */

/* A mapping of `bytes` within reach of 32-bit offsets from [lo, hi). */
static uint8_t *map_near(uintptr_t lo, uintptr_t hi, size_t bytes)
{
	bytes = ZL_PAGE_UP(bytes);
	const uintptr_t step = 16ul << 20;
	for (int i = 0; i < 64; i++) {
		uintptr_t after = ZL_PAGE_UP(hi) + (uintptr_t)i * step;
		uintptr_t before = ZL_PAGE_DOWN(lo) - bytes - (uintptr_t)i * step;
		uintptr_t try[2] = {after, before};
		for (int k = 0; k < 2; k++) {
			if (try[k] < (1ul << 20) || try[k] + bytes > (1ul << 47))
				continue;
			long m = zl_sys6(SYS_mmap, try[k], bytes, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (m >= 0 && (uintptr_t)m == try[k])
				return (uint8_t *)m;
			if (m >= 0)
				zl_sys2(SYS_munmap, m, bytes);
		}
	}
	return NULL;
}

static bool fits32(intptr_t d)
{
	return d >= INT32_MIN && d <= INT32_MAX;
}

struct made_index {
	uint8_t *map;   /* the .eh_frame_hdr, and a made-up .eh_frame after it */
	size_t bytes;
	size_t hdr_bytes;
	size_t count;
};

/* Writes .eh_frame_hdr at m->map for the sorted refs; false if some offset
 * does not fit in 32 bits. */
static bool write_index(struct made_index *m, uintptr_t eh_frame, const struct fde_ref *v,
			size_t n)
{
	uint8_t *p = m->map;
	uintptr_t base = (uintptr_t)p;
	p[0] = 1;                        /* version */
	p[1] = ENC_PCREL | ENC_SDATA4;   /* eh_frame_ptr */
	p[2] = ENC_UDATA4;               /* fde_count */
	p[3] = ENC_DATAREL | ENC_SDATA4; /* table */
	if (!fits32((intptr_t)(eh_frame - (base + 4))))
		return false;
	int32_t ehp = (int32_t)(eh_frame - (base + 4));
	memcpy(p + 4, &ehp, 4);
	int32_t *t = (int32_t *)(p + 12);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && (uintptr_t)(base + (intptr_t)t[2 * (k - 1)]) == v[i].start)
			continue; /* one entry per start address */
		intptr_t ds = (intptr_t)(v[i].start - base), df = (intptr_t)(v[i].fde - base);
		if (!fits32(ds) || !fits32(df))
			return false;
		t[2 * k] = (int32_t)ds;
		t[2 * k + 1] = (int32_t)df;
		k++;
	}
	uint32_t cnt = (uint32_t)k;
	memcpy(p + 8, &cnt, 4);
	m->count = k;
	return true;
}

/* From the image's own .eh_frame. */
static bool index_eh_frame(const struct zl_file *f, const struct zl_image *img,
			   const struct sections *secs, struct made_index *m)
{
	const Elf64_Shdr *s = section_named(secs, ".eh_frame");
	if (!s || !(s->sh_flags & SHF_ALLOC) ||
	    (s->sh_type != SHT_PROGBITS && s->sh_type != SHT_X86_64_UNWIND) ||
	    !in_segment(f, s->sh_addr, s->sh_size, PF_R))
		return false;
	uintptr_t lo = img->bias + s->sh_addr, hi = lo + s->sh_size;
	struct fde_ref *v;
	size_t vbytes;
	size_t n = collect_fdes((const uint8_t *)lo, (const uint8_t *)hi, &v, &vbytes);
	bool ok = false;
	if (n) {
		sort_refs(v, n);
		m->bytes = m->hdr_bytes = 12 + n * 8;
		m->map = map_near(img->lo < lo ? img->lo : lo, img->hi > hi ? img->hi : hi, m->bytes);
		ok = m->map && write_index(m, lo, v, n);
	}
	zl_free(v, vbytes);
	return ok;
}

/* A made-up .eh_frame from the symbol table, for code with no unwind
 * information at all (Go): one CIE, and an FDE with no instructions for
 * every function symbol - all the runtime reads is each function's start
 * and length.  Addresses are pc-relative 32-bit, as a linker writes them. */
#define CIE_BYTES 20
#define FDE_BYTES 20

static void put_cie(uint8_t *c)
{
	static const uint8_t cie[CIE_BYTES] = {
		16, 0, 0, 0,          /* length */
		0, 0, 0, 0,           /* CIE id */
		1,                    /* version */
		'z', 'R', 0,          /* augmentation */
		1,                    /* code alignment */
		0x78,                 /* data alignment: -8 */
		16,                   /* return address: rip */
		1,                    /* augmentation data length */
		ENC_PCREL | ENC_SDATA4, /* FDE address encoding */
		0, 0, 0,              /* DW_CFA_nop padding */
	};
	memcpy(c, cie, sizeof cie);
}

static void put_fde(uint8_t *d, const uint8_t *cie, uintptr_t start, uint64_t size)
{
	uint32_t len = FDE_BYTES - 4;
	int32_t cie_ptr = (int32_t)((d + 4) - cie);
	int32_t begin = (int32_t)(start - (uintptr_t)(d + 8));
	int32_t range = (int32_t)size;
	memcpy(d, &len, 4);
	memcpy(d + 4, &cie_ptr, 4);
	memcpy(d + 8, &begin, 4);
	memcpy(d + 12, &range, 4);
	memset(d + 16, 0, 4); /* augmentation data length 0, DW_CFA_nop */
}

static bool index_symtab(const struct zl_file *f, const struct zl_image *img,
			 const struct sections *secs, struct made_index *m)
{
	const Elf64_Shdr *s = NULL;
	for (size_t i = 0; i < secs->n; i++)
		if (secs->sh[i].sh_type == SHT_SYMTAB)
			s = &secs->sh[i];
	if (!s || s->sh_entsize != sizeof(Elf64_Sym) || s->sh_offset > f->size ||
	    s->sh_size > f->size - s->sh_offset || s->sh_size > (256u << 20))
		return false;
	Elf64_Sym *syms = zl_alloc(s->sh_size);
	size_t nsyms = s->sh_size / sizeof(Elf64_Sym);
	bool ok = false;
	size_t vbytes = 0;
	struct fde_ref *v = NULL;
	if (zl_pread_all(f->fd, syms, s->sh_size, s->sh_offset) < 0)
		goto out;
	/* Functions in executable segments: (start, length in .fde). */
	size_t n = 0;
	for (size_t i = 0; i < nsyms; i++)
		if (ELF64_ST_TYPE(syms[i].st_info) == STT_FUNC && syms[i].st_size &&
		    syms[i].st_shndx != SHN_UNDEF && syms[i].st_size < (1u << 30) &&
		    in_segment(f, syms[i].st_value, syms[i].st_size, PF_X))
			n++;
	if (!n)
		goto out;
	vbytes = n * sizeof *v;
	v = zl_alloc(vbytes);
	size_t k = 0;
	for (size_t i = 0; i < nsyms; i++)
		if (ELF64_ST_TYPE(syms[i].st_info) == STT_FUNC && syms[i].st_size &&
		    syms[i].st_shndx != SHN_UNDEF && syms[i].st_size < (1u << 30) &&
		    in_segment(f, syms[i].st_value, syms[i].st_size, PF_X))
			v[k++] = (struct fde_ref){img->bias + syms[i].st_value, syms[i].st_size};
	sort_refs(v, n);
	m->hdr_bytes = (12 + n * 8 + 7) & ~(size_t)7;
	m->bytes = m->hdr_bytes + CIE_BYTES + n * FDE_BYTES + 4;
	m->map = map_near(img->lo, img->hi, m->bytes);
	if (!m->map)
		goto out;
	uint8_t *cie = m->map + m->hdr_bytes;
	put_cie(cie);
	uint8_t *fde = cie + CIE_BYTES;
	for (size_t i = 0; i < n; i++, fde += FDE_BYTES) {
		if (!fits32((intptr_t)(v[i].start - (uintptr_t)(fde + 8)))) {
			n = 0;
			break;
		}
		put_fde(fde, cie, v[i].start, v[i].fde);
		v[i].fde = (uintptr_t)fde; /* from here on: where its FDE is */
	}
	memset(fde, 0, 4); /* terminator */
	ok = n && write_index(m, (uintptr_t)cie, v, n);
out:
	zl_free(v, vbytes);
	zl_free(syms, s->sh_size);
	return ok;
}

/* ---- Go's function table ---------------------------------------------- */

/* Is there a Go function table at p whose functions are code of this
 * image?  Its addresses are tried as they are, then as the file has them
 * (a PIE, with --from-start, before its ld.so relocates it), as the
 * runtime does. */
static bool go_table_at(const struct zl_file *f, const struct zl_image *img, const void *p,
			size_t n)
{
	struct zp_gopcln g;
	for (int k = 0; k < 2; k++) {
		uintptr_t bias = k ? img->bias : 0;
		if ((k == 0 || bias) && zp_gopcln_init(&g, p, n, bias) == 0 &&
		    in_segment(f, g.lo - img->bias, g.hi - g.lo, PF_X))
			return true;
	}
	return false;
}

/* Does the image carry Go's function table (gopclntab.c)?  The runtime
 * finds and uses the table itself (src/runtime/gotab.c); the loader only
 * needs to know whether a program without other function boundaries will
 * be hooked.  `secs` is NULL for a file without section headers: its
 * segments are searched. */
static bool has_go_table(const struct zl_file *f, const struct zl_image *img,
			 const struct sections *secs)
{
	static const char *const names[] = {".gopclntab", ".data.rel.ro.gopclntab"};
	if (secs) {
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			const Elf64_Shdr *s = section_named(secs, names[i]);
			if (s && (s->sh_flags & SHF_ALLOC) && in_segment(f, s->sh_addr, s->sh_size, PF_R) &&
			    go_table_at(f, img, (const void *)(img->bias + s->sh_addr), s->sh_size))
				return true;
		}
		return false;
	}
	for (unsigned k = 0; k < f->eh.e_phnum; k++) {
		const Elf64_Phdr *p = &f->ph[k];
		if (p->p_type != PT_LOAD || !(p->p_flags & PF_R))
			continue;
		const uint8_t *lo = (const uint8_t *)(img->bias + p->p_vaddr), *at = lo;
		struct zp_gopcln g;
		while (at < lo + p->p_filesz &&
		       (at = zp_gopcln_scan(at, p->p_filesz - (size_t)(at - lo), 0, &g)) != NULL) {
			if (go_table_at(f, img, at, p->p_filesz - (size_t)(at - lo)))
				return true;
			at += 8;
		}
	}
	return false;
}

int zl_rewrite(const struct zl_file *f, const struct zl_image *img)
{
	rewrite_fn rewrite = runtime_rewrite();
	unsigned phnum = f->eh.e_phnum;
	const void *phdr = (const void *)img->phdr;
	bool has_index = false;
	for (unsigned i = 0; i < phnum; i++)
		if (f->ph[i].p_type == PT_GNU_EH_FRAME)
			has_index = true;

	struct made_index m = {0};
	Elf64_Phdr *copy = NULL;
	size_t copy_bytes = 0;
	struct sections secs;
	bool go = false;
	if (!has_index && sections_read(f, &secs)) {
		const char *from = NULL;
		if (index_eh_frame(f, img, &secs, &m)) {
			from = ".eh_frame";
		} else {
			zl_free(m.map, m.bytes);
			m = (struct made_index){0};
			if (index_symtab(f, img, &secs, &m))
				from = "the symbol table";
			else
				go = has_go_table(f, img, &secs);
		}
		sections_free(&secs);
		if (from) {
			zl_sys3(SYS_mprotect, m.map, ZL_PAGE_UP(m.bytes), PROT_READ);
			copy_bytes = (phnum + 1) * sizeof(Elf64_Phdr);
			copy = zl_alloc(copy_bytes);
			memcpy(copy, f->ph, phnum * sizeof(Elf64_Phdr));
			copy[phnum] = (Elf64_Phdr){
				.p_type = PT_GNU_EH_FRAME,
				.p_flags = PF_R,
				.p_vaddr = (uintptr_t)m.map - img->bias,
				.p_memsz = m.hdr_bytes,
				.p_filesz = m.hdr_bytes,
				.p_align = 4,
			};
			phdr = copy;
			phnum++;
			if (zl_debug)
				zl_msg("%s: no .eh_frame_hdr; %zu functions from %s", f->name,
				       m.count, from);
		} else {
			zl_free(m.map, m.bytes);
			m.map = NULL;
		}
	}
	if (!has_index && !copy && !go && f->eh.e_shoff == 0)
		go = has_go_table(f, img, NULL); /* no section headers (sstrip) */
	if (!has_index && !copy && go) {
		if (zl_debug)
			zl_msg("%s: no .eh_frame_hdr, no symbol table; functions from Go's function "
			       "table", f->name);
	}
	if (!has_index && !copy && !go) {
		/* Its calls are caught by Syscall User Dispatch instead, each
		 * one trapping.  Where they cannot be, said always: a trace
		 * that silently misses every call of the program would be
		 * worse than none. */
		trap_fn trap = (trap_fn)dlsym(RTLD_DEFAULT, "zpoline_trap_image");
		if (trap && trap(img->lo, img->hi) == 1) {
			if (zl_debug)
				zl_msg("%s: stripped, no function table: its system calls are "
				       "caught by Syscall User Dispatch, each one trapping",
				       f->name);
		} else {
			zl_msg("%s: no unwind table, no symbol table and no Go function table "
			       "(stripped): its own system calls cannot be told from data, and "
			       "this mode (ZPOLINE_MODE) or kernel has no Syscall User Dispatch "
			       "to catch them, so they are not hooked, nor are the programs it "
			       "starts through them (docs/loader.md)",
			       f->name);
		}
	}
	int n = rewrite(img->bias, phdr, (int)phnum, f->path);
	zl_free(m.map, m.bytes);
	zl_free(copy, copy_bytes);
	if (zl_debug)
		zl_msg("%s: %d system call sites rewritten (base 0x%lx)", f->name, n,
		       (unsigned long)img->bias);
	return n;
}
