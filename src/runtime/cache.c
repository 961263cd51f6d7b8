/*
 * cache.c - site lists remembered per object, keyed by GNU build-id.
 *
 * Finding sites decodes every function that holds a candidate: a few
 * milliseconds for libc, more for big programs.  The result depends only on
 * the object's bytes, which the build-id names, so it is kept in
 *   $ZPOLINE_CACHE_DIR, else $XDG_CACHE_HOME/zpoline, else ~/.cache/zpoline
 * (ZPOLINE_CACHE=0 turns it off).  Of the last two only the zpoline
 * directory is created, never $XDG_CACHE_HOME or ~/.cache themselves.
 *
 * Safety: a site list tells the runtime where to write into code, so it is
 * trusted only if the directory and the file belong to the effective user
 * and nobody else can write them; and each listed site must still hold the
 * bytes of a syscall/sysenter, else the whole list is dropped and the object
 * is scanned again.  A cache entry can only narrow what is rewritten, never
 * point at bytes that are not a system call instruction.
 *
 * Detour mode keeps lists of its own (*.dsites): for each site the bytes
 * its jmp replaces, planned from the decoding of the whole function.
 * zp_detour_apply checks a plan against the code before using it (the
 * instruction displaced before the site must end at the site, those after
 * it where the patched bytes do); one that does not fit makes a trap site.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>

#include "cache.h"
#include "cachedir.h"
#include "decoder.h"
#include "detour.h"
#include "finder.h"
#include "rt.h"

#define MAGIC "ZPSITES1"
#define FINDER_VERSION ZP_FINDER_VERSION

struct header {
	char magic[8];
	uint32_t version;
	uint32_t count;
	uint32_t idlen;
	uint32_t pad;
	uint8_t id[64];
};

/* Small, and in .bss with the other small variables: it is written at
 * start-up, and a page of its own would cost a fault.  A longer path turns
 * the cache off. */
static char dir[1024];
static bool enabled;

const char *zp_cache_dir(void)
{
	return enabled ? dir : NULL;
}

static uid_t euid;

/* Owned by the user the runtime started as, writable by nobody else. */
bool zp_cache_file_trusted(const struct stat *st)
{
	return st->st_uid == euid && !(st->st_mode & 022);
}


/* The directory exists already in all but a program's first run: look
 * before making it (one system call at start-up, not two). */
static int mkdir_owned(const char *path)
{
	struct stat st;
	long e = zp_raw2(SYS_lstat, path, &st);
	if (e == -ENOENT) {
		e = zp_raw2(SYS_mkdir, path, 0700);
		if (e < 0 && e != -EEXIST)
			return (int)e;
		e = zp_raw2(SYS_lstat, path, &st);
	}
	if (e < 0)
		return (int)e;
	if (!S_ISDIR(st.st_mode) || !zp_cache_file_trusted(&st))
		return -EPERM;
	return 0;
}

void zp_cache_init(void)
{
	/* From the auxiliary vector: the same value, without a system call. */
	euid = (uid_t)getauxval(AT_EUID);
	if (!zp_env_bool("ZPOLINE_CACHE", true))
		return;
	const char *d = getenv("ZPOLINE_CACHE_DIR");
	if (d && *d) {
		if ((size_t)zp_snprintf(dir, sizeof dir, "%s", d) >= sizeof dir)
			return;
		if ((enabled = mkdir_owned(dir) == 0) || !zp_exec_added("ZPOLINE_CACHE_DIR"))
			return;
		/* The command chose it for the user who started it: a process
		 * that runs as another user (a server's workers and CGI
		 * programs, Apache's www-data) cannot use it, and without a
		 * cache each of its execs scanned every object again (CGI under
		 * Apache at a quarter of its native rate).  It gets its own
		 * directory in /var/tmp, not one in its HOME: that is the
		 * program's choice (below). */
		if ((size_t)zp_snprintf(dir, sizeof dir, "/var/tmp/zpoline-%u", (unsigned)euid) >=
		    sizeof dir)
			return;
	} else {
		char parent[4096];
		zp_cache_parent(getenv("XDG_CACHE_HOME"), getenv("HOME"), parent, sizeof parent);
		/* The parent must exist already: programs point HOME at
		 * directories of their own (git's test suite uses the test's
		 * work tree, which `git add` then lists), and a .cache that
		 * appears there is a difference the program sees.  Without one,
		 * a directory of this user's in /var/tmp (checked as any cache
		 * directory: ours, not a link, nobody else's to write). */
		struct stat pst;
		size_t need = zp_snprintf(dir, sizeof dir, "%s/zpoline", parent);
		if (parent[0] && need < sizeof dir && zp_raw2(SYS_lstat, dir, &pst) == 0) {
			enabled = S_ISDIR(pst.st_mode) && zp_cache_file_trusted(&pst);
			return;
		}
		if (zp_raw2(SYS_stat, parent, &pst) == 0 && S_ISDIR(pst.st_mode))
			need = zp_snprintf(dir, sizeof dir, "%s/zpoline", parent);
		else
			need = zp_snprintf(dir, sizeof dir, "/var/tmp/zpoline-%u", (unsigned)euid);
		if (need >= sizeof dir)
			return;
	}
	enabled = mkdir_owned(dir) == 0;
}

void zp_build_id_hex(char out[2 * 64 + 1], const uint8_t *id, size_t idlen)
{
	static const char hexd[] = "0123456789abcdef";
	size_t n = idlen > 64 ? 64 : idlen;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexd[id[i] >> 4];
		out[2 * i + 1] = hexd[id[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Detour mode decides differently for the same bytes (a jmp and the
 * instructions it displaces, or a trap, where page 0 takes `callq *%rax`):
 * its lists are files of their own.  The finder's version is in the name
 * too: two builds of the runtime sharing a cache (an installed one and a
 * newer one) would otherwise replace each other's lists at every start. */
static bool detour_lists(void)
{
	return zp_mode == ZP_MODE_DETOUR;
}

static void file_name(char *out, size_t len, const uint8_t *id, size_t idlen)
{
	char hex[2 * 64 + 1];
	zp_build_id_hex(hex, id, idlen);
	zp_snprintf(out, len, "%s/%s.v%d.%s", dir, hex, FINDER_VERSION,
		    detour_lists() ? "dsites" : "sites");
}

/* An entry: the site's offset from the object's base in bits 24-55 (a
 * list with one beyond 4 GiB is not stored); its kind in bits 0-3; for a
 * detour the bytes replaced, their length in bits 8-15 and where they
 * start (signed) in 16-23, and the length of the instruction it may be
 * split around in 4-7; for a trap in detour mode why it is not detoured
 * in 16-23; in detour mode its padding slot in 56-63. */
#define OFFSET_MAX 0xffffffffull
static uint64_t entry_of(const struct zp_site *s, uintptr_t base)
{
	uint8_t b = s->kind == ZP_SITE_DETOUR ? (uint8_t)s->dstart : s->why;
	return (uint64_t)(uint8_t)s->pad << 56 | ((uint64_t)(s->addr - base) << 24) | (uint64_t)b << 16 |
	       (uint64_t)s->dlen << 8 | (uint64_t)(s->split & 0x0f) << 4 | (s->kind & 0x0f);
}

/* Decodes an entry for the mode's kind of list; false: not one it writes. */
static bool site_of(uint64_t e, uintptr_t base, struct zp_site *s)
{
	uint8_t kind = (uint8_t)e & 0x0f, split = (uint8_t)e >> 4, len = (uint8_t)(e >> 8),
		b = (uint8_t)(e >> 16);
	int8_t pad = (int8_t)(uint8_t)(e >> 56);
	s->addr = base + (uintptr_t)(e >> 24 & OFFSET_MAX);
	s->kind = kind;
	s->dstart = 0;
	s->dlen = 0;
	s->why = 0;
	s->pad = 0;
	s->split = 0;
	if (!detour_lists())
		return kind <= ZP_SITE_TRAP && !len && !b && !pad && !split;
	s->pad = pad;
	if (kind == ZP_SITE_TRAP) {
		s->why = b;
		return !len && !split && b < ZP_DETOUR_NREASONS;
	}
	if (split && split < 5)
		return false;
	s->split = split;
	s->dstart = (int8_t)b;
	s->dlen = len;
	/* a jmp's 5 bytes at least: the site and the instruction before it,
	 * or the site and instructions after it */
	return kind == ZP_SITE_DETOUR && s->dstart <= 0 && s->dstart >= -15 && len >= 5 &&
	       len <= 2 + 15 && (s->dstart == 0 || len == 2 - s->dstart);
}

bool zp_sites_hold_syscalls(const struct zp_sites *s, uintptr_t lo, uintptr_t hi)
{
	for (size_t i = 0; i < s->n; i++) {
		uintptr_t a = s->v[i].addr;
		if (a < lo || a >= hi)
			continue;
		uint8_t b[2];
		if (zp_safe_copy(b, (const void *)a, 2) < 0 || b[0] != 0x0f ||
		    (b[1] != 0x05 && b[1] != 0x34))
			return false;
	}
	return true;
}

int zp_cache_load(const uint8_t *id, size_t idlen, uintptr_t base, uintptr_t lo, uintptr_t hi,
		  bool whole, bool check_bytes, struct zp_sites *out)
{
	if (!enabled || idlen == 0 || idlen > 64)
		return -1;
	char path[4200];
	file_name(path, sizeof path, id, idlen);
	/* Its size tells how many entries to read; the directory is the
	 * user's alone (zp_cache_init), the file is looked at anyway.  An
	 * object without system calls (most programs' own code, most
	 * libraries) has a list of none: its name says whose it is, its
	 * size that it is empty, and it is not even opened (one system call
	 * instead of four, for each such object at every start). */
	struct stat st;
	struct header h;
	if (zp_raw2(SYS_lstat, path, &st) < 0 || !S_ISREG(st.st_mode) || !zp_cache_file_trusted(&st) ||
	    (size_t)st.st_size < sizeof h || ((size_t)st.st_size - sizeof h) % 8 ||
	    ((size_t)st.st_size - sizeof h) / 8 > UINT32_MAX)
		return -1;
	uint32_t count = (uint32_t)(((size_t)st.st_size - sizeof h) / 8);
	if (count == 0)
		return 0;
	/* The header and the entries in one read (a call per entry would
	 * cost more than finding the sites again), the entries into the
	 * upper half of the room reserved for the sites: entry i (8 bytes, at
	 * 8 * (count + i)) is read before site k <= i (16 bytes, at 16 * k) is
	 * written over it. */
	_Static_assert(sizeof(struct zp_site) == 16, "entries are read in place");
	size_t bytes = (size_t)count * 8;
	if (zp_sites_reserve(out, count) < 0)
		return -1;
	struct zp_site *dst = out->v + out->n;
	const uint64_t *ent = (const uint64_t *)(const void *)((char *)dst + bytes);
	int fd = (int)zp_raw3(SYS_open, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return -1;
	int ret = -1;
	struct iovec iov[2] = {{&h, sizeof h}, {(void *)ent, bytes}};
	long r;
	do
		r = zp_raw3(SYS_readv, fd, iov, 2);
	while (r == -EINTR);
	/* (A file replaced since it was looked at reads short or long.) */
	if (r != (long)(sizeof h + bytes) || memcmp(h.magic, MAGIC, 8) || h.version != FINDER_VERSION ||
	    h.idlen != idlen || memcmp(h.id, id, idlen) || h.count != count)
		goto out;
	size_t k = 0;
	for (uint32_t i = 0; i < count; i++) {
		struct zp_site site;
		if (!site_of(ent[i], base, &site))
			goto drop;
		if (site.addr < lo || site.addr + 2 > hi) {
			if (whole)
				goto drop; /* not in the object's code: a bad list */
			continue;          /* a segment not (yet) mapped */
		}
		dst[k++] = site;
	}
	out->n += k;
	if (check_bytes && !zp_sites_hold_syscalls(out, lo, hi))
		goto drop;
	ret = 0;
	goto out;
drop:
	out->n = 0;
out:
	zp_raw1(SYS_close, fd);
	return ret;
}

void zp_cache_store(const uint8_t *id, size_t idlen, uintptr_t base, const struct zp_sites *s)
{
	if (zp_decoder_unavailable())
		return; /* found without decoding: incomplete */
	if (!enabled || idlen == 0 || idlen > 64)
		return;
	/* The list was found in the code as mapped, and a debugger's
	 * breakpoints are int3 bytes in it (gdb sets them before the
	 * constructor runs): a site in an instruction a breakpoint cut did
	 * not decode, and the list, kept, left that call unhooked in every
	 * later run.  Only the first run of an object stores, so the cost
	 * (one read of /proc/self/status) is paid rarely. */
	if (zp_self_traced())
		return;
	char path[4200], tmp[4300];
	file_name(path, sizeof path, id, idlen);
	zp_snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, zp_raw0(SYS_getpid));
	int fd = (int)zp_raw3(SYS_open, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			      0600);
	if (fd < 0)
		return;
	struct header h;
	memset(&h, 0, sizeof h);
	memcpy(h.magic, MAGIC, 8);
	h.version = FINDER_VERSION;
	h.count = (uint32_t)s->n;
	h.idlen = (uint32_t)idlen;
	memcpy(h.id, id, idlen);
	bool ok = zp_raw3(SYS_write, fd, &h, sizeof h) == (long)sizeof h;
	size_t bytes = s->n * 8;
	long m = bytes ? zp_raw6(SYS_mmap, 0, (long)bytes, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
		       : 0;
	if (m < 0)
		ok = false;
	if (ok && bytes) {
		uint64_t *ent = (uint64_t *)m;
		for (size_t i = 0; i < s->n; i++) {
			ok &= s->v[i].addr - base <= OFFSET_MAX;
			ent[i] = entry_of(&s->v[i], base);
		}
		if (ok)
			ok = zp_raw3(SYS_write, fd, ent, bytes) == (long)bytes;
	}
	if (m > 0)
		zp_raw2(SYS_munmap, m, bytes);
	zp_raw1(SYS_close, fd);
	if (ok)
		ok = zp_raw2(SYS_rename, tmp, path) == 0;
	if (!ok)
		zp_raw1(SYS_unlink, tmp);
}
