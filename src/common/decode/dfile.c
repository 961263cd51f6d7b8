/*
 * dfile.c - files and descriptors: open/read/write/stat/fcntl/ioctl ...
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <linux/fs.h>

#include "decode.h"

/* The flags are an int: the kernel ignores the register's upper half. */
static void a_open_flags(struct dctx *d, int i)
{
	arg(d);
	p_open_flags(d->b, (unsigned int)d->a[i]);
}

/* open/openat print the mode only when it is used. */
static void open_tail(struct dctx *d, int flags_i)
{
	unsigned long fl = (unsigned int)d->a[flags_i];
	a_open_flags(d, flags_i);
	if ((fl & O_CREAT) || (fl & __O_TMPFILE) == __O_TMPFILE)
		a_oct(d, flags_i + 1);
	d->rstyle = RV_FD;
}

static void a_stat(struct dctx *d, int i)
{
	arg(d);
	p_struct_stat(d, (unsigned long)d->a[i]);
}

static void a_at_flags(struct dctx *d, int i)
{
	a_flags_u(d, i, XT(at_flags), NULL, "AT_???");
}

static void a_access_mode(struct dctx *d, int i)
{
	a_flags_u(d, i, XT(access_modes), "F_OK", "?_OK");
}

static void statx_flags(struct dctx *d, unsigned long v)
{
	struct tb *b = d->b;
	unsigned long sync = v & (AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC);
	if (!sync)
		tb_puts(b, "AT_STATX_SYNC_AS_STAT");
	else
		p_flags(b, sync, XT(at_statx_sync), NULL);
	v &= ~sync;
	if (v) {
		tb_putc(b, '|');
		p_flags(b, v, XT(at_flags), NULL);
	}
}

static void p_statx_u(struct tb *b, const char *name, unsigned long long v, bool shown)
{
	if (!shown)
		return;
	tb_puts(b, name);
	tb_udec(b, v);
}

static void p_statx_time(struct dctx *d, const char *name, const struct statx_timestamp *t,
			 bool shown)
{
	if (!shown)
		return;
	tb_puts(d->b, name);
	tb_puts(d->b, "{tv_sec=");
	tb_dec(d->b, t->tv_sec);
	tb_puts(d->b, ", tv_nsec=");
	tb_udec(d->b, t->tv_nsec);
	tb_putc(d->b, '}');
	p_date_comment(d, t->tv_sec, t->tv_nsec, 9);
}

static void p_statx(struct dctx *d, unsigned long addr)
{
	struct statx sx;
	if (!d->ok || !um_get(d, &sx, addr, sizeof sx, true)) {
		p_ptr(d, addr);
		return;
	}
	struct tb *b = d->b;
	unsigned m = sx.stx_mask;
	bool v = !d->abbrev;
	tb_puts(b, "{stx_mask=");
	p_flags(b, m, XT(statx_mask), NULL);
	if (v)
		p_statx_u(b, ", stx_blksize=", sx.stx_blksize, true);
	tb_puts(b, ", stx_attributes=");
	p_flags(b, sx.stx_attributes, XT(statx_attrs), NULL);
	/* the fields the mask says were filled in, as strace */
	p_statx_u(b, ", stx_nlink=", sx.stx_nlink, v && (m & STATX_NLINK));
	p_statx_u(b, ", stx_uid=", sx.stx_uid, v && (m & STATX_UID));
	p_statx_u(b, ", stx_gid=", sx.stx_gid, v && (m & STATX_GID));
	if (m & (STATX_TYPE | STATX_MODE)) {
		tb_puts(b, ", stx_mode=");
		p_mode(b, sx.stx_mode);
	}
	p_statx_u(b, ", stx_ino=", sx.stx_ino, v && (m & STATX_INO));
	p_statx_u(b, ", stx_size=", sx.stx_size, m & STATX_SIZE);
	if (!v) {
		tb_puts(b, ", ...}");
		return;
	}
	p_statx_u(b, ", stx_blocks=", sx.stx_blocks, m & STATX_BLOCKS);
	tb_puts(b, ", stx_attributes_mask=");
	p_flags(b, sx.stx_attributes_mask, XT(statx_attrs), NULL);
	p_statx_time(d, ", stx_atime=", &sx.stx_atime, m & STATX_ATIME);
	p_statx_time(d, ", stx_btime=", &sx.stx_btime, m & STATX_BTIME);
	p_statx_time(d, ", stx_ctime=", &sx.stx_ctime, m & STATX_CTIME);
	p_statx_time(d, ", stx_mtime=", &sx.stx_mtime, m & STATX_MTIME);
	p_statx_u(b, ", stx_rdev_major=", sx.stx_rdev_major, true);
	p_statx_u(b, ", stx_rdev_minor=", sx.stx_rdev_minor, true);
	p_statx_u(b, ", stx_dev_major=", sx.stx_dev_major, true);
	p_statx_u(b, ", stx_dev_minor=", sx.stx_dev_minor, true);
	if (m & STATX_MNT_ID) {
		tb_puts(b, ", stx_mnt_id=");
		tb_hex(b, sx.stx_mnt_id);
	}
	if (m & STATX_DIOALIGN) {
		p_statx_u(b, ", stx_dio_mem_align=", sx.stx_dio_mem_align, true);
		p_statx_u(b, ", stx_dio_offset_align=", sx.stx_dio_offset_align, true);
	}
	tb_putc(b, '}');
}

/* Entries in a getdents64 buffer of len bytes. */
static void dirents(struct dctx *d, int i)
{
	arg(d);
	unsigned long addr = (unsigned long)d->a[i];
	p_ptr(d, addr);
	if (!d->ok || d->injected) /* read directly: the kernel filled it */
		return;
	const unsigned char *p = (const unsigned char *)addr;
	unsigned long len = (unsigned long)d->ret, off = 0, n = 0;
	while (off + 19 <= len) {
		unsigned short reclen = (unsigned short)(p[off + 16] | p[off + 17] << 8);
		if (!reclen)
			break;
		off += reclen;
		n++;
	}
	tb_puts(d->b, " /* ");
	tb_udec(d->b, n);
	tb_puts(d->b, n == 1 ? " entry */" : " entries */");
}

/* [{iov_base="...", iov_len=N}, ...]: `data` bytes of content in total
 * (all of each iov_len for writes, ret for reads; -1: addresses only). */
static void iovec(struct dctx *d, unsigned long addr, unsigned long cnt, long data, bool trust)
{
	struct tb *b = d->b;
	if (!addr) {
		tb_puts(b, "NULL");
		return;
	}
	size_t open = b->len;
	tb_putc(b, '[');
	unsigned long max = dec_elems(d);
	for (unsigned long k = 0; k < cnt; k++) {
		unsigned long iov[2];
		if (k >= max) {
			tb_puts(b, ", ...");
			break;
		}
		if (!um_get(d, iov, addr + k * 16, sizeof iov, trust)) {
			if (!k) { /* nothing readable: the address, as strace */
				b->len = open;
				p_ptr(d, addr);
				return;
			}
			tb_puts(b, ", ...");
			break;
		}
		if (k)
			tb_puts(b, ", ");
		tb_puts(b, "{iov_base=");
		if (data < 0) {
			p_ptr(d, iov[0]);
		} else {
			unsigned long n = iov[1] < (unsigned long)data ? iov[1] : (unsigned long)data;
			p_buf(d, iov[0], n, trust, 0);
			data -= (long)n;
		}
		tb_puts(b, ", iov_len=");
		tb_udec(b, iov[1]);
		tb_putc(b, '}');
	}
	tb_putc(b, ']');
}

static void a_iov_in(struct dctx *d, int i)
{
	arg(d);
	iovec(d, (unsigned long)d->a[i], (unsigned long)d->a[i + 1], 1L << 62, d->ok);
}

static void a_iov_out(struct dctx *d, int i)
{
	arg(d);
	/* Failed: the vector the call was given, its buffers as addresses. */
	if (!d->ok)
		iovec(d, (unsigned long)d->a[i], (unsigned long)d->a[i + 1], -1, false);
	else
		iovec(d, (unsigned long)d->a[i], (unsigned long)d->a[i + 1], d->ret, true);
}

static void a_fd_pair(struct dctx *d, int i)
{
	arg(d);
	int fds[2];
	if (!d->ok || !um_get(d, fds, (unsigned long)d->a[i], sizeof fds, true)) {
		p_ptr(d, (unsigned long)d->a[i]);
		return;
	}
	tb_putc(d->b, '[');
	p_fd(d, fds[0]);
	tb_puts(d->b, ", ");
	p_fd(d, fds[1]);
	tb_putc(d->b, ']');
}

/* ---- fcntl ------------------------------------------------------------------- */

static void p_flock(struct dctx *d, unsigned long addr, bool out)
{
	struct flock fl;
	bool trust = d->ok;
	if ((out && !d->ok) || !um_get(d, &fl, addr, sizeof fl, trust)) {
		p_ptr(d, addr);
		return;
	}
	struct tb *b = d->b;
	tb_puts(b, "{l_type=");
	p_xlat(b, (unsigned long)fl.l_type, XT(flock_types), "F_???");
	tb_puts(b, ", l_whence=");
	p_xlat(b, (unsigned long)fl.l_whence, XT(seek_whence), "SEEK_???");
	tb_puts(b, ", l_start=");
	tb_dec(b, fl.l_start);
	tb_puts(b, ", l_len=");
	tb_dec(b, fl.l_len);
	if (out) {
		tb_puts(b, ", l_pid=");
		tb_dec(b, fl.l_pid);
	}
	tb_putc(b, '}');
}

static void d_fcntl(struct dctx *d)
{
	a_fd(d, 0);
	arg(d);
	int cmd = (int)d->a[1]; /* an int, as the kernel reads it */
	p_xlat(d->b, (unsigned int)cmd, XT(fcntl_cmds), "F_???");
	switch (cmd) {
	case F_GETFD:
		if (d->ok && d->ret) {
			d->rstyle = RV_HEX;
			tb_puts(&d->rx, " (flags ");
			p_flags(&d->rx, (unsigned long)d->ret, XT(fd_flags), NULL);
			tb_putc(&d->rx, ')');
		}
		return;
	case F_GETFL:
		if (d->ok) {
			d->rstyle = RV_HEX;
			tb_puts(&d->rx, " (flags ");
			p_open_flags(&d->rx, (unsigned long)d->ret);
			tb_putc(&d->rx, ')');
		}
		return;
	case F_GETLEASE:
		if (d->ok) {
			tb_puts(&d->rx, " (");
			p_xlat(&d->rx, (unsigned long)d->ret, XT(flock_types), "F_???");
			tb_putc(&d->rx, ')');
		}
		return;
	case F_GET_SEALS:
		if (d->ok && d->ret) {
			d->rstyle = RV_HEX;
			tb_puts(&d->rx, " (seals ");
			p_flags(&d->rx, (unsigned long)d->ret, XT(seal_flags), NULL);
			tb_putc(&d->rx, ')');
		}
		return;
	case F_GETOWN:
	case F_GETSIG:
	case F_GETPIPE_SZ:
		return;
	case F_SETFD:
		a_flags(d, 2, XT(fd_flags), NULL);
		return;
	case F_SETFL:
		a_open_flags(d, 2);
		return;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		a_int(d, 2);
		d->rstyle = RV_FD;
		return;
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		arg(d);
		p_flock(d, (unsigned long)d->a[2], false);
		return;
	case F_GETLK:
	case F_OFD_GETLK:
		arg(d);
		p_flock(d, (unsigned long)d->a[2], true);
		return;
	case F_SETSIG:
		a_signo(d, 2);
		return;
	case F_SETLEASE:
		a_xlat(d, 2, XT(flock_types), "F_???");
		return;
	case F_NOTIFY: /* an int: the kernel ignores the upper half */
		arg(d);
		p_flags(d->b, (unsigned int)d->a[2], XT(dnotify_flags), NULL);
		return;
	case F_ADD_SEALS:
		arg(d);
		p_flags(d->b, (unsigned int)d->a[2], XT(seal_flags), NULL);
		return;
	case F_SETOWN:
		a_pid_pgid(d, 2);
		return;
	case F_SETPIPE_SZ:
		a_long(d, 2);
		return;
	default:
		a_hex(d, 2);
	}
}

/* ---- ioctl -------------------------------------------------------------------- */

static void p_termios(struct dctx *d, unsigned long addr, bool out)
{
	struct termios t;
	if ((out && !d->ok) || !um_get(d, &t, addr, sizeof t, d->ok)) {
		p_ptr(d, addr);
		return;
	}
	struct tb *b = d->b;
	/* strace leaves a flag field empty when it is 0 */
	tb_puts(b, "{c_iflag=");
	p_flags(b, t.c_iflag, XT(termios_iflag), "");
	tb_puts(b, ", c_oflag=");
	/* the delay fields first, by value (NL0 means "field is 0") */
	const struct {
		unsigned long mask;
		const struct zp_xlat *t;
		unsigned n;
	} fields[] = {
		{NLDLY, XT(termios_nldly)}, {CRDLY, XT(termios_crdly)}, {TABDLY, XT(termios_tabdly)},
		{BSDLY, XT(termios_bsdly)}, {VTDLY, XT(termios_vtdly)}, {FFDLY, XT(termios_ffdly)},
	};
	unsigned long of = t.c_oflag;
	for (unsigned i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (i)
			tb_putc(b, '|');
		p_xlat(b, of & fields[i].mask, fields[i].t, fields[i].n, "?");
		of &= ~fields[i].mask;
	}
	/* strace 6 puts the '|' before the other flags even when there are
	 * none: "c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|" for 0 */
	tb_putc(b, '|');
	if (of)
		p_flags(b, of, XT(termios_oflag), NULL);
	tb_puts(b, ", c_cflag=");
	unsigned long cf = t.c_cflag;
	p_xlat(b, cf & (CBAUD | CBAUDEX), XT(termios_baud), "B???");
	tb_putc(b, '|');
	p_xlat(b, cf & CSIZE, XT(termios_csize), "CS?");
	cf &= ~(unsigned long)(CBAUD | CBAUDEX | CSIZE);
	tb_putc(b, '|'); /* "c_cflag=B0|CS5|" for 0, as strace */
	if (cf)
		p_flags(b, cf, XT(termios_cflag), NULL);
	tb_puts(b, ", c_lflag=");
	p_flags(b, t.c_lflag, XT(termios_lflag), "");
	tb_puts(b, ", ...}");
}

static void p_winsize(struct dctx *d, unsigned long addr, bool out)
{
	unsigned short w[4];
	if ((out && !d->ok) || !um_get(d, w, addr, sizeof w, d->ok)) {
		p_ptr(d, addr);
		return;
	}
	struct tb *b = d->b;
	tb_puts(b, "{ws_row=");
	tb_udec(b, w[0]);
	tb_puts(b, ", ws_col=");
	tb_udec(b, w[1]);
	tb_puts(b, ", ws_xpixel=");
	tb_udec(b, w[2]);
	tb_puts(b, ", ws_ypixel=");
	tb_udec(b, w[3]);
	tb_putc(b, '}');
}

static void d_ioctl(struct dctx *d)
{
	a_fd(d, 0);
	arg(d);
	unsigned long req = (unsigned long)d->a[1] & 0xffffffffu;
	unsigned long a2 = (unsigned long)d->a[2];
	/* cp's first try at every regular file (--reflink=auto is its
	 * default): strace names both spellings of the number and shows the
	 * source descriptor. */
	if (req == FICLONE) {
		tb_puts(d->b, "BTRFS_IOC_CLONE or FICLONE");
		a_fd(d, 2);
		return;
	}
	/* strace names the OSS timer ioctls that share TCSETS* numbers
	 * (_IO('T', 2..4)) too. */
	if (req == TCSETS || req == TCSETSW || req == TCSETSF) {
		static const char *const tmr[] = {"SNDCTL_TMR_START or ", "SNDCTL_TMR_STOP or ",
						  "SNDCTL_TMR_CONTINUE or "};
		tb_puts(d->b, tmr[req - TCSETS]);
	}
	if (!p_xlat_try(d->b, req, XT(tty_ioctls))) {
		/* Other subsystems' requests by name (block and file systems,
		 * loop, KVM, sound, video, tun, sockets...), the argument as
		 * strace shows an ioctl it does not decode. */
		if (p_xlat_try(d->b, req, XT(ioctl_names)) || p_xlat_try(d->b, req, XT(plain_ioctls))) {
			a_hex(d, 2);
			return;
		}
		static const char *const dir[] = {"_IOC_NONE", "_IOC_WRITE", "_IOC_READ",
						  "_IOC_READ|_IOC_WRITE"};
		tb_puts(d->b, "_IOC(");
		tb_puts(d->b, dir[(req >> 30) & 3]);
		tb_puts(d->b, ", ");
		tb_hex(d->b, (req >> 8) & 0xff);
		tb_puts(d->b, ", ");
		tb_hex(d->b, req & 0xff);
		tb_puts(d->b, ", ");
		tb_hex(d->b, (req >> 16) & 0x3fff);
		tb_putc(d->b, ')');
		a_hex(d, 2);
		return;
	}
	switch (req) {
	case TCGETS:
		arg(d);
		p_termios(d, a2, true);
		return;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		arg(d);
		p_termios(d, a2, false);
		return;
	case TIOCGWINSZ:
		arg(d);
		p_winsize(d, a2, true);
		return;
	case TIOCSWINSZ:
		arg(d);
		p_winsize(d, a2, false);
		return;
	case FIONREAD:
	case TIOCGPGRP:
	case TIOCGSID:
	case TIOCGPTN:
	case TIOCOUTQ:
	case TIOCGETD:
		arg(d);
		if (d->ok)
			p_int_ptr(d, a2, true);
		else
			p_ptr(d, a2);
		return;
	case TIOCSPGRP:
	case FIONBIO:
	case FIOASYNC:
	case TIOCSPTLCK:
	case TIOCSETD:
	case TIOCPKT:
		arg(d);
		p_int_ptr(d, a2, d->ok);
		return;
	case TCGETA: /* pointers strace shows but does not decode here */
	case TCSETA:
	case TCSETAW:
	case TCSETAF:
	case TIOCSTI:
	case TIOCMGET:
	case TIOCMBIS:
	case TIOCMBIC:
	case TIOCMSET:
	case TIOCGSOFTCAR:
	case TIOCSSOFTCAR:
	case TIOCGLCKTRMIOS:
	case TIOCSLCKTRMIOS:
	case TIOCGDEV:
	case TIOCGEXCL:
		a_ptr(d, 2);
		return;
	case TIOCSBRK: /* no argument */
	case TIOCCBRK:
	case TIOCVHANGUP:
	case FIOCLEX:
	case FIONCLEX:
	case TIOCNOTTY:
	case TIOCEXCL:
	case TIOCNXCL:
	case TIOCCONS:
		return;
	case TCFLSH:
		arg(d);
		p_xlat(d->b, a2, XT(tcflsh), "TC???");
		return;
	case TCXONC:
		arg(d);
		p_xlat(d->b, a2, XT(tcxonc), "TC???");
		return;
	case TCSBRK:
	case TCSBRKP:
	case TIOCSCTTY:
		a_long(d, 2);
		return;
	default:
		a_hex(d, 2);
	}
}

/* ---- the family --------------------------------------------------------------- */

static void a_statfs_out(struct dctx *d, int i)
{
	struct {
		long f_type, f_bsize;
		unsigned long f_blocks, f_bfree, f_bavail, f_files, f_ffree;
		int f_fsid[2];
		long f_namelen, f_frsize, f_flags, f_spare[4];
	} s;
	arg(d);
	unsigned long addr = (unsigned long)d->a[i];
	if (!d->ok || !um_get(d, &s, addr, sizeof s, true)) {
		p_ptr(d, addr);
		return;
	}
	struct tb *b = d->b;
	tb_puts(b, "{f_type=");
	if (!p_xlat_try(b, (unsigned long)s.f_type, XT(fs_magic)))
		tb_hex(b, (unsigned long)s.f_type);
	tb_puts(b, ", f_bsize=");
	tb_dec(b, s.f_bsize);
	tb_puts(b, ", f_blocks=");
	tb_udec(b, s.f_blocks);
	tb_puts(b, ", f_bfree=");
	tb_udec(b, s.f_bfree);
	tb_puts(b, ", f_bavail=");
	tb_udec(b, s.f_bavail);
	tb_puts(b, ", f_files=");
	tb_udec(b, s.f_files);
	tb_puts(b, ", f_ffree=");
	tb_udec(b, s.f_ffree);
	tb_puts(b, ", f_fsid={val=[");
	tb_hex(b, (unsigned)s.f_fsid[0]);
	tb_puts(b, ", ");
	tb_hex(b, (unsigned)s.f_fsid[1]);
	tb_puts(b, "]}, f_namelen=");
	tb_dec(b, s.f_namelen);
	tb_puts(b, ", f_frsize=");
	tb_dec(b, s.f_frsize);
	tb_puts(b, ", f_flags=");
	/* ST_VALID (0x20) is the kernel's own (not in the UAPI headers):
	 * statfs() always reports it, strace names it first */
	unsigned long fl = (unsigned long)s.f_flags;
	if (fl & 0x20) {
		tb_puts(b, "ST_VALID");
		fl &= ~0x20UL;
		if (fl)
			tb_putc(b, '|');
	}
	if (fl || !(s.f_flags & 0x20))
		p_flags(b, fl, XT(statfs_flags), "0");
	tb_putc(b, '}');
}

/* An optional loff_t in/out pointer: [N] or NULL. */
static void p_off(struct dctx *d, unsigned long addr)
{
	long v;
	if (um_get(d, &v, addr, sizeof v, d->ok)) {
		tb_putc(d->b, '[');
		tb_dec(d->b, v);
		tb_putc(d->b, ']');
	} else {
		tb_hex(d->b, addr);
	}
}

/* An in/out offset as it was at entry: the k-th one in the snapshot
 * (zp_decode_snapshot), else as it is now. */
static void a_off_ptr_entry(struct dctx *d, int i, int k)
{
	arg(d);
	unsigned long addr = (unsigned long)d->a[i];
	long v;
	if (!addr) {
		tb_puts(d->b, "NULL");
	} else if (d->snaplen >= 17 && (d->snap[16] >> k & 1)) {
		zp_memcpy(&v, d->snap + 8 * k, sizeof v);
		tb_putc(d->b, '[');
		tb_dec(d->b, v);
		tb_putc(d->b, ']');
	} else {
		p_off(d, addr);
	}
}

/* The date strace adds, as a comment, after a time a call sets
 * (2023-11-14T22:13:20+0000): local time, then the fraction in `digits`
 * digits (6 for microseconds, 9 for nanoseconds: those only when not 0; 0
 * for none).  Only in a zone whose offset never changes (cfg->tz_known):
 * the program's libc cannot be asked for each date mid-trace without
 * tracing its own calls. */
static bool date_text(struct tb *b, const struct zp_dec_cfg *cfg, long long sec, unsigned long frac,
		      int digits)
{
	if (!cfg->tz_known)
		return false;
	long tz_offset = cfg->tz_offset;
	long long t = sec + tz_offset;
	long long days = t / 86400, rem = t % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	/* Civil date from days since 1970-01-01, by 400-year eras that start
	 * on March 1st, so that the leap day ends a year. */
	long long z = days + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	long long day = doy - (153 * mp + 2) / 5 + 1;
	long long mon = mp < 10 ? mp + 3 : mp - 9;
	long long year = yoe + era * 400 + (mon <= 2);
	if (year < -2147481748LL || year > 2147485547LL) /* struct tm's int tm_year */
		return false;
	/* strftime's %F: at least 4 digits, a sign past 9999 */
	if (year < 0)
		tb_putc(b, '-');
	else if (year > 9999)
		tb_putc(b, '+');
	tb_udec_w(b, (unsigned long long)(year < 0 ? -year : year), 4, '0');
	tb_putc(b, '-');
	tb_udec_w(b, (unsigned long long)mon, 2, '0');
	tb_putc(b, '-');
	tb_udec_w(b, (unsigned long long)day, 2, '0');
	tb_putc(b, 'T');
	tb_udec_w(b, (unsigned long long)(rem / 3600), 2, '0');
	tb_putc(b, ':');
	tb_udec_w(b, (unsigned long long)(rem / 60 % 60), 2, '0');
	tb_putc(b, ':');
	tb_udec_w(b, (unsigned long long)(rem % 60), 2, '0');
	if (digits == 6 || (digits == 9 && frac)) {
		tb_putc(b, '.');
		tb_udec_w(b, frac, (unsigned)digits, '0');
	}
	long off = tz_offset < 0 ? -tz_offset : tz_offset;
	tb_putc(b, tz_offset < 0 ? '-' : '+');
	tb_udec_w(b, (unsigned long long)(off / 3600), 2, '0');
	tb_udec_w(b, (unsigned long long)(off / 60 % 60), 2, '0');
	return true;
}

void p_date_comment(struct dctx *d, long long sec, unsigned long frac, int digits)
{
	char t[64];
	struct tb tb;
	tb_init(&tb, t, sizeof t);
	if (!date_text(&tb, d->cfg, sec, frac, digits))
		return;
	tb_puts(d->b, " /* ");
	tb_putn(d->b, t, tb.len);
	tb_puts(d->b, " */");
}

void p_date_result(struct dctx *d, long long sec)
{
	char t[64];
	struct tb tb;
	tb_init(&tb, t, sizeof t);
	if (!date_text(&tb, d->cfg, sec, 0, 0))
		return;
	tb_puts(&d->rx, " (");
	tb_putn(&d->rx, t, tb.len);
	tb_putc(&d->rx, ')');
}

static void a_utimes(struct dctx *d, int i)
{
	arg(d);
	unsigned long addr = (unsigned long)d->a[i];
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	long ts[4];
	if (!um_get(d, ts, addr, sizeof ts, d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	tb_putc(d->b, '[');
	for (int k = 0; k < 2; k++) {
		if (k)
			tb_puts(d->b, ", ");
		/* UTIME_NOW / UTIME_OMIT: tv_sec is ignored, strace prints the name */
		if (p_xlat_try(d->b, (unsigned long long)ts[2 * k + 1], XT(utime_special)))
			continue;
		tb_puts(d->b, "{tv_sec=");
		tb_dec(d->b, ts[2 * k]);
		tb_puts(d->b, ", tv_nsec=");
		tb_udec(d->b, (unsigned long)ts[2 * k + 1]); /* strace: unsigned */
		tb_putc(d->b, '}');
		/* none for the epoch itself or an out-of-range tv_nsec */
		if ((ts[2 * k] || ts[2 * k + 1]) && ts[2 * k + 1] >= 0 && ts[2 * k + 1] <= 999999999)
			p_date_comment(d, ts[2 * k], (unsigned long)ts[2 * k + 1], 9);
	}
	tb_putc(d->b, ']');
}

static void a_dev(struct dctx *d, int i)
{
	arg(d);
	p_makedev(d->b, (unsigned long)d->a[i]);
}

static void a_mknod_mode(struct dctx *d, int i)
{
	arg(d);
	p_mode(d->b, (unsigned long)d->a[i]);
}

/* getxattr-style value or listxattr-style name list: the ret bytes read.
 * strace shows the buffer whenever the caller offered one (size != 0) and
 * the call succeeded, so an empty value or an empty list reads "", not an
 * address; a size query (size 0) leaves the buffer untouched: address. */
static void a_xattr_out(struct dctx *d, int i, int size_i)
{
	if (d->ok && d->a[i] && d->a[size_i] != 0)
		a_obuf(d, i, 0);
	else
		a_ptr(d, i);
}

bool zp_decode_file(struct dctx *d)
{
	switch (d->nr) {
	case SYS_read:
		a_fd(d, 0);
		a_obuf(d, 1, 0);
		a_ulong(d, 2);
		return true;
	case SYS_write:
		a_fd(d, 0);
		a_ibuf(d, 1);
		a_ulong(d, 2);
		return true;
	case SYS_pread64:
		a_fd(d, 0);
		a_obuf(d, 1, 0);
		a_ulong(d, 2);
		a_long(d, 3);
		return true;
	case SYS_pwrite64:
		a_fd(d, 0);
		a_ibuf(d, 1);
		a_ulong(d, 2);
		a_long(d, 3);
		return true;
	case SYS_readv:
		a_fd(d, 0);
		a_iov_out(d, 1);
		a_ulong(d, 2);
		return true;
	case SYS_writev:
		a_fd(d, 0);
		a_iov_in(d, 1);
		a_ulong(d, 2);
		return true;
	case SYS_preadv:
	case SYS_preadv2:
		a_fd(d, 0);
		a_iov_out(d, 1);
		a_ulong(d, 2);
		a_long(d, 3);
		if (d->nr == SYS_preadv2)
			a_flags_u(d, 5, XT(rwf_flags), NULL, "RWF_???");
		return true;
	case SYS_pwritev:
	case SYS_pwritev2:
		a_fd(d, 0);
		a_iov_in(d, 1);
		a_ulong(d, 2);
		a_long(d, 3);
		if (d->nr == SYS_pwritev2)
			a_flags_u(d, 5, XT(rwf_flags), NULL, "RWF_???");
		return true;
	case SYS_open:
		a_path(d, 0);
		open_tail(d, 1);
		return true;
	case SYS_openat:
		a_dirfd(d, 0);
		a_path(d, 1);
		open_tail(d, 2);
		return true;
	case SYS_creat:
		a_path(d, 0);
		a_oct(d, 1);
		d->rstyle = RV_FD;
		return true;
	case SYS_close:
		a_fd_entry(d, 0);
		return true;
	case SYS_fsync:
	case SYS_fdatasync:
	case SYS_fchdir:
	case SYS_syncfs:
		a_fd(d, 0);
		return true;
	case SYS_stat:
	case SYS_lstat:
		a_path(d, 0);
		a_stat(d, 1);
		return true;
	case SYS_fstat:
		a_fd(d, 0);
		a_stat(d, 1);
		return true;
	case SYS_newfstatat:
		a_dirfd(d, 0);
		a_path(d, 1);
		a_stat(d, 2);
		a_at_flags(d, 3);
		return true;
	case SYS_statx:
		a_dirfd(d, 0);
		a_path(d, 1);
		arg(d);
		statx_flags(d, (unsigned long)d->a[2]);
		a_flags(d, 3, XT(statx_mask), NULL);
		arg(d);
		p_statx(d, (unsigned long)d->a[4]);
		return true;
	case SYS_lseek:
		a_fd(d, 0);
		a_long(d, 1);
		a_xlat(d, 2, XT(seek_whence), "SEEK_???");
		return true;
	case SYS_access:
		a_path(d, 0);
		a_access_mode(d, 1);
		return true;
	case SYS_faccessat:
	case SYS_faccessat2:
		a_dirfd(d, 0);
		a_path(d, 1);
		a_access_mode(d, 2);
		if (d->nr == SYS_faccessat2)
			a_flags_u(d, 3, XT(at_access_flags), NULL, "AT_???");
		return true;
	case SYS_readlink:
		a_path(d, 0);
		a_obuf(d, 1, 0);
		a_ulong(d, 2);
		return true;
	case SYS_readlinkat:
		a_dirfd(d, 0);
		a_path(d, 1);
		a_obuf(d, 2, 0);
		a_ulong(d, 3);
		return true;
	case SYS_getdents64:
	case SYS_getdents:
		a_fd(d, 0);
		dirents(d, 1);
		a_ulong(d, 2);
		return true;
	case SYS_mkdir:
	case SYS_chmod:
		a_path(d, 0);
		a_oct(d, 1);
		return true;
	case SYS_mkdirat:
	case SYS_fchmodat:
		a_dirfd(d, 0);
		a_path(d, 1);
		a_oct(d, 2);
		return true;
	case SYS_fchmod:
		a_fd(d, 0);
		a_oct(d, 1);
		return true;
	case SYS_rmdir:
	case SYS_unlink:
	case SYS_chdir:
	case SYS_chroot:
	case SYS_acct:
		a_path(d, 0);
		return true;
	case SYS_unlinkat:
		a_dirfd(d, 0);
		a_path(d, 1);
		a_at_flags(d, 2);
		return true;
	case SYS_rename:
	case SYS_link:
	case SYS_symlink:
		a_path(d, 0);
		a_path(d, 1);
		return true;
	case SYS_renameat:
	case SYS_renameat2:
		a_dirfd(d, 0);
		a_path(d, 1);
		a_dirfd(d, 2);
		a_path(d, 3);
		if (d->nr == SYS_renameat2)
			a_flags_u(d, 4, XT(rename_flags), NULL, "RENAME_???");
		return true;
	case SYS_linkat:
		a_dirfd(d, 0);
		a_path(d, 1);
		a_dirfd(d, 2);
		a_path(d, 3);
		a_at_flags(d, 4);
		return true;
	case SYS_symlinkat:
		a_path(d, 0);
		a_dirfd(d, 1);
		a_path(d, 2);
		return true;
	case SYS_getcwd:
		arg(d);
		if (d->ok && d->ret > 0)
			p_path(d, (unsigned long)d->a[0], true);
		else
			p_ptr(d, (unsigned long)d->a[0]);
		a_ulong(d, 1);
		return true;
	case SYS_chown:
	case SYS_lchown:
		a_path(d, 0);
		a_uid(d, 1);
		a_uid(d, 2);
		return true;
	case SYS_fchown:
		a_fd(d, 0);
		a_uid(d, 1);
		a_uid(d, 2);
		return true;
	case SYS_fchownat:
		a_dirfd(d, 0);
		a_path(d, 1);
		a_uid(d, 2);
		a_uid(d, 3);
		a_at_flags(d, 4);
		return true;
	case SYS_truncate:
		a_path(d, 0);
		a_long(d, 1);
		return true;
	case SYS_ftruncate:
		a_fd(d, 0);
		a_long(d, 1);
		return true;
	case SYS_fcntl:
		d_fcntl(d);
		return true;
	case SYS_ioctl:
		d_ioctl(d);
		return true;
	case SYS_flock:
		a_fd(d, 0);
		a_flags_u(d, 1, XT(flock_ops), NULL, "LOCK_???");
		return true;
	case SYS_pipe:
		a_fd_pair(d, 0);
		return true;
	case SYS_pipe2:
		a_fd_pair(d, 0);
		a_flags_u(d, 1, XT(open_flags), NULL, "O_???");
		return true;
	case SYS_dup:
		a_fd(d, 0);
		d->rstyle = RV_FD;
		return true;
	case SYS_dup2:
		a_fd(d, 0);
		a_fd_entry(d, 1);
		d->rstyle = RV_FD;
		return true;
	case SYS_dup3:
		a_fd(d, 0);
		a_fd_entry(d, 1);
		a_flags_u(d, 2, XT(open_flags), NULL, "O_???");
		d->rstyle = RV_FD;
		return true;
	case SYS_close_range: /* unsigned int first, last */
		a_uint(d, 0);
		a_uint(d, 1);
		a_flags_u(d, 2, XT(close_range_flags), NULL, "CLOSE_RANGE_???");
		return true;
	case SYS_sendfile:
		a_fd(d, 0);
		a_fd(d, 1);
		a_off_ptr_entry(d, 2, 0);
		if (d->a[2] && d->ok && d->ret > 0 && d->snaplen) {
			/* strace: the offset given, then the one the kernel left */
			tb_puts(d->b, " => ");
			p_off(d, (unsigned long)d->a[2]);
		}
		a_ulong(d, 3);
		return true;
	case SYS_splice:
		a_fd(d, 0);
		a_off_ptr_entry(d, 1, 0);
		a_fd(d, 2);
		a_off_ptr_entry(d, 3, 1);
		a_ulong(d, 4);
		a_flags_u(d, 5, XT(splice_flags), NULL, "SPLICE_F_???");
		return true;
	case SYS_tee:
		a_fd(d, 0);
		a_fd(d, 1);
		a_ulong(d, 2);
		a_flags_u(d, 3, XT(splice_flags), NULL, "SPLICE_F_???");
		return true;
	case SYS_vmsplice:
		a_fd(d, 0);
		a_iov_in(d, 1);
		a_ulong(d, 2);
		a_flags_u(d, 3, XT(splice_flags), NULL, "SPLICE_F_???");
		return true;
	case SYS_process_vm_readv:
	case SYS_process_vm_writev:
		/* Ours: the bytes moved (read: once it succeeded); theirs:
		 * addresses in another process. */
		a_pid(d, 0);
		if (d->nr == SYS_process_vm_readv)
			a_iov_out(d, 1);
		else
			a_iov_in(d, 1);
		a_ulong(d, 2);
		arg(d);
		iovec(d, (unsigned long)d->a[3], (unsigned long)d->a[4], -1, d->ok);
		a_ulong(d, 4);
		a_hex(d, 5);
		return true;
	case SYS_sync_file_range:
		a_fd(d, 0);
		a_long(d, 1);
		a_long(d, 2);
		a_flags_u(d, 3, XT(sync_file_range_flags), NULL, "SYNC_FILE_RANGE_???");
		return true;
	case SYS_copy_file_range:
		a_fd(d, 0);
		a_off_ptr_entry(d, 1, 0);
		a_fd(d, 2);
		a_off_ptr_entry(d, 3, 1);
		a_ulong(d, 4);
		a_hex(d, 5);
		return true;
	case SYS_fallocate:
		a_fd(d, 0);
		a_flags_u(d, 1, XT(falloc_flags), NULL, "FALLOC_FL_???");
		a_long(d, 2);
		a_long(d, 3);
		return true;
	case SYS_fadvise64:
		a_fd(d, 0);
		a_long(d, 1);
		a_long(d, 2);
		a_xlat(d, 3, XT(fadvise), "POSIX_FADV_???");
		return true;
	case SYS_readahead:
		a_fd(d, 0);
		a_long(d, 1);
		a_ulong(d, 2);
		return true;
	case SYS_statfs:
		a_path(d, 0);
		a_statfs_out(d, 1);
		return true;
	case SYS_fstatfs:
		a_fd(d, 0);
		a_statfs_out(d, 1);
		return true;
	case SYS_utimensat:
		a_dirfd(d, 0);
		a_path(d, 1);
		a_utimes(d, 2);
		a_at_flags(d, 3);
		return true;
	case SYS_ustat:
		a_dev(d, 0);
		a_ptr(d, 1);
		return true;
	case SYS_mknod:
		a_path(d, 0);
		a_mknod_mode(d, 1);
		if (S_ISCHR(d->a[1]) || S_ISBLK(d->a[1])) /* strace: a device only for these */
			a_dev(d, 2);
		return true;
	case SYS_mknodat:
		a_dirfd(d, 0);
		a_path(d, 1);
		a_mknod_mode(d, 2);
		if (S_ISCHR(d->a[2]) || S_ISBLK(d->a[2]))
			a_dev(d, 3);
		return true;
	case SYS_umask:
		a_oct(d, 0);
		d->rstyle = RV_OCT;
		return true;
	case SYS_getxattr:
	case SYS_lgetxattr:
		a_path(d, 0);
		a_str(d, 1);
		a_xattr_out(d, 2, 3);
		a_ulong(d, 3);
		return true;
	case SYS_fgetxattr:
		a_fd(d, 0);
		a_str(d, 1);
		a_xattr_out(d, 2, 3);
		a_ulong(d, 3);
		return true;
	case SYS_setxattr:
	case SYS_lsetxattr:
		a_path(d, 0);
		a_str(d, 1);
		a_ibuf(d, 2);
		a_ulong(d, 3);
		a_flags_u(d, 4, XT(xattr_flags), NULL, "XATTR_???");
		return true;
	case SYS_fsetxattr:
		a_fd(d, 0);
		a_str(d, 1);
		a_ibuf(d, 2);
		a_ulong(d, 3);
		a_flags_u(d, 4, XT(xattr_flags), NULL, "XATTR_???");
		return true;
	case SYS_listxattr:
	case SYS_llistxattr:
		a_path(d, 0);
		a_xattr_out(d, 1, 2);
		a_ulong(d, 2);
		return true;
	case SYS_flistxattr:
		a_fd(d, 0);
		a_xattr_out(d, 1, 2);
		a_ulong(d, 2);
		return true;
	case SYS_removexattr:
	case SYS_lremovexattr:
		a_path(d, 0);
		a_str(d, 1);
		return true;
	case SYS_fremovexattr:
		a_fd(d, 0);
		a_str(d, 1);
		return true;
	case SYS_inotify_init1:
		a_flags_u(d, 0, XT(inotify_init_flags), NULL, "IN_???");
		d->rstyle = RV_FD;
		return true;
	case SYS_inotify_add_watch:
		a_fd(d, 0);
		a_path(d, 1);
		a_flags_u(d, 2, XT(inotify_mask), NULL, "IN_???");
		return true;
	case SYS_memfd_create:
		a_str(d, 0);
		d->a[1] = (unsigned int)d->a[1]; /* the kernel's flags are an int */
		a_flags(d, 1, XT(memfd_flags), NULL);
		d->rstyle = RV_FD;
		return true;
	case SYS_inotify_rm_watch:
		a_fd(d, 0);
		a_int(d, 1);
		return true;
	case SYS_signalfd4:
		a_fd(d, 0);
		arg(d);
		p_sigset(d, (unsigned long)d->a[1], (size_t)d->a[2], d->ok);
		a_ulong(d, 2);
		a_flags_u(d, 3, XT(signalfd_flags), NULL, "SFD_???");
		d->rstyle = RV_FD;
		return true;
	case SYS_eventfd2: /* unsigned int initval */
		a_uint(d, 0);
		a_flags_u(d, 1, XT(eventfd_flags), NULL, "EFD_???");
		d->rstyle = RV_FD;
		return true;
	case SYS_eventfd:
		a_uint(d, 0);
		d->rstyle = RV_FD;
		return true;
	case SYS_timerfd_create:
		a_xlat(d, 0, XT(clocks), "CLOCK_???");
		a_flags_u(d, 1, XT(timerfd_flags), NULL, "TFD_???");
		d->rstyle = RV_FD;
		return true;
	default:
		return false;
	}
}
