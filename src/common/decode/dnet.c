/*
 * dnet.c - sockets, poll, select and epoll.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <linux/icmp.h>
#include <linux/if_packet.h>

#include "decode.h"

static void a_socket_type(struct dctx *d, int i)
{
	arg(d);
	/* strace's way: the type's name if it has one, then the rest as
	 * flags, with the SOCK_??? comment only when no part of it has a name */
	unsigned long v = (unsigned int)d->a[i];
	const char *name = xlat_name(v & 0xf, XT(sock_types));
	if (name) {
		tb_puts(d->b, name);
		v &= ~0xful;
		if (!v)
			return;
		tb_putc(d->b, '|');
	}
	if (v && !(v & (SOCK_NONBLOCK | SOCK_CLOEXEC))) {
		tb_hex(d->b, v);
		tb_puts(d->b, " /* SOCK_??? */");
	} else {
		p_flags(d->b, v, XT(sock_flags), NULL);
	}
}

/* By the family as the register holds it, all 64 bits (as strace). */
static void a_protocol(struct dctx *d, int i, long family)
{
	arg(d);
	long p = d->a[i];
	if (family == AF_INET || family == AF_INET6) {
		p_xlat_d(d->b, p, XT(ipproto));
	} else if (family == AF_NETLINK) {
		p_xlat_d(d->b, p, XT(netlink_protocols));
	} else if (family == AF_PACKET) {
		/* an Ethernet type in network byte order: htons(ETH_P_ALL) */
		uint16_t be = (uint16_t)p;
		tb_puts(d->b, "htons(");
		p_xlat(d->b, (uint16_t)(be >> 8 | be << 8), XT(ethernet_protocols), "ETH_P_???");
		tb_putc(d->b, ')');
	} else {
		tb_udec(d->b, (unsigned long)p);
	}
}

/* sockaddr in (len = the next argument). */
static void a_sockaddr_in(struct dctx *d, int i)
{
	arg(d);
	p_sockaddr(d, (unsigned long)d->a[i], (unsigned long)d->a[i + 1], d->ok);
}

/* sockaddr out with its socklen_t in/out pointer at i+1; the in value was
 * saved at entry (snapshot). */
static void a_sockaddr_out(struct dctx *d, int i)
{
	unsigned long addr = (unsigned long)d->a[i], lenp = (unsigned long)d->a[i + 1];
	int in = -1, out = -1;
	if (d->snaplen >= 4)
		zp_memcpy(&in, d->snap, 4);
	if (lenp && d->ok)
		um_get(d, &out, lenp, sizeof out, true);
	arg(d);
	if (addr && d->ok && out >= 0)
		p_sockaddr(d, addr, (size_t)(in >= 0 && in < out ? in : out), true);
	else
		p_ptr(d, addr);
	arg(d);
	if (!lenp) {
		tb_puts(d->b, "NULL");
		return;
	}
	if (in < 0 && !um_get(d, &in, lenp, sizeof in, d->ok)) {
		tb_hex(d->b, lenp);
		return;
	}
	tb_putc(d->b, '[');
	tb_dec(d->b, in);
	if (d->ok && out >= 0 && out != in) {
		tb_puts(d->b, " => ");
		tb_dec(d->b, out);
	}
	tb_putc(d->b, ']');
}

static void a_sockopt_name(struct dctx *d, int level_i, bool get)
{
	long level = d->a[level_i];
	unsigned long name = (unsigned long)d->a[level_i + 1];
	arg(d);
	p_xlat_d(d->b, level, XT(sol_levels));
	arg(d);
	switch (level) {
	case SOL_SOCKET: /* an unknown name in hex, as strace prints it */
		if (get && name == SO_GET_FILTER) /* SO_ATTACH_FILTER's number */
			tb_puts(d->b, "SO_GET_FILTER");
		else
			p_xlat(d->b, name, XT(so_opts), "SO_???");
		break;
	case IPPROTO_TCP:
		p_xlat(d->b, name, XT(tcp_opts), "TCP_???");
		break;
	case IPPROTO_IP:
		p_xlat(d->b, name, XT(ip_opts), "IP_???");
		break;
	case IPPROTO_IPV6:
		p_xlat(d->b, name, XT(ipv6_opts), "IPV6_???");
		break;
	case SOL_NETLINK:
		p_xlat(d->b, name, XT(netlink_opts), "NETLINK_???");
		break;
	case IPPROTO_UDP:
		p_xlat(d->b, name, XT(udp_opts), "UDP_???");
		break;
	case SOL_RAW:
		p_xlat(d->b, name, XT(raw_opts), "RAW_???");
		break;
	case SOL_PACKET:
		p_xlat(d->b, name, XT(packet_opts), "PACKET_???");
		break;
	default:
		tb_dec(d->b, (long)name);
	}
}

/* ICMP_FILTER's 32 bits, one per ICMP type: [ICMP_ECHO ...], or ~[...]
 * of the clear ones when most are set (as strace prints signal sets). */
static void p_icmp_filter(struct dctx *d, unsigned long addr, bool trust)
{
	uint32_t v;
	if (!p_struct_at(d, addr, &v, sizeof v, trust))
		return;
	bool invert = __builtin_popcount(v) > 16;
	if (invert)
		tb_putc(d->b, '~');
	tb_putc(d->b, '[');
	bool first = true;
	for (unsigned i = 0; i < 32; i++) {
		if ((((v >> i) & 1) != 0) == invert)
			continue;
		if (!first)
			tb_putc(d->b, ' ');
		first = false;
		p_xlat(d->b, i, XT(icmp_types), "ICMP_???");
	}
	tb_putc(d->b, ']');
}

/* SOL_PACKET options whose value is a struct, not an int. */
static bool packet_struct_opt(long name)
{
	return name == PACKET_ADD_MEMBERSHIP || name == PACKET_DROP_MEMBERSHIP ||
	       name == PACKET_RX_RING || name == PACKET_TX_RING;
}

/* A ring's struct tpacket_req; the address when the length is too short
 * for the struct (as strace shows it), or for a membership request (whose
 * interface strace names by asking the kernel: the bytes instead). */
static void p_packet_opt(struct dctx *d, int name, unsigned long addr, unsigned long len)
{
	bool ring = name == PACKET_RX_RING || name == PACKET_TX_RING;
	size_t need = ring ? sizeof(struct tpacket_req) : sizeof(struct packet_mreq);
	if (len < need) {
		p_ptr(d, addr);
		return;
	}
	if (!ring || len != sizeof(struct tpacket_req)) {
		p_buf(d, addr, len, d->ok, 0);
		return;
	}
	struct tpacket_req r;
	if (!p_struct_at(d, addr, &r, sizeof r, d->ok))
		return;
	tb_puts(d->b, "{tp_block_size=");
	tb_udec(d->b, r.tp_block_size);
	tb_puts(d->b, ", tp_block_nr=");
	tb_udec(d->b, r.tp_block_nr);
	tb_puts(d->b, ", tp_frame_size=");
	tb_udec(d->b, r.tp_frame_size);
	tb_puts(d->b, ", tp_frame_nr=");
	tb_udec(d->b, r.tp_frame_nr);
	tb_putc(d->b, '}');
}

/* Level, name and length are ints to the kernel: the registers' upper
 * halves do not count (strace prints them so). */
static void sockopt_ints(struct dctx *d)
{
	d->a[1] = (int)d->a[1];
	d->a[2] = (int)d->a[2];
}

static void d_setsockopt(struct dctx *d)
{
	sockopt_ints(d);
	d->a[4] = (int)d->a[4];
	a_fd(d, 0);
	a_sockopt_name(d, 1, false);
	arg(d);
	unsigned long v = (unsigned long)d->a[3], len = (unsigned long)d->a[4];
	if (d->a[1] == SOL_RAW && d->a[2] == ICMP_FILTER && len == sizeof(uint32_t))
		p_icmp_filter(d, v, d->ok);
	else if (d->a[1] == SOL_PACKET && packet_struct_opt(d->a[2]))
		p_packet_opt(d, (int)d->a[2], v, len);
	else if (len == sizeof(int))
		p_int_ptr(d, v, d->ok);
	else
		p_buf(d, v, len, d->ok, 0);
	a_ulong(d, 4);
}

/* SO_PEERCRED's struct ucred, as strace prints it: {pid=N, uid=N, gid=N},
 * or its first one or two fields when the length holds only them. */
static void p_peercred(struct dctx *d, unsigned long addr, size_t len)
{
	struct ucred uc = {0};
	if (len > sizeof uc)
		len = sizeof uc;
	if (!p_struct_at(d, addr, &uc, len, true))
		return;
	tb_puts(d->b, "{pid=");
	tb_udec(d->b, (unsigned)uc.pid);
	if (len > sizeof uc.pid) {
		tb_puts(d->b, ", uid=");
		tb_udec(d->b, uc.uid);
	}
	if (len == sizeof uc) {
		tb_puts(d->b, ", gid=");
		tb_udec(d->b, uc.gid);
	}
	tb_putc(d->b, '}');
}

static void d_getsockopt(struct dctx *d)
{
	sockopt_ints(d);
	a_fd(d, 0);
	a_sockopt_name(d, 1, true);
	unsigned long v = (unsigned long)d->a[3], lenp = (unsigned long)d->a[4];
	int in = -1, out = -1;
	if (d->snaplen >= 4)
		zp_memcpy(&in, d->snap, 4);
	if (lenp && d->ok)
		um_get(d, &out, lenp, sizeof out, true);
	arg(d);
	/* No length given or returned: the address, as strace prints it. */
	bool got = d->ok && out > 0 && !(d->snaplen >= 4 && in <= 0);
	if (got && d->a[1] == SOL_RAW && d->a[2] == ICMP_FILTER && out == (int)sizeof(uint32_t))
		p_icmp_filter(d, v, true);
	else if (got && d->a[1] == SOL_SOCKET && d->a[2] == SO_PEERCRED &&
		 (out >= (int)sizeof(struct ucred) || out == 4 || out == 8))
		p_peercred(d, v, (size_t)out);
	else if (got && out == (int)sizeof(int))
		p_int_ptr(d, v, true);
	else if (got)
		p_buf(d, v, (size_t)out, true, 0);
	else
		p_ptr(d, v);
	arg(d);
	if (!lenp) {
		tb_puts(d->b, "NULL");
		return;
	}
	if (in < 0 && !um_get(d, &in, lenp, sizeof in, d->ok)) {
		tb_hex(d->b, lenp);
		return;
	}
	tb_putc(d->b, '[');
	tb_dec(d->b, in);
	if (out >= 0 && out != in) {
		tb_puts(d->b, " => ");
		tb_dec(d->b, out);
	}
	tb_putc(d->b, ']');
}

/* Control messages strace decodes and programs pass most: descriptors
 * (SCM_RIGHTS) and credentials (SCM_CREDENTIALS).  Any other kind, or a
 * malformed buffer: false, and the caller prints the address. */
static bool p_cmsgs(struct dctx *d, unsigned long addr, size_t len)
{
	unsigned char buf[512];
	if (!addr || len < sizeof(struct cmsghdr) || len > sizeof buf || !um_get(d, buf, addr, len, d->ok))
		return false;
	for (size_t off = 0; off + sizeof(struct cmsghdr) <= len;) {
		struct cmsghdr h;
		zp_memcpy(&h, buf + off, sizeof h);
		if (h.cmsg_len < sizeof h || h.cmsg_len > len - off || h.cmsg_level != SOL_SOCKET ||
		    (h.cmsg_type != SCM_RIGHTS && h.cmsg_type != SCM_CREDENTIALS))
			return false;
		if (h.cmsg_type == SCM_CREDENTIALS && h.cmsg_len < CMSG_LEN(sizeof(struct ucred)))
			return false;
		off += CMSG_ALIGN(h.cmsg_len);
	}
	struct tb *b = d->b;
	tb_putc(b, '[');
	for (size_t off = 0; off + sizeof(struct cmsghdr) <= len;) {
		struct cmsghdr h;
		zp_memcpy(&h, buf + off, sizeof h);
		if (off)
			tb_puts(b, ", ");
		tb_puts(b, "{cmsg_len=");
		tb_udec(b, h.cmsg_len);
		tb_puts(b, ", cmsg_level=SOL_SOCKET, cmsg_type=");
		const unsigned char *data = buf + off + CMSG_LEN(0);
		if (h.cmsg_type == SCM_RIGHTS) {
			tb_puts(b, "SCM_RIGHTS, cmsg_data=[");
			size_t n = (h.cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t k = 0; k < n; k++) {
				int fd;
				zp_memcpy(&fd, data + k * sizeof fd, sizeof fd);
				if (k)
					tb_puts(b, ", ");
				p_fd(d, fd);
			}
			tb_putc(b, ']');
		} else {
			struct ucred u;
			zp_memcpy(&u, data, sizeof u);
			tb_puts(b, "SCM_CREDENTIALS, cmsg_data={pid=");
			tb_dec(b, u.pid);
			tb_puts(b, ", uid=");
			tb_udec(b, u.uid);
			tb_puts(b, ", gid=");
			tb_udec(b, u.gid);
			tb_putc(b, '}');
		}
		tb_putc(b, '}');
		off += CMSG_ALIGN(h.cmsg_len);
	}
	tb_putc(b, ']');
	return true;
}

/* msghdr: msg_name, msg_iov, control length, flags. */
static void p_msghdr(struct dctx *d, unsigned long addr, long data, bool out)
{
	struct msghdr m;
	if (out && !d->ok && addr && d->nr == SYS_recvmsg && d->snaplen >= 4) {
		/* recvmsg failed: strace shows the msg_namelen it read at entry */
		int in;
		zp_memcpy(&in, d->snap, sizeof in);
		tb_puts(d->b, "{msg_namelen=");
		tb_dec(d->b, in);
		tb_putc(d->b, '}');
		return;
	}
	if (!addr || (out && !d->ok) || !um_get(d, &m, addr, sizeof m, d->ok)) {
		p_ptr(d, addr);
		return;
	}
	struct tb *b = d->b;
	tb_puts(b, "{msg_name=");
	if (m.msg_name && m.msg_namelen)
		p_sockaddr(d, (unsigned long)m.msg_name, m.msg_namelen, d->ok);
	else
		p_ptr(d, (unsigned long)m.msg_name);
	tb_puts(b, ", msg_namelen=");
	if (out && d->nr == SYS_recvmsg && d->snaplen >= 4) {
		/* recvmsg: the size offered at entry, then the one filled */
		unsigned in;
		zp_memcpy(&in, d->snap, sizeof in);
		if (in != m.msg_namelen) {
			tb_udec(b, in);
			tb_puts(b, " => ");
		}
	}
	tb_udec(b, m.msg_namelen);
	/* As strace: the data are netlink messages when the address is a
	 * netlink one, whatever the socket (but strings, as for sendto, when
	 * the tracer may not ask which protocol). */
	int nl = -1;
	unsigned short family = 0;
	if (!dec_sandboxed(d->cfg) && m.msg_name && m.msg_namelen >= sizeof family &&
	    um_get(d, &family, (unsigned long)m.msg_name, sizeof family, d->ok) && family == AF_NETLINK) {
		nl = zp_netlink_proto(d, d->a[0]);
		if (nl < 0)
			nl = ZP_NL_UNKNOWN;
	}
	tb_puts(b, ", msg_iov=[");
	unsigned long max = dec_elems(d);
	for (size_t k = 0; k < m.msg_iovlen; k++) {
		struct iovec v;
		if (k >= max) {
			tb_puts(b, ", ...");
			break;
		}
		if (!um_get(d, &v, (unsigned long)m.msg_iov + k * sizeof v, sizeof v, d->ok))
			break;
		if (k)
			tb_puts(b, ", ");
		tb_puts(b, "{iov_base=");
		unsigned long n = v.iov_len < (unsigned long)data ? v.iov_len : (unsigned long)data;
		if (nl >= 0)
			p_nlmsgs(d, nl, d->a[0], (unsigned long)v.iov_base, n, d->ok);
		else
			p_buf(d, (unsigned long)v.iov_base, n, d->ok, 0);
		data -= (long)n;
		tb_puts(b, ", iov_len=");
		tb_udec(b, v.iov_len);
		tb_putc(b, '}');
	}
	tb_puts(b, "], msg_iovlen=");
	tb_udec(b, m.msg_iovlen);
	if (m.msg_controllen) {
		tb_puts(b, ", msg_control=");
		if (!p_cmsgs(d, (unsigned long)m.msg_control, m.msg_controllen))
			p_ptr(d, (unsigned long)m.msg_control);
	}
	tb_puts(b, ", msg_controllen=");
	tb_udec(b, m.msg_controllen);
	tb_puts(b, ", msg_flags=");
	p_flags(b, (unsigned)m.msg_flags, XT(msg_flags), NULL);
	tb_putc(b, '}');
}

/* sendmmsg/recvmmsg: the first n entries, each with the bytes it moved. */
/* n messages; n < 0: a sendmmsg that failed, -n messages given, shown as
 * sent (their data, no msg_len), as strace shows them. */
static void p_mmsgs(struct dctx *d, unsigned long addr, long n)
{
	struct tb *b = d->b;
	bool given = n < 0;
	if (given)
		n = -n;
	size_t open = b->len;
	tb_putc(b, '[');
	for (long k = 0; k < n; k++) {
		unsigned long e = addr + (unsigned long)k * sizeof(struct mmsghdr);
		unsigned len;
		if (k)
			tb_puts(b, ", ");
		if (k >= (long)dec_elems(d)) {
			tb_puts(b, "...");
			break;
		}
		if (!um_get(d, &len, e + offsetof(struct mmsghdr, msg_len), sizeof len, !given)) {
			if (!k) {
				b->len = open;
				p_ptr(d, addr);
				return;
			}
			tb_puts(b, "...");
			break;
		}
		tb_puts(b, "{msg_hdr=");
		if (given) {
			p_msghdr(d, e, 1L << 62, false);
		} else {
			p_msghdr(d, e, len, true);
			tb_puts(b, ", msg_len=");
			tb_udec(b, len);
		}
		tb_putc(b, '}');
	}
	tb_putc(b, ']');
}

/* ---- poll / select / epoll -------------------------------------------------------- */

static void p_pollfds(struct dctx *d, unsigned long addr, unsigned long n, bool revents)
{
	struct tb *b = d->b;
	if (!addr) {
		tb_puts(b, "NULL");
		return;
	}
	size_t open = b->len;
	tb_putc(b, '[');
	bool first = true;
	unsigned long printed = 0;
	for (unsigned long k = 0; k < n; k++) {
		struct pollfd p;
		if (!revents && k >= dec_elems(d)) {
			tb_puts(b, ", ...");
			break;
		}
		if (!um_get(d, &p, addr + k * sizeof p, sizeof p, d->ok)) {
			if (!k && !revents) { /* nothing readable: the address */
				b->len = open;
				p_ptr(d, addr);
				return;
			}
			break;
		}
		if (revents && !p.revents)
			continue;
		/* The ready entries, as strace: at most -s of them, and never
		 * more than the result buffer holds (the line stays whole). */
		if (revents && (printed >= dec_elems(d) || b->cap - b->len < 96)) {
			tb_puts(b, first ? "..." : ", ...");
			break;
		}
		printed++;
		if (!first)
			tb_puts(b, ", ");
		first = false;
		tb_puts(b, "{fd=");
		if (revents)
			tb_dec(b, p.fd);
		else
			p_fd(d, p.fd); /* -y: the path, in the call's part only */
		if (revents) {
			tb_puts(b, ", revents=");
			p_flags(b, (unsigned short)p.revents, XT(poll_events), NULL);
		} else if (p.fd >= 0) {
			tb_puts(b, ", events=");
			p_flags(b, (unsigned short)p.events, XT(poll_events), NULL);
		}
		tb_putc(b, '}');
	}
	tb_putc(b, ']');
}

static void poll_result(struct dctx *d, unsigned long fds, unsigned long n, unsigned long tsp)
{
	if (!d->ok)
		return;
	if (d->ret == 0) {
		tb_puts(&d->rx, " (Timeout)");
		return;
	}
	/* The result text goes after "= N": print into rx through a swap. */
	struct tb *save = d->b;
	d->b = &d->rx;
	tb_puts(d->b, " (");
	p_pollfds(d, fds, n, true);
	if (tsp) {
		tb_puts(d->b, ", left ");
		p_timespec(d, tsp, true);
	}
	tb_putc(d->b, ')');
	d->b = save;
}

/* A descriptor set: with d (the arguments), -y paths as strace; the
 * results (d NULL) are bare numbers. */
static void p_fdset(struct dctx *d, struct tb *b, const unsigned char *set, long nfds)
{
	tb_putc(b, '[');
	bool first = true;
	for (long i = 0; i < nfds; i++) {
		if (!((set[i / 8] >> (i % 8)) & 1))
			continue;
		if (!first)
			tb_putc(b, ' ');
		first = false;
		if (d)
			p_fd(d, i);
		else
			tb_dec(b, i);
	}
	tb_putc(b, ']');
}

/* select/pselect6: the sets as they were at entry (snapshot: 3 x 128
 * bytes), and the ready ones after. */
static void d_select(struct dctx *d, bool pselect)
{
	long nfds = d->a[0];
	long shown = nfds < 0 ? 0 : (nfds > 1024 ? 1024 : nfds);
	a_int(d, 0);
	for (int k = 0; k < 3; k++) {
		arg(d);
		unsigned long p = (unsigned long)d->a[1 + k];
		if (!p) {
			tb_puts(d->b, "NULL");
		} else if (d->snaplen >= (unsigned)(k + 1) * 128) {
			p_fdset(d, d->b, d->snap + k * 128, shown);
		} else {
			tb_hex(d->b, p);
		}
	}
	arg(d);
	if (d->a[4] && d->snaplen >= 3 * 128 + 16) {
		long t[2];
		zp_memcpy(t, d->snap + 3 * 128, sizeof t);
		tb_puts(d->b, "{tv_sec=");
		tb_dec(d->b, t[0]);
		tb_puts(d->b, pselect ? ", tv_nsec=" : ", tv_usec=");
		tb_dec(d->b, t[1]);
		tb_putc(d->b, '}');
	} else if (pselect) {
		p_timespec(d, (unsigned long)d->a[4], d->ok);
	} else {
		p_timeval(d, (unsigned long)d->a[4], d->ok);
	}
	if (pselect) {
		arg(d);
		unsigned long sm[2];
		if (d->a[5] && um_get(d, sm, (unsigned long)d->a[5], sizeof sm, d->ok)) {
			tb_puts(d->b, "{sigmask=");
			p_sigset(d, sm[0], sm[1], d->ok);
			tb_puts(d->b, ", sigsetsize=");
			tb_udec(d->b, sm[1]);
			tb_putc(d->b, '}');
		} else {
			p_ptr(d, (unsigned long)d->a[5]);
		}
	}
	if (!d->ok)
		return;
	if (d->ret == 0) {
		tb_puts(&d->rx, " (Timeout)");
		return;
	}
	static const char *const which[] = {"in", "out", "except"};
	tb_puts(&d->rx, " (");
	bool first = true;
	for (int k = 0; k < 3; k++) {
		unsigned char set[128];
		unsigned long p = (unsigned long)d->a[1 + k];
		size_t bytes = (size_t)(shown + 7) / 8;
		if (!p || !um_get(d, set, p, bytes, true))
			continue;
		bool any = false;
		for (size_t i = 0; i < bytes; i++)
			any |= set[i] != 0;
		if (!any)
			continue;
		if (!first)
			tb_puts(&d->rx, ", ");
		first = false;
		tb_puts(&d->rx, which[k]);
		tb_putc(&d->rx, ' ');
		p_fdset(NULL, &d->rx, set, shown);
	}
	if (d->a[4]) {
		/* what the kernel left in the timeout, as strace: ", left {...}" */
		struct tb *save = d->b;
		d->b = &d->rx;
		tb_puts(d->b, first ? "left " : ", left ");
		if (pselect)
			p_timespec(d, (unsigned long)d->a[4], true);
		else
			p_timeval(d, (unsigned long)d->a[4], true);
		d->b = save;
	}
	tb_putc(&d->rx, ')');
}

static void p_epoll_event(struct tb *b, const struct epoll_event *e)
{
	tb_puts(b, "{events=");
	p_flags(b, e->events, XT(epoll_events), NULL);
	tb_puts(b, ", data={u32=");
	tb_udec(b, e->data.u32);
	tb_puts(b, ", u64=");
	tb_udec(b, e->data.u64);
	tb_puts(b, "}}");
}

static void a_epoll_events_out(struct dctx *d, int i)
{
	arg(d);
	unsigned long addr = (unsigned long)d->a[i];
	if (!d->ok) {
		p_ptr(d, addr);
		return;
	}
	tb_putc(d->b, '[');
	for (long k = 0; k < d->ret; k++) {
		struct epoll_event e;
		if (k >= (long)dec_elems(d)) {
			tb_puts(d->b, ", ...");
			break;
		}
		if (!um_get(d, &e, addr + (unsigned long)k * sizeof e, sizeof e, true))
			break;
		if (k)
			tb_puts(d->b, ", ");
		p_epoll_event(d->b, &e);
	}
	tb_putc(d->b, ']');
}

bool zp_decode_net(struct dctx *d)
{
	switch (d->nr) {
	case SYS_socket:
		a_xlat(d, 0, XT(af), "AF_???");
		a_socket_type(d, 1);
		a_protocol(d, 2, d->a[0]);
		d->rstyle = RV_FD;
		return true;
	case SYS_socketpair: {
		a_xlat(d, 0, XT(af), "AF_???");
		a_socket_type(d, 1);
		a_protocol(d, 2, d->a[0]);
		arg(d);
		int sv[2];
		if (d->ok && um_get(d, sv, (unsigned long)d->a[3], sizeof sv, true)) {
			tb_putc(d->b, '[');
			p_fd(d, sv[0]);
			tb_puts(d->b, ", ");
			p_fd(d, sv[1]);
			tb_putc(d->b, ']');
		} else {
			p_ptr(d, (unsigned long)d->a[3]);
		}
		return true;
	}
	case SYS_bind:
	case SYS_connect:
		a_fd_entry(d, 0);
		a_sockaddr_in(d, 1);
		a_ulong(d, 2);
		return true;
	case SYS_listen:
		a_fd(d, 0);
		a_int(d, 1);
		return true;
	case SYS_accept:
	case SYS_accept4:
		a_fd(d, 0);
		a_sockaddr_out(d, 1);
		if (d->nr == SYS_accept4)
			a_flags_u(d, 3, XT(sock_flags), NULL, "SOCK_???");
		d->rstyle = RV_FD;
		return true;
	case SYS_getsockname:
	case SYS_getpeername:
		a_fd(d, 0);
		a_sockaddr_out(d, 1);
		return true;
	case SYS_sendto: {
		a_fd_entry(d, 0);
		int nl = d->a[1] ? zp_netlink_proto(d, d->a[0]) : -1;
		if (nl >= 0) {
			arg(d);
			p_nlmsgs(d, nl, d->a[0], (unsigned long)d->a[1], (size_t)d->a[2], d->ok);
		} else {
			a_ibuf(d, 1);
		}
		a_ulong(d, 2);
		a_flags_u(d, 3, XT(msg_flags), NULL, "MSG_???");
		a_sockaddr_in(d, 4);
		a_ulong(d, 5);
		return true;
	}
	case SYS_recvfrom: {
		a_fd(d, 0);
		int nl = d->ok && d->a[1] ? zp_netlink_proto(d, d->a[0]) : -1;
		if (nl >= 0) {
			arg(d);
			p_nlmsgs(d, nl, d->a[0], (unsigned long)d->a[1], (size_t)d->ret, true);
		} else {
			a_obuf(d, 1, 0);
		}
		a_ulong(d, 2);
		a_flags_u(d, 3, XT(msg_flags), NULL, "MSG_???");
		if (d->a[4]) {
			a_sockaddr_out(d, 4);
		} else {
			a_ptr(d, 4);
			a_ptr(d, 5);
		}
		return true;
	}
	case SYS_sendmmsg:
	case SYS_recvmmsg:
		a_fd_entry(d, 0);
		arg(d);
		if (d->ok && d->a[1])
			p_mmsgs(d, (unsigned long)d->a[1], d->ret);
		else if (d->nr == SYS_sendmmsg && d->a[1] && (unsigned)d->a[2] &&
			 (unsigned)d->a[2] <= 1024)
			p_mmsgs(d, (unsigned long)d->a[1], -(long)(unsigned)d->a[2]);
		else
			p_ptr(d, (unsigned long)d->a[1]);
		a_uint(d, 2);
		a_flags_u(d, 3, XT(msg_flags), NULL, "MSG_???");
		if (d->nr == SYS_recvmmsg)
			a_timespec(d, 4, false);
		return true;
	case SYS_sendmsg:
		a_fd_entry(d, 0);
		arg(d);
		p_msghdr(d, (unsigned long)d->a[1], 1L << 62, false);
		a_flags_u(d, 2, XT(msg_flags), NULL, "MSG_???");
		return true;
	case SYS_recvmsg:
		a_fd(d, 0);
		arg(d);
		p_msghdr(d, (unsigned long)d->a[1], d->ok ? d->ret : 0, true);
		a_flags_u(d, 2, XT(msg_flags), NULL, "MSG_???");
		return true;
	case SYS_shutdown:
		a_fd(d, 0);
		a_xlat(d, 1, XT(shutdown_how), "SHUT_???");
		return true;
	case SYS_setsockopt:
		d_setsockopt(d);
		return true;
	case SYS_getsockopt:
		d_getsockopt(d);
		return true;
	case SYS_poll:
		arg(d);
		p_pollfds(d, (unsigned long)d->a[0], (unsigned long)d->a[1], false);
		a_ulong(d, 1);
		a_int(d, 2);
		poll_result(d, (unsigned long)d->a[0], (unsigned long)d->a[1], 0);
		return true;
	case SYS_ppoll:
		arg(d);
		p_pollfds(d, (unsigned long)d->a[0], (unsigned long)d->a[1], false);
		a_ulong(d, 1);
		arg(d);
		if (d->snaplen >= 16) {
			long ts[2];
			zp_memcpy(ts, d->snap, sizeof ts);
			tb_puts(d->b, "{tv_sec=");
			tb_dec(d->b, ts[0]);
			tb_puts(d->b, ", tv_nsec=");
			tb_dec(d->b, ts[1]);
			tb_putc(d->b, '}');
		} else {
			p_timespec(d, (unsigned long)d->a[2], d->ok);
		}
		arg(d);
		p_sigset(d, (unsigned long)d->a[3], (size_t)d->a[4], d->ok);
		a_ulong(d, 4);
		poll_result(d, (unsigned long)d->a[0], (unsigned long)d->a[1], (unsigned long)d->a[2]);
		return true;
	case SYS_select:
		d_select(d, false);
		return true;
	case SYS_pselect6:
		d_select(d, true);
		return true;
	case SYS_epoll_create:
		a_int(d, 0);
		d->rstyle = RV_FD;
		return true;
	case SYS_epoll_create1:
		a_flags_u(d, 0, XT(epoll_flags), NULL, "EPOLL_???");
		d->rstyle = RV_FD;
		return true;
	case SYS_epoll_ctl: {
		a_fd(d, 0);
		a_xlat(d, 1, XT(epoll_ctl_ops), "EPOLL_CTL_???");
		a_fd(d, 2);
		arg(d);
		struct epoll_event e;
		unsigned long p = (unsigned long)d->a[3];
		/* EPOLL_CTL_DEL ignores the event: strace prints its address */
		if (p && d->a[1] != EPOLL_CTL_DEL && um_get(d, &e, p, sizeof e, d->ok))
			p_epoll_event(d->b, &e);
		else
			p_ptr(d, p);
		return true;
	}
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
		a_fd(d, 0);
		a_epoll_events_out(d, 1);
		a_int(d, 2);
		if (d->nr == SYS_epoll_pwait2)
			a_timespec(d, 3, false);
		else
			a_int(d, 3);
		if (d->nr != SYS_epoll_wait) {
			arg(d);
			p_sigset(d, (unsigned long)d->a[4], (size_t)d->a[5], d->ok);
			a_ulong(d, 5);
		}
		return true;
	default:
		return false;
	}
}
