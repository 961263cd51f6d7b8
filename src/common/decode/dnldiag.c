/*
 * dnldiag.c - NETLINK_SOCK_DIAG's payloads as strace 6.1 prints them (what
 * `ss` asks and is told): the requests and answers about INET/INET6 and
 * UNIX sockets with their attributes; other families by their family.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "netlink.h"

/* A mask whose bit k stands for the value k + off of table t, each named
 * pre NAME post: "1<<TCP_LISTEN", "1<<(INET_DIAG_INFO-1)".  Bits with no
 * name follow as a number; with none named, the number and a comment. */
static void p_bit_names(struct tb *b, unsigned long long m, const struct zp_xlat *t, unsigned n,
			unsigned off, const char *pre, const char *post, const char *unknown)
{
	unsigned long long rest = m;
	bool any = false;
	for (unsigned k = 0; k < 64; k++) {
		const char *name = m >> k & 1 ? xlat_name(k + off, t, n) : NULL;
		if (!name)
			continue;
		if (any)
			tb_putc(b, '|');
		tb_puts(b, pre);
		tb_puts(b, name);
		tb_puts(b, post);
		rest &= ~(1ULL << k);
		any = true;
	}
	if (any) {
		if (rest) {
			tb_putc(b, '|');
			tb_hex(b, rest);
		}
		return;
	}
	if (!m) {
		tb_putc(b, '0');
		return;
	}
	tb_hex(b, m);
	tb_puts(b, " /* ");
	tb_puts(b, unknown);
	tb_puts(b, " */");
}

static void p_tcp_states(struct tb *b, uint32_t m)
{
	p_bit_names(b, m, XT(tcp_states), 0, "1<<", "", "1<<TCP_???");
}

static void p_cookie(struct tb *b, const uint32_t c[2])
{
	tb_putc(b, '[');
	tb_udec(b, c[0]);
	tb_puts(b, ", ");
	tb_udec(b, c[1]);
	tb_putc(b, ']');
}

/* An end of a socket: IPv4 as inet_addr("..."), IPv6 as strace writes
 * it, inet_pton(AF_INET6, "::1", &name); else its bytes. */
static void p_diag_addr(struct nlv *v, const char *name, const uint32_t a[4], unsigned char family)
{
	struct tb *b = v->d->b;
	if (family == AF_INET6) {
		tb_puts(b, "inet_pton(AF_INET6, \"");
		p_ipv6(b, (const unsigned char *)a);
		tb_puts(b, "\", &");
		tb_puts(b, name);
		tb_putc(b, ')');
		return;
	}
	tb_puts(b, name);
	tb_putc(b, '=');
	if (family == AF_INET) {
		tb_puts(b, "inet_addr(\"");
		p_ipv4(b, (const unsigned char *)a);
		tb_puts(b, "\")");
	} else {
		tb_quote(b, (const unsigned char *)a, 16, false, TBQ_HEX);
	}
}

static void p_sockid(struct nlv *v, const struct inet_diag_sockid *id, unsigned char family)
{
	struct tb *b = v->d->b;
	const unsigned char *sp = (const unsigned char *)&id->idiag_sport;
	const unsigned char *dp = (const unsigned char *)&id->idiag_dport;
	tb_puts(b, "id={idiag_sport=htons(");
	tb_udec(b, (unsigned)sp[0] << 8 | sp[1]);
	tb_puts(b, "), idiag_dport=htons(");
	tb_udec(b, (unsigned)dp[0] << 8 | dp[1]);
	tb_puts(b, "), ");
	p_diag_addr(v, "idiag_src", id->idiag_src, family);
	tb_puts(b, ", ");
	p_diag_addr(v, "idiag_dst", id->idiag_dst, family);
	tb_puts(b, ", idiag_if=");
	nl_ifindex(v, id->idiag_if);
	tb_puts(b, ", idiag_cookie=");
	p_cookie(b, id->idiag_cookie);
	tb_putc(b, '}');
}

static const struct nla_set inet_req_set = {zpx_inet_diag_req_attrs, &zpx_inet_diag_req_attrs_n,
					    "INET_DIAG_REQ_???", NULL};

static void inet_diag_req_fields(struct nlv *v, const void *p)
{
	const struct inet_diag_req_v2 *m = p;
	struct tb *b = v->d->b;
	tb_puts(b, "sdiag_protocol=");
	p_xlat(b, m->sdiag_protocol, XT(ipproto), "IPPROTO_???");
	tb_puts(b, ", idiag_ext=");
	p_bit_names(b, m->idiag_ext, XT(inet_diag_attrs), 1, "1<<(", "-1)", "1<<INET_DIAG_?\?\?-1");
	tb_puts(b, ", idiag_states=");
	p_tcp_states(b, m->idiag_states);
	tb_puts(b, ", ");
	p_sockid(v, &m->id, m->sdiag_family);
}

static const struct nl_fixed inet_diag_req_fixed = {"sdiag_family", sizeof(struct inet_diag_req_v2),
					  inet_diag_req_fields, &inet_req_set};

/* inet_diag_sockopt's one-bit options: those set, as name=1 (strace's
 * abbreviated form), then the bits no option has yet, if any. */
static bool p_sockopt(struct nlv *v, unsigned long addr, unsigned len)
{
	const struct zp_xlat *t = zpx_inet_diag_sockopt;
	unsigned n = zpx_inet_diag_sockopt_n;
	unsigned char raw[2];
	if (len != sizeof raw)
		return false;
	if (!nl_get(v, raw, addr, sizeof raw)) {
		p_ptr(v->d, addr);
		return true;
	}
	unsigned bits = raw[0] | (unsigned)raw[1] << 8, named = (unsigned)t[n - 1].val + 1;
	struct tb *b = v->d->b;
	bool any = false;
	tb_putc(b, '{');
	for (unsigned i = 0; i < n; i++) {
		if (!(bits >> t[i].val & 1))
			continue;
		if (any)
			tb_puts(b, ", ");
		tb_puts(b, t[i].name);
		tb_puts(b, "=1");
		any = true;
	}
	if (bits >> named) {
		if (any)
			tb_puts(b, ", ");
		tb_puts(b, "unused=");
		tb_hex(b, bits >> named);
		tb_puts(b, " /* bits 3..8 */");
	}
	tb_putc(b, '}');
	return true;
}

static bool inet_value(struct nlv *v, unsigned type, unsigned long addr, unsigned len,
		       const void *ctx)
{
	(void)ctx;
	switch (type) {
	case INET_DIAG_MEMINFO:
		return nl_u32_struct(v, addr, len, XT(inet_diag_meminfo), NULL);
	case INET_DIAG_CONG:
		nl_str(v, addr, len);
		return true;
	case INET_DIAG_TOS:
	case INET_DIAG_TCLASS:
	case INET_DIAG_SKV6ONLY:
		return nl_uint(v, addr, len, 1, false);
	case INET_DIAG_MARK:
	case INET_DIAG_CLASS_ID:
		return nl_uint(v, addr, len, 4, false);
	case INET_DIAG_CGROUP_ID:
		return nl_uint(v, addr, len, 8, false);
	case INET_DIAG_SOCKOPT:
		return p_sockopt(v, addr, len);
	case INET_DIAG_SHUTDOWN: {
		/* RCV_SHUTDOWN and SEND_SHUTDOWN (include/net/sock.h) have
		 * no UAPI name: strace shows the number, naming them in a
		 * comment; only 0 is the same either way. */
		unsigned char s;
		if (len < 1 || len > 8)
			return false;
		if (!nl_get(v, &s, addr, 1) || s)
			return false;
		tb_putc(v->d->b, '0');
		return true;
	}
	}
	return false;
}

static const struct nla_set inet_msg_set = {zpx_inet_diag_attrs, &zpx_inet_diag_attrs_n,
					    "INET_DIAG_???", inet_value};

static void inet_diag_msg_fields(struct nlv *v, const void *p)
{
	const struct inet_diag_msg *m = p;
	struct tb *b = v->d->b;
	tb_puts(b, "idiag_state=");
	p_xlat(b, m->idiag_state, XT(tcp_states), "TCP_???");
	tb_puts(b, ", idiag_timer=");
	tb_udec(b, m->idiag_timer);
	tb_puts(b, ", idiag_retrans=");
	tb_udec(b, m->idiag_retrans);
	tb_puts(b, ", ");
	p_sockid(v, &m->id, m->idiag_family);
	tb_puts(b, ", idiag_expires=");
	tb_udec(b, m->idiag_expires);
	tb_puts(b, ", idiag_rqueue=");
	tb_udec(b, m->idiag_rqueue);
	tb_puts(b, ", idiag_wqueue=");
	tb_udec(b, m->idiag_wqueue);
	tb_puts(b, ", idiag_uid=");
	tb_udec(b, m->idiag_uid);
	tb_puts(b, ", idiag_inode=");
	tb_udec(b, m->idiag_inode);
}

static const struct nl_fixed inet_diag_msg_fixed = {"idiag_family", sizeof(struct inet_diag_msg),
					  inet_diag_msg_fields, &inet_msg_set};

static void unix_diag_req_fields(struct nlv *v, const void *p)
{
	const struct unix_diag_req *m = p;
	struct tb *b = v->d->b;
	tb_puts(b, "sdiag_protocol=");
	tb_udec(b, m->sdiag_protocol);
	tb_puts(b, ", udiag_states=");
	p_tcp_states(b, m->udiag_states);
	tb_puts(b, ", udiag_ino=");
	tb_udec(b, m->udiag_ino);
	tb_puts(b, ", udiag_show=");
	p_flags_u(b, m->udiag_show, XT(udiag_show), "UDIAG_SHOW_???");
	tb_puts(b, ", udiag_cookie=");
	p_cookie(b, m->udiag_cookie);
}

/* strace shows no attributes after a UNIX request */
static const struct nl_fixed unix_diag_req_fixed = {"sdiag_family", sizeof(struct unix_diag_req),
						    unix_diag_req_fields, NULL};

static bool unix_value(struct nlv *v, unsigned type, unsigned long addr, unsigned len,
		       const void *ctx)
{
	(void)ctx;
	switch (type) {
	case UNIX_DIAG_NAME:
		nl_str(v, addr, len);
		return true;
	case UNIX_DIAG_PEER:
	case UNIX_DIAG_UID:
		return nl_uint(v, addr, len, 4, false);
	case UNIX_DIAG_SHUTDOWN:
		return nl_uint(v, addr, len, 1, false);
	case UNIX_DIAG_RQLEN:
		return nl_u32_struct(v, addr, len, XT(unix_diag_rqlen), NULL);
	}
	return false;
}

static const struct nla_set unix_msg_set = {zpx_unix_diag_attrs, &zpx_unix_diag_attrs_n,
					    "UNIX_DIAG_???", unix_value};

static void unix_diag_msg_fields(struct nlv *v, const void *p)
{
	const struct unix_diag_msg *m = p;
	struct tb *b = v->d->b;
	tb_puts(b, "udiag_type=");
	p_xlat(b, m->udiag_type, XT(sock_types), "SOCK_???");
	tb_puts(b, ", udiag_state=");
	p_xlat(b, m->udiag_state, XT(tcp_states), "TCP_???");
	tb_puts(b, ", udiag_ino=");
	tb_udec(b, m->udiag_ino);
	tb_puts(b, ", udiag_cookie=");
	p_cookie(b, m->udiag_cookie);
}

static const struct nl_fixed unix_diag_msg_fixed = {"udiag_family", sizeof(struct unix_diag_msg),
					  unix_diag_msg_fields, &unix_msg_set};

bool zp_nl_diag(struct nlv *v, const struct nlmsghdr *h, unsigned long addr, unsigned len)
{
	if (h->nlmsg_type == NLMSG_DONE)
		return false;
	unsigned char family;
	if (!nl_get(v, &family, addr, 1)) {
		p_ptr(v->d, addr);
		return true;
	}
	bool request = h->nlmsg_flags & NLM_F_REQUEST;
	if (len > 1) {
		switch (family) {
		case AF_INET:
		case AF_INET6:
			/* the old TCPDIAG_GETSOCK requests have a layout of their
			 * own, not decoded */
			if (request && (h->nlmsg_type == TCPDIAG_GETSOCK || h->nlmsg_type == DCCPDIAG_GETSOCK))
				break;
			if (request)
				nl_fixed(v, addr, len, family, &inet_diag_req_fixed);
			else
				nl_fixed(v, addr, len, family, &inet_diag_msg_fixed);
			return true;
		case AF_UNIX:
			if (request)
				nl_fixed(v, addr, len, family, &unix_diag_req_fixed);
			else
				nl_fixed(v, addr, len, family, &unix_diag_msg_fixed);
			return true;
		}
	}
	nl_family_data(v, addr, len, family);
	return true;
}
