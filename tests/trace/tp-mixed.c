/*
 * tp-mixed - a deterministic mix of file, socket, signal, memory, time
 * and process calls, for comparing the tracer's lines with strace's.
 * Usage: tp-mixed DIR   (a scratch directory)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got = 1;
}

/* dir/name; two buffers so a call can take two paths */
static const char *at(const char *dir, const char *name)
{
	static char buf[2][4096];
	static int which;
	which ^= 1;
	snprintf(buf[which], sizeof buf[which], "%s/%s", dir, name);
	return buf[which];
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: tp-mixed DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	char buf[256];

	/* files */
	int fd = open(at(dir, "data.txt"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return 1;
	static const char text[] = "hello, trace\n\tline two \"quoted\" \\ back\001\002\377\n";
	if (write(fd, text, sizeof text - 1) < 0)
		return 1;
	struct iovec iov[2] = {{(void *)"ab", 2}, {(void *)"cd\n", 3}};
	if (writev(fd, iov, 2) < 0)
		return 1;
	if (pwrite(fd, "XY", 2, 1) < 0)
		return 1;
	fsync(fd);
	close(fd);
	fd = open(at(dir, "data.txt"), O_RDONLY);
	struct stat st;
	fstat(fd, &st);
	ssize_t n = read(fd, buf, sizeof buf);
	(void)n;
	lseek(fd, 3, SEEK_SET);
	n = pread(fd, buf, 4, 0);
	struct iovec riov[2] = {{buf, 3}, {buf + 10, 4}};
	n = readv(fd, riov, 2);
	int fd2 = dup(fd);
	dup2(fd2, 20);
	dup3(20, 21, O_CLOEXEC);
	fcntl(21, F_GETFD);
	fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_DUPFD_CLOEXEC, 30);
	close(20);
	close(21);
	close(fd2);
	close(fd);
	close(30);
	open(at(dir, "missing"), O_RDONLY);
	stat(at(dir, "data.txt"), &st);
	lstat(at(dir, "data.txt"), &st);
	access(at(dir, "data.txt"), R_OK | W_OK);
	faccessat(AT_FDCWD, at(dir, "nope"), F_OK, 0);
	mkdir(at(dir, "sub"), 0755);
	symlink("data.txt", at(dir, "link"));
	n = readlink(at(dir, "link"), buf, sizeof buf);
	rename(at(dir, "link"), at(dir, "link2"));
	unlink(at(dir, "link2"));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	n = syscall(SYS_getdents64, dfd, buf, sizeof buf);
	fstatat(dfd, "data.txt", &st, AT_SYMLINK_NOFOLLOW);
	struct statx stx;
	statx(dfd, "data.txt", AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, &stx);
	mkdirat(dfd, "sub2", 0700);
	unlinkat(dfd, "sub2", AT_REMOVEDIR);
	rmdir(at(dir, "sub"));
	close(dfd);
	stat("/dev/null", &st);
	if (chdir(dir) < 0)
		return 1;
	if (!getcwd(buf, sizeof buf))
		return 1;
	int p[2];
	pipe2(p, O_CLOEXEC);
	write(p[1], "pipe!", 5);
	struct pollfd pfd = {p[0], POLLIN, 0};
	poll(&pfd, 1, 100);
	read(p[0], buf, sizeof buf);
	poll(&pfd, 1, 0);
	close(p[0]);
	close(p[1]);
	truncate("data.txt", 4);
	umask(022);

	/* memory */
	void *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(m, 4096, PROT_READ);
	madvise(m, 8192, MADV_DONTNEED);
	m = mremap(m, 8192, 16384, MREMAP_MAYMOVE);
	munmap(m, 16384);
	mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 99, 0);

	/* signals */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	kill(getpid(), SIGUSR1);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
	signal(SIGUSR1, SIG_IGN);

	/* time */
	struct timespec ts = {0, 1000};
	nanosleep(&ts, NULL);
	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);

	/* sockets */
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&sin, sizeof sin);
	listen(s, 4);
	socklen_t sl = sizeof sin;
	getsockname(s, (struct sockaddr *)&sin, &sl);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&sin, sizeof sin);
	sl = sizeof sin;
	int a = accept4(s, (struct sockaddr *)&sin, &sl, SOCK_CLOEXEC);
	sendto(c, "ping", 4, 0, NULL, 0);
	recvfrom(a, buf, sizeof buf, 0, NULL, NULL);
	send(a, "pong", 4, MSG_NOSIGNAL);
	recv(c, buf, sizeof buf, 0);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {EPOLLIN, {.u64 = 7}};
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	write(a, "x", 1);
	struct epoll_event out[2];
	epoll_wait(ep, out, 2, 100);
	shutdown(c, SHUT_WR);
	close(ep);
	close(a);
	close(c);
	close(s);
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	close(sv[0]);
	close(sv[1]);
	int u = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "/nonexistent/sock");
	connect(u, (struct sockaddr *)&sun, sizeof sun);
	close(u);
	int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 sin6;
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	bind(s6, (struct sockaddr *)&sin6, sizeof sin6);
	close(s6);

	/* process */
	getpid();
	getppid();
	getuid();
	pid_t child = fork();
	if (child == 0)
		_exit(3);
	int status;
	waitpid(child, &status, 0);
	unlink("data.txt");
	return 0;
}
