/*
 * watch.c - code that appears after start-up.
 *
 * The runtime sees every mmap, mprotect, pkey_mprotect and mremap the
 * program makes (they come through the hook path like any call, whether or
 * not a hook wants them).  When one leaves executable memory behind, its
 * system call sites are rewritten before the call returns, so before any of
 * that code can run:
 *   - a file mapping (ld.so loading a library for dlopen): the function
 *     boundaries come from the file's .eh_frame_hdr, read through the
 *     descriptor being mapped (ld.so maps the text before the segment that
 *     holds .eh_frame, and registers the object only later);
 *   - anonymous memory made executable (a JIT): no boundaries are known, so
 *     it is decoded from its start (zp_decode_linear);
 *   - mremap moving code: the moved sites are registered at their new
 *     addresses.
 * Shared mappings are never written.  Memory mapped writable and executable
 * and written afterwards is beyond this: that is the safety net's job
 * (ZPOLINE_MODE=net, sud.c).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "cache.h"
#include "decoder.h"
#include "ehframe.h"
#include "finder.h"
#include "maps.h"
#include "rewrite.h"

struct zp_watch_stats zp_watch_stats ZP_BIG_BSS;

static bool pread_all(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;
	while (done < len) {
		long r = zp_raw4(SYS_pread64, fd, (char *)buf + done, len - done, off + (off_t)done);
		if (r == -4)
			continue;
		if (r <= 0)
			return false;
		done += (size_t)r;
	}
	return true;
}

#define MAX_PHDRS 64

struct elf_file {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHDRS];
	int phnum;
};

static bool read_elf(int fd, struct elf_file *f)
{
	if (!pread_all(fd, &f->eh, sizeof f->eh, 0))
		return false;
	if (memcmp(f->eh.e_ident, ELFMAG, SELFMAG) || f->eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    f->eh.e_machine != EM_X86_64 || f->eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    f->eh.e_phnum == 0 || f->eh.e_phnum > MAX_PHDRS)
		return false;
	f->phnum = f->eh.e_phnum;
	return pread_all(fd, f->ph, sizeof(Elf64_Phdr) * (size_t)f->phnum, (off_t)f->eh.e_phoff);
}

static const Elf64_Phdr *load_for_vaddr(const struct elf_file *f, uint64_t va)
{
	for (int i = 0; i < f->phnum; i++)
		if (f->ph[i].p_type == PT_LOAD && va >= f->ph[i].p_vaddr &&
		    va < f->ph[i].p_vaddr + f->ph[i].p_memsz)
			return &f->ph[i];
	return NULL;
}

static size_t read_build_id(int fd, const struct elf_file *f, uint8_t *id, size_t max)
{
	for (int i = 0; i < f->phnum; i++) {
		const Elf64_Phdr *ph = &f->ph[i];
		if (ph->p_type != PT_NOTE || ph->p_filesz > 4096)
			continue;
		uint8_t buf[4096];
		if (!pread_all(fd, buf, ph->p_filesz, (off_t)ph->p_offset))
			continue;
		for (size_t p = 0; p + 12 <= ph->p_filesz;) {
			Elf64_Nhdr nh;
			memcpy(&nh, buf + p, sizeof nh);
			size_t name = p + 12, desc = name + ((nh.n_namesz + 3) & ~3u);
			if (desc + nh.n_descsz > ph->p_filesz)
				break;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp(buf + name, "GNU", 4) && nh.n_descsz <= max) {
				memcpy(id, buf + desc, nh.n_descsz);
				return nh.n_descsz;
			}
			p = desc + ((nh.n_descsz + 3) & ~3u);
		}
	}
	return 0;
}

/* [start, end) maps file offset `off` of the ELF file open on fd. */
static void rewrite_file_range(const struct zp_maps *maps, uintptr_t start, uintptr_t end, int fd,
			       uint64_t off)
{
	struct elf_file f;
	if (!read_elf(fd, &f)) {
		zp_watch_stats.not_elf++;
		return;
	}
	/* Which segment is this, and where is the object's base?  Two
	 * segments may share the page at `off`: libxul's read-only segment
	 * ends at file offset 0x3363660 and its code starts there, so both
	 * contain offset 0x3363000.  ld.so maps each segment from the page
	 * its own p_offset is in, so the range is the one that starts last
	 * there, the executable one: the first match put the base 4 KiB off,
	 * the function boundaries with it, and code decoded from them made
	 * sites of `0f 05` bytes inside instructions (Firefox's libxul:
	 * a call's displacement rewritten, then a crash). */
	const Elf64_Phdr *seg = NULL;
	for (int i = 0; i < f.phnum; i++) {
		const Elf64_Phdr *ph = &f.ph[i];
		uint64_t lo = ph->p_offset & ~(uint64_t)(ZP_PAGE - 1);
		if (ph->p_type != PT_LOAD || off < lo || off >= ph->p_offset + ph->p_filesz)
			continue;
		bool better = !seg || ((ph->p_flags & PF_X) && !(seg->p_flags & PF_X)) ||
			      (!!(ph->p_flags & PF_X) == !!(seg->p_flags & PF_X) &&
			       ph->p_offset > seg->p_offset);
		if (better)
			seg = ph;
	}
	if (!seg)
		return;
	uintptr_t base = start - (uintptr_t)(seg->p_vaddr + (off - seg->p_offset));
	const struct zp_map *map = zp_maps_find(maps, start);
	if (map && zp_unwind_is_unwinder(map->path))
		zp_unwind_loaded(base, false);

	struct zp_sites sites = {0};
	uint8_t id[64];
	size_t idlen = read_build_id(fd, &f, id, sizeof id);
	if (idlen && zp_cache_load(id, idlen, base, start, end, false, true, &sites) == 0) {
		zp_stats.cache_hits++;
	} else {
		sites.n = 0;
		struct zp_fde_index ix = {0};
		void *copy = MAP_FAILED;
		size_t copy_len = 0;
		for (int i = 0; i < f.phnum; i++) {
			if (f.ph[i].p_type != PT_GNU_EH_FRAME)
				continue;
			/* Map the segment that holds .eh_frame_hdr (and .eh_frame)
			 * from the file, and translate its addresses. */
			const Elf64_Phdr *hs = load_for_vaddr(&f, f.ph[i].p_vaddr);
			if (!hs)
				break;
			uint64_t aoff = hs->p_offset & ~(uint64_t)(ZP_PAGE - 1);
			copy_len = hs->p_offset - aoff + hs->p_filesz;
			long m = zp_raw6(SYS_mmap, 0, (long)copy_len, PROT_READ, MAP_PRIVATE, fd,
					 (long)aoff);
			if (m < 0)
				break;
			copy = (void *)m;
			// cppcheck-suppress nullPointerArithmeticRedundantCheck ; mmap's result, checked above: never 0 here
			const uint8_t *hdr = (const uint8_t *)copy + (f.ph[i].p_offset - aoff);
			if (f.ph[i].p_offset < hs->p_offset ||
			    zp_fde_index_init(&ix, hdr, copy, (const uint8_t *)copy + copy_len) < 0)
				ix.count = 0;
			ix.bias = (intptr_t)(base + f.ph[i].p_vaddr) - (intptr_t)(uintptr_t)hdr;
			break;
		}
		/* Go's function table, for a Go library: read where ld.so is
		 * mapping it, possibly not yet relocated (gotab.c checks its
		 * functions are this object's code either way). */
		bool go = false;
		zp_find_in_range_obj(&ix, maps, base, f.ph, f.phnum, start, end, &sites, &go);
		if (copy != MAP_FAILED)
			zp_raw2(SYS_munmap, copy, copy_len);
		/* Cache only a complete list: every executable segment mapped. */
		bool whole = true;
		for (int i = 0; i < f.phnum; i++)
			if (f.ph[i].p_type == PT_LOAD && (f.ph[i].p_flags & PF_X) &&
			    (base + f.ph[i].p_vaddr < start ||
			     base + f.ph[i].p_vaddr + f.ph[i].p_filesz > end))
				whole = false;
		/* A list found without function boundaries is empty by
		 * construction: never remember it. */
		if (idlen && whole && (ix.count || go))
			zp_cache_store(id, idlen, base, &sites);
	}
	zp_patch_sites(maps, &sites);
	if (zp_sites_report)
		zp_sites_report(map ? map->path : "?", base,
				&sites);
	zp_watch_stats.file_ranges++;
	zp_sites_free(&sites);
}

/* ---- anonymous code unchanged since it was scanned ---------------------------
 * Ruby's YJIT reserves 128 MiB for its code and makes the whole of it
 * PROT_READ|PROT_EXEC again each time it has written to a page (made that
 * one page writable first): ~1,500 times for a small script.  Scanning the
 * 128 MiB each time cost 12 ms a call (a script of 0.5 s took 48 s).  The
 * content of private anonymous memory changes only while it is writable
 * (or when it is replaced: mmap, mremap, munmap), and the runtime sees
 * every call that makes it so: what was scanned is remembered here as
 * clean until then, and only the rest is scanned.  Writes through
 * /proc/self/mem or process_vm_writev are not seen: code so written into
 * memory that was scanned before is left to the safety net, as is code
 * written into memory that is writable and executable.
 *
 * Every such call bumps clean_gen, after the kernel made the change (and
 * before: a racing scan sees one of the two); a scan records what it read
 * as clean only if clean_gen did not move while it read.  The table is
 * changed under a lock that is only ever tried (a signal handler may call
 * mprotect while its thread holds it): an invalidation that cannot take it
 * sets clean_lost, which empties the table at the next holder's turn; a
 * scan that cannot take it scans everything and records nothing. */
#define CLEAN_SPANS 64
static struct {
	uintptr_t lo, hi;
} clean[CLEAN_SPANS] ZP_BIG_BSS; /* sorted, disjoint, not adjacent */
static int nclean ZP_BIG_BSS;
static int clean_lock ZP_BIG_BSS;
static int clean_lost ZP_BIG_BSS;
static unsigned long clean_gen ZP_BIG_BSS;
/* Set by the first scan that may record: until then no call needs to touch
 * the page of the variables above (a fault at start-up, ~16 us here). */
static int clean_used;

static bool clean_trylock(void)
{
	for (int i = 0; i < 1000; i++) {
		if (!__atomic_exchange_n(&clean_lock, 1, __ATOMIC_ACQUIRE))
			return true;
		__builtin_ia32_pause();
	}
	return false;
}

static void clean_unlock(void)
{
	__atomic_store_n(&clean_lock, 0, __ATOMIC_RELEASE);
}

/* With the lock held: drop what clean_lost says is stale. */
static void clean_take_lost(void)
{
	if (__atomic_exchange_n(&clean_lost, 0, __ATOMIC_ACQ_REL))
		nclean = 0;
}

static void clean_remove_locked(uintptr_t lo, uintptr_t hi)
{
	for (int i = 0; i < nclean; i++) {
		if (clean[i].hi <= lo || clean[i].lo >= hi)
			continue;
		if (clean[i].lo < lo && clean[i].hi > hi) {
			/* split in two; with no room, forget the whole span */
			if (nclean == CLEAN_SPANS) {
				memmove(&clean[i], &clean[i + 1], sizeof clean[0] * (size_t)(nclean - i - 1));
				nclean--;
				return;
			}
			memmove(&clean[i + 1], &clean[i], sizeof clean[0] * (size_t)(nclean - i));
			nclean++;
			clean[i].hi = lo;
			clean[i + 1].lo = hi;
			return;
		}
		if (clean[i].lo < lo) {
			clean[i].hi = lo;
		} else if (clean[i].hi > hi) {
			clean[i].lo = hi;
		} else {
			memmove(&clean[i], &clean[i + 1], sizeof clean[0] * (size_t)(nclean - i - 1));
			nclean--;
			i--;
		}
	}
}

static void clean_add_locked(uintptr_t lo, uintptr_t hi)
{
	clean_remove_locked(lo, hi);
	int i = 0;
	while (i < nclean && clean[i].hi < lo)
		i++;
	/* now clean[i] (if any) ends at or after lo: merge with what touches */
	if (i < nclean && clean[i].lo <= hi) {
		if (clean[i].lo > lo)
			clean[i].lo = lo;
		if (clean[i].hi < hi)
			clean[i].hi = hi;
		if (i + 1 < nclean && clean[i + 1].lo == clean[i].hi) {
			clean[i].hi = clean[i + 1].hi;
			memmove(&clean[i + 1], &clean[i + 2],
				sizeof clean[0] * (size_t)(nclean - i - 2));
			nclean--;
		}
		return;
	}
	if (nclean == CLEAN_SPANS)
		return; /* not remembered: scanned again next time */
	memmove(&clean[i + 1], &clean[i], sizeof clean[0] * (size_t)(nclean - i));
	clean[i].lo = lo;
	clean[i].hi = hi;
	nclean++;
}

void zp_code_may_change(uintptr_t addr, size_t len)
{
	/* Unused yet: a scan starting now reads the maps after this change,
	 * and records nothing writable (zp_code_appeared). */
	if (!__atomic_load_n(&clean_used, __ATOMIC_SEQ_CST))
		return;
	__atomic_add_fetch(&clean_gen, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&nclean, __ATOMIC_ACQUIRE) || !len)
		return;
	uintptr_t lo = addr & ~(uintptr_t)(ZP_PAGE - 1);
	uintptr_t hi = addr + len < addr ? UINTPTR_MAX : addr + len;
	if (!clean_trylock()) {
		__atomic_store_n(&clean_lost, 1, __ATOMIC_SEQ_CST);
		return;
	}
	clean_take_lost();
	clean_remove_locked(lo, hi);
	clean_unlock();
}

/* Up to max parts of [*at, hi) not known clean, into out, and *at moved
 * past what they and the clean spans between them cover; returns how many
 * (0: *at is hi), or -1 if the table could not be read. */
static int clean_gaps(uintptr_t *at, uintptr_t hi, uintptr_t (*out)[2], int max)
{
	if (!clean_trylock())
		return -1;
	clean_take_lost();
	int n = 0;
	uintptr_t a = *at;
	for (int i = 0; i < nclean && a < hi && n < max; i++) {
		if (clean[i].hi <= a)
			continue;
		if (clean[i].lo >= hi)
			break;
		if (clean[i].lo > a) {
			out[n][0] = a;
			out[n][1] = clean[i].lo;
			n++;
		}
		a = clean[i].hi;
	}
	if (a < hi && n < max) {
		out[n][0] = a;
		out[n][1] = hi;
		n++;
		a = hi;
	}
	clean_unlock();
	*at = a < hi ? a : hi;
	return n;
}

void zp_watch_forked(void)
{
	/* The child's thread was in the kernel, not in the table's code: a
	 * lock held is another thread's (or that of the code a handler that
	 * forked interrupted), its change half made. */
	if (__atomic_load_n(&clean_lock, __ATOMIC_ACQUIRE)) {
		nclean = 0;
		clean_unlock();
	}
}

static void rewrite_anon_range(const struct zp_maps *maps, uintptr_t start, uintptr_t end)
{
	struct zp_func_result *fr = zp_func_result_new();
	if (!fr)
		return;
	struct zp_sites sites = {0};
	zp_decode_linear((const uint8_t *)start, end - start, fr);
	for (size_t i = 0; i < fr->nsites && i < ZP_FUNC_MAX_SITES; i++)
		zp_sites_push(&sites, start + fr->sites[i], fr->redzone ? ZP_SITE_TRAP : ZP_SITE_FAST);
	zp_func_result_free(fr);
	zp_patch_sites(maps, &sites);
	if (zp_sites_report)
		zp_sites_report("[anonymous]", 0, &sites);
	zp_watch_stats.anon_ranges++;
	zp_watch_stats.anon_bytes += end - start;
	zp_sites_free(&sites);
}

static bool is_ours(uintptr_t start, uintptr_t end)
{
	return start < ZP_PAGE || (zp_stage2_addr && start <= zp_stage2_addr && zp_stage2_addr < end) ||
	       (zp_tail_ptr && start <= zp_tail_ptr && zp_tail_ptr < end) ||
	       (start < zp_self_hi && end > zp_self_lo) || zp_decoder_contains(start, end);
}

/* Executable memory may have appeared in [addr, addr+len); fd/off are the
 * mmap's (fd < 0 otherwise). */
void zp_code_appeared(uintptr_t addr, size_t len, int fd, uint64_t off)
{
	if (zp_mode == ZP_MODE_SUD)
		return; /* no trampoline: every call traps anyway */
	uintptr_t lo = addr, hi = addr + len;
	/* mprotect: what is clean needs nothing, not even the maps read. */
	bool table = false;
	if (fd < 0) {
		__atomic_store_n(&clean_used, 1, __ATOMIC_SEQ_CST);
		uintptr_t at = lo, first[1][2];
		int n = clean_gaps(&at, hi, first, 1);
		if (n == 0)
			return;
		table = n > 0;
	}
	/* Page 0, held while calls trap (tier.c), is built for the first
	 * code rewritten; where it cannot be, the code keeps trapping. */
	if (zp_trampoline_ensure() < 0)
		return;
	unsigned long gen0 = __atomic_load_n(&clean_gen, __ATOMIC_SEQ_CST);
	struct zp_maps maps;
	if (zp_maps_open(&maps) < 0)
		return;
	size_t count;
	const struct zp_map *in = zp_maps_range(&maps, lo, hi, &count);
	for (size_t i = 0; i < count; i++) {
		const struct zp_map *m = &in[i];
		if (m->end <= lo || m->start >= hi || !(m->prot & PROT_EXEC))
			continue;
		uintptr_t s = m->start > lo ? m->start : lo, e = m->end < hi ? m->end : hi;
		if (is_ours(s, e))
			continue;
		if (m->shared) {
			zp_stats.shared_skipped++;
			continue;
		}
		if (!(m->prot & PROT_READ))
			continue; /* execute-only: cannot be read to be scanned */
		/* Anonymous memory left writable is data as much as code:
		 * glibc makes every thread's stack executable (mprotect RWX)
		 * when a library asks for an executable stack, and a byte
		 * pair in a live stack that decodes as a syscall must not
		 * become a call.  As a fresh RWX mapping, it is left to the
		 * safety net (ZPOLINE_MODE=net). */
		if (!m->inode && (m->prot & PROT_WRITE))
			continue;
		const char *vm = m->inode ? zp_vm_library(m->path) : NULL;
		if (vm && !zp_null_reads_fault() && zp_mode != ZP_MODE_DETOUR) {
			static int told;
			if (!__atomic_exchange_n(&told, 1, __ATOMIC_RELAXED))
				zp_log("zpoline: %s was loaded after start-up: %s needs "
				       "reads through NULL to fault, which page 0 prevents on this "
				       "CPU (no protection keys); run with ZPOLINE_MODE=detour (or sud)",
				       m->path, vm);
		}
		if (m->inode) {
			int f = fd;
			uint64_t o = fd >= 0 ? off + (s - addr) : m->offset + (s - m->start);
			if (f < 0)
				f = (int)zp_raw3(SYS_open, m->path, O_RDONLY | O_CLOEXEC, 0);
			if (f >= 0) {
				/* Only what the file backs (ld.so maps a segment's
				 * last page whole and covers what is past the file
				 * only after): the rest raises SIGBUS when read. */
				struct stat st;
				if (zp_raw2(SYS_fstat, f, &st) == 0 &&
				    e - s > zp_file_backed((uint64_t)st.st_size, o))
					e = s + zp_file_backed((uint64_t)st.st_size, o);
				if (e > s)
					rewrite_file_range(&maps, s, e, f, o);
				if (f != fd)
					zp_raw1(SYS_close, f);
			}
		} else if (!table) {
			rewrite_anon_range(&maps, s, e);
		} else {
			uintptr_t at = s;
			while (at < e) {
				uintptr_t gaps[16][2];
				uintptr_t from = at;
				int n = clean_gaps(&at, e, gaps, 16);
				if (n < 0) {
					rewrite_anon_range(&maps, from, e);
					break;
				}
				for (int g = 0; g < n; g++) {
					rewrite_anon_range(&maps, gaps[g][0], gaps[g][1]);
					/* Clean from now on, unless something may
					 * have changed it while it was read. */
					if (!(m->prot & PROT_WRITE) && clean_trylock()) {
						clean_take_lost();
						if (__atomic_load_n(&clean_gen, __ATOMIC_SEQ_CST) == gen0)
							clean_add_locked(gaps[g][0], gaps[g][1]);
						clean_unlock();
					}
				}
				if (n == 0)
					break;
			}
		}
	}
	zp_maps_free(&maps);
}

/* mremap moved [old, old+len) to new: its rewritten sites moved with it. */
void zp_code_moved(uintptr_t old, size_t len, uintptr_t new)
{
	if (old == new)
		return;
	zp_set_translate(&zp_site_table, old + 2, old + len + 2, (intptr_t)(new - old));
	zp_set_translate(&zp_trap_table, old, old + len, (intptr_t)(new - old));
}
