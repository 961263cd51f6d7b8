/*
 * dumpio.c - -e read=SET and -e write=SET: the data a call read from, or
 * wrote to, one of the descriptors, under the call's line, laid out as
 * strace lays it out: 16 bytes a line, " | OFFSET  xx xx ... xx  TEXT |",
 * the offset in at least 5 hex digits, the bytes in two groups of eight,
 * then the printable ones as themselves and the others as '.'.  Vectored
 * calls say each buffer first (" * N bytes in buffer I"), the mmsg calls
 * each message (" = N buffers in vector I").
 *
 * Data written is dumped whole (the count asked for, whatever the call
 * returned, as strace does), data read as far as the result says.  The
 * dump goes out in pieces of up to DUMP_OUT bytes: a long one may have
 * another thread's line between two pieces.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/uio.h>

#include "trace_hook.h"

enum {
	DUMP_IN = 4096,        /* the program's bytes copied at a time */
	DUMP_OUT = 16 * 1024,  /* text written at a time */
	DUMP_LINE = 96,        /* one line's text, at most */
	DUMP_IOV_BATCH = 64,   /* iovecs copied at a time */
};

struct dump {
	struct dctx d; /* for um_read: the pid, and whether memory may be read */
	int tid;
	size_t n;
	char out[DUMP_OUT];
};

static void flush(struct dump *w)
{
	if (w->n)
		zp_tout_line(&g.out, w->tid, w->out, w->n);
	w->n = 0;
}

static void put(struct dump *w, const char *s, size_t n)
{
	if (w->n + n > sizeof w->out)
		flush(w);
	zp_memcpy(w->out + w->n, s, n);
	w->n += n;
}

/* A line built with the trace's formatters (tracefmt.h), then queued. */
static void put_line(struct dump *w, const struct tb *line)
{
	put(w, line->p, line->len);
}

/* len bytes at addr.  `trusted` bytes from the start were read or written
 * by the kernel just now: copied directly (the runtime's safe copy where
 * it has one); the rest through process_vm_readv, which fails cleanly. */
static void dump_str(struct dump *w, unsigned long addr, unsigned long len, unsigned long trusted)
{
	/* as many hex digits as the last offset needs, at least 5 */
	int width = 5;
	while (width < 16 && (len - 1) >> (4 * width))
		width++;
	unsigned char in[DUMP_IN];
	for (unsigned long at = 0; at < len; at += DUMP_IN) {
		size_t want = len - at < DUMP_IN ? (size_t)(len - at) : DUMP_IN;
		size_t got = um_read(&w->d, in, addr + at, want, at + want <= trusted);
		if (got < want)
			return; /* unreadable: the lines so far stand, as strace's do */
		for (size_t i = 0; i < got; i += 16) {
			char buf[DUMP_LINE];
			struct tb line;
			tb_init(&line, buf, sizeof buf);
			tb_puts(&line, " | ");
			tb_hex_w(&line, at + i, width);
			tb_puts(&line, "  ");
			for (size_t j = 0; j < 16; j++) {
				if (i + j < got)
					tb_hex_w(&line, in[i + j], 2);
				else
					tb_puts(&line, "  ");
				tb_puts(&line, j == 7 || j == 15 ? "  " : " ");
			}
			for (size_t j = 0; j < 16; j++) {
				unsigned char c = i + j < got ? in[i + j] : ' ';
				tb_putc(&line, c >= ' ' && c < 0x7f ? (char)c : '.');
			}
			tb_puts(&line, " |\n");
			put_line(w, &line);
		}
	}
}

/* cnt iovecs at iov, size bytes in all at most (~0: each whole). */
static void dump_iov(struct dump *w, unsigned long iov, unsigned long cnt, unsigned long size,
		     bool trusted)
{
	struct iovec v[DUMP_IOV_BATCH];
	for (unsigned long i = 0; i < cnt && size;) {
		unsigned long k = cnt - i < DUMP_IOV_BATCH ? cnt - i : DUMP_IOV_BATCH;
		size_t got = um_read(&w->d, v, iov + i * sizeof *v, k * sizeof *v, trusted);
		if (got < k * sizeof *v)
			return;
		for (unsigned long j = 0; j < k && size; j++, i++) {
			unsigned long len = v[j].iov_len < size ? v[j].iov_len : size;
			if (!len)
				return; /* as strace: an empty buffer ends the dump */
			size -= len;
			char buf[64];
			struct tb line;
			tb_init(&line, buf, sizeof buf);
			tb_puts(&line, " * ");
			tb_udec(&line, len);
			tb_puts(&line, " bytes in buffer ");
			tb_udec(&line, i);
			tb_putc(&line, '\n');
			put_line(w, &line);
			dump_str(w, (unsigned long)v[j].iov_base, len, trusted ? len : 0);
		}
	}
}

static void dump_msghdr(struct dump *w, unsigned long addr, unsigned long size, bool trusted)
{
	struct msghdr m;
	if (um_get(&w->d, &m, addr, sizeof m, trusted))
		dump_iov(w, (unsigned long)m.msg_iov, m.msg_iovlen, size, trusted);
}

/* The first n messages of an mmsghdr vector, each as far as its msg_len. */
static void dump_mmsghdr(struct dump *w, unsigned long addr, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		struct mmsghdr m;
		if (!um_get(&w->d, &m, addr + i * sizeof m, sizeof m, true))
			return;
		char buf[64];
		struct tb line;
		tb_init(&line, buf, sizeof buf);
		tb_puts(&line, " = ");
		tb_udec(&line, m.msg_hdr.msg_iovlen);
		tb_puts(&line, " buffers in vector ");
		tb_udec(&line, i);
		tb_putc(&line, '\n');
		put_line(w, &line);
		dump_iov(w, (unsigned long)m.msg_hdr.msg_iov, m.msg_hdr.msg_iovlen, m.msg_len, true);
	}
}

/* Writes: what the call was given.  false if nr is not one. */
static bool dump_written(struct dump *w, long nr, const long *a, long ret)
{
	unsigned long done = ret > 0 ? (unsigned long)ret : 0;
	switch (nr) {
	case SYS_write:
	case SYS_pwrite64:
	case SYS_sendto:
	case SYS_mq_timedsend:
		dump_str(w, (unsigned long)a[1], (unsigned long)a[2], done);
		return true;
	case SYS_writev:
	case SYS_pwritev:
	case SYS_pwritev2:
	case SYS_vmsplice:
		dump_iov(w, (unsigned long)a[1], (unsigned long)a[2], ~0ul, ret >= 0);
		return true;
	case SYS_sendmsg:
		dump_msghdr(w, (unsigned long)a[1], ~0ul, ret >= 0);
		return true;
	case SYS_sendmmsg:
		if (ret > 0)
			dump_mmsghdr(w, (unsigned long)a[1], (unsigned long)ret);
		return true;
	default:
		return false;
	}
}

/* Reads: what the call returned. */
static void dump_read(struct dump *w, long nr, const long *a, long ret)
{
	unsigned long got = (unsigned long)ret;
	switch (nr) {
	case SYS_read:
	case SYS_pread64:
	case SYS_recvfrom:
	case SYS_mq_timedreceive:
		dump_str(w, (unsigned long)a[1], got, got);
		break;
	case SYS_readv:
	case SYS_preadv:
	case SYS_preadv2:
		dump_iov(w, (unsigned long)a[1], (unsigned long)a[2], got, true);
		break;
	case SYS_recvmsg:
		dump_msghdr(w, (unsigned long)a[1], got, true);
		break;
	case SYS_recvmmsg:
		dump_mmsghdr(w, (unsigned long)a[1], got);
		break;
	default:
		break;
	}
}

void dump_io(int pid, int tid, long nr, const long *args, long ret)
{
	long fd = args[0];
	bool rd = zp_fdset_has(&g.o.dump_read, fd), wr = zp_fdset_has(&g.o.dump_write, fd);
	if (!rd && !wr)
		return;
	/* ~21 KiB of stack, after the line's 32 KiB frame has gone: a slot
	 * has 96 KiB at least (src/runtime/layout.h). */
	struct dump w;
	struct tb none;
	tb_init(&none, NULL, 0);
	dinit(&w.d, &none, &g.dcfg, nr, args, pid);
	w.tid = tid;
	w.n = 0;
	bool was_write = wr && dump_written(&w, nr, args, ret);
	if (rd && !was_write && ret > 0)
		dump_read(&w, nr, args, ret);
	flush(&w);
}
