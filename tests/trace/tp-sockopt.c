/*
 * tp-sockopt - setsockopt and getsockopt with every option number at the
 * levels the tracer names (SOL_SOCKET, SOL_IP, SOL_IPV6, SOL_TCP,
 * SOL_NETLINK, SOL_UDP, SOL_RAW, SOL_PACKET) on a bad descriptor.  strace names IPV6_V6ONLY,
 * SO_RCVTIMEO_OLD, IPV6_ADD_MEMBERSHIP, MCAST_* ... and prints unknown
 * numbers in hex with a comment; test-strace-sockopt.sh compares.
 * Left out: the few numbers strace names from headers the tracer does
 * not read (netfilter's IPT_SO_*, linux/in6.h's IPV6_FLOWINFO*).
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	static const struct {
		int level, lo, hi;
	} r[] = {
		{SOL_SOCKET, 0, 90}, {IPPROTO_IP, 0, 64},  {IPPROTO_IPV6, 0, 11},
		{IPPROTO_IPV6, 12, 32}, {IPPROTO_IPV6, 34, 63}, {IPPROTO_TCP, 0, 90},
		{270 /* SOL_NETLINK */, 0, 90}, {IPPROTO_UDP, 0, 110},	   {255 /* SOL_RAW */, 0, 8},
		{263 /* SOL_PACKET */, 0, 30},
	};
	for (unsigned i = 0; i < sizeof r / sizeof r[0]; i++)
		for (int n = r[i].lo; n < r[i].hi; n++) {
			setsockopt(-1, r[i].level, n, NULL, 0);
			getsockopt(-1, r[i].level, n, NULL, NULL);
		}
	/* ICMP_FILTER's value, one bit per ICMP type (ping sets it), on a raw
	 * socket where one may be made (root) */
	int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (raw >= 0) {
		static const unsigned vals[] = {0, 1, 0x109, 0xfffffffe, 0xffffffff, 0x80000000};
		for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++)
			setsockopt(raw, 255 /* SOL_RAW */, 1 /* ICMP_FILTER */, &vals[i], 4);
		unsigned got = 0;
		socklen_t len = sizeof got;
		getsockopt(raw, 255, 1, &got, &len);
		close(raw);
	}
	/* SO_PEERCRED's struct ucred (tmux, dbus, systemd ask it), whole and
	 * cut to its pid */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
		struct ucred uc;
		socklen_t len = sizeof uc;
		getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &len);
		len = sizeof uc.pid;
		getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &len);
		close(sv[0]);
		close(sv[1]);
	}
	return 0;
}
