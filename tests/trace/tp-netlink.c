/*
 * tp-netlink.c - netlink conversations test-strace-netlink compares with
 * strace's decoding: the address dump getaddrinfo's AI_ADDRCONFIG asks
 * for, getifaddrs's link and address dumps, and a request of our own that
 * fails, sent with sendmsg and answered (NLMSG_ERROR, the request echoed
 * and an extended-ack message) through recvfrom; IPv4 route and neighbour
 * dumps (sendto, then recvmsg up to NLMSG_DONE); and sock_diag questions
 * about a listening TCP socket (sendto, recvmsg) and a UNIX socket
 * (sendmsg, recvfrom) of its own, as `ss` asks them.
 *
 * `tp-netlink fuzz`: 20000 malformed messages (lengths that lie, nested
 * errors, attributes running past their message, bytes at random from a
 * fixed seed) sent to the kernel, which refuses most: the tracer decodes
 * each, inside this process, and must not bring it down.
 */
#define _GNU_SOURCE
#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

static int bad_link_request(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return 1;
	/* Bound, as glibc binds its own: strace cannot name the protocol of
	 * a netlink socket that has no port yet (its sock_diag lookup finds
	 * none), and the first sendmsg binds it only on the way. */
	struct sockaddr_nl me = {.nl_family = AF_NETLINK};
	if (bind(fd, (struct sockaddr *)&me, sizeof me) != 0)
		return 1;
	int one = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
		struct rtattr a;
		char name[8];
	} req;
	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = RTM_GETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = 42;
	req.i.ifi_family = AF_UNSPEC;
	req.i.ifi_index = 0x7ffffff0; /* no such interface */
	req.a.rta_len = RTA_LENGTH(sizeof req.name);
	req.a.rta_type = IFLA_IFNAME;
	strcpy(req.name, "nosuch0");
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	struct iovec iov = {&req, sizeof req};
	struct msghdr m = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1};
	if (sendmsg(fd, &m, 0) != (ssize_t)sizeof req)
		return 1;
	char buf[8192];
	ssize_t n = recvfrom(fd, buf, sizeof buf, 0, NULL, NULL);
	close(fd);
	return n > 0 ? 0 : 1;
}

/* A dump request for type (an rtmsg or ndmsg: both start with the
 * family), read to its end. */
static int dump(int type)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl me = {.nl_family = AF_NETLINK};
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) != 0)
		return 1;
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
	} req;
	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = (unsigned short)type;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 7;
	req.r.rtm_family = AF_INET;
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)sizeof req)
		return 1;
	for (;;) {
		char buf[16384];
		struct iovec iov = {buf, sizeof buf};
		struct sockaddr_nl from;
		struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n = recvmsg(fd, &m, 0);
		if (n <= 0)
			return 1;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				close(fd);
				return 0;
			}
	}
}

static int diag_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	struct sockaddr_nl me = {.nl_family = AF_NETLINK};
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) != 0)
		return -1;
	return fd;
}

/* The listening socket's own entry, asked for exactly (no dump). */
static int diag_inet(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) != 0)
		return 1;
	int fd = diag_socket();
	if (fd < 0)
		return 1;
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req;
	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.h.nlmsg_seq = 9;
	req.r.sdiag_family = AF_INET;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_ext = 1 << (INET_DIAG_MEMINFO - 1);
	req.r.idiag_states = ~0u;
	req.r.id.idiag_sport = a.sin_port;
	req.r.id.idiag_src[0] = a.sin_addr.s_addr;
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)sizeof req)
		return 1;
	char buf[8192];
	struct iovec iov = {buf, sizeof buf};
	struct sockaddr_nl from;
	struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n = recvmsg(fd, &m, 0);
	close(fd);
	close(l);
	return n > 0 ? 0 : 1;
}

/* One end of a socket pair, by its inode, with its peer and queues. */
static int diag_unix(void)
{
	int sv[2];
	struct stat st;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || fstat(sv[0], &st) != 0)
		return 1;
	int fd = diag_socket();
	if (fd < 0)
		return 1;
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req;
	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.h.nlmsg_seq = 10;
	req.r.sdiag_family = AF_UNIX;
	req.r.udiag_states = ~0u;
	req.r.udiag_ino = (unsigned)st.st_ino;
	req.r.udiag_show = UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN;
	req.r.udiag_cookie[0] = req.r.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	struct iovec iov = {&req, sizeof req};
	struct msghdr m = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1};
	if (sendmsg(fd, &m, 0) != (ssize_t)sizeof req)
		return 1;
	char buf[8192];
	ssize_t n = recvfrom(fd, buf, sizeof buf, 0, NULL, NULL);
	close(fd);
	close(sv[0]);
	close(sv[1]);
	return n > 0 ? 0 : 1;
}

static unsigned long long seed = 42;
static unsigned rnd(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(seed >> 33);
}

static int fuzz(void)
{
	int fds[2] = {socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE),
		      socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG)};
	if (fds[0] < 0 || fds[1] < 0)
		return 1;
	static const unsigned short types[] = {NLMSG_ERROR, NLMSG_DONE, RTM_NEWLINK, RTM_GETADDR, RTM_NEWROUTE,
					       RTM_NEWNEIGH, RTM_GETRULE, SOCK_DIAG_BY_FAMILY, 0x7777};
	static const unsigned char families[] = {AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, AF_NETLINK, 0xee};
	for (int i = 0; i < 20000; i++) {
		union {
			unsigned char b[512];
			struct nlmsghdr h;
		} m;
		for (size_t k = 0; k < sizeof m.b; k++)
			m.b[k] = (unsigned char)rnd();
		size_t len = rnd() % sizeof m.b;
		/* mostly plausible headers, so that the payload decoders run */
		for (size_t off = 0; off + 20 <= len; off += 4 + rnd() % 64) {
			struct nlmsghdr *h = (struct nlmsghdr *)(m.b + off);
			h->nlmsg_len = rnd() % 4 ? (unsigned)(len - off) : rnd() % 600;
			h->nlmsg_type = types[rnd() % (sizeof types / sizeof *types)];
			h->nlmsg_flags = (unsigned short)(rnd() % 2 ? NLM_F_REQUEST : rnd());
			m.b[off + 16] = families[rnd() % sizeof families];
			if (rnd() % 3)
				break;
		}
		struct sockaddr_nl to = {.nl_family = AF_NETLINK};
		int fd = fds[rnd() % 2];
		if (rnd() % 2) {
			sendto(fd, m.b, len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to);
		} else {
			struct iovec iov[2] = {{m.b, len / 2}, {m.b + len / 2, len - len / 2}};
			struct msghdr mh = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = iov, .msg_iovlen = 2};
			sendmsg(fd, &mh, MSG_DONTWAIT);
		}
		char buf[8192];
		while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
			;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "fuzz"))
		return fuzz();
	printf("%d\n", getpid());
	struct addrinfo hints = {.ai_flags = AI_ADDRCONFIG, .ai_socktype = SOCK_STREAM}, *res;
	if (getaddrinfo("localhost", "80", &hints, &res) == 0)
		freeaddrinfo(res);
	struct ifaddrs *ifa;
	if (getifaddrs(&ifa) == 0)
		freeifaddrs(ifa);
	return bad_link_request() | dump(RTM_GETROUTE) | dump(RTM_GETNEIGH) | diag_inet() | diag_unix();
}
