/*
 * maps.c - /proc/self/maps, read with raw system calls (libc's would be
 * hooked once it is rewritten, and show up in a trace).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

void zp_maps_free(struct zp_maps *m)
{
	if (m->buf)
		zp_raw2(SYS_munmap, m->buf, m->buf_size);
	if (m->v && m->v_size)
		zp_raw2(SYS_munmap, m->v, m->v_size);
	m->buf = NULL;
	m->v = NULL;
	m->n = 0;
}

const struct zp_map *zp_maps_find(const struct zp_maps *m, uintptr_t addr)
{
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
int zp_pages_written(uintptr_t lo, uintptr_t hi)
{
	int fd = (int)zp_raw3(SYS_open, "/proc/self/pagemap", O_RDONLY | O_CLOEXEC, 0);
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
	zp_raw1(SYS_close, fd);
	return written;
}
