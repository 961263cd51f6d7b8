/*
 * maps.c - /proc/self/maps, read with raw system calls (libc's would be
 * hooked once it is rewritten, and show up in a trace).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>

#include "maps.h"

static long map_anon(size_t bytes)
{
	return zp_raw6(SYS_mmap, 0, (long)bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static uintptr_t hex(const char **p)
{
	uintptr_t v = 0;
	for (;;) {
		char c = **p;
		if (c >= '0' && c <= '9')
			v = v * 16 + (uintptr_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uintptr_t)(c - 'a' + 10);
		else
			break;
		(*p)++;
	}
	return v;
}

static unsigned long dec(const char **p)
{
	unsigned long v = 0;
	while (**p >= '0' && **p <= '9')
		v = v * 10 + (unsigned long)(*(*p)++ - '0');
	return v;
}

int zp_maps_read(struct zp_maps *out)
{
	out->n = 0;
	out->buf = NULL;
	out->v = NULL;
	out->query_fd = -1;
	out->full = NULL;
	int fd = (int)zp_raw3(SYS_open, "/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	size_t cap = 1 << 16, len = 0;
	long m = map_anon(cap);
	if (m < 0) {
		zp_raw1(SYS_close, fd);
		return (int)m;
	}
	char *buf = (char *)m;
	for (;;) {
		if (len + 4096 > cap) {
			long nm = zp_raw5(SYS_mremap, buf, cap, cap * 2, MREMAP_MAYMOVE, 0);
			if (nm < 0) {
				zp_raw1(SYS_close, fd);
				zp_raw2(SYS_munmap, buf, cap);
				return (int)nm;
			}
			buf = (char *)nm;
			cap *= 2;
		}
		long r = zp_raw3(SYS_read, fd, buf + len, cap - len - 1);
		if (r == -4)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	zp_raw1(SYS_close, fd);
	buf[len] = '\0';

	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	size_t vbytes = (lines + 1) * sizeof(struct zp_map);
	/* The entries go after the text when they fit: a second mapping is two
	 * calls more (mmap, munmap), and its page a fault of its own, where
	 * the text's last page is already touched.  v_size 0 says they live
	 * in buf. */
	size_t at = (len + 1 + 15) & ~(size_t)15;
	struct zp_map *v;
	if (at + vbytes <= cap) {
		v = (struct zp_map *)(void *)(buf + at);
		vbytes = 0;
	} else {
		long vm = map_anon(vbytes);
		if (vm < 0) {
			zp_raw2(SYS_munmap, buf, cap);
			return (int)vm;
		}
		v = (struct zp_map *)vm;
	}
	size_t n = 0;
	for (const char *p = buf; *p;) {
		struct zp_map *e = &v[n];
		e->start = hex(&p);
		if (*p == '-')
			p++;
		e->end = hex(&p);
		while (*p == ' ')
			p++;
		e->prot = (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
			  (p[2] == 'x' ? PROT_EXEC : 0);
		e->shared = p[3] == 's';
		p += 4;
		while (*p == ' ')
			p++;
		e->offset = hex(&p); /* offset */
		while (*p == ' ')
			p++;
		e->dev_major = (unsigned)hex(&p);
		if (*p == ':')
			p++;
		e->dev_minor = (unsigned)hex(&p);
		while (*p == ' ')
			p++;
		e->inode = dec(&p);
		while (*p == ' ')
			p++;
		e->path = p;
		while (*p && *p != '\n')
			p++;
		if (*p == '\n')
			*(char *)p++ = '\0';
		if (e->end > e->start)
			n++;
	}
	out->buf = buf;
	out->buf_size = cap;
	out->v = v;
	out->v_size = vbytes;
	out->n = n;
	return 0;
}

/* ---- asked for, mapping by mapping ------------------------------------------
 * Reading /proc/self/maps makes the kernel print every mapping, a path
 * lookup (d_path) for each file: ~50 us of a 0.9 ms /bin/true under the
 * runtime on the AMD EPYC VM, and at every dlopen of a program with
 * hundreds of mappings far more (glibc's nptl/tst-stack4, 40,000 dlopens:
 * ~40% of its time).  PROCMAP_QUERY (Linux 6.11) answers for one address:
 * the start-up needs only the objects' code segments (and, without a
 * cached site list, where their unwind tables are), a dlopen only the new
 * library's. */
struct zp_procmap_query { /* include/uapi/linux/fs.h; Debian 12's headers predate it */
	uint64_t size, query_flags, query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
_Static_assert(sizeof(struct zp_procmap_query) == 104, "the kernel's layout");
#define ZP_PROCMAP_QUERY _IOWR('f', 17, struct zp_procmap_query)
enum {
	PQ_READ = 0x01,
	PQ_WRITE = 0x02,
	PQ_EXEC = 0x04,
	PQ_SHARED = 0x08,
	PQ_COVERING_OR_NEXT = 0x10,
};
#define LAZY_CAP 1024		 /* mappings asked for before everything is read at once */
#define LAZY_NAMES (256 << 10)	 /* room for their names */
#define LAZY_NAME_MAX 4096	 /* a longer name: everything read at once */
static bool procmap_query_absent; /* learnt from the first refusal */
static size_t lazy_cap ZP_BIG_BSS; /* 0: LAZY_CAP */

/* ZPOLINE_MAPS_QUERY=0 reads every mapping every time, as on kernels
 * without PROCMAP_QUERY; =N reads them all once N were asked for (tests
 * run both fallbacks on any kernel). */
void zp_maps_configure(void)
{
	const char *v = getenv("ZPOLINE_MAPS_QUERY");
	if (!v || !*v)
		return;
	long n = strtol(v, NULL, 10);
	if (n <= 0)
		procmap_query_absent = true;
	else
		lazy_cap = n < LAZY_CAP ? (size_t)n : LAZY_CAP;
}

/* The entries, their names, then room for `full`'s bookkeeping. */
static size_t lazy_bytes(void)
{
	return LAZY_CAP * sizeof(struct zp_map) + LAZY_NAMES + sizeof(struct zp_maps);
}

int zp_maps_open(struct zp_maps *out)
{
	/* Under a seccomp filter (Chromium's, a service's SystemCallFilter)
	 * an ioctl the program never makes may be what it kills for; the
	 * file's open and read the runtime made before such a filter existed,
	 * as everything does that reads its own maps. */
	if (__atomic_load_n(&procmap_query_absent, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&zp_seccomp_seen, __ATOMIC_RELAXED))
		return zp_maps_read(out);
	int fd = (int)zp_raw3(SYS_open, "/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	/* Pages are touched only as entries and names are written. */
	long m = zp_raw6(SYS_mmap, 0, (long)lazy_bytes(), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m < 0) {
		zp_raw1(SYS_close, fd);
		return zp_maps_read(out);
	}
	out->buf = (char *)m;
	out->buf_size = lazy_bytes();
	out->v = (struct zp_map *)m;
	out->v_size = 0; /* inside buf */
	out->n = 0;
	out->query_fd = fd;
	out->cap = lazy_cap ? lazy_cap : LAZY_CAP;
	out->names_used = 0;
	out->full = NULL;
	return 0;
}

/* The mapping at addr, or the next one: 0, -ENOENT if there is none,
 * another -errno if the kernel cannot tell (or there is no room left). */
static int query(struct zp_maps *m, uintptr_t addr, bool or_next, struct zp_map *e)
{
	char *names = m->buf + LAZY_CAP * sizeof(struct zp_map);
	if (m->n == m->cap || LAZY_NAMES - m->names_used < LAZY_NAME_MAX)
		return -ENOSPC;
	struct zp_procmap_query q = {
		.size = sizeof q,
		.query_flags = or_next ? PQ_COVERING_OR_NEXT : 0,
		.query_addr = addr,
		.vma_name_size = LAZY_NAME_MAX,
		.vma_name_addr = (uint64_t)(uintptr_t)(names + m->names_used),
	};
	long r = zp_raw3(SYS_ioctl, m->query_fd, ZP_PROCMAP_QUERY, &q);
	if (r == -ENOTTY || r == -EINVAL)
		__atomic_store_n(&procmap_query_absent, true, __ATOMIC_RELAXED);
	if (r < 0)
		return (int)r;
	e->start = q.vma_start;
	e->end = q.vma_end;
	e->offset = q.vma_offset;
	e->inode = q.inode;
	e->dev_major = q.dev_major;
	e->dev_minor = q.dev_minor;
	e->prot = (q.vma_flags & PQ_READ ? PROT_READ : 0) | (q.vma_flags & PQ_WRITE ? PROT_WRITE : 0) |
		  (q.vma_flags & PQ_EXEC ? PROT_EXEC : 0);
	e->shared = q.vma_flags & PQ_SHARED;
	/* No name: vma_name_size comes back 0 ("" as in /proc/self/maps). */
	e->path = q.vma_name_size ? names + m->names_used : "";
	m->names_used += q.vma_name_size;
	return 0;
}

/* The kernel could not answer (an old kernel, no room): everything at
 * once from now on; what was handed out stays valid. */
static struct zp_maps *go_full(struct zp_maps *m)
{
	if (m->full)
		return m->full;
	struct zp_maps *f = (struct zp_maps *)(void *)(m->buf + LAZY_CAP * sizeof(struct zp_map) + LAZY_NAMES);
	if (zp_maps_read(f) < 0)
		return NULL;
	m->full = f;
	return f;
}

static const struct zp_map *lazy_find(struct zp_maps *m, uintptr_t addr)
{
	/* Newest first: a range asked for again is appended again. */
	for (size_t i = m->n; i-- > 0;)
		if (addr >= m->v[i].start && addr < m->v[i].end)
			return &m->v[i];
	if (!m->full) {
		struct zp_map e;
		int r = query(m, addr, false, &e);
		if (r == 0 && addr >= e.start && addr < e.end) {
			m->v[m->n] = e;
			return &m->v[m->n++];
		}
		if (r == 0 || r == -ENOENT)
			return NULL;
	}
	struct zp_maps *f = go_full(m);
	return f ? zp_maps_find(f, addr) : NULL;
}

void zp_maps_free(struct zp_maps *m)
{
	if (m->full) {
		zp_maps_free(m->full);
		m->full = NULL;
	}
	if (m->query_fd >= 0)
		zp_raw1(SYS_close, m->query_fd);
	m->query_fd = -1;
	if (m->buf)
		zp_raw2(SYS_munmap, m->buf, m->buf_size);
	if (m->v && m->v_size)
		zp_raw2(SYS_munmap, m->v, m->v_size);
	m->buf = NULL;
	m->v = NULL;
	m->n = 0;
}

const struct zp_map *zp_maps_range(const struct zp_maps *cm, uintptr_t lo, uintptr_t hi,
				   size_t *count)
{
	*count = 0;
	if (cm->query_fd >= 0 && !cm->full) {
		/* Lazily filled: the caller's maps, const to its readers only. */
		struct zp_maps *m = (struct zp_maps *)(uintptr_t)cm;
		size_t first = m->n;
		int r = 0;
		for (uintptr_t a = lo; a < hi;) {
			struct zp_map e;
			r = query(m, a, true, &e);
			if (r < 0 || e.start >= hi)
				break;
			m->v[m->n++] = e;
			a = e.end;
		}
		if (r == 0 || r == -ENOENT) {
			*count = m->n - first;
			return *count ? &m->v[first] : NULL;
		}
		cm = go_full(m);
		if (!cm)
			return NULL;
	} else if (cm->full) {
		cm = cm->full;
	}
	size_t i = 0;
	while (i < cm->n && cm->v[i].end <= lo)
		i++;
	size_t j = i;
	while (j < cm->n && cm->v[j].start < hi)
		j++;
	*count = j - i;
	return *count ? &cm->v[i] : NULL;
}

const struct zp_map *zp_maps_find(const struct zp_maps *m, uintptr_t addr)
{
	if (m->query_fd >= 0) /* lazily filled: see zp_maps_range */
		return lazy_find((struct zp_maps *)(uintptr_t)m, addr);
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (addr < m->v[mid].start)
			hi = mid;
		else if (addr >= m->v[mid].end)
			lo = mid + 1;
		else
			return &m->v[mid];
	}
	return NULL;
}

/* For zp_fde_index_set_readable: is [p, p+n) inside readable mappings? */
bool zp_maps_readable(const void *ctx, const void *p, size_t n)
{
	const struct zp_maps *m = ctx;
	uintptr_t a = (uintptr_t)p, end = a + n;
	if (end < a)
		return false;
	while (a < end) {
		const struct zp_map *e = zp_maps_find(m, a);
		if (!e || !(e->prot & PROT_READ))
			return false;
		a = e->end;
	}
	return true;
}

bool zp_map_is_file(const struct zp_map *m, const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_ino == m->inode &&
	       major(st->st_dev) == m->dev_major && minor(st->st_dev) == m->dev_minor;
}

/* /proc/self/pagemap: a 64-bit entry a page; bit 63 present, 62 swapped,
 * 61 a page of a file (or shared memory).  A written page of a private
 * file mapping is anonymous: present or swapped, not a file's. */
/* Held by the start-up's thread only: a thread the program started before
 * it (an earlier constructor's) opens its own, and cannot see it closed
 * and its number reused under it. */
static int pagemap_held = -1;
static uintptr_t pagemap_holder ZP_BIG_BSS;

/* Which thread this is, without a system call: its TLS block (%fs:0 is
 * the block's own address in the x86-64 TLS ABI).  Read only while the
 * start-up holds the file, from a constructor: TLS is set up.  (A thread
 * made by a raw clone without CLONE_SETTLS shares its parent's block; one
 * mapping code during the start-up would share the descriptor, which
 * pread allows.) */
static uintptr_t this_thread(void)
{
	uintptr_t tp;
	__asm__("mov %%fs:0, %0" : "=r"(tp));
	return tp;
}

void zp_pagemap_hold(bool on)
{
	if (on && pagemap_held < 0) {
		pagemap_holder = this_thread();
		pagemap_held = (int)zp_raw3(SYS_open, "/proc/self/pagemap", O_RDONLY | O_CLOEXEC, 0);
	}
	if (!on && pagemap_held >= 0) {
		zp_raw1(SYS_close, pagemap_held);
		pagemap_held = -1;
	}
}

int zp_pages_written(uintptr_t lo, uintptr_t hi)
{
	int held = pagemap_held;
	int fd = held >= 0 && this_thread() == pagemap_holder
			 ? held
			 : (int)zp_raw3(SYS_open, "/proc/self/pagemap", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int written = 0;
	uint64_t e[512];
	lo &= ~(uintptr_t)(ZP_PAGE - 1);
	for (uintptr_t a = lo; a < hi && !written;) {
		size_t pages = (hi - a + ZP_PAGE - 1) / ZP_PAGE;
		if (pages > sizeof e / sizeof e[0])
			pages = sizeof e / sizeof e[0];
		long n = zp_raw4(SYS_pread64, fd, e, pages * sizeof e[0], (long)(a / ZP_PAGE * sizeof e[0]));
		if (n == -EINTR)
			continue;
		if (n < (long)sizeof e[0]) {
			written = -1;
			break;
		}
		for (long k = 0; k < n / (long)sizeof e[0]; k++)
			if ((e[k] >> 62 & 3) && !(e[k] >> 61 & 1))
				written = 1;
		a += (uintptr_t)n / sizeof e[0] * ZP_PAGE;
	}
	if (fd != held)
		zp_raw1(SYS_close, fd);
	return written;
}
