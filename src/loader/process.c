/*
 * process.c - making the process look like the program, not the loader.
 *
 * execve gives a process a new program break after the image, a new
 * /proc/self/exe, a new name (comm), new /proc/self/cmdline and auxv.
 * prctl(PR_SET_MM, ...) sets these, with CAP_SYS_RESOURCE; without it they
 * stay the loader's and the program runs anyway (see docs/loader.md for
 * what differs then).
 *
 * /proc/self/exe can only be replaced while no mapping of the current exe
 * file is left (the kernel refuses with EBUSY otherwise), and the loader is
 * still mapped from its file.  So its mappings are first replaced by
 * anonymous copies of themselves: same addresses, same bytes, same
 * protection, no file behind them.  The copy is made while nothing else
 * runs in the loader, and the code doing it executes from pages whose bytes
 * do not change when they are swapped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>

#include "loader.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static long set_mm(int what, uintptr_t value)
{
	return zl_sys5(SYS_prctl, PR_SET_MM, what, value, 0, 0);
}

/* ---- the loader's own mappings ------------------------------------------ */

/* /proc/self/maps, read whole into anonymous memory; *cap is its size. */
static char *read_maps(size_t *cap)
{
	long fd = zl_sys4(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	size_t size = 1 << 16, len = 0;
	char *buf = zl_alloc(size);
	for (;;) {
		if (len + 4096 >= size) {
			char *nb = zl_alloc(size * 2);
			memcpy(nb, buf, len);
			zl_free(buf, size);
			buf = nb;
			size *= 2;
		}
		long r = zl_sys3(SYS_read, fd, buf + len, size - len - 1);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	zl_sys1(SYS_close, fd);
	buf[len] = '\0';
	*cap = size;
	return buf;
}

static unsigned long hex(const char **p)
{
	unsigned long v = 0;
	for (;; (*p)++) {
		char c = **p;
		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned long)(c - 'a' + 10);
		else
			return v;
	}
}

/* Replaces one file-backed mapping by an anonymous copy of itself. */
static long detach(uintptr_t start, size_t len, int prot)
{
	if (!(prot & PROT_READ)) {
		/* Nothing to keep: a reserved gap (no access) becomes anonymous. */
		long m = zl_sys6(SYS_mmap, start, len, prot,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
		return m < 0 ? m : 0;
	}
	long m = zl_sys6(SYS_mmap, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (m < 0)
		return m;
	memcpy((void *)m, (const void *)start, len);
	long e = zl_sys3(SYS_mprotect, m, len, prot);
	if (e == 0)
		e = zl_syscall(SYS_mremap, m, (long)len, (long)len, MREMAP_MAYMOVE | MREMAP_FIXED,
			       (long)start, 0);
	if (e < 0) {
		zl_sys2(SYS_munmap, m, len);
		return e;
	}
	return 0;
}

/* Every mapping of the loader's executable file becomes anonymous. */
static long detach_loader(void)
{
	struct stat st;
	long e = zl_sys2(SYS_stat, "/proc/self/exe", &st);
	if (e < 0)
		return e;
	size_t cap;
	char *maps = read_maps(&cap);
	if (!maps)
		return -EIO;
	for (const char *p = maps; *p;) {
		uintptr_t start = hex(&p);
		p++;
		uintptr_t end = hex(&p);
		p++;
		int prot = (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
			   (p[2] == 'x' ? PROT_EXEC : 0);
		bool priv = p[3] == 'p';
		p += 5;
		hex(&p); /* offset */
		p++;
		unsigned long maj = hex(&p);
		p++;
		unsigned long min = hex(&p);
		p++;
		unsigned long ino = 0;
		while (*p >= '0' && *p <= '9')
			ino = ino * 10 + (unsigned long)(*p++ - '0');
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
		if (ino == st.st_ino && maj == major(st.st_dev) && min == minor(st.st_dev) && priv) {
			e = detach(start, end - start, prot);
			if (e < 0)
				break;
		}
	}
	zl_free(maps, cap);
	return e;
}

/* ---- the parts -------------------------------------------------------------- */

static bool randomized(void)
{
	long pers = zl_sys1(SYS_personality, 0xffffffff);
	return pers < 0 || !(pers & ADDR_NO_RANDOMIZE);
}

/* A fresh program break.  After a fixed-address image, like the kernel: the
 * page after its bss (plus up to 32 MiB at random); after a position-
 * independent one the kernel puts it in the low area where the loader's own
 * break is, so it goes a random distance past that.  Either way the loader's
 * heap is left alone below it, and the loader's libc could not take the
 * program's memory with sbrk (its idea of the break is now below the start). */
static void set_break(const struct zl_identity *id)
{
	uint32_t r = 0;
	if (randomized())
		zl_sys3(SYS_getrandom, &r, sizeof r, GRND_NONBLOCK);
	uintptr_t gap = ((uintptr_t)(r % 8192) + 1) * ZL_PAGE;
	uintptr_t cur = (uintptr_t)zl_sys1(SYS_brk, 0);
	uintptr_t start = id->file->eh.e_type == ET_EXEC ? ZL_PAGE_UP(id->prog->bss_end) + gap
							: ZL_PAGE_UP(cur) + gap;
	/* The first page must be free, or the break could never grow. */
	long m = zl_sys6(SYS_mmap, start, ZL_PAGE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (m < 0 || (uintptr_t)m != start) {
		if (m >= 0)
			zl_sys2(SYS_munmap, m, ZL_PAGE);
		return;
	}
	zl_sys2(SYS_munmap, start, ZL_PAGE);
	/* The kernel wants start_brk <= brk at every step. */
	long e;
	if (start > cur) {
		e = set_mm(PR_SET_MM_BRK, start);
		if (e == 0)
			e = set_mm(PR_SET_MM_START_BRK, start);
	} else {
		e = set_mm(PR_SET_MM_START_BRK, start);
		if (e == 0)
			e = set_mm(PR_SET_MM_BRK, start);
	}
	if (e < 0 && zl_debug)
		zl_msg("cannot move the program break: %s", zl_strerror(e));
}

static void set_cmdline(const struct zl_identity *id)
{
	long e = set_mm(PR_SET_MM_ARG_START, id->args_lo);
	if (e == 0)
		e = set_mm(PR_SET_MM_ARG_END, id->args_hi);
	else if (e == -EINVAL && (e = set_mm(PR_SET_MM_ARG_END, id->args_hi)) == 0)
		e = set_mm(PR_SET_MM_ARG_START, id->args_lo);
	if (e < 0 && zl_debug)
		zl_msg("cannot set /proc/self/cmdline: %s", zl_strerror(e));
}

void zl_become(const struct zl_identity *id)
{
	long e = zl_sys5(SYS_prctl, PR_SET_MM, PR_SET_MM_EXE_FILE, id->file->fd, 0, 0);
	if (e == -EBUSY) {
		long d = detach_loader();
		if (d < 0 && zl_debug)
			zl_msg("cannot unmap the loader's file: %s", zl_strerror(d));
		e = zl_sys5(SYS_prctl, PR_SET_MM, PR_SET_MM_EXE_FILE, id->file->fd, 0, 0);
	}
	if (e == 0) {
		set_break(id);
		set_cmdline(id);
		long a = zl_sys5(SYS_prctl, PR_SET_MM, PR_SET_MM_AUXV, id->auxv, id->auxv_bytes, 0);
		if (a < 0 && zl_debug)
			zl_msg("cannot set /proc/self/auxv: %s", zl_strerror(a));
	} else if (zl_debug) {
		zl_msg("/proc/self/exe, cmdline, auxv and the break stay the loader's: %s",
		       zl_strerror(e));
	}
	const char *base = strrchr(id->exec_path, '/');
	char comm[16];
	strncpy(comm, base ? base + 1 : id->exec_path, sizeof comm - 1);
	comm[sizeof comm - 1] = '\0';
	zl_sys2(SYS_prctl, PR_SET_NAME, comm);
}

void zl_release_thread(void)
{
	/* glibc registered this thread's rseq area; a thread can have one, and
	 * the program's libc will register its own. */
	if (__rseq_size == 0)
		return;
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;
	const unsigned sizes[2] = {__rseq_size, 32};
	for (int i = 0; i < 2; i++)
		if (zl_sys4(SYS_rseq, area, sizes[i], 1 /* RSEQ_FLAG_UNREGISTER */, RSEQ_SIG) == 0)
			return;
	if (zl_debug)
		zl_msg("cannot unregister the loader's rseq area; the program cannot use rseq");
}
