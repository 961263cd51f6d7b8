/*
 * dnetlink.c - the netlink messages a program sends and receives (through
 * sendto, recvfrom, sendmsg, recvmsg), shown as strace shows them rather
 * than as strings of bytes:
 *   [{nlmsg_len=20, nlmsg_type=RTM_GETADDR, nlmsg_flags=NLM_F_REQUEST|...},
 *    {ifa_family=AF_UNSPEC, ...}]
 * Here: the messages, their headers, acknowledgements and errors, the end
 * of a dump, and the attributes every payload may carry; NETLINK_ROUTE's
 * payloads (what getaddrinfo's AI_ADDRCONFIG, getifaddrs and `ip` ask for)
 * are dnlroute.c's, NETLINK_SOCK_DIAG's (`ss`) dnldiag.c's.  Anything else
 * is a hex string, as strace prints a payload it does not know.
 *
 * Memory is read as everywhere in the decoders: a buffer the kernel has
 * just filled or read directly, anything else through process_vm_readv.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include "netlink.h"
#include "raw.h"

void nl_hex(struct nlv *v, unsigned long addr, size_t len)
{
	p_buf(v->d, addr, len, v->trust, TBQ_HEX);
}

bool nl_get(struct nlv *v, void *dst, unsigned long addr, size_t n)
{
	return um_get(v->d, dst, addr, n, v->trust);
}

int zp_netlink_proto(const struct dctx *d, long fd)
{
	/* A program under a seccomp filter may be killed for a call it did
	 * not make itself; the bytes are then shown as a string. */
	if (dec_sandboxed(d->cfg) || d->no_peek)
		return -1;
	int v = 0;
	socklen_t len = sizeof v;
	if (zp_raw5(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, &v, &len) != 0 || v != AF_NETLINK)
		return -1;
	len = sizeof v;
	if (zp_raw5(SYS_getsockopt, fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) != 0)
		return ZP_NL_UNKNOWN;
	return v;
}

/* An interface index as strace shows it, if_nametoindex("lo"), or its
 * number when no interface has it.  Asked of the program's own socket:
 * SIOCGIFNAME works on a socket of any kind, and a socket of the tracer's
 * would take a descriptor number the program may be about to get. */
void nl_ifindex(struct nlv *v, unsigned idx)
{
	struct ifreq r;
	zp_memset(&r, 0, sizeof r);
	r.ifr_ifindex = (int)idx;
	struct tb *b = v->d->b;
	if (!idx || v->fd < 0 || zp_raw3(SYS_ioctl, v->fd, SIOCGIFNAME, &r) != 0) {
		tb_udec(b, idx);
		return;
	}
	size_t n = 0;
	while (n < sizeof r.ifr_name && r.ifr_name[n])
		n++;
	tb_puts(b, "if_nametoindex(");
	tb_quote(b, (const unsigned char *)r.ifr_name, n, false, 0);
	tb_putc(b, ')');
}

/* A string attribute: its trailing NUL not shown, "..." when it has none
 * (it was cut) or is longer than -s. */
void nl_str(struct nlv *v, unsigned long addr, unsigned len)
{
	unsigned char s[4096];
	unsigned max = v->d->cfg->strsize;
	unsigned n = len < max ? len : max;
	if (n > sizeof s)
		n = sizeof s;
	if (!nl_get(v, s, addr, n)) {
		p_ptr(v->d, addr);
		return;
	}
	bool cut = n < len;
	if (!cut && n && s[n - 1] == 0)
		n--;
	else if (!cut)
		cut = true;
	tb_quote(v->d->b, s, n, cut, 0);
}

bool nl_uint(struct nlv *v, unsigned long addr, unsigned len, unsigned size, bool sign)
{
	union {
		unsigned char u8;
		uint32_t u32;
		int32_t s32;
		uint64_t u64;
	} x;
	if (len < size)
		return false;
	if (!nl_get(v, &x, addr, size)) {
		p_ptr(v->d, addr);
		return true;
	}
	struct tb *b = v->d->b;
	if (size == 1)
		tb_udec(b, x.u8);
	else if (size == 8)
		tb_udec(b, x.u64);
	else if (sign)
		tb_dec(b, x.s32);
	else
		tb_udec(b, x.u32);
	return true;
}

bool nl_flags32(struct nlv *v, unsigned long addr, unsigned len,
			  const struct zp_xlat *t, unsigned n, const char *unknown)
{
	uint32_t f = 0;
	if (len < sizeof f || len > 8)
		return false;
	if (!nl_get(v, &f, addr, sizeof f))
		p_ptr(v->d, addr);
	else
		p_flags_u(v->d->b, f, t, n, unknown);
	return true;
}

/* A run of elements that each start with their length, 4-aligned
 * (messages: a 32-bit one; attributes: 16-bit): one alone, or several in
 * brackets, at most -s of them.  elem() prints one from its header (size
 * bytes), given the bytes left from it.  What cannot be decoded ends the
 * run as strace ends it: too short, its bytes; unreadable, its address. */
static void p_run(struct nlv *v, unsigned long addr, size_t len, size_t size,
		  void (*elem)(struct nlv *v, const void *head, unsigned long addr, size_t len,
			       const void *arg),
		  const void *arg)
{
	struct tb *b = v->d->b;
	bool many = false;
	for (unsigned k = 0;; k++) {
		unsigned char head[NLMSG_HDRLEN];
		if (len < size) {
			nl_hex(v, addr, len);
			break;
		}
		if (!nl_get(v, head, addr, size)) {
			if (many) {
				tb_puts(b, "... /* ");
				tb_hex(b, addr);
				tb_puts(b, " */");
			} else {
				p_ptr(v->d, addr);
			}
			break;
		}
		if (k == dec_elems(v->d)) {
			tb_puts(b, "...");
			break;
		}
		uint16_t l16;
		uint32_t elen;
		if (size == sizeof(struct nlattr)) {
			zp_memcpy(&l16, head, sizeof l16);
			elen = l16;
		} else {
			zp_memcpy(&elen, head, sizeof elen);
		}
		size_t step = ((size_t)elen + 3) & ~(size_t)3, rest = 0;
		if (elen >= size && len > step)
			rest = len - step;
		if (!many && rest) {
			tb_putc(b, '[');
			many = true;
		}
		elem(v, head, addr, len, arg);
		if (!rest || b->truncated)
			break;
		tb_puts(b, ", ");
		addr += step;
		len = rest;
	}
	if (many)
		tb_putc(b, ']');
}

static void p_nla_head(struct tb *b, const struct nlattr *a, const struct nla_set *s)
{
	tb_puts(b, "{nla_len=");
	tb_udec(b, a->nla_len);
	tb_puts(b, ", nla_type=");
	if (a->nla_type & NLA_F_NESTED)
		tb_puts(b, "NLA_F_NESTED|");
	if (a->nla_type & NLA_F_NET_BYTEORDER)
		tb_puts(b, "NLA_F_NET_BYTEORDER|");
	p_xlat(b, a->nla_type & NLA_TYPE_MASK, s->names, *s->n, s->unknown);
	tb_putc(b, '}');
}

/* A run of attributes: one, [{head}, value] (no value: {head} alone), or
 * several in brackets; at most -s of them. */
struct attrs_ctx {
	const struct nla_set *s;
	const void *ctx;
};

/* One attribute: [{head}, value], or {head} alone when it has none. */
static void p_nlattr(struct nlv *v, const void *head, unsigned long addr, size_t len,
		     const void *arg)
{
	const struct attrs_ctx *c = arg;
	struct tb *b = v->d->b;
	struct nlattr a;
	zp_memcpy(&a, head, sizeof a);
	unsigned alen = a.nla_len < len ? a.nla_len : (unsigned)len;
	if (alen > NLA_HDRLEN)
		tb_putc(b, '[');
	p_nla_head(b, &a, c->s);
	if (alen > NLA_HDRLEN) {
		tb_puts(b, ", ");
		unsigned long va = addr + NLA_HDRLEN;
		unsigned vlen = alen - NLA_HDRLEN;
		if (!c->s->value || !c->s->value(v, a.nla_type & NLA_TYPE_MASK, va, vlen, c->ctx))
			nl_hex(v, va, vlen);
		tb_putc(b, ']');
	}
}

void nl_attrs(struct nlv *v, unsigned long addr, size_t len, const struct nla_set *s,
	      const void *ctx)
{
	struct attrs_ctx c = {s, ctx};
	p_run(v, addr, len, sizeof(struct nlattr), p_nlattr, &c);
}

/* A structure of 32-bit counters (a cache's times), its members' names and
 * offsets generated from its header; the one named hex in hex.  Not
 * decoded when the attribute is shorter. */
bool nl_u32_struct(struct nlv *v, unsigned long addr, unsigned len, const struct zp_xlat *t,
			 unsigned n, const char *hex)
{
	uint32_t st[32];
	unsigned size = (unsigned)t[n - 1].val + 4;
	if (len < size || size > sizeof st)
		return false;
	if (!nl_get(v, st, addr, size)) {
		p_ptr(v->d, addr);
		return true;
	}
	struct tb *b = v->d->b;
	tb_putc(b, '{');
	for (unsigned i = 0; i < n; i++) {
		if (i)
			tb_puts(b, ", ");
		tb_puts(b, t[i].name);
		tb_putc(b, '=');
		if (hex && zp_strcmp(t[i].name, hex) == 0)
			tb_hex(b, st[t[i].val / 4]);
		else
			tb_udec(b, st[t[i].val / 4]);
	}
	tb_putc(b, '}');
	return true;
}

/* An address in the family of the message it belongs to. */
bool nl_inet_addr(struct nlv *v, unsigned long addr, unsigned len, int family)
{
	unsigned char a[16];
	unsigned size = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
	if (!size || len < size)
		return false;
	struct tb *b = v->d->b;
	if (!nl_get(v, a, addr, size)) {
		p_ptr(v->d, addr);
		return true;
	}
	if (size == 4) {
		tb_puts(b, "inet_addr(\"");
		p_ipv4(b, a);
		tb_puts(b, "\")");
	} else {
		tb_puts(b, "inet_pton(AF_INET6, \"");
		p_ipv6(b, a);
		tb_puts(b, "\")");
	}
	return true;
}

/* A payload only known by its first byte, the family: {family=AF_INET,
 * data="\x..."}. */
void nl_family_data(struct nlv *v, unsigned long addr, unsigned len, unsigned char family)
{
	struct tb *b = v->d->b;
	tb_puts(b, "{family=");
	p_xlat(b, family, XT(af), "AF_???");
	if (len > 1) {
		tb_puts(b, ", data=");
		nl_hex(v, addr + 1, len - 1);
	}
	tb_putc(b, '}');
}

void nl_fixed(struct nlv *v, unsigned long addr, unsigned len, unsigned char family,
	      const struct nl_fixed *f)
{
	struct tb *b = v->d->b;
	unsigned char m[128];
	tb_putc(b, '{');
	tb_puts(b, f->family_field);
	tb_putc(b, '=');
	p_xlat(b, family, XT(af), "AF_???");
	tb_puts(b, ", ");
	bool whole = false;
	if (len < f->size || f->size > sizeof m) {
		tb_puts(b, "...");
	} else if (!nl_get(v, m, addr, f->size)) {
		p_ptr(v->d, addr);
	} else {
		f->fields(v, m);
		whole = true;
	}
	tb_putc(b, '}');
	size_t skip = NLMSG_ALIGN(f->size);
	if (whole && f->attrs && len > skip) {
		tb_puts(b, ", ");
		nl_attrs(v, addr + skip, len - skip, f->attrs, m);
	}
}

bool nl_attr_ifindex(struct nlv *v, unsigned long addr, unsigned len)
{
	uint32_t idx;
	if (len < sizeof idx)
		return false;
	if (!nl_get(v, &idx, addr, sizeof idx))
		p_ptr(v->d, addr);
	else
		nl_ifindex(v, idx);
	return true;
}

/* ---- messages ---------------------------------------------------------------- */

static void p_nlmsg(struct nlv *v, const struct nlmsghdr *h, unsigned long addr, size_t len);

static void p_nlmsg_type(struct nlv *v, unsigned type)
{
	struct tb *b = v->d->b;
	if (type >= NLMSG_MIN_TYPE && v->proto == NETLINK_ROUTE)
		p_xlat(b, type, XT(nl_route_types), "RTM_???");
	else if (type >= NLMSG_MIN_TYPE && v->proto == NETLINK_SOCK_DIAG)
		p_xlat(b, type, XT(nl_sock_diag_types), "SOCK_DIAG_???");
	else
		p_xlat(b, type, XT(nlmsg_types), "NLMSG_???");
}

/* The flags every message may carry, then those of its kind of request
 * (a get, a new, a delete: the same bits mean different things). */
static void p_nlmsg_flags(struct nlv *v, unsigned flags, unsigned type)
{
	const struct zp_xlat *kind = NULL;
	unsigned nkind = 0;
	if (type == NLMSG_ERROR) {
		kind = zpx_nlm_ack_flags;
		nkind = zpx_nlm_ack_flags_n;
	} else if (type >= NLMSG_MIN_TYPE && v->proto == NETLINK_SOCK_DIAG) {
		kind = zpx_nlm_get_flags;
		nkind = zpx_nlm_get_flags_n;
	} else if (type >= NLMSG_MIN_TYPE && v->proto == NETLINK_ROUTE) {
		unsigned k = type == RTM_DELACTION ? 2 : type & 3;
		if (k == 0) {
			kind = zpx_nlm_new_flags;
			nkind = zpx_nlm_new_flags_n;
		} else if (k == 1) {
			kind = zpx_nlm_delete_flags;
			nkind = zpx_nlm_delete_flags_n;
		} else if (k == 2) {
			kind = zpx_nlm_get_flags;
			nkind = zpx_nlm_get_flags_n;
		}
	}
	struct zp_xlat t[16];
	unsigned n = 0;
	for (unsigned i = 0; i < zpx_nlm_flags_n && n < 16; i++)
		t[n++] = zpx_nlm_flags[i];
	for (unsigned i = 0; i < nkind && n < 16; i++)
		t[n++] = kind[i];
	p_flags_u(v->d->b, flags, t, n, "NLM_F_???");
}

static void p_nlmsghdr(struct nlv *v, const struct nlmsghdr *h)
{
	struct tb *b = v->d->b;
	tb_puts(b, "{nlmsg_len=");
	tb_udec(b, h->nlmsg_len);
	tb_puts(b, ", nlmsg_type=");
	p_nlmsg_type(v, h->nlmsg_type);
	tb_puts(b, ", nlmsg_flags=");
	p_nlmsg_flags(v, h->nlmsg_flags, h->nlmsg_type);
	tb_puts(b, ", nlmsg_seq=");
	tb_udec(b, h->nlmsg_seq);
	tb_puts(b, ", nlmsg_pid=");
	tb_dec(b, (int)h->nlmsg_pid); /* a port id; strace prints it as a pid */
	tb_putc(b, '}');
}

static bool err_value(struct nlv *v, unsigned type, unsigned long addr, unsigned len,
		      const void *ctx)
{
	(void)ctx;
	switch (type) {
	case NLMSGERR_ATTR_MSG:
		nl_str(v, addr, len);
		return true;
	case NLMSGERR_ATTR_OFFS:
	case NLMSGERR_ATTR_MISS_TYPE:
	case NLMSGERR_ATTR_MISS_NEST:
		return nl_uint(v, addr, len, 4, false);
	}
	return false;
}

static const struct nla_set err_set = {zpx_nlmsgerr_attrs, &zpx_nlmsgerr_attrs_n,
				       "NLMSGERR_ATTR_???", err_value};

/* An error or acknowledgement: the error, the request it answers (whole,
 * or its header alone when NLM_F_CAPPED), then any extended-ack
 * attributes. */
static void p_nlmsgerr(struct nlv *v, unsigned long addr, size_t len, bool capped)
{
	struct tb *b = v->d->b;
	struct nlmsgerr e;
	if (len < sizeof e) {
		nl_hex(v, addr, len);
		return;
	}
	if (!nl_get(v, &e, addr, sizeof e)) {
		p_ptr(v->d, addr);
		return;
	}
	addr += offsetof(struct nlmsgerr, msg);
	len -= offsetof(struct nlmsgerr, msg);
	size_t whole = e.msg.nlmsg_len > sizeof e.msg ? e.msg.nlmsg_len : sizeof e.msg;
	size_t shown = capped ? sizeof e.msg : whole;
	if (shown > len)
		shown = len;
	if (len > shown)
		tb_putc(b, '[');
	tb_puts(b, "{error=");
	const char *name =
		e.error < 0 ? xlat_name((unsigned long long)-(long long)e.error, XT(errno)) : NULL;
	if (name) {
		tb_putc(b, '-');
		tb_puts(b, name);
	} else {
		tb_dec(b, e.error);
	}
	tb_puts(b, ", msg=");
	p_nlmsg(v, &e.msg, addr, shown);
	tb_putc(b, '}');
	if (len > shown) {
		tb_puts(b, ", ");
		nl_attrs(v, addr + shown, len - shown, &err_set, NULL);
		tb_putc(b, ']');
	}
}

static void p_nlpayload(struct nlv *v, const struct nlmsghdr *h, unsigned long addr, size_t len)
{
	if (h->nlmsg_type == NLMSG_ERROR) {
		p_nlmsgerr(v, addr, len, h->nlmsg_flags & NLM_F_CAPPED);
		return;
	}
	if ((h->nlmsg_type >= NLMSG_MIN_TYPE || h->nlmsg_type == NLMSG_DONE) &&
	    ((v->proto == NETLINK_ROUTE && zp_nl_route(v, h, addr, (unsigned)len)) ||
	     (v->proto == NETLINK_SOCK_DIAG && zp_nl_diag(v, h, addr, (unsigned)len))))
		return;
	if (h->nlmsg_type == NLMSG_DONE && len == sizeof(int)) {
		int n;
		if (!nl_get(v, &n, addr, sizeof n))
			p_ptr(v->d, addr);
		else
			tb_dec(v->d->b, n);
		return;
	}
	nl_hex(v, addr, len);
}

/* One message: its header alone, or [header, payload]. */
static void p_nlmsg(struct nlv *v, const struct nlmsghdr *h, unsigned long addr, size_t len)
{
	struct tb *b = v->d->b;
	size_t mlen = h->nlmsg_len < len ? h->nlmsg_len : len;
	if (mlen > NLMSG_HDRLEN)
		tb_putc(b, '[');
	p_nlmsghdr(v, h);
	if (mlen > NLMSG_HDRLEN) {
		tb_puts(b, ", ");
		p_nlpayload(v, h, addr + NLMSG_HDRLEN, mlen - NLMSG_HDRLEN);
		tb_putc(b, ']');
	}
}

static void p_nlmsg_at(struct nlv *v, const void *head, unsigned long addr, size_t len,
		       const void *arg)
{
	(void)arg;
	struct nlmsghdr h;
	zp_memcpy(&h, head, sizeof h);
	p_nlmsg(v, &h, addr, len);
}

void p_nlmsgs(struct dctx *d, int proto, long fd, unsigned long addr, size_t len, bool trust)
{
	struct nlv v = {d, trust, proto, dec_sandboxed(d->cfg) ? -1 : fd};
	struct tb *b = d->b;
	if (!addr) {
		tb_puts(b, "NULL");
		return;
	}
	/* Device events are text ("add@/devices/..."), no messages. */
	if (proto == NETLINK_KOBJECT_UEVENT) {
		p_buf(d, addr, len, trust, 0);
		return;
	}
	p_run(&v, addr, len, sizeof(struct nlmsghdr), p_nlmsg_at, NULL);
}
