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
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "cache.h"
#include "detour.h"
#include "ehframe.h"
#include "finder.h"
#include "gotab.h"
#include "maps.h"
#include "rewrite.h"
#include "scan.h"
#include "solib.h"

struct zp_stats zp_stats;

/* A growable array in raw mmap'ed memory, populated up front (it is
 * filled at once; a page fault costs more than the mmap here). */
static int vec_reserve(void **v, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 256;
	while (ncap < need)
		ncap *= 2;
	long m = zp_raw6(SYS_mmap, 0, (long)(ncap * elem), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
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

int zp_sites_reserve(struct zp_sites *s, size_t n)
{
	return vec_reserve((void **)&s->v, &s->cap, s->n + n, sizeof *s->v) < 0 ? -ENOMEM : 0;
}

int zp_sites_push(struct zp_sites *s, uintptr_t addr, int kind)
{
	if (vec_reserve((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v) < 0)
		return -ENOMEM;
	s->v[s->n].addr = addr;
	s->v[s->n].kind = (uint8_t)kind;
	s->v[s->n].dstart = 0;
	s->v[s->n].dlen = 0;
	s->v[s->n].why = 0;
	s->v[s->n].pad = 0;
	s->v[s->n].split = 0;
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

/* The longest range decoded as one function (from its start): a gap
 * between FDEs is longer than any function only in odd code. */
#define GAP_SMALL 65536

/* Where an object's functions are: its unwind table, and Go's function
 * table, looked for only when a candidate lies outside the unwind table's
 * functions (never, in a program without Go code). */
struct bounds {
	struct zp_fde_index *ix;
	const struct zp_maps *maps; /* NULL: no Go table is looked for */
	uintptr_t base;
	const ElfW(Phdr) * phdr;
	int phnum;
	int go_state; /* 0: not looked for yet; 1: found; -1: none */
	struct zp_gopcln go;
	/* The list may be remembered (cache.c): where the candidates came from
	 * the file, the code in memory still holds their bytes.  A debugger
	 * that planted a breakpoint on a syscall before the runtime ran
	 * (`break` then `run` in gdb) hides that site; remembered, it would
	 * stay unhooked in every later run. */
	bool trusted;
};

static int decode_candidates(struct bounds *b, uintptr_t start, uintptr_t end,
			     const struct cands *c, struct zp_sites *out);
static int decode_with(struct bounds *b, uintptr_t start, uintptr_t end, const struct cands *c,
		       struct zp_sites *out, struct zp_func_result *fr);

/* Big code ranges have their candidates decoded on two CPUs too: in
 * LLVM's libraries most of them are bytes inside instructions of large
 * functions, each decoded from the function's start (several ms of
 * clang-tidy's cold start).  Each half decides for its own candidates (a
 * function with candidates in both is decoded in both), with its own copy
 * of the bounds (the unwind table's cursor caches a CIE; Go's table, if
 * neither half has it yet, may be looked up by both: the object keeps one,
 * counted once) and its own site list, appended after the first's (its
 * sites all lie above the first's: still in address order). */
enum { DECODE_SPLIT_MIN = 16 };
unsigned long zp_decode_split_count;

struct decode_half {
	struct bounds *b;
	uintptr_t start, end;
	struct cands c;
	struct zp_sites *out;
	int ret;
};

static void decode_half(void *arg)
{
	struct decode_half *h = arg;
	h->ret = decode_candidates(h->b, h->start, h->end, &h->c, h->out);
}

static int join_second(struct bounds *b, int go_before, const struct bounds *b2, int ret,
		       struct zp_sites *out, struct zp_sites *out2);

static int decode_on_two_cpus(struct bounds *b, uintptr_t start, uintptr_t end,
			      const struct cands *c, struct zp_sites *out)
{
	if (!zp_finder_ready())
		return decode_candidates(b, start, end, c, out);
	size_t mid = c->n / 2;
	struct zp_fde_index ix2 = *b->ix;
	struct bounds b2 = *b;
	b2.ix = &ix2;
	int go_before = b->go_state;
	struct zp_sites out2 = {0};
	struct decode_half first = {b, start, end, {.v = c->v, .n = mid}, out, 0};
	struct decode_half second = {&b2, start, end, {.v = c->v + mid, .n = c->n - mid}, &out2, 0};
	if (zp_beside(decode_half, &second, decode_half, &first, c->helper_ok))
		__atomic_fetch_add(&zp_decode_split_count, 1, __ATOMIC_RELAXED);
	int ret = first.ret < 0 ? first.ret : second.ret;
	return join_second(b, go_before, &b2, ret, out, &out2);
}

/* After two threads decoded one range, the second with bounds b2 into
 * out2: Go's table, if the second looked it up, becomes the object's
 * (counted once), and out2's sites are appended to out.  ret: how the
 * decoding went; returned, or -ENOMEM. */
static int join_second(struct bounds *b, int go_before, const struct bounds *b2, int ret,
		       struct zp_sites *out, struct zp_sites *out2)
{
	if (go_before == 0 && b2->go_state != 0) {
		if (b->go_state == 0) {
			b->go_state = b2->go_state;
			b->go = b2->go;
		} else if (b->go_state > 0 && b2->go_state > 0) {
			__atomic_fetch_sub(&zp_stats.go_tables, 1, __ATOMIC_RELAXED);
		}
	}
	if (ret == 0 && out2->n && zp_sites_reserve(out, out2->n) < 0)
		ret = -ENOMEM;
	for (size_t i = 0; ret == 0 && i < out2->n; i++)
		out->v[out->n++] = out2->v[i];
	zp_sites_free(out2);
	return ret;
}

/* Sites v[0..n) in address order (a shell sort: a few thousand at most,
 * in runs already sorted). */
static void sort_sites(struct zp_site *v, size_t n)
{
	static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
	for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++)
		for (size_t i = gaps[g]; i < n; i++) {
			struct zp_site t = v[i];
			size_t k = i;
			for (; k >= gaps[g] && v[k - gaps[g]].addr > t.addr; k -= gaps[g])
				v[k] = v[k - gaps[g]];
			v[k] = t;
		}
}

/* A big range scanned in place on two CPUs is decoded there too, each
 * thread the blocks it scanned, as it scans them: no second thread to
 * start, and the two share scanning and decoding as they go, however
 * unevenly the candidates lie (LLVM's libraries: most of the work of
 * their few hundred candidates is decoding the big functions around
 * them).  Each thread decides for its own candidates (a function with
 * candidates in two blocks is decoded for each), with its own bounds and
 * site list (as decode_on_two_cpus). */
struct block_decoder {
	struct bounds *b;
	uintptr_t start, end;
	struct zp_sites *out;
	struct zp_func_result *fr; /* made by the thread on its first block */
};

static int decode_block(void *arg, const size_t *v, size_t n)
{
	struct block_decoder *d = arg;
	struct cands c = {.v = (size_t *)v, .n = n};
	if (!d->fr && !(d->fr = zp_func_result_new()))
		return -ENOMEM;
	return decode_with(d->b, d->start, d->end, &c, d->out, d->fr);
}

/* Scans [start, end) in place; its sites appended to out if *decoded. */
static int scan_mapping(struct bounds *b, uintptr_t start, uintptr_t end, struct cands *c,
			struct zp_sites *out, bool *decoded)
{
	*decoded = false;
	if (!zp_finder_ready()) /* decoded here alone: it says why */
		return zp_cands_from_mapping(c, (const uint8_t *)start, end - start, NULL, decoded);
	struct zp_fde_index ix2 = *b->ix;
	struct bounds b2 = *b;
	b2.ix = &ix2;
	int go_before = b->go_state;
	size_t n0 = out->n;
	struct zp_sites out2 = {0};
	struct block_decoder first = {b, start, end, out, NULL}, second = {&b2, start, end, &out2, NULL};
	struct zp_scan_visit visit = {decode_block, {&first, &second}};
	int r = zp_cands_from_mapping(c, (const uint8_t *)start, end - start, &visit, decoded);
	zp_func_result_free(first.fr);
	zp_func_result_free(second.fr);
	if (r < 0 || !*decoded) {
		/* Scanned alone (or not at all): decoded by the caller, from
		 * the start.  What blocks of a failed split found goes. */
		out->n = n0;
		zp_sites_free(&out2);
		return r;
	}
	__atomic_fetch_add(&zp_decode_split_count, 1, __ATOMIC_RELAXED);
	r = join_second(b, go_before, &b2, 0, out, &out2);
	/* The helper took blocks from the end. */
	if (r == 0)
		sort_sites(out->v + n0, out->n - n0);
	return r;
}

static int find_in_range(struct bounds *b, uintptr_t start, uintptr_t end, int fd, uint64_t off,
			 struct zp_sites *out)
{
	struct cands c = {0};
	bool decoded = false;
	if (fd >= 0 && zp_pages_written(start, end) == 0) {
		/* Memory holds the file's bytes (no page is a copy of the
		 * process's own): scanned where it is. */
		if (scan_mapping(b, start, end, &c, out, &decoded) < 0)
			return -ENOMEM;
	} else if (fd < 0 || zp_cands_from_file(&c, fd, off, end - start) < 0) {
		/* no file to check against (the vDSO, relocated code): as found */
		if (zp_cands_from_memory(&c, (const uint8_t *)start, end - start) < 0)
			return -ENOMEM;
	} else {
		for (size_t i = 0; i < c.n && b->trusted; i++) {
			const uint8_t *p = (const uint8_t *)(start + c.v[i]);
			b->trusted = p[0] == 0x0f && (p[1] == 0x05 || p[1] == 0x34);
		}
	}
	zp_stats.candidates += c.n;
	zp_stats.bytes += end - start;
	int ret = decoded ? 0
		  : zp_scan_split_min && end - start >= zp_scan_split_min &&
			    c.n >= 2 * DECODE_SPLIT_MIN
			  ? decode_on_two_cpus(b, start, end, &c, out)
			  : decode_candidates(b, start, end, &c, out);
	zp_cands_free(&c);
	return ret;
}

int zp_find_in_range(struct zp_fde_index *ix, uintptr_t start, uintptr_t end, struct zp_sites *out)
{
	return zp_find_in_range_file(ix, start, end, -1, 0, out);
}

int zp_find_in_range_file(struct zp_fde_index *ix, uintptr_t start, uintptr_t end, int fd,
			  uint64_t off, struct zp_sites *out)
{
	struct bounds b = {.ix = ix};
	return find_in_range(&b, start, end, fd, off, out);
}

int zp_find_in_range_obj(struct zp_fde_index *ix, const struct zp_maps *maps, uintptr_t base,
			 const void *phdr, int phnum, uintptr_t start, uintptr_t end,
			 struct zp_sites *out, bool *go_used)
{
	struct bounds b = {.ix = ix, .maps = maps, .base = base, .phdr = phdr, .phnum = phnum};
	int ret = find_in_range(&b, start, end, -1, 0, out);
	*go_used = b.go_state > 0;
	return ret;
}

/* The function of Go code around a, from the object's Go table (found the
 * first time one is needed). */
static bool go_function(struct bounds *b, uintptr_t a, uintptr_t *fstart, uintptr_t *fend)
{
	if (!b->maps)
		return false;
	if (b->go_state == 0) {
		b->go_state = zp_go_table_find(b->maps, b->base, b->phdr, b->phnum, &b->go) == 0 ? 1 : -1;
		if (b->go_state > 0)
			__atomic_fetch_add(&zp_stats.go_tables, 1, __ATOMIC_RELAXED);
	}
	return b->go_state > 0 && zp_gopcln_lookup(&b->go, a, fstart, fend) == 0;
}

/* The function around candidate a: an FDE's; else Go's; else the gap
 * between two FDEs (glibc's clone ends its FDE right before its syscall).
 * A small gap between two FDEs is taken before looking for a Go table; a
 * large one, or the open end after the last FDE (zp_fde_gap ends it at
 * a + 16), only after: Go code lies there in a Go program linked by the C
 * linker, and Go's table knows where each of its functions starts. */
static bool function_at(struct bounds *b, uintptr_t a, uintptr_t *fstart, uintptr_t *fend)
{
	struct zp_fde_index *ix = b->ix;
	if (ix->count && zp_fde_lookup(ix, a, fstart, fend) == 0)
		return true;
	uintptr_t gs, ge, ps, pe;
	bool gap = ix->count && zp_fde_gap(ix, a, &gs, &ge) == 0;
	/* A call that opens a gap right where an unwind entry ends is the
	 * same code going on: assembly that closes its entry before the call
	 * (glibc's clone3: the child's part has an entry of its own).  Decoded
	 * from that entry's start, the instruction before the call is known,
	 * and a detour may displace it (detour.c) instead of the ones after
	 * the call, which a thread inside the call returns into. */
	if (gap && a == gs && ge - gs <= GAP_SMALL && zp_fde_lookup(ix, gs - 1, &ps, &pe) == 0 &&
	    pe == gs && ge - ps <= GAP_SMALL) {
		*fstart = ps;
		*fend = ge;
		return true;
	}
	if (gap && ge - gs <= GAP_SMALL && ge != a + 16) {
		*fstart = gs;
		*fend = ge;
		return true;
	}
	if (go_function(b, a, fstart, fend))
		return true;
	if (!gap)
		return false;
	*fstart = gs;
	*fend = ge;
	return true;
}

/* Does the detour of site k of the function (decoded into r) need a
 * padding slot: no plan fits, or its jmp would cover bytes after the call
 * (refused while threads the runtime did not start run)? */
static bool wants_pad(const uint8_t *fn, size_t flen, const struct zp_func_result *r, size_t k)
{
	int8_t dstart = 0;
	uint8_t dlen = 0;
	return zp_detour_plan(fn, flen, r, k, &dstart, &dlen) != ZP_DETOUR_OK || dstart > -5;
}

/* The function before the padding that ends at gs, if it decodes in
 * reasonable time (from its start: its last instruction must end the path). */
#define PAD_PREV_MAX 4096

/* Detour mode: the padding slot for site k at a (detour.c), in [start,
 * end): in the padding after the function's unwind entry, else in the
 * padding before it; or 0.  The function's earlier sites that want one
 * are given theirs first, the same way: whichever half of a split
 * decoding (decode_on_two_cpus) plans a site, it gets the same slot. */
static int8_t pad_for(struct bounds *b, uintptr_t start, uintptr_t end, uintptr_t a,
		      uintptr_t fstart, uintptr_t fend, const struct zp_func_result *r, size_t k)
{
	struct zp_fde_index *ix = b->ix;
	uintptr_t fs, fe, ags = 0, age = 0, bgs = 0, bge = 0, ps = 0, pe = 0;
	if (!ix->count || zp_fde_lookup(ix, a, &fs, &fe) != 0 || fs < start || fe > end)
		return 0;
	bool after = zp_fde_gap(ix, fe, &ags, &age) == 0 && ags == fe && age != fe + 16 &&
		     age <= end;
	bool before = fs > start && zp_fde_gap(ix, fs - 1, &bgs, &bge) == 0 && bge == fs &&
		      bgs > start && zp_fde_lookup(ix, bgs - 1, &ps, &pe) == 0 && pe == bgs &&
		      ps >= start && pe - ps <= PAD_PREV_MAX;
	unsigned na = 0, nb = 0;
	for (size_t i = 0; i <= k; i++) {
		if (i < k && !wants_pad((const uint8_t *)fstart, fend - fstart, r, i))
			continue;
		uintptr_t s = fstart + r->sites[i];
		int8_t pad = 0;
		if (after && s >= fs && s < fe &&
		    (pad = zp_detour_pad_plan((const uint8_t *)fs, fe - fs, s - fs, s,
					      (const uint8_t *)ags, age - ags, na, false)))
			na++;
		else if (before && (pad = zp_detour_pad_plan((const uint8_t *)ps, pe - ps, 0, s,
							     (const uint8_t *)bgs, bge - bgs, nb,
							     true)))
			nb++;
		if (i == k)
			return pad;
	}
	return 0;
}

static int decode_candidates(struct bounds *b, uintptr_t start, uintptr_t end,
			     const struct cands *c, struct zp_sites *out)
{
	struct zp_func_result *fr = c->n ? zp_func_result_new() : NULL;
	if (c->n && !fr)
		return -ENOMEM;
	int ret = decode_with(b, start, end, c, out, fr);
	zp_func_result_free(fr);
	return ret;
}

/* Were `syscall` bytes found outside any function the symbols or unwind
 * tables know (a stripped program whose runtime makes its own calls, as
 * Free Pascal's does)?  Left as they are, their calls would bypass the
 * hooks (and a raw rt_sigaction of the program would take the runtime's
 * signals from it): auto mode keeps Syscall User Dispatch armed to catch
 * them (init.c, tier.c), as for code it could not decode. */
bool zp_unknown_sites(void)
{
	return __atomic_load_n(&zp_stats.no_boundary, __ATOMIC_RELAXED) != 0;
}

/* The same with fr to decode each function into. */
static int decode_with(struct bounds *b, uintptr_t start, uintptr_t end, const struct cands *c,
		       struct zp_sites *out, struct zp_func_result *fr)
{
	size_t n = c->n, *cand = c->v;
	uintptr_t fstart = 0, fend = 0;
	struct zp_func_result *res = NULL;
	for (size_t i = 0; i < n; i++) {
		uintptr_t a = start + cand[i];
		if (!(a >= fstart && a < fend)) {
			res = NULL;
			if (!function_at(b, a, &fstart, &fend)) {
				fstart = fend = 0;
				__atomic_fetch_add(&zp_stats.no_boundary, 1, __ATOMIC_RELAXED);
				continue;
			}
			if (fend - fstart > GAP_SMALL)
				fend = fstart + GAP_SMALL; /* a gap: decode no further than needed */
			/* A function running past the segment is not to be trusted. */
			if (fstart < start || fend > end) {
				fstart = fend = 0;
				__atomic_fetch_add(&zp_stats.no_boundary, 1, __ATOMIC_RELAXED);
				continue;
			}
			size_t last = i; /* candidates are in address order */
			while (last + 1 < n && start + cand[last + 1] < fend)
				last++;
			zp_decode_function((const uint8_t *)fstart, fend - fstart,
					   start + cand[last] - fstart, fr);
			res = fr;
			__atomic_fetch_add(&zp_stats.insns, fr->insns, __ATOMIC_RELAXED);
			if (fr->nsites > ZP_FUNC_MAX_SITES)
				zp_log("zpoline: a function at %p has %zu system calls; only the first "
				       "%d are rewritten", (void *)fstart, fr->nsites, ZP_FUNC_MAX_SITES);
		}
		if (!res)
			continue;
		size_t found = SIZE_MAX;
		for (size_t k = 0; k < res->nsites && k < ZP_FUNC_MAX_SITES; k++)
			if (fstart + res->sites[k] == a)
				found = k;
		if (found == SIZE_MAX) {
			__atomic_fetch_add(&zp_stats.not_insn, 1, __ATOMIC_RELAXED);
			continue;
		}
		int kind = res->redzone ? ZP_SITE_TRAP : ZP_SITE_FAST;
		int8_t dstart = 0;
		uint8_t dlen = 0;
		int why = 0;
		int8_t pad = 0;
		uint8_t split = 0;
		if (zp_mode == ZP_MODE_DETOUR && kind == ZP_SITE_FAST) {
			/* No page 0: a jmp to a trampoline, or a trap. */
			why = zp_detour_plan((const uint8_t *)fstart, fend - fstart, res, found,
					     &dstart, &dlen);
			kind = why == ZP_DETOUR_OK ? ZP_SITE_DETOUR : ZP_SITE_TRAP;
			if (why != ZP_DETOUR_OK)
				__atomic_fetch_add(&zp_detour_refused[why], 1, __ATOMIC_RELAXED);
			if (why != ZP_DETOUR_OK || dstart > -5)
				pad = pad_for(b, start, end, a, fstart, fend, res, found);
			if (why == ZP_DETOUR_OK && dstart > -5)
				split = zp_detour_split_plan((const uint8_t *)fstart, fend - fstart, res,
							     found);
		}
		if (zp_sites_push(out, a, kind) < 0)
			return -ENOMEM;
		out->v[out->n - 1].dstart = dstart;
		out->v[out->n - 1].dlen = dlen;
		out->v[out->n - 1].why = (uint8_t)why;
		out->v[out->n - 1].pad = pad;
		out->v[out->n - 1].split = split;
	}
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
static int patch_lock;
static uintptr_t patch_owner;

static void lock_patching(bool *took)
{
	/* The thread's block names it without a system call (a tid where the
	 * thread has none yet: the two never collide, blocks are far above
	 * any tid). */
	struct zp_thread *t = zp_thread_self();
	uintptr_t me = t ? (uintptr_t)t : (uintptr_t)zp_raw0(SYS_gettid);
	*took = false;
	if (__atomic_load_n(&patch_owner, __ATOMIC_ACQUIRE) == me)
		return;
	while (__atomic_exchange_n(&patch_lock, 1, __ATOMIC_ACQUIRE))
		zp_raw0(SYS_sched_yield);
	__atomic_store_n(&patch_owner, me, __ATOMIC_RELEASE);
	*took = true;
}

/* In a forked child only the calling thread exists: if another one was
 * patching, nobody will give the lock back. */
void zp_rewrite_forked(void)
{
	uintptr_t me = (uintptr_t)zp_thread_self();
	if (__atomic_load_n(&patch_owner, __ATOMIC_ACQUIRE) != me) {
		__atomic_store_n(&patch_owner, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&patch_lock, 0, __ATOMIC_RELEASE);
	}
}

static void unlock_patching(bool took)
{
	if (!took)
		return;
	__atomic_store_n(&patch_owner, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&patch_lock, 0, __ATOMIC_RELEASE);
}

/* The bytes a site's rewriting replaces: 2, or a detour's (a padding
 * slot is used only where it lies in the pages made writable). */
static uintptr_t site_lo(const struct zp_site *site)
{
	return site->kind == ZP_SITE_DETOUR ? site->addr + site->dstart : site->addr;
}

static uintptr_t site_hi(const struct zp_site *site)
{
	if (site->kind != ZP_SITE_DETOUR)
		return site->addr + 2;
	uintptr_t hi = site->addr + (uintptr_t)(intptr_t)site->dstart + site->dlen;
	return site->split && site->addr + 2 + site->split > hi ? site->addr + 2 + site->split : hi;
}

/* Detour mode: through the site's padding slot, if it has one within the
 * writable pages [p0, p1). */
static bool apply_pad(const struct zp_site *site, uintptr_t p0, uintptr_t p1)
{
	uintptr_t slot = site->addr + 2 + (uintptr_t)(intptr_t)site->pad;
	return site->pad && slot >= p0 && slot + 5 <= p1 &&
	       zp_detour_apply_pad(site->addr, site->pad) == ZP_DETOUR_OK;
}

static bool apply_split(const struct zp_site *site, uintptr_t p1)
{
	return site->split && site->addr + 2 + site->split <= p1 &&
	       zp_detour_apply_split(site->addr, site->split) == ZP_DETOUR_OK;
}

bool zp_site_bytes_rewritten(const struct zp_site *site, const uint8_t *b)
{
	if (site->kind == ZP_SITE_DETOUR || site->pad)
		return false; /* its trampoline is this process's: never taken as done */
	return site->kind == ZP_SITE_FAST ? (b[0] == 0xff && b[1] == 0xd0)  /* callq *%rax */
					  : (b[0] == 0x0f && b[1] == 0x0b); /* ud2 */
}

bool zp_site_rewritten(const struct zp_site *site)
{
	return zp_site_bytes_rewritten(site, (const uint8_t *)site->addr);
}

/* Sites [i, j) all hold their rewritten instruction already. */
static bool all_rewritten(const struct zp_sites *s, size_t i, size_t j)
{
	for (size_t k = i; k < j; k++)
		if (!zp_site_rewritten(&s->v[k]))
			return false;
	return true;
}

/* Sites [i, j) hold their rewritten instruction: register them (unless
 * registered before their patched copy was mapped), write nothing. */
static void register_run(const struct zp_sites *s, size_t i, size_t j, bool registered)
{
	for (size_t k = i; k < j; k++) {
		uintptr_t a = s->v[k].addr;
		if (s->v[k].kind == ZP_SITE_FAST) {
			if (!registered)
				zp_set_add(&zp_site_table, (uint64_t)a + 2);
			zp_stats.fast++;
		} else {
			if (!registered)
				zp_set_add(&zp_trap_table, (uint64_t)a);
			zp_stats.trap++;
		}
	}
}

/* Registered before a patched copy of the code is mapped over it (by
 * textcache.c, just before its mmap): a thread already running there
 * reaches the sites the moment the copy is in place, and an unregistered
 * callq site is taken for a call through NULL (a Go library linked into a
 * C program starts its runtime's threads before the constructor: one run
 * in forty died so).  Should the mapping fail, a registered site still
 * holding `syscall` is never looked up. */
void zp_sites_register_ahead(const struct zp_sites *s, uintptr_t lo, uintptr_t hi)
{
	for (size_t k = 0; k < s->n; k++) {
		uintptr_t a = s->v[k].addr;
		if (a < lo || a + 2 > hi)
			continue;
		if (s->v[k].kind == ZP_SITE_FAST)
			zp_set_add(&zp_site_table, (uint64_t)a + 2);
		else
			zp_set_add(&zp_trap_table, (uint64_t)a);
	}
}

int zp_patch_sites(const struct zp_maps *maps, const struct zp_sites *s)
{
	return zp_patch_sites_premapped(maps, s, NULL, 0);
}

int zp_patch_sites_premapped(const struct zp_maps *maps, const struct zp_sites *s,
			     const uintptr_t *premapped, int npremapped)
{
	bool took;
	lock_patching(&took);
	size_t nfast = 0;
	for (size_t k = 0; k < s->n; k++)
		nfast += s->v[k].kind != ZP_SITE_TRAP;
	/* else they grow (and are copied) as they fill */
	zp_sets_reserve(nfast, zp_mode == ZP_MODE_DETOUR ? s->n : s->n - nfast);
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
		uintptr_t lo = site_lo(&s->v[i]), hi = site_hi(&s->v[i]);
		while (j < s->n && site_lo(&s->v[j]) >= m->start && site_hi(&s->v[j]) <= m->end) {
			lo = site_lo(&s->v[j]) < lo ? site_lo(&s->v[j]) : lo;
			hi = site_hi(&s->v[j]) > hi ? site_hi(&s->v[j]) : hi;
			j++;
		}
		if (j == i) { /* the site crosses into the next mapping */
			zp_stats.failed++;
			i++;
			continue;
		}
		uintptr_t p0 = lo & ~(uintptr_t)(ZP_PAGE - 1);
		uintptr_t p1 = (hi + ZP_PAGE - 1) & ~(uintptr_t)(ZP_PAGE - 1);
		/* A file mapping made writable is charged as private memory
		 * (VM_ACCOUNT) and keeps that mark when it is read-only again, so
		 * the part made writable no longer merges with the rest: the
		 * object's code would show as two or three lines of
		 * /proc/self/maps.  What reads them (Go's pprof, profilers,
		 * crash reporters) expects one line per segment, as natively
		 * (Go's pprof symbolised C frames of a cgo program wrongly).  So
		 * the whole mapping changes protection, and stays one. */
		if (m->inode) {
			p0 = m->start;
			p1 = m->end;
		}
		bool premapped_run = false;
		for (int r = 0; r < npremapped; r++)
			premapped_run |= premapped[r] == m->start;
		if (premapped_run || all_rewritten(s, i, j)) {
			/* already patched: mapped from the text cache */
			register_run(s, i, j, premapped_run);
			i = j;
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
		if (zp_mode == ZP_MODE_DETOUR)
			zp_detour_batch_begin();
		for (size_t k = i; k < j; k++) {
			uint8_t *at = (uint8_t *)s->v[k].addr;
			if (at[0] != 0x0f || (at[1] != 0x05 && at[1] != 0x34)) {
				zp_stats.failed++;
				continue;
			}
			int kind = s->v[k].kind;
			if (zp_mode == ZP_MODE_DETOUR && kind == ZP_SITE_FAST)
				kind = ZP_SITE_TRAP; /* never `callq *%rax` without page 0 */
			if (kind == ZP_SITE_DETOUR) {
				int why = zp_detour_apply(s->v[k].addr, s->v[k].dstart, s->v[k].dlen);
				if (why == ZP_DETOUR_THREADS &&
				    (apply_pad(&s->v[k], p0, p1) || apply_split(&s->v[k], p1)))
					continue;
				if (why == ZP_DETOUR_OK)
					continue; /* counted by zp_detour_apply */
				zp_detour_refused[why]++;
				kind = ZP_SITE_TRAP;
			} else if (kind == ZP_SITE_TRAP && zp_mode == ZP_MODE_DETOUR &&
				   apply_pad(&s->v[k], p0, p1)) {
				/* counted as refused when planned: detoured after all */
				if (s->v[k].why)
					__atomic_fetch_sub(&zp_detour_refused[s->v[k].why], 1,
							   __ATOMIC_RELAXED);
				continue;
			}
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
		if (zp_mode == ZP_MODE_DETOUR)
			zp_detour_batch_end();
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
static struct object objects[MAX_OBJECTS] ZP_BIG_BSS;
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

/* Go's linker writes no GNU build-id, but a note "Go" (type 4) holding
 * Go's build ID, "actionID/contentID" pairs separated by '/'; the last part
 * is a hash of the binary's content (20 characters, base64url), which
 * names the code as a GNU build-id does.  Without it every start of a Go
 * program would find its sites afresh.  An ID set by hand
 * (-ldflags=-buildid=...) rarely has that form, and is not used then. */
static const uint8_t *go_content_id(const uint8_t *desc, size_t n, size_t *len)
{
	enum { PART = 20 };
	if (n < PART + 2 || desc[n - PART - 1] != '/')
		return NULL;
	for (size_t k = n - PART; k < n; k++) {
		uint8_t c = desc[k];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return NULL;
	}
	*len = PART;
	return desc + n - PART;
}

static const uint8_t *build_id(const struct object *o, size_t *len)
{
	const uint8_t *go = NULL;
	size_t golen = 0;
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
			if (!go && nh->n_type == 4 && nh->n_namesz == 3 + 1 && !memcmp(name, "Go", 3) &&
			    desc <= end && nh->n_descsz <= (size_t)(end - desc))
				go = go_content_id(desc, nh->n_descsz, &golen);
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	*len = golen; /* a GNU build-id comes first: C-linked Go programs have both */
	return go;
}

/* The file a code mapping was made from, if it is still that file: the
 * mapping is then scanned in place if none of its pages was written, else
 * the file's bytes are the candidates (see scan.c), and only a list found
 * so may be remembered.  Only at start-up and for code not relocated in
 * place (DT_TEXTREL), when the mapping still holds the file's bytes but
 * where something (a debugger) changed them. */
static int open_backing_file(const struct zp_map *m)
{
	if (!m->inode || m->shared || m->path[0] != '/')
		return -1;
	int fd = (int)zp_raw3(SYS_open, m->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	struct stat st;
	if (zp_raw2(SYS_fstat, fd, &st) < 0 || !zp_map_is_file(m, &st)) {
		zp_raw1(SYS_close, fd);
		return -1;
	}
	return fd;
}

/* The end of what m's file backs, or m->end when that cannot be told. */
static uintptr_t backed_end(const struct zp_map *m)
{
	struct stat st;
	if (!m->inode || m->path[0] != '/' || zp_raw2(SYS_stat, m->path, &st) < 0 ||
	    !zp_map_is_file(m, &st))
		return m->end;
	uint64_t backed = zp_file_backed((uint64_t)st.st_size, m->offset);
	return backed < m->end - m->start ? m->start + backed : m->end;
}

/* The part of the segment [*s, *e) that can hold code: from the lowest to
 * the highest of the object's code sections (SHF_EXECINSTR, from the
 * section headers in its file) and the functions its unwind table knows.
 * A segment also holds read-only data and symbol tables where the object
 * was linked without -z separate-code (LLVM 14: .text is half of a 97 MiB
 * segment), and scanning them costs as much as the code.  Left whole
 * where the file has no usable section headers (stripped to the bone,
 * packed) or names no code section inside the segment. */
static void code_span(int fd, uintptr_t base, struct zp_fde_index *ix, uintptr_t *s, uintptr_t *e)
{
	ElfW(Ehdr) eh;
	ElfW(Shdr) sh[128];
	if (zp_raw4(SYS_pread64, fd, &eh, sizeof eh, 0) != (long)sizeof eh ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_shentsize != sizeof sh[0] || eh.e_shnum == 0 || eh.e_shnum > 128)
		return;
	long want = (long)(eh.e_shnum * sizeof sh[0]);
	if (zp_raw4(SYS_pread64, fd, sh, want, eh.e_shoff) != want)
		return;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (int i = 0; i < eh.e_shnum; i++) {
		if (sh[i].sh_type == SHT_NOBITS || (sh[i].sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) !=
							   (SHF_ALLOC | SHF_EXECINSTR))
			continue;
		uintptr_t a = base + sh[i].sh_addr, b = a + sh[i].sh_size;
		if (b <= *s || a >= *e || b < a)
			continue;
		lo = a < lo ? a : lo;
		hi = b > hi ? b : hi;
	}
	if (hi == 0)
		return;
	uintptr_t flo, fhi;
	if (zp_fde_span(ix, &flo, &fhi) == 0 && fhi > *s && flo < *e) {
		lo = flo < lo ? flo : lo;
		hi = fhi > hi ? fhi : hi;
	}
	if (lo > *s)
		*s = lo;
	if (hi < *e)
		*e = hi;
}

/* Scans the object's code for sites.  Returns whether it had function
 * boundaries (FDEs): a list found without them is empty by construction
 * and never cached.  *trusted: it may be cached (struct bounds). */
static bool find_sites(const struct zp_maps *maps, const struct object *o, struct zp_sites *sites,
		       bool *trusted)
{
	bool textrel = zp_object_has_textrel(o->base, o->phdr, o->phnum);
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
	struct bounds b = {.ix = &ix, .maps = maps, .base = o->base, .phdr = o->phdr,
			   .phnum = o->phnum, .trusted = true};
	for (int i = 0; i < o->phnum; i++) {
		const ElfW(Phdr) *ph = &o->phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t s = o->base + ph->p_vaddr, e = s + ph->p_memsz;
		const struct zp_map *m = zp_maps_find(maps, s);
		if (!m || !(m->prot & PROT_EXEC))
			continue;
		uintptr_t end = backed_end(m);
		if (e > end)
			e = end; /* the segment's tail beyond its mapping or its file */
		if (e <= s)
			continue;
		bool unreadable = !(m->prot & PROT_READ);
		if (unreadable)
			zp_raw3(SYS_mprotect, m->start, m->end - m->start, m->prot | PROT_READ);
		int fd = textrel ? -1 : open_backing_file(m);
		if (fd >= 0)
			code_span(fd, o->base, &ix, &s, &e);
		find_in_range(&b, s, e, fd, m->offset + (s - m->start), sites);
		if (fd >= 0)
			zp_raw1(SYS_close, fd);
		if (unreadable)
			zp_raw3(SYS_mprotect, m->start, m->end - m->start, m->prot);
	}
	*trusted = b.trusted;
	return ix.count != 0 || b.go_state > 0;
}

/* The object's executable segment i, if mapped. */
static const struct zp_map *code_map(const struct zp_maps *maps, const struct object *o, int i)
{
	const ElfW(Phdr) *ph = &o->phdr[i];
	return ph->p_type == PT_LOAD && (ph->p_flags & PF_X) ? zp_maps_find(maps, o->base + ph->p_vaddr)
							      : NULL;
}

/* An object with neither a GNU build-id nor Go's content ID is named by
 * its file instead: device, inode, size, and modification and change
 * times to the nanosecond.  (Rust's toolchain is built so: librustc_driver
 * and libLLVM, 180 MB of code, were scanned at every start of rustc, 20 ms
 * natively, ~135 ms more here, and cargo starts it again and again.)  Any
 * write to the file sets its ctime to the current time, which no user can
 * set; only a file whose ctime is under 2 seconds old could be written
 * again within the same tick of the file system's clock (a jiffy on ext4)
 * with every field the same, so such a file is not named (git treats its
 * "racily clean" index entries alike).  As with a build-id, a cached list
 * is still checked site by site before it is used. */
#define FILE_ID_TAG 0x3164656c69667a70ULL /* "pzfiled1" */
static const uint8_t *file_id(const struct zp_maps *maps, const struct object *o,
			      uint64_t out[7], size_t *len)
{
	const struct zp_map *m = NULL;
	for (int i = 0; i < o->phnum && !m; i++)
		m = code_map(maps, o, i);
	if (!m || !m->inode || m->path[0] != '/')
		return NULL;
	struct stat st;
	struct timespec now;
	if (zp_raw2(SYS_stat, m->path, &st) < 0 || !zp_map_is_file(m, &st))
		return NULL;
	if (zp_raw2(SYS_clock_gettime, CLOCK_REALTIME, &now) < 0 ||
	    st.st_ctim.tv_sec + 2 > now.tv_sec)
		return NULL;
	out[0] = FILE_ID_TAG;
	out[1] = st.st_dev;
	out[2] = st.st_ino;
	out[3] = (uint64_t)st.st_size;
	out[4] = (uint64_t)st.st_mtim.tv_sec;
	out[5] = (uint64_t)st.st_ctim.tv_sec;
	out[6] = (uint64_t)st.st_mtim.tv_nsec | (uint64_t)st.st_ctim.tv_nsec << 32;
	*len = 7 * sizeof out[0];
	return (const uint8_t *)out;
}

/* An object with no file behind its code (the vDSO) is listed from its
 * bytes in memory, which something may have changed first: another copy of
 * the runtime that rewrote them (before copies knew of each other), a
 * debugger's breakpoint.  Such a list, kept under the build-id alone, was
 * taken by every later process: the vDSO's five calls went unhooked on
 * a machine whose cache held one with no sites (sweep F2).  So its key is
 * the build-id and a hash of the bytes themselves: bytes found changed
 * have a list of their own, which pristine ones never find. */
#define BYTES_ID_TAG 0x3173657479627a70ULL /* "pzbytes1" */
static const uint8_t *bytes_id(const struct zp_maps *maps, const struct object *o,
			       const uint8_t *bid, size_t bidlen, uint64_t out[4], size_t *len)
{
	const struct zp_map *m = NULL;
	for (int i = 0; i < o->phnum && !m; i++)
		m = code_map(maps, o, i);
	if (!bid || !m || m->inode)
		return bid;
	uint64_t h = 0x9e3779b97f4a7c15ULL, n = 0;
	for (size_t i = 0; i < bidlen; i++)
		h = (h ^ bid[i]) * 0x100000001b3ULL;
	out[1] = h;
	h = 0xcbf29ce484222325ULL;
	for (int i = 0; i < o->phnum; i++) {
		const ElfW(Phdr) *ph = &o->phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || !code_map(maps, o, i))
			continue;
		const uint8_t *b = (const uint8_t *)(o->base + ph->p_vaddr);
		size_t k = 0;
		for (uint64_t w; k + 8 <= ph->p_memsz; k += 8) { /* a word at a time */
			memcpy(&w, b + k, 8);
			h = (h ^ w) * 0x100000001b3ULL;
			h ^= h >> 29;
		}
		for (; k < ph->p_memsz; k++)
			h = (h ^ b[k]) * 0x100000001b3ULL;
		n += ph->p_memsz;
	}
	out[0] = BYTES_ID_TAG;
	out[2] = h;
	out[3] = n;
	*len = 4 * sizeof out[0];
	return (const uint8_t *)out;
}

/* sites: the caller's scratch list, reused from object to object (each
 * list costs an mmap and a populated page or more). */
static void process_object(const struct zp_maps *maps, const struct object *o,
			   struct zp_sites *sites)
{
	uint64_t t_obj = zp_now_ns();
	const char *path = o->name;
	sites->n = 0;
	size_t idlen;
	const uint8_t *id = build_id(o, &idlen);
	uint64_t fid[7];
	if (!id)
		id = file_id(maps, o, fid, &idlen);
	else
		id = bytes_id(maps, o, id, idlen, fid, &idlen);
	for (int i = 0; i < o->phnum; i++) {
		const struct zp_map *m = code_map(maps, o, i);
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
	/* A cached list's bytes are checked below, only where the code is not
	 * replaced by a patched copy: reading them would fault in pages of the
	 * original that are about to be thrown away. */
	/* Detour mode's patched bytes point at this process's trampolines:
	 * its patched text is never shared with other runs.  Its site lists
	 * are (lists of their own, cache.c): each site's plan depends on the
	 * object's bytes alone, and zp_detour_apply checks it against them. */
	bool detour = zp_mode == ZP_MODE_DETOUR;
	const uint8_t *text_id = detour ? NULL : id;
	unsigned long detour0 = zp_detour_count, trap0 = zp_stats.trap;
	bool cached = id && xlo < xhi &&
		      zp_cache_load(id, idlen, o->base, xlo, xhi, true, false, sites) == 0;
	bool with_fdes = false, trusted = false;
	if (cached) {
		zp_stats.cache_hits++;
		for (size_t k = 0; detour && k < sites->n; k++)
			if (sites->v[k].kind == ZP_SITE_TRAP && sites->v[k].why)
				zp_detour_refused[sites->v[k].why]++;
	} else
		with_fdes = find_sites(maps, o, sites, &trusted);
	uint64_t t_found = zp_now_ns();
	/* Code patched by an earlier process, shared through the page cache;
	 * what is not there yet is patched here and kept for the next one. */
	bool textrel = zp_object_has_textrel(o->base, o->phdr, o->phnum);
	bool mapped[64] = {0};
	for (int i = 0; i < o->phnum && i < 64 && text_id && !textrel; i++) {
		const struct zp_map *m = code_map(maps, o, i);
		if (m && m->inode && zp_text_cache_map(m, id, idlen, o->phdr[i].p_vaddr, sites)) {
			mapped[i] = true;
			zp_stats.text_cached++;
		}
	}
	bool list_ok = true;
	for (int i = 0; i < o->phnum && cached && list_ok; i++) {
		const struct zp_map *m = code_map(maps, o, i);
		if (m && !(i < 64 && mapped[i]))
			list_ok = zp_sites_hold_syscalls(sites, m->start, m->end);
	}
	if (!list_ok) { /* a stale or foreign list: start again from the code */
		for (int i = 0; i < o->phnum && i < 64; i++)
			if (mapped[i]) {
				zp_text_cache_unmap(code_map(maps, o, i));
				mapped[i] = false;
				zp_stats.text_cached--;
			}
		zp_stats.cache_hits--;
		cached = false;
		sites->n = 0;
		with_fdes = find_sites(maps, o, sites, &trusted);
	}
	/* Patched copies were checked site by site as they were mapped
	 * (textcache.c): registering their sites need not read them again. */
	uintptr_t premapped[64];
	int npremapped = 0;
	for (int i = 0; i < o->phnum && i < 64; i++)
		if (mapped[i])
			premapped[npremapped++] = code_map(maps, o, i)->start;
	zp_patch_sites_premapped(maps, sites, premapped, npremapped);
	for (int i = 0; i < o->phnum && i < 64 && text_id && !textrel && (cached || trusted); i++) {
		const struct zp_map *m = code_map(maps, o, i);
		if (m && m->inode && !mapped[i])
			zp_text_cache_store(m, id, idlen, o->phdr[i].p_vaddr, sites);
	}
	if (zp_debug >= 2) /* the code's addresses: tests look for calls made from it */
		zp_log("zpoline: %s: %zu sites%s; found in %llu us, patched in %llu us; code 0x%lx-0x%lx",
		       path && *path ? path : "?", sites->n, cached ? " (cache)" : "",
		       (unsigned long long)(t_found - t_obj) / 1000,
		       (unsigned long long)(zp_now_ns() - t_found) / 1000, (unsigned long)xlo,
		       (unsigned long)xhi);
	if (id && !cached && with_fdes && trusted)
		zp_cache_store(id, idlen, o->base, sites);
	if (detour && zp_debug && sites->n)
		zp_log("zpoline: %s: %lu sites detoured, %lu not patchable (trap)",
		       path && *path ? path : "?", zp_detour_count - detour0, zp_stats.trap - trap0);
	if (zp_sites_report)
		zp_sites_report(path, o->base, sites);
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

/* Another object exporting the runtime's API: a copy of this library,
 * whatever its file is called. */
static int find_other_runtime(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct object o = {info->dlpi_addr, info->dlpi_name, info->dlpi_phdr, info->dlpi_phnum};
	if (is_self(&o) || !zp_solib_defines(info, "zpoline_raw_syscall"))
		return 0;
	*(bool *)data = true;
	return 1;
}

bool zp_other_runtime_loaded(void)
{
	bool found = false;
	dl_iterate_phdr(find_other_runtime, &found);
	return found;
}

/* Where this library is: the range Syscall User Dispatch lets through. */
void zp_self_range_init(void)
{
	bool found = false;
	dl_iterate_phdr(find_self, &found);
	zp_self_len = zp_self_hi - zp_self_lo;
}

/* A shared library (no PT_INTERP) of Go's (its build-ID note) present at
 * start-up has run its initializer already, which starts the Go runtime's
 * threads: rewriting the code they run, under them, is not safe (with the
 * count hook one run in six crashed or hung).  It keeps its calls
 * unhooked; one loaded later with dlopen is rewritten before its
 * initializer runs, and a Go program's threads start after the runtime. */
static bool go_library_running(const struct zp_maps *maps, const struct object *o)
{
	for (int i = 0; i < o->phnum; i++)
		if (o->phdr[i].p_type == PT_INTERP)
			return false;
	if (!zp_go_note_present(maps, o->base, o->phdr, o->phnum))
		return false;
	if (zp_debug)
		zp_log("zpoline: %s: a Go library whose runtime started before zpoline's: left unhooked",
		       o->name && *o->name ? o->name : "?");
	return true;
}

/* The objects loaded now, for zp_rewrite_objects().  Those loaded at
 * start-up are never unloaded, so a list taken then stays true (tier.c
 * rewrites them later). */
void zp_rewrite_collect(void)
{
	nobjects = 0;
	dl_iterate_phdr(collect, NULL);
}

int zp_rewrite_all(void)
{
	/* The objects first: the maps' state shares their page. */
	zp_rewrite_collect();
	return zp_rewrite_objects();
}

int zp_rewrite_objects(void)
{
	uint64_t t0 = zp_now_ns();
	struct zp_maps maps;
	int e = zp_trampoline_ensure();
	if (e < 0)
		return e;
	e = zp_maps_open(&maps);
	if (e < 0)
		return e;
	zp_pagemap_hold(true);
	/* Normally reserved before the second stage was mapped (init.c);
	 * the tables then grow, and the second stage is rewritten, only for
	 * programs with more sites. */
	zp_sets_reserve(ZP_SITES_TYPICAL, ZP_TRAPS_TYPICAL);
	/* One scratch list for every object, sized for libc's ~530 sites at
	 * once (grown by doubling from 256 it took two mmaps and a munmap). */
	struct zp_sites sites = {0};
	zp_sites_reserve(&sites, 1024);
	for (size_t i = 0; i < nobjects; i++) {
		if (!is_self(&objects[i]) && !go_library_running(&maps, &objects[i]))
			process_object(&maps, &objects[i], &sites);
		if (zp_unwind_is_unwinder(objects[i].name))
			zp_unwind_loaded(objects[i].base, true);
	}
	zp_sites_free(&sites);
	zp_pagemap_hold(false);
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
	if (zp_mode == ZP_MODE_SUD)
		return 0; /* no page 0: the image's calls trap where they are */
	/* The loader's own sites too before the image runs (tier.c): it may
	 * start threads at once. */
	zp_tier_now("zpoline-loader's image");
	struct zp_maps maps;
	int e = zp_maps_read(&maps);
	if (e < 0)
		return e;
	unsigned long before = zp_stats.fast + zp_stats.trap + zp_detour_count;
	struct object o = {base, path, (const ElfW(Phdr) *)phdr, phnum};
	struct zp_sites sites = {0};
	process_object(&maps, &o, &sites);
	zp_sites_free(&sites);
	zp_maps_free(&maps);
	return (int)(zp_stats.fast + zp_stats.trap + zp_detour_count - before);
}
