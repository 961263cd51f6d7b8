/*
 * tp-yy: descriptors -yy describes beyond their paths, as strace 6.1 does:
 * a character device; TCP over IPv4 and IPv6 before and after bind, listen,
 * connect and accept; UDP bound by sendto and by connect; UNIX stream
 * sockets named by a path and by an abstract name, connected, and a pair;
 * UNIX datagram, netlink bound and not, a raw socket; a file whose name
 * holds a newline, control bytes, quotes, a backslash, '<' and '>' and
 * high bytes (escaped: a newline split the line).  Loopback only; the
 * kernel picks every port.  test-strace-yy.sh compares with strace -yy.
 * With the argument "seccomp" it first puts an allow-all seccomp filter in
 * place.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "seccomp")) {
		/* an allow-all filter: -yy must ask the kernel nothing more */
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog prog = {.len = 1, .filter = &allow};
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
			return 2;
	}
	int null = open("/dev/null", O_RDONLY);
	read(null, NULL, 0);
	close(null);

	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "x", 1);
	close(sv[0]);
	close(sv[1]);

	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	bind(l, (struct sockaddr *)&a, sizeof a);
	listen(l, 1);
	getsockname(l, (struct sockaddr *)&a, &al);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, sizeof a);
	int s = accept(l, NULL, NULL);
	write(c, "y", 1);
	char buf[4];
	read(s, buf, 1);
	close(s);
	close(c);
	close(l);

	int u = socket(AF_INET, SOCK_DGRAM, 0);
	sendto(u, "", 0, 0, (struct sockaddr *)&a, sizeof a); /* binds it */
	write(u, "", 0);
	close(u);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	connect(u, (struct sockaddr *)&a, sizeof a);
	write(u, "", 0);
	close(u);

	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int t6 = socket(AF_INET6, SOCK_STREAM, 0);
	if (bind(t6, (struct sockaddr *)&a6, sizeof a6) == 0)
		listen(t6, 1);
	close(t6);

	char path[64];
	snprintf(path, sizeof path, "/tmp/zp-tp-yy.%d", (int)getpid());
	unlink(path);
	struct sockaddr_un su = {.sun_family = AF_UNIX};
	strcpy(su.sun_path, path);
	int un = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(un, (struct sockaddr *)&su, sizeof su);
	listen(un, 1);
	close(un);
	unlink(path);

	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, "\0zp-tp-yy", 9);
	socklen_t salen = offsetof(struct sockaddr_un, sun_path) + 9;
	int ab = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(ab, (struct sockaddr *)&sa, salen);
	listen(ab, 1);
	int cl = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(cl, (struct sockaddr *)&sa, salen);
	int ac = accept(ab, NULL, NULL);
	write(cl, "", 0);
	write(ac, "", 0);
	close(ac);
	close(cl);
	close(ab);

	int ud = socket(AF_UNIX, SOCK_DGRAM, 0);
	close(ud);
	int nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	close(nl);
	nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	struct sockaddr_nl sn = {.nl_family = AF_NETLINK};
	bind(nl, (struct sockaddr *)&sn, sizeof sn);
	close(nl);
	int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (raw >= 0)
		close(raw);
	/* dup3's newfd: a number in strace's lines, dup2's: with its path */
	int nd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nd >= 0) {
		close(dup2(nd, 20));
		close(dup3(nd, 21, O_CLOEXEC));
		close(nd);
	}
	static const char odd[] = "tp-yy.\n<0>\1\0027 \\\"'\200~\177>x";
	int fd = open(odd, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
		unlink(odd);
	}
	return 0;
}
