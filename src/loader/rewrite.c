/*
 * rewrite.c - having the runtime rewrite an image the loader mapped.
 *
 * The runtime (libzpoline.so, preloaded into the loader) exports
 *     int zpoline_rewrite_image(uintptr_t base, const void *phdr, int phnum,
 *                               const char *path);
 * Its site finder trusts only instruction boundaries it can prove, which
 * it takes from the function table of PT_GNU_EH_FRAME (.eh_frame_hdr).
 * gcc does not ask the linker for that table when it links with -static,
 * so most static executables (busybox among them) carry .eh_frame - every
 * function's start and length - but no index for it.  For such an image
 * the loader builds the index the linker would have built (the format is
 * the LSB's .eh_frame_hdr: a sorted table of (start, FDE) pairs) in a
 * temporary mapping next to the image, and passes the runtime a copy of
 * the program headers with a PT_GNU_EH_FRAME entry pointing at it.  The
 * mapping is gone once the image is rewritten.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

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

/* ---- finding .eh_frame --------------------------------------------------- */

/* The in-memory bounds of the image's allocated .eh_frame section, from the
 * section headers in the file (present unless the file was sstripped). */
static bool find_eh_frame(const struct zl_file *f, const struct zl_image *img, uintptr_t *lo,
			  uintptr_t *hi)
{
	const Elf64_Ehdr *e = &f->eh;
	if (!e->e_shoff || e->e_shentsize != sizeof(Elf64_Shdr))
		return false;
	Elf64_Shdr first;
	if (zl_pread_all(f->fd, &first, sizeof first, e->e_shoff) < 0)
		return false;
	size_t shnum = e->e_shnum ? e->e_shnum : first.sh_size;
	size_t strndx = e->e_shstrndx == SHN_XINDEX ? first.sh_link : e->e_shstrndx;
	if (!shnum || shnum > 65536 || strndx >= shnum)
		return false;
	size_t bytes = shnum * sizeof(Elf64_Shdr);
	Elf64_Shdr *sh = zl_alloc(bytes);
	bool found = false;
	char *names = NULL;
	size_t names_len = 0;
	if (zl_pread_all(f->fd, sh, bytes, e->e_shoff) < 0)
		goto out;
	names_len = sh[strndx].sh_size;
	if (!names_len || names_len > (16u << 20) || sh[strndx].sh_offset > f->size ||
	    names_len > f->size - sh[strndx].sh_offset)
		goto out;
	names = zl_alloc(names_len + 1);
	if (zl_pread_all(f->fd, names, names_len, sh[strndx].sh_offset) < 0)
		goto out;
	names[names_len] = '\0';
	for (size_t i = 0; i < shnum && !found; i++) {
		const Elf64_Shdr *s = &sh[i];
		if (s->sh_name >= names_len || strcmp(names + s->sh_name, ".eh_frame") != 0)
			continue;
		if (!(s->sh_flags & SHF_ALLOC) ||
		    (s->sh_type != SHT_PROGBITS && s->sh_type != SHT_X86_64_UNWIND))
			continue;
		/* Its bytes must be in memory: inside a readable segment's file part. */
		for (unsigned k = 0; k < e->e_phnum; k++) {
			const Elf64_Phdr *p = &f->ph[k];
			if (p->p_type == PT_LOAD && (p->p_flags & PF_R) && p->p_vaddr <= s->sh_addr &&
			    s->sh_addr + s->sh_size <= p->p_vaddr + p->p_filesz) {
				*lo = img->bias + s->sh_addr;
				*hi = *lo + s->sh_size;
				found = true;
				break;
			}
		}
	}
out:
	zl_free(names, names_len + 1);
	zl_free(sh, bytes);
	return found;
}

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

struct made_hdr {
	uint8_t *map;
	size_t bytes;
	size_t count;
};

/* Builds .eh_frame_hdr for [lo, hi); false if it cannot. */
static bool build_hdr(const struct zl_image *img, uintptr_t lo, uintptr_t hi, struct made_hdr *h)
{
	struct fde_ref *v;
	size_t vbytes;
	size_t n = collect_fdes((const uint8_t *)lo, (const uint8_t *)hi, &v, &vbytes);
	if (!n)
		return false;
	sort_refs(v, n);
	h->bytes = 12 + n * 8;
	uintptr_t reach_lo = img->lo < lo ? img->lo : lo, reach_hi = img->hi > hi ? img->hi : hi;
	h->map = map_near(reach_lo, reach_hi, h->bytes);
	bool ok = h->map != NULL;
	if (ok) {
		uint8_t *p = h->map;
		uintptr_t base = (uintptr_t)p;
		p[0] = 1;                           /* version */
		p[1] = ENC_PCREL | ENC_SDATA4;      /* eh_frame_ptr */
		p[2] = ENC_UDATA4;                  /* fde_count */
		p[3] = ENC_DATAREL | ENC_SDATA4;    /* table */
		int32_t ehp = (int32_t)(lo - (base + 4));
		memcpy(p + 4, &ehp, 4);
		int32_t *t = (int32_t *)(p + 12);
		size_t m = 0;
		for (size_t i = 0; i < n && ok; i++) {
			if (m && (uintptr_t)(base + (intptr_t)t[2 * (m - 1)]) == v[i].start)
				continue; /* one entry per start address */
			intptr_t ds = (intptr_t)(v[i].start - base), df = (intptr_t)(v[i].fde - base);
			ok = fits32(ds) && fits32(df) && fits32((intptr_t)(lo - (base + 4)));
			t[2 * m] = (int32_t)ds;
			t[2 * m + 1] = (int32_t)df;
			m++;
		}
		uint32_t cnt = (uint32_t)m;
		memcpy(p + 8, &cnt, 4);
		h->count = m;
		zl_sys3(SYS_mprotect, h->map, ZL_PAGE_UP(h->bytes), PROT_READ);
		if (!ok)
			zl_free(h->map, h->bytes);
	}
	zl_free(v, vbytes);
	return ok;
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

	struct made_hdr h = {0};
	Elf64_Phdr *copy = NULL;
	size_t copy_bytes = 0;
	uintptr_t lo, hi;
	if (!has_index && find_eh_frame(f, img, &lo, &hi) && build_hdr(img, lo, hi, &h)) {
		copy_bytes = (phnum + 1) * sizeof(Elf64_Phdr);
		copy = zl_alloc(copy_bytes);
		memcpy(copy, f->ph, phnum * sizeof(Elf64_Phdr));
		copy[phnum] = (Elf64_Phdr){
			.p_type = PT_GNU_EH_FRAME,
			.p_flags = PF_R,
			.p_vaddr = (uintptr_t)h.map - img->bias,
			.p_memsz = h.bytes,
			.p_filesz = h.bytes,
			.p_align = 4,
		};
		phdr = copy;
		phnum++;
		if (zl_debug)
			zl_msg("%s: no .eh_frame_hdr; indexed %zu functions of .eh_frame", f->name,
			       h.count);
	}
	int n = rewrite(img->bias, phdr, (int)phnum, f->path);
	if (h.map)
		zl_free(h.map, h.bytes);
	zl_free(copy, copy_bytes);
	if (zl_debug)
		zl_msg("%s: %d system call sites rewritten (base 0x%lx)", f->name, n,
		       (unsigned long)img->bias);
	return n;
}
