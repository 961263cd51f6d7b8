/*
 * dtable.c - which decoder prints which call, and the entry snapshots.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "decode.h"
#include "raw.h"
#include "syscall_table.h"

const char *zp_decode_name(long nr)
{
	return zp_syscall_name(nr);
}

void zp_decode_call(struct dctx *d)
{
	const char *name = zp_syscall_name(d->nr);
	size_t name_len = zp_syscall_name_copy(d->nr, d->b->p + d->b->len, d->b->cap - d->b->len);
	if (name_len) {
		d->b->len += name_len;
	} else if (name) {
		tb_puts(d->b, name);
	} else {
		tb_puts(d->b, "syscall_");
		tb_hex(d->b, (unsigned long)d->nr);
	}
	tb_putc(d->b, '(');
	if (d->cfg->raw && d->nr >= 0 && (unsigned long)d->nr / 8 < d->cfg->raw_bytes &&
	    (d->cfg->raw[d->nr / 8] >> (d->nr % 8) & 1)) {
		/* -e raw=: as strace, numbers in hex, the result too */
		int n = name ? zp_syscall_nargs(d->nr) : -1;
		if (n < 0 || n > 6)
			n = 6;
		for (int i = 0; i < n; i++)
			a_hex(d, i);
		d->rstyle = RV_HEX;
	} else if (!(name && (zp_decode_file(d) || zp_decode_mem(d) || zp_decode_proc(d) ||
			      zp_decode_net(d) || zp_decode_misc(d) || zp_decode_sys(d) ||
			      zp_decode_ptrace(d)))) {
		/* Not decoded: the raw arguments, as many as strace shows
		 * (all six for a call it does not know either). */
		int n = name ? zp_syscall_nargs(d->nr) : -1;
		if (n < 0 || n > 6)
			n = 6;
		for (int i = 0; i < n; i++)
			a_hex(d, i);
	}
	tb_putc(d->b, ')');
}

static unsigned snap_copy(long pid, unsigned char *dst, unsigned long addr, unsigned n)
{
	if (!addr)
		return 0;
	return zp_peek(pid, dst, addr, n) == n ? n : 0;
}

unsigned zp_decode_snapshot(long nr, const long *a, int pid, unsigned char *snap, unsigned len)
{
	switch (nr) {
	case SYS_accept:
	case SYS_accept4:
	case SYS_getsockname:
	case SYS_getpeername:
		return len >= 4 ? snap_copy(pid, snap, (unsigned long)a[2], 4) : 0;
	case SYS_recvfrom:
		return len >= 4 ? snap_copy(pid, snap, (unsigned long)a[5], 4) : 0;
	case SYS_getsockopt:
		return len >= 4 ? snap_copy(pid, snap, (unsigned long)a[4], 4) : 0;
	case SYS_sendfile: /* in/out offsets (8 bytes each, then which were read) */
	case SYS_copy_file_range:
	case SYS_splice: {
		if (len < 17)
			return 0;
		snap[16] = 0;
		int which[2] = {nr == SYS_sendfile ? 2 : 1, nr == SYS_sendfile ? -1 : 3};
		for (int k = 0; k < 2; k++)
			if (which[k] >= 0 && snap_copy(pid, snap + 8 * k, (unsigned long)a[which[k]], 8))
				snap[16] = (unsigned char)(snap[16] | 1u << k);
		return snap[16] ? 17 : 0;
	}
	case SYS_recvmsg: /* msg_namelen */
		return len >= 4 && a[1] ? snap_copy(pid, snap, (unsigned long)a[1] + offsetof(struct msghdr, msg_namelen), 4) : 0;
	case SYS_capget: /* the header, whose version the kernel may overwrite */
		return len >= 8 && a[0] ? snap_copy(pid, snap, (unsigned long)a[0], 8) : 0;
	case SYS_name_to_handle_at: /* handle_bytes, which the kernel writes back */
		return len >= 4 ? snap_copy(pid, snap, (unsigned long)a[2], 4) : 0;
	case SYS_ppoll:
		return len >= 16 ? snap_copy(pid, snap, (unsigned long)a[2], 16) : 0;
	case SYS_nanosleep:
	case SYS_clock_nanosleep: {
		/* the request, which an interrupted sleep may overwrite
		 * (a_sleep_request) */
		int req = nr == SYS_nanosleep ? 0 : 2;
		return len >= 16 && a[req + 1] ? snap_copy(pid, snap, (unsigned long)a[req], 16) : 0;
	}
	case SYS_select:
	case SYS_pselect6: {
		if (len < 3 * 128)
			return 0;
		long nfds = a[0] < 0 ? 0 : (a[0] > 1024 ? 1024 : a[0]);
		unsigned bytes = (unsigned)(nfds + 7) / 8;
		zp_memset(snap, 0, 3 * 128);
		for (int k = 0; k < 3; k++)
			if (bytes && a[1 + k])
				snap_copy(pid, snap + k * 128, (unsigned long)a[1 + k], bytes);
		/* The kernel writes the time left over the timeout: keep the
		 * one the call was given. */
		if (len >= 3 * 128 + 16 && snap_copy(pid, snap + 3 * 128, (unsigned long)a[4], 16))
			return 3 * 128 + 16;
		return 3 * 128;
	}
	default:
		return 0;
	}
}
