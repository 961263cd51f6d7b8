/*
 * rewrite.c - find and rewrite the system call sites of the loaded objects.
 *
 * For every object of the program's link namespace (dl_iterate_phdr; the
 * hook libraries live in namespaces of their own and are never rewritten,
 * nor is this library):
 *   - the executable PT_LOAD segments, checked against /proc/self/maps for
 *     their exact protection and for MAP_SHARED (never written: it would
 *     change the file);
 *   - the site list from the cache (cache.c), or found afresh (finder.c,
 *     with function boundaries from .eh_frame_hdr);
 *   - every site rewritten, pages made writable only for the moment and
 *     given back their exact protection.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "cache.h"
#include "ehframe.h"
#include "finder.h"
#include "maps.h"
#include "rewrite.h"

struct zp_stats zp_stats;

/* A growable array in raw mmap'ed memory. */
static int vec_reserve(void **v, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 256;
	while (ncap < need)
		ncap *= 2;
	long m = zp_raw6(SYS_mmap, 0, (long)(ncap * elem), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0)
		return (int)m;
	if (*v) {
		memcpy((void *)m, *v, *cap * elem);
		zp_raw2(SYS_munmap, *v, *cap * elem);
	}
	*v = (void *)m;
	*cap = ncap;
	return 0;
}

int zp_sites_push(struct zp_sites *s, uintptr_t addr, int kind)
{
	if (vec_reserve((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v) < 0)
		return -ENOMEM;
	s->v[s->n].addr = addr;
	s->v[s->n].kind = (uint8_t)kind;
	s->n++;
	return 0;
}

void zp_sites_free(struct zp_sites *s)
{
	if (s->v)
		zp_raw2(SYS_munmap, s->v, s->cap * sizeof *s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* ---- finding ------------------------------------------------------------ */

int zp_find_in_range(struct zp_fde_index *ix, uintptr_t start, uintptr_t end, struct zp_sites *out)
{
	/* Candidates: counted first, then stored in a buffer of the right size
	 * (this may run in a signal handler: nothing big on the stack). */
	size_t total = zp_find_candidates((const uint8_t *)start, end - start, NULL, 0);
	zp_stats.candidates += total;
	zp_stats.bytes += end - start;
	size_t n = total, cand_bytes = (total ? total : 1) * sizeof(size_t);
	long cm = zp_raw6(SYS_mmap, 0, (long)cand_bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (cm < 0)
		return -ENOMEM;
	size_t *cand = (size_t *)cm;
	zp_find_candidates((const uint8_t *)start, end - start, cand, n);
	uintptr_t fstart = 0, fend = 0;
	struct zp_func_result *res = NULL;
	struct zp_func_result *fr = n ? zp_func_result_new() : NULL;
	if (n && !fr)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uintptr_t c = start + cand[i];
		if (!(c >= fstart && c < fend)) {
			res = NULL;
			if (!ix->count || (zp_fde_lookup(ix, c, &fstart, &fend) < 0 &&
					   zp_fde_gap(ix, c, &fstart, &fend) < 0)) {
				fstart = fend = 0;
				zp_stats.no_boundary++;
				continue;
			}
			if (fend - fstart > 65536)
				fend = fstart + 65536; /* a gap: decode no further than needed */
			/* A function running past the segment is not to be trusted. */
			if (fstart < start || fend > end) {
				fstart = fend = 0;
				zp_stats.no_boundary++;
				continue;
			}
			zp_decode_function((const uint8_t *)fstart, fend - fstart, fr);
			res = fr;
			if (fr->nsites > ZP_FUNC_MAX_SITES)
				zp_log("zpoline: a function at %p has %zu system calls; only the first "
				       "%d are rewritten", (void *)fstart, fr->nsites, ZP_FUNC_MAX_SITES);
		}
		if (!res)
			continue;
		bool found = false;
		for (size_t k = 0; k < res->nsites && k < ZP_FUNC_MAX_SITES; k++)
			if (fstart + res->sites[k] == c)
				found = true;
		if (!found) {
			zp_stats.not_insn++;
			continue;
		}
		if (zp_sites_push(out, c, res->redzone ? ZP_SITE_TRAP : ZP_SITE_FAST) < 0) {
			zp_func_result_free(fr);
			zp_raw2(SYS_munmap, cand, cand_bytes);
			return -ENOMEM;
		}
	}
	zp_func_result_free(fr);
	zp_raw2(SYS_munmap, cand, cand_bytes);
	return 0;
}

/* ---- patching ----------------------------------------------------------- */

struct page_run {
	uintptr_t start, end;
	int prot;
};

/* Rewriting is serialised: two threads changing the protection of the same
 * page would undo each other.  A signal handler that maps code while its
 * thread holds the lock proceeds without it (owner check). */
static int patch_lock, patch_owner;

static void lock_patching(bool *took)
{
	int me = (int)zp_raw0(SYS_gettid);
	*took = false;
	if (__atomic_load_n(&patch_owner, __ATOMIC_ACQUIRE) == me)
		return;
	while (__atomic_exchange_n(&patch_lock, 1, __ATOMIC_ACQUIRE))
		zp_raw0(SYS_sched_yield);
	__atomic_store_n(&patch_owner, me, __ATOMIC_RELEASE);
	*took = true;
}

static void unlock_patching(bool took)
{
	if (!took)
		return;
	__atomic_store_n(&patch_owner, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&patch_lock, 0, __ATOMIC_RELEASE);
}

/* Sites [i, j) all hold their rewritten instruction already: register
 * them, write nothing.  false if any does not. */
static bool register_if_rewritten(const struct zp_sites *s, size_t i, size_t j)
{
	for (size_t k = i; k < j; k++) {
		const uint8_t *b = (const uint8_t *)s->v[k].addr;
		bool done = s->v[k].kind == ZP_SITE_FAST ? (b[0] == 0xff && b[1] == 0xd0)
							 : (b[0] == 0x0f && b[1] == 0x0b);
		if (!done)
			return false;
	}
	for (size_t k = i; k < j; k++) {
		uintptr_t a = s->v[k].addr;
		if (s->v[k].kind == ZP_SITE_FAST) {
			zp_set_add(&zp_site_table, (uint64_t)a + 2);
			zp_stats.fast++;
		} else {
			zp_set_add(&zp_trap_table, (uint64_t)a);
			zp_stats.trap++;
		}
	}
	return true;
}

int zp_patch_sites(const struct zp_maps *maps, const struct zp_sites *s)
{
	bool took;
	lock_patching(&took);
	size_t i = 0;
	while (i < s->n) {
		/* A run of sites within one mapping (the two bytes of a site may
		 * cross into the next page: the run covers it). */
		const struct zp_map *m = zp_maps_find(maps, s->v[i].addr);
		if (!m) {
			zp_stats.failed++;
			i++;
			continue;
		}
		size_t j = i;
		uintptr_t last = s->v[i].addr;
		while (j < s->n && s->v[j].addr >= m->start && s->v[j].addr + 2 <= m->end) {
			last = s->v[j].addr;
			j++;
		}
		if (j == i) { /* the site crosses into the next mapping */
			zp_stats.failed++;
			i++;
			continue;
		}
		uintptr_t p0 = s->v[i].addr & ~(uintptr_t)(ZP_PAGE - 1);
		uintptr_t p1 = (last + 2 + ZP_PAGE - 1) & ~(uintptr_t)(ZP_PAGE - 1);
		if (register_if_rewritten(s, i, j)) {
			i = j; /* already patched: mapped from the text cache */
			continue;
		}
		long e = zp_raw3(SYS_mprotect, p0, p1 - p0, m->prot | PROT_READ | PROT_WRITE);
		if (e == -EINVAL) {
			/* A special mapping (the vDSO) cannot be split: all of it. */
			p0 = m->start;
			p1 = m->end;
			e = zp_raw3(SYS_mprotect, p0, p1 - p0, m->prot | PROT_READ | PROT_WRITE);
		}
		if (e < 0) /* W^X policy: write without exec while nothing else runs */
			e = zp_raw3(SYS_mprotect, p0, p1 - p0, PROT_READ | PROT_WRITE);
		if (e < 0) {
			zp_stats.failed += j - i;
			i = j;
			continue;
		}
		for (size_t k = i; k < j; k++) {
			uint8_t *at = (uint8_t *)s->v[k].addr;
			if (at[0] != 0x0f || (at[1] != 0x05 && at[1] != 0x34)) {
				zp_stats.failed++;
				continue;
			}
			int kind = s->v[k].kind;
			if (kind == ZP_SITE_FAST) {
				if (zp_set_add(&zp_site_table, (uint64_t)(uintptr_t)at + 2) < 0) {
					zp_stats.failed++;
					continue;
				}
				zp_stats.fast++;
			} else {
				if (zp_set_add(&zp_trap_table, (uint64_t)(uintptr_t)at) < 0) {
					zp_stats.failed++;
					continue;
				}
				zp_stats.trap++;
			}
			zp_patch_bytes(at, (enum zp_site_kind)kind);
		}
		zp_raw3(SYS_mprotect, p0, p1 - p0, m->prot);
		i = j;
	}
	unlock_patching(took);
	return 0;
}

/* ---- objects ------------------------------------------------------------ */

struct object {
	uintptr_t base;
	const char *name;
	const ElfW(Phdr) * phdr;
	int phnum;
};

#define MAX_OBJECTS 4096
static struct object objects[MAX_OBJECTS];
static size_t nobjects;

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (nobjects < MAX_OBJECTS)
		objects[nobjects++] = (struct object){info->dlpi_addr, info->dlpi_name,
						       info->dlpi_phdr, info->dlpi_phnum};
	return 0;
}

static const uint8_t *build_id(const struct object *o, size_t *len)
{
	for (int i = 0; i < o->phnum; i++) {
		const ElfW(Phdr) *ph = &o->phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const uint8_t *p = (const uint8_t *)(o->base + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;
		while (p + 12 <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const uint8_t *name = p + 12;
			const uint8_t *desc = name + ((nh->n_namesz + 3) & ~3u);
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0) {
				*len = nh->n_descsz;
				return desc;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	*len = 0;
	return NULL;
}

static void process_object(const struct zp_maps *maps, const struct object *o)
{
	uint64_t t_obj = zp_now_ns();
	struct zp_fde_index ix = {0};
	for (int i = 0; i < o->phnum; i++) {
		if (o->phdr[i].p_type != PT_GNU_EH_FRAME)
			continue;
		/* The tables may be read anywhere in the readable mapping that
		 * holds them (zpoline's loader may build them elsewhere). */
		uintptr_t hdr = o->base + o->phdr[i].p_vaddr;
		const struct zp_map *m = zp_maps_find(maps, hdr);
		if (m && (m->prot & PROT_READ) &&
		    zp_fde_index_init(&ix, (const void *)hdr, (const void *)m->start,
				      (const void *)m->end) == 0)
			zp_fde_index_set_readable(&ix, zp_maps_readable, maps);
	}

	const char *path = o->name;
	struct zp_sites sites = {0};
	size_t idlen;
	const uint8_t *id = build_id(o, &idlen);
	bool cached = false;
	for (int i = 0; i < o->phnum; i++) {
		const ElfW(Phdr) *ph = &o->phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		const struct zp_map *m = zp_maps_find(maps, o->base + ph->p_vaddr);
		if (!m)
			continue;
		if (!path || !*path)
			path = m->path;
		zp_stats.mappings++;
		if (m->shared) {
			zp_stats.shared_skipped++;
			return;
		}
	}
	zp_stats.objects++;
	uintptr_t xlo = UINTPTR_MAX, xhi = 0; /* the object's code: listed sites must be in it */
	for (int i = 0; i < o->phnum; i++) {
		const ElfW(Phdr) *ph = &o->phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			uintptr_t a = o->base + ph->p_vaddr;
			xlo = a < xlo ? a : xlo;
			xhi = a + ph->p_memsz > xhi ? a + ph->p_memsz : xhi;
		}
	}
	if (id && xlo < xhi && zp_cache_load(id, idlen, o->base, xlo, xhi, true, &sites) == 0) {
		cached = true;
		zp_stats.cache_hits++;
	} else {
		for (int i = 0; i < o->phnum; i++) {
			const ElfW(Phdr) *ph = &o->phdr[i];
			if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
				continue;
			uintptr_t s = o->base + ph->p_vaddr, e = s + ph->p_memsz;
			const struct zp_map *m = zp_maps_find(maps, s);
			if (!m || !(m->prot & PROT_EXEC))
				continue;
			if (e > m->end)
				e = m->end; /* the segment's tail beyond its mapping */
			bool unreadable = !(m->prot & PROT_READ);
			if (unreadable)
				zp_raw3(SYS_mprotect, m->start, m->end - m->start, m->prot | PROT_READ);
			zp_find_in_range(&ix, s, e, &sites);
			if (unreadable)
				zp_raw3(SYS_mprotect, m->start, m->end - m->start, m->prot);
		}
	}
	uint64_t t_found = zp_now_ns();
	/* Code patched by an earlier process, shared through the page cache;
	 * what is not there yet is patched here and kept for the next one. */
	bool textrel = zp_object_has_textrel(o->base, o->phdr, o->phnum);
	bool mapped[64] = {0};
	for (int i = 0; i < o->phnum && i < 64 && id && !textrel; i++) {
		const ElfW(Phdr) *ph = &o->phdr[i];
		const struct zp_map *m = ph->p_type == PT_LOAD && (ph->p_flags & PF_X)
						 ? zp_maps_find(maps, o->base + ph->p_vaddr)
						 : NULL;
		if (m && m->inode && zp_text_cache_map(m, id, idlen, ph->p_vaddr, &sites)) {
			mapped[i] = true;
			zp_stats.text_cached++;
		}
	}
	zp_patch_sites(maps, &sites);
	for (int i = 0; i < o->phnum && i < 64 && id && !textrel; i++) {
		const ElfW(Phdr) *ph = &o->phdr[i];
		const struct zp_map *m = ph->p_type == PT_LOAD && (ph->p_flags & PF_X)
						 ? zp_maps_find(maps, o->base + ph->p_vaddr)
						 : NULL;
		if (m && m->inode && !mapped[i])
			zp_text_cache_store(m, id, idlen, ph->p_vaddr, &sites);
	}
	if (zp_debug >= 2)
		zp_log("zpoline: %s: %zu sites%s; found in %llu us, patched in %llu us",
		       path && *path ? path : "?", sites.n, cached ? " (cache)" : "",
		       (unsigned long long)(t_found - t_obj) / 1000,
		       (unsigned long long)(zp_now_ns() - t_found) / 1000);
	if (id && !cached && ix.count)
		zp_cache_store(id, idlen, o->base, &sites);
	if (zp_sites_report)
		zp_sites_report(path, o->base, &sites);
	zp_sites_free(&sites);
}

uintptr_t zp_self_lo, zp_self_hi;

/* This library: never rewritten (its raw system calls are the way out). */
static bool is_self(const struct object *o)
{
	uintptr_t me = (uintptr_t)zp_entry, lo = UINTPTR_MAX, hi = 0;
	bool self = false;
	for (int i = 0; i < o->phnum; i++) {
		const ElfW(Phdr) *ph = &o->phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t s = o->base + ph->p_vaddr, e = s + ph->p_memsz;
		if (me >= s && me < e)
			self = true;
		lo = s < lo ? s : lo;
		hi = e > hi ? e : hi;
	}
	if (self) {
		zp_self_lo = lo;
		zp_self_hi = hi;
	}
	return self;
}

void (*zp_sites_report)(const char *path, uintptr_t base, const struct zp_sites *s);

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct object o = {info->dlpi_addr, info->dlpi_name, info->dlpi_phdr, info->dlpi_phnum};
	*(bool *)data |= is_self(&o);
	return 0;
}

/* Where this library is: the range Syscall User Dispatch lets through. */
void zp_self_range_init(void)
{
	bool found = false;
	dl_iterate_phdr(find_self, &found);
	zp_self_len = zp_self_hi - zp_self_lo;
}

int zp_rewrite_all(void)
{
	uint64_t t0 = zp_now_ns();
	struct zp_maps maps;
	int e = zp_maps_read(&maps);
	if (e < 0)
		return e;
	nobjects = 0;
	dl_iterate_phdr(collect, NULL);
	for (size_t i = 0; i < nobjects; i++)
		if (!is_self(&objects[i]))
			process_object(&maps, &objects[i]);
	zp_maps_free(&maps);
	zp_stats.ns_scan = zp_now_ns() - t0;
	return 0;
}

/* For zpoline's own loader (static programs, --from-start): rewrite an ELF
 * image it mapped itself.  Returns the number of sites rewritten, or -errno.
 * Not part of the hook API: the loader and the runtime ship together. */
__attribute__((visibility("default"))) int zpoline_rewrite_image(uintptr_t base, const void *phdr,
								  int phnum, const char *path)
{
	struct zp_maps maps;
	int e = zp_maps_read(&maps);
	if (e < 0)
		return e;
	unsigned long before = zp_stats.fast + zp_stats.trap;
	struct object o = {base, path, (const ElfW(Phdr) *)phdr, phnum};
	process_object(&maps, &o);
	zp_maps_free(&maps);
	return (int)(zp_stats.fast + zp_stats.trap - before);
}
