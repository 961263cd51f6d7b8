/*
 * process.c - making the process look like the program, not the loader.
 *
 * execve gives a process a new program break after the image, a new
 * /proc/self/exe, a new name (comm), new /proc/self/cmdline and auxv.
 * prctl(PR_SET_MM, PR_SET_MM_MAP) sets all but the name in one go (a kernel
 * built with CONFIG_CHECKPOINT_RESTORE; the exe file needs CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE); whatever it cannot set stays the loader's and
 * the program runs anyway (docs/loader.md says what differs then).
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
	memcpy((void *)m, (const void *)start, len); // NOLINT: start is a mapping's, never 0
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

/* Is [start, start + len) free? */
static bool is_free(uintptr_t start, size_t len)
{
	long m = zl_sys6(SYS_mmap, start, len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (m >= 0)
		zl_sys2(SYS_munmap, m, len);
	return m >= 0 && (uintptr_t)m == start;
}

/* Where the program's break starts.  After a fixed-address image, as the
 * kernel does: past its bss, plus up to 32 MiB at random.  After a
 * position-independent one the kernel uses the low area where the loader
 * was put, so: a random distance past the loader's own break.  Either way
 * the loader's heap is left alone below the new start, and the loader's
 * libc can no longer move the break (its idea of the break is now below the
 * start, which the kernel refuses), so the two cannot trample each other. */
static uintptr_t new_break(const struct zl_identity *id)
{
	uint32_t r = 0;
	if (randomized())
		zl_sys3(SYS_getrandom, &r, sizeof r, GRND_NONBLOCK);
	uintptr_t gap = ((uintptr_t)(r % 8192) + 1) * ZL_PAGE;
	uintptr_t cur = (uintptr_t)zl_sys1(SYS_brk, 0);
	uintptr_t start = id->file->eh.e_type == ET_EXEC ? ZL_PAGE_UP(id->prog->bss_end) + gap
							: ZL_PAGE_UP(cur) + gap;
	/* Room to grow, or the program's malloc would fall back to mmap at once. */
	return is_free(start, 1ul << 20) ? start : 0;
}

/* The values of /proc/self/stat fields 26.. (startcode onwards). */
static bool read_stat(unsigned long *v, int n)
{
	char buf[2048];
	long fd = zl_sys4(SYS_openat, AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return false;
	long len = zl_sys3(SYS_read, fd, buf, sizeof buf - 1);
	zl_sys1(SYS_close, fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	const char *p = strrchr(buf, ')'); /* comm may hold anything but ends here */
	if (!p)
		return false;
	p++;
	int field = 2;
	while (*p && field < 25) {
		if (*p++ == ' ')
			field++;
	}
	for (int i = 0; i < n; i++) {
		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			return false;
		unsigned long x = 0;
		while (*p >= '0' && *p <= '9')
			x = x * 10 + (unsigned long)(*p++ - '0');
		v[i] = x;
	}
	return true;
}

/* The code and data bounds of the program, computed as the kernel does. */
static void image_bounds(const struct zl_identity *id, struct prctl_mm_map *m)
{
	const struct zl_file *f = id->file;
	uint64_t sc = UINT64_MAX, ec = 0, sd = 0, ed = 0;
	for (unsigned i = 0; i < f->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];
		if (p->p_type != PT_LOAD)
			continue;
		uint64_t k = p->p_vaddr;
		if ((p->p_flags & PF_X) && k < sc)
			sc = k;
		if (sd < k)
			sd = k;
		k = p->p_vaddr + p->p_filesz;
		if ((p->p_flags & PF_X) && ec < k)
			ec = k;
		if (ed < k)
			ed = k;
	}
	if (sc < ec) {
		m->start_code = sc + id->prog->bias;
		m->end_code = ec + id->prog->bias;
	}
	if (sd <= ed) {
		m->start_data = sd + id->prog->bias;
		m->end_data = ed + id->prog->bias;
	}
}

/* Fields 26-28 and 45-51 of /proc/self/stat. */
enum { ST_STARTCODE, ST_ENDCODE, ST_STARTSTACK, ST_START_DATA = 45 - 26, ST_END_DATA,
       ST_START_BRK, ST_ARG_START, ST_ARG_END, ST_ENV_START, ST_ENV_END, ST_COUNT };

void zl_become(const struct zl_identity *id)
{
	/* PR_SET_MM_MAP sets everything at once and needs no capability, except
	 * for the exe file (CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE). */
	unsigned long st[ST_COUNT];
	if (read_stat(st, ST_COUNT)) {
		uintptr_t brk = new_break(id);
		struct prctl_mm_map m = {
			.start_code = st[ST_STARTCODE],
			.end_code = st[ST_ENDCODE],
			.start_data = st[ST_START_DATA],
			.end_data = st[ST_END_DATA],
			.start_brk = brk ? brk : st[ST_START_BRK],
			.brk = brk ? brk : (uintptr_t)zl_sys1(SYS_brk, 0),
			.start_stack = id->sp,
			.arg_start = id->args_lo,
			.arg_end = id->args_hi,
			.env_start = st[ST_ENV_START],
			.env_end = st[ST_ENV_END],
			.auxv = (__u64 *)id->auxv,
			.auxv_size = (__u32)id->auxv_bytes,
			.exe_fd = (__u32)id->file->fd,
		};
		image_bounds(id, &m);
		long e = zl_sys5(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, &m, sizeof m, 0);
		if (e == -EBUSY) {
			long d = detach_loader();
			if (d < 0 && zl_debug)
				zl_msg("cannot unmap the loader's file: %s", zl_strerror(d));
			e = zl_sys5(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, &m, sizeof m, 0);
		}
		if (e < 0) {
			if (zl_debug)
				zl_msg("/proc/self/exe stays the loader's: %s", zl_strerror(e));
			m.exe_fd = (__u32)-1;
			e = zl_sys5(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, &m, sizeof m, 0);
		}
		if (e < 0 && zl_debug)
			zl_msg("the program break, /proc/self/cmdline and auxv stay the loader's: %s",
			       zl_strerror(e));
	}
	zl_sys1(SYS_close, id->file->fd);
	/* The name last: PR_SET_NAME is the loader's last system call before
	 * the program's first, which is how a trace shows the hand-over. */
	const char *from = id->comm ? id->comm : id->exec_path;
	const char *base = strrchr(from, '/');
	char comm[16];
	strncpy(comm, base ? base + 1 : from, sizeof comm - 1);
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
