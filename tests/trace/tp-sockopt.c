/*
 * tp-sockopt - setsockopt and getsockopt with every option number at the
 * levels the tracer names (SOL_SOCKET, SOL_IP, SOL_IPV6, SOL_TCP,
 * SOL_NETLINK) on a bad descriptor.  strace names IPV6_V6ONLY,
 * SO_RCVTIMEO_OLD, IPV6_ADD_MEMBERSHIP, MCAST_* ... and prints unknown
 * numbers in hex with a comment; test-strace-sockopt.sh compares.
 * Left out: the few numbers strace names from headers the tracer does
 * not read (netfilter's IPT_SO_*, linux/in6.h's IPV6_FLOWINFO*).
 */
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

int main(void)
{
	static const struct {
		int level, lo, hi;
	} r[] = {
		{SOL_SOCKET, 0, 90}, {IPPROTO_IP, 0, 64},  {IPPROTO_IPV6, 0, 11},
		{IPPROTO_IPV6, 12, 32}, {IPPROTO_IPV6, 34, 63}, {IPPROTO_TCP, 0, 90},
		{270 /* SOL_NETLINK */, 0, 90},
	};
	for (unsigned i = 0; i < sizeof r / sizeof r[0]; i++)
		for (int n = r[i].lo; n < r[i].hi; n++) {
			setsockopt(-1, r[i].level, n, NULL, 0);
			getsockopt(-1, r[i].level, n, NULL, NULL);
		}
	return 0;
}
