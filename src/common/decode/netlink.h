/*
 * netlink.h - what the netlink decoders share: dnetlink.c (messages, their
 * headers, errors, attributes), dnlroute.c (NETLINK_ROUTE's payloads) and
 * dnldiag.c (NETLINK_SOCK_DIAG's).
 */
#ifndef ZP_DEC_NETLINK_H
#define ZP_DEC_NETLINK_H

#include <linux/netlink.h>

#include "decode.h"

/* What every printer below needs: the call, whether its buffer can be read
 * directly, the socket's protocol (ZP_NL_UNKNOWN: netlink, which protocol
 * unknown) and a socket to ask interface names with. */
struct nlv {
	struct dctx *d;
	bool trust;
	int proto;
	long fd;
};

/* A set of attributes: their names, and the decoder of their values
 * (false: not decoded, printed as a hex string).  ctx is the message the
 * attributes belong to (an address's family, say). */
struct nla_set {
	const struct zp_xlat *names;
	const unsigned *n;
	const char *unknown;
	bool (*value)(struct nlv *v, unsigned type, unsigned long addr, unsigned len,
		      const void *ctx);
};

/* The len bytes at addr as a hex string, "\x01\x02", strace's way with
 * bytes it does not decode. */
ZP_DEC_HIDDEN void nl_hex(struct nlv *v, unsigned long addr, size_t len);
ZP_DEC_HIDDEN bool nl_get(struct nlv *v, void *dst, unsigned long addr, size_t n);
ZP_DEC_HIDDEN void nl_ifindex(struct nlv *v, unsigned idx);
ZP_DEC_HIDDEN void nl_str(struct nlv *v, unsigned long addr, unsigned len);
/* Attribute values: true when printed, false when too short to decode
 * (the caller prints the bytes). */
ZP_DEC_HIDDEN bool nl_uint(struct nlv *v, unsigned long addr, unsigned len, unsigned size,
			   bool sign);
ZP_DEC_HIDDEN bool nl_flags32(struct nlv *v, unsigned long addr, unsigned len,
			      const struct zp_xlat *t, unsigned n, const char *unknown);
ZP_DEC_HIDDEN bool nl_u32_struct(struct nlv *v, unsigned long addr, unsigned len,
				 const struct zp_xlat *t, unsigned n, const char *hex);
ZP_DEC_HIDDEN bool nl_inet_addr(struct nlv *v, unsigned long addr, unsigned len, int family);
ZP_DEC_HIDDEN bool nl_attr_ifindex(struct nlv *v, unsigned long addr, unsigned len);
ZP_DEC_HIDDEN void nl_attrs(struct nlv *v, unsigned long addr, size_t len, const struct nla_set *s,
			    const void *ctx);
ZP_DEC_HIDDEN void nl_family_data(struct nlv *v, unsigned long addr, unsigned len,
				  unsigned char family);

/* A payload that is a fixed structure starting with the family byte (an
 * ifaddrmsg, an inet_diag_msg...), then attributes:
 *   {ifa_family=AF_INET, <fields>}, [attributes]
 * fields() prints the other fields of the structure, read whole; a payload
 * too short for it shows "..." after the family; attrs (NULL: none shown)
 * get the structure as their context. */
struct nl_fixed {
	const char *family_field;
	size_t size;
	void (*fields)(struct nlv *v, const void *m);
	const struct nla_set *attrs;
};
ZP_DEC_HIDDEN void nl_fixed(struct nlv *v, unsigned long addr, unsigned len, unsigned char family,
			    const struct nl_fixed *f);

/* A protocol's payloads (type >= NLMSG_MIN_TYPE, and NLMSG_DONE's): true
 * when printed, false to leave them to the generic decoding. */
ZP_DEC_HIDDEN bool zp_nl_route(struct nlv *v, const struct nlmsghdr *h, unsigned long addr,
			       unsigned len);
ZP_DEC_HIDDEN bool zp_nl_diag(struct nlv *v, const struct nlmsghdr *h, unsigned long addr,
			      unsigned len);

#endif
