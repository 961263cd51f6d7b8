/*
 * dbase.c - the pieces every decoder uses: reading the program's memory
 * safely, numbers, flags, strings, signals, times, socket addresses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "decode.h"
#include "raw.h"

const char *zp_errno_msg[4096];

void dinit(struct dctx *d, struct tb *b, const struct zp_dec_cfg *cfg, long nr, const long *args,
	   int pid)
{
	d->b = b;
	d->cfg = cfg;
	d->nr = nr;
	for (int i = 0; i < 6; i++)
		d->a[i] = args[i];
	d->ret = 0;
	d->exiting = false;
	d->ok = false;
	d->pid = pid;
	d->snap = NULL;
	d->snaplen = 0;
	d->nargs = 0;
	d->rstyle = RV_DEC;
	d->path_hit = false;
	d->entry_args = -1;
	d->entry_len = (size_t)-1;
	d->no_peek = false;
	d->checked = false;
	d->injected = false;
	d->abbrev = !cfg->abbrev || nr < 0 || (unsigned long)nr / 8 >= cfg->abbrev_bytes ||
		    (cfg->abbrev[nr / 8] >> (nr % 8) & 1);
	tb_init(&d->rx, d->rxbuf, sizeof d->rxbuf);
}

/* ---- the program's memory ---------------------------------------------- */

size_t um_read(struct dctx *d, void *dst, unsigned long addr, size_t n, bool trust)
{
	if (!addr || !n || d->no_peek)
		return 0;
	if (d->injected)
		trust = false;
	/* The kernel used it, so it is mapped: but it may not have read it
	 * (write() to /dev/null returns the count and reads nothing: a bad
	 * pointer there crashed the traced program).  The runtime's safe
	 * copy costs no system call and fails cleanly. */
	if (trust && !zp_hook_safe_copy) {
		zp_memcpy(dst, (const void *)addr, n);
		return n;
	}
	if ((trust || d->checked) && zp_hook_safe_copy &&
	    zp_hook_safe_copy(dst, (const void *)addr, n) == 0)
		return n;
	return zp_peek(d->pid, dst, addr, n);
}

bool um_get(struct dctx *d, void *dst, unsigned long addr, size_t n, bool trust)
{
	return um_read(d, dst, addr, n, trust) == n;
}

bool p_struct_at(struct dctx *d, unsigned long addr, void *dst, size_t n, bool trust)
{
	if (!addr) {
		tb_puts(d->b, "NULL");
		return false;
	}
	if (!um_get(d, dst, addr, n, trust)) {
		tb_hex(d->b, addr);
		return false;
	}
	return true;
}

long um_str(struct dctx *d, char *dst, unsigned long addr, size_t max, bool trust, bool *complete)
{
	*complete = false;
	if (!addr)
		return -1;
	if (trust && !d->injected) {
		const char *s = (const char *)addr;
		size_t i = 0;
		while (i < max && s[i])
			i++;
		zp_memcpy(dst, s, i);
		dst[i] = '\0';
		*complete = i < max || s[i] == '\0';
		return (long)i;
	}
	/* Page by page: a string may end just before an unmapped page. */
	size_t got = 0;
	while (got <= max) {
		unsigned long a = addr + got;
		size_t chunk = 4096 - (a & 4095);
		if (chunk > max + 1 - got)
			chunk = max + 1 - got;
		size_t r = um_read(d, dst + got, a, chunk, false);
		for (size_t i = 0; i < r; i++) {
			if (dst[got + i] == '\0') {
				*complete = true;
				return (long)(got + i);
			}
		}
		got += r;
		if (r < chunk)
			return got ? (long)got : -1;
		if (got > max)
			break;
	}
	dst[max] = '\0';
	return (long)max;
}

/* ---- numbers and names ---------------------------------------------------- */

void p_ptr(struct dctx *d, unsigned long v)
{
	if (v)
		tb_hex(d->b, v);
	else
		tb_putn(d->b, "NULL", 4);
}

/* The path behind fd (AT_FDCWD: the working directory) into buf; its
 * length, or 0 if there is none or it does not fit. */
size_t zp_fd_path(long fd, char *buf, size_t len)
{
	char path[64];
	struct tb pb;
	tb_init(&pb, path, sizeof path - 1);
	if ((int)fd == AT_FDCWD) {
		tb_puts(&pb, "/proc/self/cwd");
	} else {
		tb_puts(&pb, "/proc/self/fd/");
		tb_dec(&pb, (int)fd);
	}
	path[pb.len] = '\0';
	long n = zp_raw4(SYS_readlinkat, AT_FDCWD, path, buf, len);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

size_t zp_pid_comm(const struct zp_dec_cfg *cfg, int pid, char *buf, size_t len)
{
	/* under the program's seccomp filter a call of ours may kill it
	 * (tp-proctrap) */
	if (pid <= 0 || len < 2 || dec_sandboxed(cfg))
		return 0;
	char path[32];
	struct tb pb;
	tb_init(&pb, path, sizeof path - 1);
	tb_puts(&pb, "/proc/");
	tb_dec(&pb, pid);
	tb_puts(&pb, "/comm");
	path[pb.len] = '\0';
	long fd = zp_raw4(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	long n = zp_raw3(SYS_read, fd, buf, len - 1);
	zp_raw1(SYS_close, fd);
	if (n <= 0)
		return 0;
	if (buf[n - 1] == '\n')
		n--;
	return (size_t)n;
}

void p_comm(struct tb *b, const char *comm, size_t n)
{
	if (!n)
		return;
	tb_putc(b, '<');
	tb_angled(b, comm, n);
	tb_putc(b, '>');
}

void p_pid(struct dctx *d, long pid)
{
	tb_dec(d->b, (int)pid);
	if (!d->cfg->decode_pids || (int)pid <= 0)
		return;
	char comm[32];
	p_comm(d->b, comm, zp_pid_comm(d->cfg, (int)pid, comm, sizeof comm));
}

void p_path_check(struct dctx *d, const char *p, size_t n)
{
	for (unsigned i = 0; i < d->cfg->ntpaths && !d->path_hit; i++) {
		const char *t = d->cfg->tpaths[i];
		size_t k = 0;
		while (k < n && t[k] == p[k])
			k++;
		d->path_hit = k == n && t[k] == '\0';
	}
}

/* -y prints the path behind fd; -P compares it (as strace, a descriptor
 * for the current directory is not checked). */
static void p_fd_path(struct dctx *d, long fd, bool show)
{
	char link[4096];
	size_t n = zp_fd_path(fd, link, sizeof link);
	if (!n)
		return;
	if ((int)fd != AT_FDCWD)
		p_path_check(d, link, n);
	if (!show)
		return;
	tb_putc(d->b, '<');
	/* -yy: a socket's protocol and ends, a device's numbers */
	if (d->cfg->decode_fds < 2 || (int)fd == AT_FDCWD || !p_fd_detail(d->b, d->cfg, fd, link, n))
		tb_angled(d->b, link, n);
	tb_putc(d->b, '>');
}

void p_fd(struct dctx *d, long fd)
{
	tb_dec(d->b, (int)fd);
	if ((!d->cfg->decode_fds && !d->cfg->ntpaths) || (int)fd < 0)
		return;
	p_fd_path(d, fd, d->cfg->decode_fds);
}

unsigned zp_fd_snapshot(const struct zp_dec_cfg *cfg, long fd, unsigned char *snap, unsigned len)
{
	if ((int)fd < 0 || len < 2)
		return 0;
	size_t n = zp_fd_path(fd, (char *)snap, len - 1);
	if (!n || cfg->decode_fds < 2)
		return (unsigned)n;
	snap[n] = '\0';
	struct tb b;
	tb_init(&b, (char *)snap + n + 1, len - n - 1);
	if (!p_fd_detail(&b, cfg, fd, (const char *)snap, n) || b.truncated)
		return (unsigned)n;
	return (unsigned)(n + 1 + b.len);
}

void a_fd_entry(struct dctx *d, int i)
{
	if (!d->snaplen) {
		/* dup2/dup3 onto a descriptor that was not open: strace, which
		 * prints it at entry, shows the number alone (it showed the
		 * file the call put there) */
		if (d->snap && (d->nr == SYS_dup2 || d->nr == SYS_dup3)) {
			arg(d);
			tb_dec(d->b, (int)d->a[i]);
			return;
		}
		a_fd(d, i);
		return;
	}
	arg(d);
	tb_dec(d->b, (int)d->a[i]);
	if ((int)d->a[i] < 0)
		return;
	const char *snap = (const char *)d->snap;
	size_t path = 0;
	while (path < d->snaplen && snap[path])
		path++;
	p_path_check(d, snap, path);
	if (!d->cfg->decode_fds)
		return;
	tb_putc(d->b, '<');
	if (path < d->snaplen) /* -yy's text, escaped when it was made */
		tb_putn(d->b, snap + path + 1, d->snaplen - path - 1);
	else
		tb_angled(d->b, snap, path);
	tb_putc(d->b, '>');
}

void p_array(struct dctx *d, unsigned long addr, unsigned long n, size_t sz, bool trust,
	     void (*elem)(struct dctx *d, const void *e, int kind), int kind)
{
	unsigned char e[64] __attribute__((aligned(8)));
	tb_putc(d->b, '[');
	for (unsigned long k = 0; k < n; k++) {
		if (k)
			tb_puts(d->b, ", ");
		zp_memset(e, 0, sizeof e);
		if (k >= dec_elems(d) || sz > sizeof e || !um_get(d, e, addr + k * sz, sz, trust)) {
			tb_puts(d->b, "...");
			break;
		}
		elem(d, e, kind);
	}
	tb_putc(d->b, ']');
}

void p_dirfd(struct dctx *d, long fd)
{
	if ((int)fd == AT_FDCWD) {
		tb_puts(d->b, "AT_FDCWD");
		if (d->cfg->decode_fds) /* strace -y: AT_FDCWD</cwd> */
			p_fd_path(d, fd, true);
	} else {
		p_fd(d, fd);
	}
}

const char *xlat_name(unsigned long long v, const struct zp_xlat *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (t[i].val == v)
			return t[i].name;
	return NULL;
}

bool p_xlat_try(struct tb *b, unsigned long long v, const struct zp_xlat *t, unsigned n)
{
	const char *s = xlat_name(v, t, n);
	if (s)
		tb_puts(b, s);
	return s != NULL;
}

void p_xlat(struct tb *b, unsigned long long v, const struct zp_xlat *t, unsigned n,
	    const char *unknown)
{
	if (p_xlat_try(b, v, t, n))
		return;
	tb_hex(b, v);
	tb_puts(b, " /* ");
	tb_puts(b, unknown);
	tb_puts(b, " */");
}

void p_xlat_d(struct tb *b, long long v, const struct zp_xlat *t, unsigned n)
{
	if (!p_xlat_try(b, (unsigned long long)v, t, n))
		tb_dec(b, v);
}

void p_flags(struct tb *b, unsigned long long v, const struct zp_xlat *t, unsigned n,
	     const char *zero)
{
	if (v == 0) {
		tb_puts(b, zero ? zero : "0");
		return;
	}
	bool first = true;
	for (unsigned i = 0; i < n && v; i++) {
		if (t[i].val && (v & t[i].val) == t[i].val) {
			if (!first)
				tb_putc(b, '|');
			tb_puts(b, t[i].name);
			v &= ~t[i].val;
			first = false;
		}
	}
	if (v) {
		if (!first)
			tb_putc(b, '|');
		tb_hex(b, v);
	}
}

/* Flags as strace prints them when none of the bits has a name: the
 * number and a comment, 0x80 then MPOL_??? (p_flags prints the bare
 * number). */
void p_flags_u(struct tb *b, unsigned long long v, const struct zp_xlat *t, unsigned n,
	       const char *unknown)
{
	for (unsigned i = 0; i < n; i++) {
		if (t[i].val && (v & t[i].val) == t[i].val) {
			p_flags(b, v, t, n, NULL);
			return;
		}
	}
	if (!v) {
		tb_putc(b, '0');
		return;
	}
	tb_hex(b, v);
	tb_puts(b, " /* ");
	tb_puts(b, unknown);
	tb_puts(b, " */");
}

void p_open_flags(struct tb *b, unsigned long v)
{
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
	tb_puts(b, acc[v & 3]);
	v &= ~3ul;
	if (v) {
		tb_putc(b, '|');
		p_flags(b, v, XT(open_flags), NULL);
	}
}

void p_mode(struct tb *b, unsigned long mode)
{
	const char *type = xlat_name(mode & S_IFMT, XT(stat_types));
	bool any = false;
	if (type) {
		tb_puts(b, type);
		any = true;
	} else if (mode & S_IFMT) {
		tb_oct(b, mode & S_IFMT, 0);
		any = true;
	}
	for (unsigned i = 0; i < zpx_stat_special_n; i++) {
		if (mode & zpx_stat_special[i].val) {
			if (any)
				tb_putc(b, '|');
			tb_puts(b, zpx_stat_special[i].name);
			any = true;
		}
	}
	if (any)
		tb_putc(b, '|');
	tb_oct(b, mode & 0777, 3);
}

/* ---- signals --------------------------------------------------------------- */

/* Name without "SIG" of 1..64; false if none. */
static bool sig_short(struct tb *b, long sig)
{
	if (sig == 32) {
		tb_puts(b, "RTMIN");
		return true;
	}
	if (sig > 32 && sig <= 64) {
		tb_puts(b, "RT_");
		tb_dec(b, sig - 32);
		return true;
	}
	const char *n = xlat_name((unsigned long long)sig, XT(signals));
	if (!n)
		return false;
	tb_puts(b, n + 3);
	return true;
}

void p_signame(struct tb *b, long sig)
{
	if (sig > 0 && sig <= 64) {
		tb_puts(b, "SIG");
		if (sig_short(b, sig))
			return;
		b->len -= 3;
	}
	tb_dec(b, (int)sig);
}

void p_sigset_bits(struct tb *b, const unsigned char *set, size_t bytes)
{
	size_t nbits = bytes * 8, count = 0;
	for (size_t i = 0; i < nbits; i++)
		count += (set[i / 8] >> (i % 8)) & 1;
	bool invert = count > nbits / 2;
	if (invert)
		tb_putc(b, '~');
	tb_putc(b, '[');
	bool first = true;
	for (size_t i = 0; i < nbits; i++) {
		bool bit = (set[i / 8] >> (i % 8)) & 1;
		if (bit == invert)
			continue;
		if (!first)
			tb_putc(b, ' ');
		first = false;
		if (!sig_short(b, (long)i + 1))
			tb_udec(b, i + 1);
	}
	tb_putc(b, ']');
}

void p_sigset(struct dctx *d, unsigned long addr, size_t bytes, bool trust)
{
	unsigned char set[128];
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	/* The kernel takes 8 bytes and nothing else: strace shows any other
	 * size's set as its address. */
	if (bytes != 8 || !um_get(d, set, addr, bytes, trust)) {
		tb_hex(d->b, addr);
		return;
	}
	p_sigset_bits(d->b, set, bytes);
}

/* ---- times ----------------------------------------------------------------- */

void p_timespec(struct dctx *d, unsigned long addr, bool trust)
{
	long ts[2];
	if (!p_struct_at(d, addr, ts, sizeof ts, trust))
		return;
	p_timespec_val(d, ts);
}

void p_timespec_val(struct dctx *d, const long ts[2])
{
	tb_puts(d->b, "{tv_sec=");
	tb_dec(d->b, ts[0]);
	tb_puts(d->b, ", tv_nsec=");
	tb_dec(d->b, ts[1]);
	tb_putc(d->b, '}');
}

void p_timeval(struct dctx *d, unsigned long addr, bool trust)
{
	long tv[2];
	if (!p_struct_at(d, addr, tv, sizeof tv, trust))
		return;
	tb_puts(d->b, "{tv_sec=");
	tb_dec(d->b, tv[0]);
	tb_puts(d->b, ", tv_usec=");
	tb_dec(d->b, tv[1]);
	tb_putc(d->b, '}');
}

/* ---- strings ------------------------------------------------------------------- */

void p_str(struct dctx *d, unsigned long addr, bool trust)
{
	char buf[4097];
	size_t max = d->cfg->strsize < 4096 ? d->cfg->strsize : 4096;
	bool complete;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	long n = um_str(d, buf, addr, max, trust, &complete);
	if (n < 0) {
		tb_hex(d->b, addr);
		return;
	}
	tb_quote(d->b, (const unsigned char *)buf, (size_t)n, !complete, 0);
}

void p_path(struct dctx *d, unsigned long addr, bool trust)
{
	char buf[4097];
	bool complete;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	long n = um_str(d, buf, addr, 4096, trust, &complete);
	if (n < 0) {
		tb_hex(d->b, addr);
		return;
	}
	if (complete)
		p_path_check(d, buf, (size_t)n);
	tb_quote(d->b, (const unsigned char *)buf, (size_t)n, !complete, 0);
}

/* -x: is any of the n bytes shown one that puts the whole string in
 * hex?  The first piece is in buf already; a longer -s reads the rest
 * ahead (only with -x and strings over 4 KiB). */
static bool hex_whole(struct dctx *d, const unsigned char *buf, size_t k, unsigned long addr,
		      size_t n, bool trust)
{
	if (tb_quote_hex(buf, k))
		return true;
	unsigned char more[4096];
	for (size_t off = k; off < n;) {
		size_t m = n - off < sizeof more ? n - off : sizeof more;
		if (um_read(d, more, addr + off, m, trust) != m)
			return false;
		if (tb_quote_hex(more, m))
			return true;
		off += m;
	}
	return false;
}

/* Up to -s bytes, read and quoted 4 KiB at a time (and one more byte, to
 * know whether an octal escape at the end of a piece must be long): a
 * large -s shows as much as the line holds, as strace shows it all. */
void p_buf(struct dctx *d, unsigned long addr, size_t len, bool trust, unsigned flags)
{
	unsigned char buf[4097];
	size_t n = len < d->cfg->strsize ? len : d->cfg->strsize;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	size_t k = n < 4096 ? n : 4096;
	size_t want = k < n ? k + 1 : k;
	if (k && um_read(d, buf, addr, want, trust) != want) {
		tb_hex(d->b, addr);
		return;
	}
	if (!(flags & TBQ_HEX) && tb_hex_strings && hex_whole(d, buf, k, addr, n, trust))
		flags |= TBQ_HEX;
	tb_putc(d->b, '"');
	size_t off = 0;
	for (;;) {
		tb_quote_part(d->b, buf, k, want > k ? buf[k] : -1, flags);
		off += k;
		if (off >= n || d->b->truncated)
			break;
		k = n - off < 4096 ? n - off : 4096;
		want = off + k < n ? k + 1 : k;
		if (um_read(d, buf, addr + off, want, trust) != want)
			break;
	}
	tb_putc(d->b, '"');
	if (len > off)
		tb_putn(d->b, "...", 3);
}

void p_int_ptr(struct dctx *d, unsigned long addr, bool trust)
{
	int v;
	if (!p_struct_at(d, addr, &v, sizeof v, trust))
		return;
	tb_putc(d->b, '[');
	tb_dec(d->b, v);
	tb_putc(d->b, ']');
}

void p_errno_ret(struct tb *b, long ret)
{
	long e = -ret;
	const char *name = xlat_name((unsigned long long)e, XT(errno));
	tb_puts(b, "-1 ");
	if (name) {
		tb_puts(b, name);
	} else {
		tb_puts(b, "E");
		tb_dec(b, e);
	}
	tb_puts(b, " (");
	const char *msg = e > 0 && e < 4096 ? zp_errno_msg[e] : NULL;
	if (msg) {
		tb_puts(b, msg);
	} else {
		tb_puts(b, "Unknown error ");
		tb_dec(b, e);
	}
	tb_putc(b, ')');
}

/* ---- stat ------------------------------------------------------------------------ */

/* makedev(0xMAJOR, 0xMINOR), the kernel's 64-bit dev_t split glibc's way */
void p_makedev(struct tb *b, unsigned long long dev)
{
	tb_puts(b, "makedev(");
	tb_hex(b, (dev >> 8 & 0xfff) | (dev >> 32 & ~0xfffull));
	tb_puts(b, ", ");
	tb_hex(b, (dev & 0xff) | (dev >> 12 & ~0xffull));
	tb_putc(b, ')');
}

static void p_field_u(struct tb *b, const char *name, unsigned long long v)
{
	tb_puts(b, name);
	tb_udec(b, v);
}

/* A time and its nanoseconds as stat shows them with -v. */
static void p_stat_time(struct dctx *d, const char *name, long long sec, unsigned long nsec)
{
	tb_puts(d->b, ", ");
	tb_puts(d->b, name);
	tb_putc(d->b, '=');
	tb_dec(d->b, sec);
	p_date_comment(d, sec, nsec, 9);
	tb_puts(d->b, ", ");
	tb_puts(d->b, name);
	p_field_u(d->b, "_nsec=", nsec);
}

void p_struct_stat(struct dctx *d, unsigned long addr)
{
	struct stat st;
	if (!d->ok || !um_get(d, &st, addr, sizeof st, true)) {
		p_ptr(d, addr);
		return;
	}
	struct tb *b = d->b;
	tb_putc(b, '{');
	if (!d->abbrev) {
		tb_puts(b, "st_dev=");
		p_makedev(b, st.st_dev);
		p_field_u(b, ", st_ino=", st.st_ino);
		tb_puts(b, ", ");
	}
	tb_puts(b, "st_mode=");
	p_mode(b, st.st_mode);
	if (!d->abbrev) {
		p_field_u(b, ", st_nlink=", st.st_nlink);
		p_field_u(b, ", st_uid=", st.st_uid);
		p_field_u(b, ", st_gid=", st.st_gid);
		p_field_u(b, ", st_blksize=", (unsigned long long)st.st_blksize);
		p_field_u(b, ", st_blocks=", (unsigned long long)st.st_blocks);
	}
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		tb_puts(b, ", st_rdev=");
		p_makedev(b, st.st_rdev);
	} else {
		tb_puts(b, ", st_size=");
		tb_dec(b, st.st_size);
	}
	if (d->abbrev) {
		tb_puts(b, ", ...}");
		return;
	}
	p_stat_time(d, "st_atime", st.st_atim.tv_sec, (unsigned long)st.st_atim.tv_nsec);
	p_stat_time(d, "st_mtime", st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	p_stat_time(d, "st_ctime", st.st_ctim.tv_sec, (unsigned long)st.st_ctim.tv_nsec);
	tb_putc(b, '}');
}

/* ---- socket addresses ---------------------------------------------------------------- */

void p_ipv4(struct tb *b, const unsigned char *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			tb_putc(b, '.');
		tb_udec(b, a[i]);
	}
}

/* RFC 5952 text, as inet_ntop writes it. */
void p_ipv6(struct tb *b, const unsigned char *a)
{
	unsigned w[8];
	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	int best = -1, bestlen = 0;
	for (int i = 0; i < 8;) {
		if (w[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !w[j])
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j;
	}
	if (bestlen < 2)
		best = -1;
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + bestlen) {
			if (i == best)
				tb_putc(b, ':');
			continue;
		}
		if (i)
			tb_putc(b, ':');
		/* ::ffff:a.b.c.d and ::a.b.c.d */
		if (i == 6 && best == 0 && (bestlen == 6 || (bestlen == 5 && w[5] == 0xffff))) {
			p_ipv4(b, a + 12);
			break;
		}
		char t[4];
		int n = 0;
		for (int s = 12; s >= 0; s -= 4)
			if ((w[i] >> s) || s == 0)
				if (n || (w[i] >> s) & 15 || s == 0)
					t[n++] = hex[(w[i] >> s) & 15];
		tb_putn(b, t, (size_t)n);
	}
	if (best >= 0 && best + bestlen == 8)
		tb_putc(b, ':');
}

void p_sockaddr(struct dctx *d, unsigned long addr, size_t len, bool trust)
{
	unsigned char sa[128];
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	size_t n = len < sizeof sa ? len : sizeof sa;
	if (n < 2 || !um_get(d, sa, addr, n, trust)) {
		tb_hex(d->b, addr);
		return;
	}
	unsigned fam = sa[0] | (unsigned)sa[1] << 8;
	struct tb *b = d->b;
	tb_puts(b, "{sa_family=");
	p_xlat(b, fam, XT(af), "AF_???");
	switch (fam) {
	case 1: /* AF_UNIX */
		if (n > 2) {
			tb_puts(b, ", sun_path=");
			if (sa[2] == '\0') {
				tb_putc(b, '@');
				tb_quote(b, sa + 3, n - 3, false, 0);
			} else {
				size_t k = 0;
				while (2 + k < n && sa[2 + k])
					k++;
				tb_quote(b, sa + 2, k, false, 0);
			}
		}
		break;
	case 2: /* AF_INET */
		if (n >= 8) {
			tb_puts(b, ", sin_port=htons(");
			tb_udec(b, (unsigned)sa[2] << 8 | sa[3]);
			tb_puts(b, "), sin_addr=inet_addr(\"");
			p_ipv4(b, sa + 4);
			tb_puts(b, "\")");
		}
		break;
	case 10: /* AF_INET6 */
		if (n >= 24) {
			tb_puts(b, ", sin6_port=htons(");
			tb_udec(b, (unsigned)sa[2] << 8 | sa[3]);
			tb_puts(b, "), sin6_flowinfo=htonl(");
			tb_udec(b, (unsigned)sa[4] << 24 | (unsigned)sa[5] << 16 | (unsigned)sa[6] << 8 | sa[7]);
			tb_puts(b, "), inet_pton(AF_INET6, \"");
			p_ipv6(b, sa + 8);
			tb_puts(b, "\", &sin6_addr)");
			if (n >= 28) {
				tb_puts(b, ", sin6_scope_id=");
				tb_udec(b, sa[24] | (unsigned)sa[25] << 8 | (unsigned)sa[26] << 16 |
						   (unsigned)sa[27] << 24);
			}
		}
		break;
	case 16: /* AF_NETLINK */
		if (n >= 12) {
			unsigned pid = sa[4] | (unsigned)sa[5] << 8 | (unsigned)sa[6] << 16 | (unsigned)sa[7] << 24;
			unsigned groups = sa[8] | (unsigned)sa[9] << 8 | (unsigned)sa[10] << 16 |
					  (unsigned)sa[11] << 24;
			tb_puts(b, ", nl_pid=");
			tb_udec(b, pid);
			tb_puts(b, ", nl_groups=");
			for (int s = 28; s >= 0; s -= 4)
				tb_putc(b, "0123456789abcdef"[(groups >> s) & 15]);
		}
		break;
	default:
		if (n > 2) {
			tb_puts(b, ", sa_data=");
			tb_quote(b, sa + 2, n - 2, false, 0);
		}
	}
	tb_putc(b, '}');
}

/* ---- arguments ------------------------------------------------------------------ */

void a_int(struct dctx *d, int i)
{
	arg(d);
	tb_dec(d->b, (int)d->a[i]);
}

void a_pid(struct dctx *d, int i)
{
	arg(d);
	p_pid(d, d->a[i]);
}

/* kill's and wait4's: a process, or a process group as -pgid (no name) */
void a_pid_pgid(struct dctx *d, int i)
{
	arg(d);
	if ((int)d->a[i] > 0)
		p_pid(d, d->a[i]);
	else
		tb_dec(d->b, (int)d->a[i]);
}

/* getpriority's and ioprio's "who": a process's id is named, a group's
 * or a user's not */
void a_who(struct dctx *d, int i, bool process)
{
	if (process)
		a_pid(d, i);
	else
		a_int(d, i);
}

void a_uid(struct dctx *d, int i)
{
	arg(d);
	unsigned int v = (unsigned int)d->a[i];
	if (v == (unsigned int)-1)
		tb_puts(d->b, "-1");
	else
		tb_udec(d->b, v);
}

void a_long(struct dctx *d, int i)
{
	arg(d);
	tb_dec(d->b, d->a[i]);
}

void a_uint(struct dctx *d, int i)
{
	arg(d);
	tb_udec(d->b, (unsigned int)d->a[i]);
}

void a_ulong(struct dctx *d, int i)
{
	arg(d);
	tb_udec(d->b, (unsigned long)d->a[i]);
}

void a_hex(struct dctx *d, int i)
{
	arg(d);
	tb_hex(d->b, (unsigned long)d->a[i]);
}

void a_ptr(struct dctx *d, int i)
{
	arg(d);
	p_ptr(d, (unsigned long)d->a[i]);
}

/* A mode the kernel reads as a umode_t: 16 bits. */
void a_oct(struct dctx *d, int i)
{
	arg(d);
	tb_oct(d->b, (unsigned short)d->a[i], 3);
}

void a_fd(struct dctx *d, int i)
{
	arg(d);
	p_fd(d, d->a[i]);
}

void a_dirfd(struct dctx *d, int i)
{
	arg(d);
	p_dirfd(d, d->a[i]);
}

/* A failed call whose error comes from looking its path up: the kernel
 * copied the path first.  (A call of two paths may fail on the first
 * before it reads the second, pivot_root and move_mount do: the safe copy
 * then faults, and process_vm_readv reads it after all.) */
static bool looked_up(const struct dctx *d)
{
	if (!d->exiting)
		return false;
	switch (d->ret) {
	case -ENOENT:
	case -ENOTDIR:
	case -ELOOP:
	case -EACCES:
	case -ENAMETOOLONG:
	case -EEXIST:
	case -EISDIR:
		return true;
	case -EINVAL: /* not a symbolic link */
		return d->nr == SYS_readlink || d->nr == SYS_readlinkat;
	default:
		return false;
	}
}

/* Input strings: the kernel has read them if the call got past looking
 * at its arguments, which success proves.  So do the errors of a lookup:
 * those paths are copied with the runtime's safe copy, which costs no
 * system call and falls back to process_vm_readv where it faults (a
 * compiler's failed look-ups along its include path and $PATH were ~1,700
 * process_vm_readv calls, ~1 us each, in a traced make of 8 files). */
void a_path(struct dctx *d, int i)
{
	arg(d);
	bool checked = d->checked;
	if (!d->ok && looked_up(d))
		d->checked = true;
	p_path(d, (unsigned long)d->a[i], d->ok);
	d->checked = checked;
}

void a_str(struct dctx *d, int i)
{
	arg(d);
	p_str(d, (unsigned long)d->a[i], d->ok);
}

void a_ibuf(struct dctx *d, int i)
{
	arg(d);
	unsigned long len = (unsigned long)d->a[i + 1];
	/* On success the kernel read at least ret bytes of it (write) or all
	 * of it (sendto); read it directly only within that. */
	bool trust = d->ok && (unsigned long)d->ret >= (len < d->cfg->strsize ? len : d->cfg->strsize);
	p_buf(d, (unsigned long)d->a[i], len, trust, 0);
}

void a_obuf(struct dctx *d, int i, unsigned flags)
{
	arg(d);
	if (!d->ok) {
		p_ptr(d, (unsigned long)d->a[i]);
		return;
	}
	p_buf(d, (unsigned long)d->a[i], (unsigned long)d->ret, true, flags);
}

void a_flags(struct dctx *d, int i, const struct zp_xlat *t, unsigned n, const char *zero)
{
	arg(d);
	p_flags(d->b, (unsigned long)d->a[i], t, n, zero);
}

/* Every argument printed so is an int in the kernel: an unknown value is
 * shown as the kernel reads it, 32 bits (strace's 0xffffff9c). */
/* An int argument's flags (32 bits, as the kernel reads them), zero
 * printed as `zero` (or 0), bits with no name as p_flags_u does. */
void a_flags_u(struct dctx *d, int i, const struct zp_xlat *t, unsigned n, const char *zero,
	       const char *unknown)
{
	arg(d);
	unsigned int v = (unsigned int)d->a[i];
	if (!v && zero)
		tb_puts(d->b, zero);
	else
		p_flags_u(d->b, v, t, n, unknown);
}

void a_xlat(struct dctx *d, int i, const struct zp_xlat *t, unsigned n, const char *unknown)
{
	arg(d);
	p_xlat(d->b, (unsigned int)d->a[i], t, n, unknown);
}

void a_signo(struct dctx *d, int i)
{
	arg(d);
	p_signame(d->b, (int)d->a[i]);
}

void a_timespec(struct dctx *d, int i, bool out)
{
	arg(d);
	if (out && !d->ok)
		p_ptr(d, (unsigned long)d->a[i]);
	else
		p_timespec(d, (unsigned long)d->a[i], d->ok);
}
