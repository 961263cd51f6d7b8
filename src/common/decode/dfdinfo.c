/*
 * dfdinfo.c - what -yy shows of a descriptor beyond its path, as strace
 * 6.1 shows it:
 *
 *   a socket   its protocol (the kernel's name for it, the
 *              system.sockprotoname attribute of /proc/self/fd/N) and,
 *              from the kernel's sock_diag netlink interface, its ends:
 *              TCP:[127.0.0.1:80->127.0.0.1:4242], TCPv6:[[::1]:80],
 *              UNIX-STREAM:[ino->peer,"/path"] (@"name" when abstract),
 *              NETLINK:[ROUTE:portid]; a socket not bound yet, or one the
 *              interface does not describe, as PROTO:[ino]
 *   a device   /dev/null<char 1:3>, /dev/sda<block 8:0>
 *
 * The tracer asks from inside the traced process: a netlink socket of its
 * own exists for the length of one question (-yy only; strace asks the
 * same questions from outside).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/netlink_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "decode.h"
#include "raw.h"

/* "/proc/self/fd/N" */
static void fd_link_name(char *path, size_t len, long fd)
{
	struct tb pb;
	tb_init(&pb, path, len - 1);
	tb_puts(&pb, "/proc/self/fd/");
	tb_dec(&pb, (int)fd);
	path[pb.len] = '\0';
}

/* One question to NETLINK_SOCK_DIAG: req (len bytes) goes out, and each
 * message of the answer is handed to each(msg, payload, ctx) until it
 * returns true (found) or the answer ends.  Returns whether one was found. */
static bool diag_ask(const void *req, size_t len,
		     bool (*each)(const struct nlmsghdr *h, void *ctx), void *ctx)
{
	long s = zp_raw3(SYS_socket, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (s < 0)
		return false;
	bool found = false, done = false;
	struct sockaddr_nl k = {.nl_family = AF_NETLINK};
	if (zp_raw6(SYS_sendto, s, (long)req, (long)len, 0, (long)&k, sizeof k) != (long)len)
		done = true;
	/* On the stack: threads may ask at once.  A fresh socket's dump
	 * comes in messages of a page (NLMSG_GOODSIZE), well within it. */
	char buf[8192] __attribute__((aligned(8)));
	while (!done && !found) {
		long n = zp_raw6(SYS_recvfrom, s, (long)buf, sizeof buf, 0, 0, 0);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			break;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			if (each(h, ctx)) {
				found = true;
				break;
			}
		}
	}
	zp_raw1(SYS_close, s);
	return found;
}

/* ---- TCP and UDP ------------------------------------------------------------ */

struct inet_want {
	unsigned long ino;
	struct inet_diag_msg m;
};

static bool inet_each(const struct nlmsghdr *h, void *ctx)
{
	struct inet_want *w = ctx;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
		return false;
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	if (m->idiag_inode != w->ino)
		return false;
	w->m = *m;
	return true;
}

static void p_inet_end(struct tb *b, int family, const __be32 *addr, __be16 port)
{
	if (family == AF_INET6) {
		tb_putc(b, '[');
		p_ipv6(b, (const unsigned char *)addr);
		tb_putc(b, ']');
	} else {
		p_ipv4(b, (const unsigned char *)addr);
	}
	tb_putc(b, ':');
	tb_udec(b, ntohs(port));
}

/* [src] or [src->dst]; false where it has no port yet. */
static bool p_inet(struct tb *b, unsigned long ino, int family, int protocol)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = {
		.h = {.nlmsg_len = sizeof req, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
		.r = {.sdiag_family = (__u8)family, .sdiag_protocol = (__u8)protocol,
		      .idiag_states = ~0u},
	};
	struct inet_want w = {.ino = ino};
	if (!diag_ask(&req, sizeof req, inet_each, &w) || !w.m.id.idiag_sport)
		return false;
	tb_putc(b, '[');
	p_inet_end(b, family, w.m.id.idiag_src, w.m.id.idiag_sport);
	if (w.m.id.idiag_dport) {
		tb_puts(b, "->");
		p_inet_end(b, family, w.m.id.idiag_dst, w.m.id.idiag_dport);
	}
	tb_putc(b, ']');
	return true;
}

/* ---- UNIX ---------------------------------------------------------------------- */

struct unix_want {
	unsigned long ino;
	unsigned peer;
	char name[110];
	size_t namelen;
	bool found;
};

static bool unix_each(const struct nlmsghdr *h, void *ctx)
{
	struct unix_want *w = ctx;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct unix_diag_msg)))
		return false;
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	if (m->udiag_ino != w->ino)
		return false;
	size_t left = h->nlmsg_len - NLMSG_LENGTH(sizeof *m);
	const unsigned char *p = (const unsigned char *)(m + 1);
	while (left >= sizeof(struct nlattr)) {
		const struct nlattr *a = (const struct nlattr *)p;
		if (a->nla_len < sizeof *a || a->nla_len > left)
			break;
		size_t len = a->nla_len - sizeof *a;
		const void *v = a + 1;
		if (a->nla_type == UNIX_DIAG_PEER && len >= 4)
			zp_memcpy(&w->peer, v, 4);
		else if (a->nla_type == UNIX_DIAG_NAME) {
			w->namelen = len < sizeof w->name ? len : sizeof w->name;
			zp_memcpy(w->name, v, w->namelen);
		}
		size_t step = NLA_ALIGN(a->nla_len);
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
	w->found = true;
	return true;
}

/* [ino->peer], [ino,"path"], [ino->peer,@"name"]...; false for a socket
 * with neither a peer nor a name yet. */
static bool p_unix(struct tb *b, unsigned long ino)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req = {
		.h = {.nlmsg_len = sizeof req, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		      .nlmsg_flags = NLM_F_REQUEST},
		.r = {.sdiag_family = AF_UNIX, .udiag_states = ~0u, .udiag_ino = (__u32)ino,
		      .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER,
		      .udiag_cookie = {INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE}},
	};
	struct unix_want w = {.ino = ino};
	if (!diag_ask(&req, sizeof req, unix_each, &w) || (!w.peer && !w.namelen))
		return false;
	tb_putc(b, '[');
	tb_udec(b, ino);
	if (w.peer) {
		tb_puts(b, "->");
		tb_udec(b, w.peer);
	}
	if (w.namelen) {
		tb_putc(b, ',');
		bool abstract = w.name[0] == '\0';
		if (abstract)
			tb_putc(b, '@');
		const unsigned char *s = (const unsigned char *)w.name + abstract;
		size_t n = w.namelen - abstract;
		if (!abstract) /* a path: up to its NUL */
			for (size_t i = 0; i < n; i++)
				if (!s[i]) {
					n = i;
					break;
				}
		tb_quote(b, s, n, false, 0);
	}
	tb_putc(b, ']');
	return true;
}

/* ---- netlink ------------------------------------------------------------------- */

struct nl_want {
	unsigned long ino;
	struct netlink_diag_msg m;
};

static bool nl_each(const struct nlmsghdr *h, void *ctx)
{
	struct nl_want *w = ctx;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct netlink_diag_msg)))
		return false;
	const struct netlink_diag_msg *m = NLMSG_DATA(h);
	if (m->ndiag_ino != w->ino)
		return false;
	w->m = *m;
	return true;
}

/* [ROUTE:portid]; false where it has no port id yet. */
static bool p_netlink(struct tb *b, unsigned long ino)
{
	struct {
		struct nlmsghdr h;
		struct netlink_diag_req r;
	} req = {
		.h = {.nlmsg_len = sizeof req, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
		.r = {.sdiag_family = AF_NETLINK, .sdiag_protocol = NDIAG_PROTO_ALL,
		      .ndiag_cookie = {INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE}},
	};
	struct nl_want w = {.ino = ino};
	if (!diag_ask(&req, sizeof req, nl_each, &w) || !w.m.ndiag_portid)
		return false;
	const char *name = xlat_name(w.m.ndiag_protocol, XT(netlink_protocols));
	tb_putc(b, '[');
	if (name)
		tb_puts(b, name + 8); /* past "NETLINK_" */
	else
		tb_udec(b, w.m.ndiag_protocol);
	tb_putc(b, ':');
	tb_udec(b, w.m.ndiag_portid);
	tb_putc(b, ']');
	return true;
}

/* ---- what was found, remembered ------------------------------------------------ */

/* A socket's ends, once found, are remembered by inode and shown again
 * without asking (strace keeps such a cache too, so a client socket whose
 * peer has gone still shows it): one question per socket instead of one
 * per call.  Direct-mapped; an entry being written is skipped, not waited
 * for (threads format lines at once). */
#define SOCK_CACHE 64
static struct {
	unsigned char busy;
	unsigned long ino;
	unsigned char len;
	char text[119];
} sock_cache[SOCK_CACHE];

static bool cache_get(struct tb *b, unsigned long ino)
{
	__typeof__(sock_cache[0]) *e = &sock_cache[ino % SOCK_CACHE];
	if (__atomic_exchange_n(&e->busy, 1, __ATOMIC_ACQUIRE))
		return false;
	bool hit = e->ino == ino && e->len;
	if (hit)
		tb_putn(b, e->text, e->len);
	__atomic_store_n(&e->busy, 0, __ATOMIC_RELEASE);
	return hit;
}

static void cache_put(unsigned long ino, const char *text, size_t len)
{
	__typeof__(sock_cache[0]) *e = &sock_cache[ino % SOCK_CACHE];
	if (len > sizeof e->text || __atomic_exchange_n(&e->busy, 1, __ATOMIC_ACQUIRE))
		return;
	e->ino = ino;
	e->len = (unsigned char)len;
	zp_memcpy(e->text, text, len);
	__atomic_store_n(&e->busy, 0, __ATOMIC_RELEASE);
}

/* ---- the descriptor ------------------------------------------------------------ */

static bool p_socket(struct tb *b, long fd, unsigned long ino)
{
	if (cache_get(b, ino))
		return true;
	char path[48], proto[32];
	fd_link_name(path, sizeof path, fd);
	long n = zp_raw4(SYS_getxattr, path, "system.sockprotoname", proto, sizeof proto - 1);
	if (n <= 0)
		return false;
	proto[n] = '\0';
	size_t len = zp_strlen(proto);
	/* The protocols strace names; others (PACKET, ...) stay socket:[ino]. */
	static const char *const known[] = {"TCP",	 "TCPv6",   "UDP",  "UDPv6", "UDPLITE",
					    "UDPLITEv6", "RAW",	    "RAWv6", "UNIX", "UNIX-STREAM",
					    "NETLINK",	 "PING",    "PINGv6", "MPTCP", "MPTCPv6"};
	bool ok = false;
	for (size_t i = 0; i < sizeof known / sizeof known[0] && !ok; i++)
		ok = zp_strcmp(proto, known[i]) == 0;
	if (!ok)
		return false;
	size_t start = b->len;
	tb_putn(b, proto, len);
	tb_putc(b, ':');
	bool v6 = len > 2 && proto[len - 2] == 'v' && proto[len - 1] == '6';
	bool detail = false;
	if (!zp_strcmp(proto, "TCP") || !zp_strcmp(proto, "TCPv6"))
		detail = p_inet(b, ino, v6 ? AF_INET6 : AF_INET, IPPROTO_TCP);
	else if (!zp_strcmp(proto, "UDP") || !zp_strcmp(proto, "UDPv6"))
		detail = p_inet(b, ino, v6 ? AF_INET6 : AF_INET, IPPROTO_UDP);
	else if (!zp_strcmp(proto, "UNIX") || !zp_strcmp(proto, "UNIX-STREAM"))
		detail = p_unix(b, ino);
	else if (!zp_strcmp(proto, "NETLINK"))
		detail = p_netlink(b, ino);
	if (!detail) {
		tb_putc(b, '[');
		tb_udec(b, ino);
		tb_putc(b, ']');
	} else if (!b->truncated) {
		cache_put(ino, b->p + start, b->len - start);
	}
	return true;
}

bool p_fd_detail(struct tb *b, const struct zp_dec_cfg *cfg, long fd, const char *link, size_t n)
{
	if (dec_sandboxed(cfg))
		return false;
	static const char sock[] = "socket:[";
	bool is_sock = n > sizeof sock && link[n - 1] == ']';
	for (size_t i = 0; is_sock && i < sizeof sock - 1; i++)
		is_sock = link[i] == sock[i];
	if (is_sock) {
		unsigned long ino = 0;
		for (size_t i = sizeof sock - 1; i < n - 1; i++) {
			if (link[i] < '0' || link[i] > '9')
				return false;
			ino = ino * 10 + (unsigned long)(link[i] - '0');
		}
		return p_socket(b, fd, ino);
	}
	if (link[0] != '/')
		return false;
	struct stat st;
	if (zp_raw2(SYS_fstat, fd, &st) < 0 || (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)))
		return false;
	unsigned long long dev = st.st_rdev;
	unsigned long major = (unsigned long)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffull));
	unsigned long minor = (unsigned long)((dev & 0xff) | ((dev >> 12) & ~0xffull));
	tb_angled(b, link, n);
	tb_puts(b, S_ISCHR(st.st_mode) ? "<char " : "<block ");
	tb_udec(b, major);
	tb_putc(b, ':');
	tb_udec(b, minor);
	tb_putc(b, '>');
	return true;
}
