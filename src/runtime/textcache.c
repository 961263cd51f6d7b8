/*
 * textcache.c - patched code, shared between processes.
 *
 * Rewriting a site writes into a private file mapping: the kernel copies the
 * page.  libc has sites on ~60 pages, and on this kind of machine a fresh
 * page costs tens to hundreds of microseconds to fault in, so patching alone
 * cost several milliseconds per process start.  Instead, once an object's
 * code has been patched, the patched bytes of each executable segment are
 * kept in the site cache's directory (<build-id>.<segment address>.text),
 * and later processes map that file over the original segment: the pages
 * come from the page cache, shared by every process, and nothing is copied.
 *
 * Trust is the site cache's: the directory and the file must belong to the
 * effective user and be writable by nobody else (cache.c), the file must be
 * exactly the object's size, and a sample of the listed sites must hold
 * the rewritten instruction in it (sample_rewritten_in).  Objects whose
 * code is relocated at load time (DT_TEXTREL) are never cached: their bytes
 * depend on where they were loaded.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "cache.h"
#include "decoder.h"
#include "finder.h"
#include "maps.h"
#include "rewrite.h"


/* The file's name carries a hash of the site list it was patched from, so
 * patched code is only ever used with exactly the sites it contains
 * registered (a code copy with a rewritten site the list lacks would turn
 * that site into a crash). */
static uint64_t list_hash(const struct zp_sites *s, uintptr_t lo, uintptr_t hi)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].addr < lo || s->v[i].addr >= hi)
			continue;
		uint64_t v = ((uint64_t)(s->v[i].addr - lo) << 1) | s->v[i].kind;
		for (int k = 0; k < 8; k++) {
			h ^= (v >> (8 * k)) & 0xff;
			h *= 0x100000001b3ull;
		}
	}
	return h;
}

/* A copy is the whole object file, patched in one segment, at
 * <cache>/<build-id>.<segment address>.<list hash>.v<N>/<file name>: what
 * reads the process's mappings to find its objects (perf, a sanitizer's
 * symbolizer, crash reporters) sees an ELF file by the object's own name
 * and build-id, with its symbols, where a bare copy of the segment's bytes
 * showed addresses only.  Returns false if the names do not fit. */
static bool text_path(char *dir, size_t dlen, char *file, size_t flen, const struct zp_map *m,
		      const uint8_t *id, size_t idlen, uintptr_t vaddr, uint64_t hash)
{
	char hex[2 * 64 + 1];
	zp_build_id_hex(hex, id, idlen);
	const char *base = m->path;
	for (const char *p = m->path; *p; p++)
		if (*p == '/')
			base = p + 1;
	if (!*base)
		return false;
	return zp_snprintf(dir, dlen, "%s/%s.%lx.%lx.v%d", zp_cache_dir(), hex, (unsigned long)vaddr,
			   (unsigned long)hash, ZP_TEXT_CACHE_VERSION) < dlen &&
	       zp_snprintf(file, flen, "%s/%s", dir, base) < flen;
}

/* Does the object relocate its own code? */
bool zp_object_has_textrel(uintptr_t base, const ElfW(Phdr) * ph, int phnum)
{
	for (int i = 0; i < phnum; i++) {
		if (ph[i].p_type != PT_DYNAMIC)
			continue;
		for (const ElfW(Dyn) *d = (const ElfW(Dyn) *)(base + ph[i].p_vaddr); d->d_tag != DT_NULL;
		     d++) {
			if (d->d_tag == DT_TEXTREL)
				return true;
			if (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL))
				return true;
		}
	}
	return false;
}

/* Every site of `s` within [lo, hi) holds its rewritten instruction
 * (before a copy is stored: a site left as it was would let that call
 * bypass the hooks in every later process). */
static bool sites_rewritten(const struct zp_sites *s, uintptr_t lo, uintptr_t hi)
{
	for (size_t i = 0; i < s->n; i++) {
		uintptr_t a = s->v[i].addr;
		if (a >= lo && a + 2 <= hi && !zp_site_rewritten(&s->v[i]))
			return false;
	}
	return true;
}

/* The sites in m's first 4 KiB of sites hold their rewritten instruction
 * in the copy open on fd.  A sample: the file is complete (written whole,
 * then renamed), trusted (zp_cache_file_trusted) and named by build-id and
 * a hash of the list, so what this catches is a copy made from another
 * list or another build, and such a copy differs at every site, not at a
 * few.  Read from the file, before it is mapped, in one read: checking
 * eight sites spread over the segment through the new mapping faulted in
 * a 64 KiB window of code around each (~3.5 us a fault on the AMD EPYC VM,
 * ~30 us of a 0.9 ms /bin/true for libc), most of it code the program
 * never runs, and eight reads of the file took ~11 us. */
enum { TEXT_CACHE_WINDOW = 4096 };
static bool sample_rewritten_in(int fd, const struct zp_sites *s, const struct zp_map *m)
{
	uintptr_t first = UINTPTR_MAX;
	for (size_t i = 0; i < s->n; i++) {
		uintptr_t a = s->v[i].addr;
		if (a >= m->start && a + 2 <= m->end && a < first)
			first = a;
	}
	if (first == UINTPTR_MAX)
		return true;
	uint8_t win[TEXT_CACHE_WINDOW];
	size_t len = m->end - first < sizeof win ? m->end - first : sizeof win;
	if (zp_raw4(SYS_pread64, fd, win, len, (long)(m->offset + (first - m->start))) != (long)len)
		return false;
	for (size_t i = 0; i < s->n; i++) {
		uintptr_t a = s->v[i].addr;
		if (a < first || a + 2 > first + len)
			continue;
		if (!zp_site_bytes_rewritten(&s->v[i], win + (a - first)))
			return false;
	}
	return true;
}

static bool any_site_in(const struct zp_sites *s, uintptr_t lo, uintptr_t hi)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].addr >= lo && s->v[i].addr < hi)
			return true;
	return false;
}

/* Has anything written to the segment since it was mapped?  A debugger
 * does, as soon as ld.so maps a library and before our constructor runs
 * (gdb's `break printf` then `run`): its breakpoints live in copies of the
 * pages, and a patched copy mapped over the segment would wipe them.
 * /proc/self/pagemap tells in a few microseconds, where /proc/self/status's
 * TracerPid costs ~100 each process.  Without pagemap: not written, as far
 * as we can tell. */
static bool segment_written(const struct zp_map *m)
{
	return zp_pages_written(m->start, m->end) == 1;
}

/* Maps the cached patched copy of [m->start, m->end) over it.  true if the
 * segment now holds the rewritten code (the caller then only registers the
 * sites). */
bool zp_text_cache_map(const struct zp_map *m, const uint8_t *id, size_t idlen, uintptr_t vaddr,
		       const struct zp_sites *s)
{
	if (!zp_cache_dir() || !idlen || m->shared || !any_site_in(s, m->start, m->end) ||
	    segment_written(m))
		return false;
	char dir[4300], path[4600];
	struct stat st, orig;
	if (!text_path(dir, sizeof dir, path, sizeof path, m, id, idlen, vaddr,
		       list_hash(s, m->start, m->end)) ||
	    zp_raw2(SYS_stat, m->path, &orig) != 0 || !zp_map_is_file(m, &orig))
		return false;
	int fd = (int)zp_raw3(SYS_open, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return false;
	bool ok = zp_raw2(SYS_fstat, fd, &st) == 0 && S_ISREG(st.st_mode) && zp_cache_file_trusted(&st) &&
		  st.st_size == orig.st_size;
	if (ok && !sample_rewritten_in(fd, s, m)) {
		/* A stale or foreign file. */
		zp_raw1(SYS_close, fd);
		zp_raw1(SYS_unlink, path);
		zp_raw1(SYS_rmdir, dir);
		return false;
	}
	if (ok) {
		/* Not populated: a fault maps 64 KiB of page-cache pages at a
		 * time, as for the original file, and most programs run little
		 * of libc.  MAP_POPULATE mapped all of libc's 342 pages at every
		 * start (AMD EPYC VM: /bin/true 0.96 -> 0.91 ms with the pass
		 * hook and a warm cache, python3 -c pass no different;
		 * build/bench/spawn-time, 3 x 100 runs each). */
		zp_sites_register_ahead(s, m->start, m->end);
		long r = zp_raw6(SYS_mmap, m->start, (long)(m->end - m->start), m->prot,
				 MAP_PRIVATE | MAP_FIXED, fd, (long)m->offset);
		ok = r == (long)m->start;
		if (!ok && r < 0 && r != -EACCES && r != -EPERM) {
			/* MAP_FIXED failed after unmapping: nothing sensible is left. */
			zp_die("zpoline: cannot map the patched code of %s (%ld)", m->path, r);
		}
	}
	zp_raw1(SYS_close, fd);
	return ok;
}

void zp_text_cache_unmap(const struct zp_map *m)
{
	int orig = (int)zp_raw3(SYS_open, m->path, O_RDONLY | O_CLOEXEC, 0);
	long r = orig < 0 ? orig
			  : zp_raw6(SYS_mmap, m->start, (long)(m->end - m->start), m->prot,
				    MAP_PRIVATE | MAP_FIXED, orig, (long)m->offset);
	if (orig >= 0)
		zp_raw1(SYS_close, orig);
	if (r != (long)m->start)
		zp_die("zpoline: %s: a cached copy of its code was wrong and the original "
		       "could not be mapped back",
		       m->path);
}

/* The object's file with those sites of s that lie in m's segment
 * rewritten, into fd: what patching does in memory, without what else the memory may
 * hold (a debugger's breakpoints: see segment_written). */
static bool write_patched(int fd, int orig, const struct zp_map *m, const struct zp_sites *s)
{
	static uint8_t buf[64 * 1024] ZP_BIG_BSS;
	size_t next = 0;
	for (uint64_t off = 0;;) {
		long got = zp_raw4(SYS_pread64, orig, buf, sizeof buf, (long)off);
		if (got == -EINTR)
			continue;
		if (got < 0)
			return false;
		if (got == 0)
			return true;
		/* The sites (sorted) whose bytes fall in this chunk: file
		 * offset o of the segment is at m->start + o - m->offset. */
		while (next < s->n && (s->v[next].addr < m->start ||
				       s->v[next].addr - m->start + m->offset + 2 <= off))
			next++;
		for (size_t i = next; i < s->n && s->v[i].addr + 2 <= m->end; i++) {
			uint64_t at = s->v[i].addr - m->start + m->offset;
			if (at >= off + (uint64_t)got)
				break;
			uint8_t b[2] = {s->v[i].kind == ZP_SITE_FAST ? 0xff : 0x0f,
					s->v[i].kind == ZP_SITE_FAST ? 0xd0 : 0x0b};
			for (uint64_t k = 0; k < 2; k++)
				if (at + k >= off && at + k < off + (uint64_t)got)
					buf[at + k - off] = b[k];
		}
		for (long done = 0; done < got;) {
			long w = zp_raw3(SYS_write, fd, buf + done, got - done);
			if (w == -EINTR)
				continue;
			if (w <= 0)
				return false;
			done += w;
		}
		off += (uint64_t)got;
	}
}

/* After patching [m->start, m->end) in place: keep a copy for the next
 * process.  Written to a temporary name, then renamed. */
void zp_text_cache_store(const struct zp_map *m, const uint8_t *id, size_t idlen, uintptr_t vaddr,
			 const struct zp_sites *s)
{
	if (!zp_cache_dir() || !idlen || m->shared || !(m->prot & PROT_READ) ||
	    zp_decoder_unavailable() || !any_site_in(s, m->start, m->end) ||
	    !sites_rewritten(s, m->start, m->end))
		return;
	char dir[4300], path[4600], tmp[4700];
	if (!text_path(dir, sizeof dir, path, sizeof path, m, id, idlen, vaddr,
		       list_hash(s, m->start, m->end)))
		return;
	/* The bytes copied must be the ones mapped (a package upgrade
	 * replaces the file under a running program). */
	int orig = (int)zp_raw3(SYS_open, m->path, O_RDONLY | O_CLOEXEC, 0);
	struct stat st;
	if (orig >= 0 && (zp_raw2(SYS_fstat, orig, &st) != 0 || !zp_map_is_file(m, &st))) {
		zp_raw1(SYS_close, orig);
		orig = -1;
	}
	if (orig < 0)
		return;
	long made = zp_raw2(SYS_mkdir, dir, 0700);
	zp_snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, zp_raw0(SYS_getpid));
	int fd = made == 0 || made == -EEXIST
			 ? (int)zp_raw3(SYS_open, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
					0600)
			 : -1;
	bool ok = fd >= 0 && write_patched(fd, orig, m, s);
	if (fd >= 0)
		zp_raw1(SYS_close, fd);
	zp_raw1(SYS_close, orig);
	if (ok)
		ok = zp_raw2(SYS_rename, tmp, path) == 0;
	if (!ok && fd >= 0)
		zp_raw1(SYS_unlink, tmp);
	if (!ok)
		zp_raw1(SYS_rmdir, dir); /* only if empty: another process's copy stays */
}
