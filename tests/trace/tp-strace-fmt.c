/*
 * tp-strace-fmt - calls whose strace text has details a decoder can miss:
 * in/out arguments the kernel overwrites (select/pselect6 timeouts,
 * recvmsg's msg_namelen), long poll results, EPOLL_CTL_DEL's ignored
 * event, prctl's per-option arguments, fcntl's flag arguments, sigaltstack, the sched_* calls, and with -y the paths of
 * descriptors a call closes.  test-strace-fmt.sh compares the tracer's lines with what strace
 * 6.1 prints for them.  Exit 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	int p[2];
	if (pipe(p))
		return 1;
	if (write(p[1], "x", 1) != 1)
		return 1;

	/* select: the timeout given, then what is left of it */
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timeval tv = {2, 500000};
	syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timespec ts = {3, 0};
	syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, NULL);
	/* a timeout: the kernel zeroes the timespec */
	FD_ZERO(&r);
	FD_SET(p[1], &r);
	struct timespec ts0 = {0, 10000};
	syscall(SYS_pselect6, p[1] + 1, &r, NULL, NULL, &ts0, NULL);

	/* 80 descriptors that are not open: 80 POLLNVAL results */
	struct pollfd many[80];
	for (int i = 0; i < 80; i++) {
		many[i].fd = 900 + i;
		many[i].events = POLLIN;
		many[i].revents = 0;
	}
	poll(many, 80, 0);

	/* EPOLL_CTL_DEL: the event pointer is not read */
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u64 = 7;
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	memset(&ev, 0xff, sizeof ev);
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], &ev);

	/* recvmsg on a socketpair: msg_namelen 110 => 0 */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return 1;
	if (send(sv[0], "abcd", 4, 0) != 4)
		return 1;
	struct sockaddr_un from;
	char buf[16];
	struct iovec iov = {buf, sizeof buf};
	struct msghdr m;
	memset(&m, 0, sizeof m);
	m.msg_name = &from;
	m.msg_namelen = sizeof from;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	recvmsg(sv[1], &m, 0);

	/* -y: descriptors a call closes or replaces have their old path */
	int h = open("/dev/null", O_RDONLY);
	dup2(h, p[1]);
	close(h);

	/* signalfd4 and inotify_rm_watch: decoded, not six raw arguments */
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGUSR1);
	int sfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
	close(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)); /* flags in strace's order */
	int in = inotify_init1(IN_CLOEXEC);
	inotify_rm_watch(in, 12345);
	close(in);
	close(sfd);

	/* prctl: each option's own arguments */
	prctl(PR_CAPBSET_READ, CAP_CHOWN, 0L, 0L, 0L);
	prctl(PR_CAPBSET_READ, 48L, 0L, 0L, 0L);
	prctl(PR_SET_DUMPABLE, 1L, 0L, 0L, 0L);
	prctl(PR_GET_DUMPABLE, 0L, 0L, 0L, 0L);
	prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L);

	/* a descriptor passed over a socket: SCM_RIGHTS decoded */
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	memset(&cm, 0, sizeof cm);
	struct msghdr sm;
	memset(&sm, 0, sizeof sm);
	iov.iov_base = "fd";
	iov.iov_len = 2;
	sm.msg_iov = &iov;
	sm.msg_iovlen = 1;
	sm.msg_control = cm.buf;
	sm.msg_controllen = sizeof cm.buf;
	struct cmsghdr *c = CMSG_FIRSTHDR(&sm);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[0], sizeof(int));
	sendmsg(sv[0], &sm, 0);
	iov.iov_base = buf;
	iov.iov_len = sizeof buf;
	memset(&cm, 0, sizeof cm);
	recvmsg(sv[1], &sm, 0);

	/* SOL_NETLINK options by name */
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int one = 1;
	setsockopt(nl, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);

	/* fcntl's dnotify flags, seals and lease types by name */
	int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fcntl(dir, F_NOTIFY, DN_MODIFY | DN_CREATE | DN_MULTISHOT);
	fcntl(dir, F_NOTIFY, 0);
	int mfd = memfd_create("seals", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
	fcntl(mfd, F_GET_SEALS);
	fcntl(mfd, F_SETLEASE, F_UNLCK);
	fcntl(mfd, F_GETLEASE);

	/* sigaltstack's stack_t, new and old */
	static char altmem[65536];
	stack_t alt = {.ss_sp = altmem, .ss_flags = 0, .ss_size = sizeof altmem}, old;
	sigaltstack(&alt, &old);
	stack_t altoff = {.ss_flags = SS_DISABLE};
	sigaltstack(&altoff, &old);

	/* the scheduler calls: policies by name, [priority], the RR interval */
	struct sched_param sp = {0};
	struct timespec rr;
	syscall(SYS_sched_getscheduler, 0L);
	syscall(SYS_sched_setscheduler, 0L, (long)SCHED_OTHER, &sp);
	syscall(SYS_sched_getparam, 0L, &sp);
	syscall(SYS_sched_get_priority_max, (long)SCHED_FIFO);
	syscall(SYS_sched_get_priority_min, 99L);
	syscall(SYS_sched_rr_get_interval, 0L, &rr);
	return 0;
}
