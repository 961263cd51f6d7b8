/*
 * dnlroute.c - NETLINK_ROUTE's payloads as strace 6.1 prints them: links
 * (ifinfomsg), addresses (ifaddrmsg), routes (rtmsg) and neighbours
 * (ndmsg), with their attributes; the rest by their family.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "netlink.h"

/* ---- NETLINK_ROUTE ---------------------------------------------------------- */

static bool ifa_value(struct nlv *v, unsigned type, unsigned long addr, unsigned len,
		      const void *ctx)
{
	const struct ifaddrmsg *m = ctx;
	switch (type) {
	case IFA_ADDRESS:
	case IFA_LOCAL:
	case IFA_BROADCAST:
	case IFA_ANYCAST:
	case IFA_MULTICAST:
		return nl_inet_addr(v, addr, len, m->ifa_family);
	case IFA_LABEL:
		nl_str(v, addr, len);
		return true;
	case IFA_CACHEINFO:
		return nl_u32_struct(v, addr, len, XT(ifa_cacheinfo), NULL);
	case IFA_FLAGS:
		if (len < 4)
			return false;
		return nl_flags32(v, addr, 4, XT(ifa_flags), "IFA_F_???");
	case IFA_RT_PRIORITY:
		return nl_uint(v, addr, len, 4, false);
	case IFA_TARGET_NETNSID:
		return nl_uint(v, addr, len, 4, true);
	}
	return false;
}

static const struct nla_set ifa_set = {zpx_ifa_attrs, &zpx_ifa_attrs_n, "IFA_???", ifa_value};

static void ifaddrmsg_fields(struct nlv *v, const void *p)
{
	const struct ifaddrmsg *m = p;
	struct tb *b = v->d->b;
	tb_puts(b, "ifa_prefixlen=");
	tb_udec(b, m->ifa_prefixlen);
	tb_puts(b, ", ifa_flags=");
	p_flags_u(b, m->ifa_flags, XT(ifa_flags), "IFA_F_???");
	tb_puts(b, ", ifa_scope=");
	p_xlat_d(b, m->ifa_scope, XT(rt_scopes));
	tb_puts(b, ", ifa_index=");
	nl_ifindex(v, m->ifa_index);
}

static const struct nl_fixed ifaddrmsg_fixed = {"ifa_family", sizeof(struct ifaddrmsg),
					  ifaddrmsg_fields, &ifa_set};

/* A hardware address: strace's colon form, of at most the 6 bytes of an
 * Ethernet address the family it is given (AF_UNSPEC) stands for. */
static bool p_hwaddr(struct nlv *v, unsigned long addr, unsigned len)
{
	unsigned char a[32];
	if (len > sizeof a)
		return false;
	if (!nl_get(v, a, addr, len)) {
		p_ptr(v->d, addr);
		return true;
	}
	struct tb *b = v->d->b;
	for (unsigned k = 0; k < len; k++) {
		if (k)
			tb_putc(b, ':');
		tb_hex_w(b, a[k], 2);
	}
	return true;
}

/* rtnl_link_stats and rtnl_link_stats64: their counters up to the last one
 * the attribute holds whole, provided it ends at a counter and holds the
 * ones every kernel sends (up to tx_compressed); else not decoded. */
static bool p_link_stats(struct nlv *v, unsigned long addr, unsigned len, const struct zp_xlat *t,
			 unsigned n, unsigned size)
{
	unsigned char st[512];
	unsigned whole = t[n - 1].val + size, base = 0;
	for (unsigned i = 0; i < n; i++)
		if (zp_strcmp(t[i].name, "tx_compressed") == 0)
			base = (unsigned)t[i].val + size;
	if (!base || whole > sizeof st)
		return false;
	if (len > whole)
		len = whole;
	if (len < base || len % size)
		return false;
	if (!nl_get(v, st, addr, len)) {
		p_ptr(v->d, addr);
		return true;
	}
	struct tb *b = v->d->b;
	tb_putc(b, '{');
	for (unsigned i = 0; i < n && t[i].val + size <= len; i++) {
		if (i)
			tb_puts(b, ", ");
		tb_puts(b, t[i].name);
		tb_putc(b, '=');
		if (size == 8) {
			uint64_t x;
			zp_memcpy(&x, st + t[i].val, sizeof x);
			tb_udec(b, x);
		} else {
			uint32_t x;
			zp_memcpy(&x, st + t[i].val, sizeof x);
			tb_udec(b, x);
		}
	}
	tb_putc(b, '}');
	return true;
}

static bool ifla_value(struct nlv *v, unsigned type, unsigned long addr, unsigned len,
		       const void *ctx)
{
	(void)ctx;
	switch (type) {
	case IFLA_IFNAME:
	case IFLA_QDISC:
	case IFLA_IFALIAS:
	case IFLA_PHYS_PORT_NAME:
	case IFLA_ALT_IFNAME:
	case IFLA_PARENT_DEV_NAME:
	case IFLA_PARENT_DEV_BUS_NAME:
		nl_str(v, addr, len);
		return true;
	case IFLA_MTU:
	case IFLA_LINK:
	case IFLA_MASTER:
	case IFLA_TXQLEN:
	case IFLA_WEIGHT:
	case IFLA_NET_NS_PID:
	case IFLA_NUM_VF:
	case IFLA_GROUP:
	case IFLA_PROMISCUITY:
	case IFLA_NUM_TX_QUEUES:
	case IFLA_NUM_RX_QUEUES:
	case IFLA_CARRIER_CHANGES:
	case IFLA_GSO_MAX_SEGS:
	case IFLA_GSO_MAX_SIZE:
	case IFLA_CARRIER_UP_COUNT:
	case IFLA_CARRIER_DOWN_COUNT:
	case IFLA_MIN_MTU:
	case IFLA_MAX_MTU:
	case IFLA_GRO_MAX_SIZE:
	case IFLA_TSO_MAX_SIZE:
	case IFLA_TSO_MAX_SEGS:
	case IFLA_ALLMULTI:
		return nl_uint(v, addr, len, 4, false);
	case IFLA_OPERSTATE:
	case IFLA_LINKMODE:
	case IFLA_CARRIER:
	case IFLA_PROTO_DOWN:
		return nl_uint(v, addr, len, 1, false);
	case IFLA_LINK_NETNSID:
	case IFLA_NEW_NETNSID:
	case IFLA_IF_NETNSID:
		return nl_uint(v, addr, len, 4, true);
	case IFLA_NEW_IFINDEX:
		return nl_attr_ifindex(v, addr, len);
	case IFLA_NET_NS_FD: {
		int fd;
		if (len < sizeof fd)
			return false;
		if (!nl_get(v, &fd, addr, sizeof fd))
			p_ptr(v->d, addr);
		else
			p_fd(v->d, fd);
		return true;
	}
	case IFLA_EXT_MASK:
		return nl_flags32(v, addr, len, XT(rtext_filters), "RTEXT_FILTER_???");
	case IFLA_ADDRESS:
	case IFLA_BROADCAST:
	case IFLA_PERM_ADDRESS:
		return p_hwaddr(v, addr, len);
	case IFLA_STATS:
		return p_link_stats(v, addr, len, XT(link_stats), 4);
	case IFLA_STATS64:
		return p_link_stats(v, addr, len, XT(link_stats64), 8);
	}
	return false;
}

static const struct nla_set ifla_set = {zpx_ifla_attrs, &zpx_ifla_attrs_n, "IFLA_???", ifla_value};

static void ifinfomsg_fields(struct nlv *v, const void *p)
{
	const struct ifinfomsg *m = p;
	struct tb *b = v->d->b;
	tb_puts(b, "ifi_type=");
	p_xlat(b, m->ifi_type, XT(arphrd_types), "ARPHRD_???");
	tb_puts(b, ", ifi_index=");
	nl_ifindex(v, (unsigned)m->ifi_index);
	tb_puts(b, ", ifi_flags=");
	p_flags_u(b, m->ifi_flags, XT(iff_flags), "IFF_???");
	tb_puts(b, ", ifi_change=");
	tb_hex(b, m->ifi_change);
}

static const struct nl_fixed ifinfomsg_fixed = {"ifi_family", sizeof(struct ifinfomsg),
					  ifinfomsg_fields, &ifla_set};

static bool rta_value(struct nlv *v, unsigned type, unsigned long addr, unsigned len,
		      const void *ctx)
{
	const struct rtmsg *m = ctx;
	switch (type) {
	case RTA_DST:
	case RTA_SRC:
	case RTA_GATEWAY:
	case RTA_PREFSRC:
	case RTA_NEWDST:
		return nl_inet_addr(v, addr, len, m->rtm_family);
	case RTA_IIF:
	case RTA_OIF:
		return nl_attr_ifindex(v, addr, len);
	case RTA_PRIORITY:
	case RTA_PROTOINFO:
	case RTA_FLOW:
	case RTA_MP_ALGO:
	case RTA_MARK:
	case RTA_UID:
	case RTA_NH_ID:
		return nl_uint(v, addr, len, 4, false);
	case RTA_PREF:
	case RTA_TTL_PROPAGATE:
	case RTA_IP_PROTO:
		return nl_uint(v, addr, len, 1, false);
	case RTA_SPORT:
	case RTA_DPORT:
		return nl_uint(v, addr, len, 2, false);
	case RTA_EXPIRES:
		return nl_uint(v, addr, len, 8, false);
	case RTA_CACHEINFO:
		return nl_u32_struct(v, addr, len, XT(rta_cacheinfo), "rta_id");
	case RTA_TABLE: {
		uint32_t t;
		if (len < sizeof t)
			return false;
		if (!nl_get(v, &t, addr, sizeof t))
			p_ptr(v->d, addr);
		else
			p_xlat_d(v->d->b, t, XT(rt_tables));
		return true;
	}
	}
	return false;
}

static const struct nla_set rta_set = {zpx_rta_attrs, &zpx_rta_attrs_n, "RTA_???", rta_value};

static void rtmsg_fields(struct nlv *v, const void *p)
{
	const struct rtmsg *m = p;
	struct tb *b = v->d->b;
	tb_puts(b, "rtm_dst_len=");
	tb_udec(b, m->rtm_dst_len);
	tb_puts(b, ", rtm_src_len=");
	tb_udec(b, m->rtm_src_len);
	tb_puts(b, ", rtm_tos=");
	p_flags_u(b, m->rtm_tos, XT(iptos), "IPTOS_TOS_???");
	tb_puts(b, ", rtm_table=");
	p_xlat_d(b, m->rtm_table, XT(rt_tables));
	tb_puts(b, ", rtm_protocol=");
	p_xlat(b, m->rtm_protocol, XT(rt_protos), "RTPROT_???");
	tb_puts(b, ", rtm_scope=");
	p_xlat_d(b, m->rtm_scope, XT(rt_scopes));
	tb_puts(b, ", rtm_type=");
	p_xlat(b, m->rtm_type, XT(rtn_types), "RTN_???");
	tb_puts(b, ", rtm_flags=");
	p_flags_u(b, m->rtm_flags, XT(rtm_f_flags), "RTM_F_???");
}

static const struct nl_fixed rtmsg_fixed = {"rtm_family", sizeof(struct rtmsg),
					  rtmsg_fields, &rta_set};

static bool nda_value(struct nlv *v, unsigned type, unsigned long addr, unsigned len,
		      const void *ctx)
{
	const struct ndmsg *m = ctx;
	switch (type) {
	case NDA_DST:
		return nl_inet_addr(v, addr, len, m->ndm_family);
	case NDA_LLADDR:
		return p_hwaddr(v, addr, len);
	case NDA_CACHEINFO:
		return nl_u32_struct(v, addr, len, XT(nda_cacheinfo), NULL);
	case NDA_PROBES:
	case NDA_VNI:
	case NDA_LINK_NETNSID:
	case NDA_SRC_VNI:
	case NDA_NH_ID:
		return nl_uint(v, addr, len, 4, false);
	case NDA_VLAN:
		return nl_uint(v, addr, len, 2, false);
	case NDA_PORT: {
		unsigned char p[2];
		if (len < sizeof p)
			return false;
		if (!nl_get(v, p, addr, sizeof p)) {
			p_ptr(v->d, addr);
			return true;
		}
		tb_puts(v->d->b, "htons(");
		tb_udec(v->d->b, (unsigned)p[0] << 8 | p[1]);
		tb_putc(v->d->b, ')');
		return true;
	}
	case NDA_IFINDEX:
	case NDA_MASTER:
		return nl_attr_ifindex(v, addr, len);
	}
	return false;
}

static const struct nla_set nda_set = {zpx_nda_attrs, &zpx_nda_attrs_n, "NDA_???", nda_value};

static void ndmsg_fields(struct nlv *v, const void *p)
{
	const struct ndmsg *m = p;
	struct tb *b = v->d->b;
	tb_puts(b, "ndm_ifindex=");
	nl_ifindex(v, (unsigned)m->ndm_ifindex);
	tb_puts(b, ", ndm_state=");
	if (m->ndm_state)
		p_flags_u(b, m->ndm_state, XT(nud_states), "NUD_???");
	else
		tb_puts(b, "NUD_NONE");
	tb_puts(b, ", ndm_flags=");
	p_flags_u(b, m->ndm_flags, XT(ntf_flags), "NTF_???");
	tb_puts(b, ", ndm_type=");
	p_xlat(b, m->ndm_type, XT(rtn_types), "RTN_???");
}

static const struct nl_fixed ndmsg_fixed = {"ndm_family", sizeof(struct ndmsg),
					  ndmsg_fields, &nda_set};

/* NETLINK_ROUTE's payloads: true when printed (NLMSG_DONE's are not). */
bool zp_nl_route(struct nlv *v, const struct nlmsghdr *h, unsigned long addr,
			  unsigned len)
{
	if (h->nlmsg_type == NLMSG_DONE)
		return false;
	unsigned char family;
	if (!nl_get(v, &family, addr, 1)) {
		p_ptr(v->d, addr);
		return true;
	}
	switch (h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
	case RTM_GETLINK:
	case RTM_SETLINK:
		nl_fixed(v, addr, len, family, &ifinfomsg_fixed);
		return true;
	case RTM_NEWADDR:
	case RTM_DELADDR:
	case RTM_GETADDR:
	case RTM_GETMULTICAST:
	case RTM_GETANYCAST:
		nl_fixed(v, addr, len, family, &ifaddrmsg_fixed);
		return true;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
	case RTM_GETROUTE:
		nl_fixed(v, addr, len, family, &rtmsg_fixed);
		return true;
	case RTM_GETNEIGH:
		/* a bridge's neighbours are asked for by link */
		if (family == AF_BRIDGE) {
			nl_fixed(v, addr, len, family, &ifinfomsg_fixed);
			return true;
		}
		/* fall through */
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		nl_fixed(v, addr, len, family, &ndmsg_fixed);
		return true;
	}
	nl_family_data(v, addr, len, family);
	return true;
}

