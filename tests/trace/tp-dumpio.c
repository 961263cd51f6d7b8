/*
 * tp-dumpio.c - the calls whose data `-e read=` and `-e write=` dump, on
 * fixed descriptors, for test-strace-dumpio to compare with strace:
 *   3, 4   a pipe: write/read, a short read, writev with an empty buffer
 *          in the middle (the dump stops there) and readv over two
 *          buffers, vmsplice, a write from a bad pointer (EFAULT: no dump)
 *   5      a memfd: pwrite64/pread64, pwritev/preadv, pwritev2/preadv2,
 *          and one write of 1 MiB + 20 bytes (offsets of 6 hex digits)
 *   6, 7   a datagram socket pair: sendto/recvfrom, sendmsg/recvmsg,
 *          sendmmsg/recvmmsg
 *   8      a POSIX message queue, if the kernel has them: mq_timedsend,
 *          mq_timedreceive (both runs take the same branch)
 * Every buffer holds bytes of all kinds (text, zeros, high bytes).
 * Exit 0, or 1 if a descriptor was not the one expected.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static unsigned char data[256];

static int expect(int got, int want, const char *what)
{
	if (got != want) {
		fprintf(stderr, "tp-dumpio: %s is descriptor %d, not %d\n", what, got, want);
		exit(1);
	}
	return got;
}

int main(void)
{
	for (unsigned i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 37 + 11);
	memcpy(data, "Hello, dump!\n\tend", 17);
	for (int fd = 3; fd < 16; fd++)
		close(fd);

	int p[2];
	if (pipe(p) < 0)
		return 1;
	expect(p[0], 3, "the pipe's read end");
	expect(p[1], 4, "the pipe's write end");
	unsigned char in[4096];
	ssize_t r = write(4, data, 40);
	r = read(3, in, sizeof in);                     /* 40 of 4096 */
	r = write(4, data + 100, 10);
	r = read(3, in, 4);                             /* short: 4 of 10 */
	r = read(3, in, 6);
	struct iovec wv[3] = {{data, 5}, {data + 5, 0}, {data + 50, 20}};
	r = writev(4, wv, 3);
	unsigned char a[4], b[64];
	struct iovec rv[2] = {{a, sizeof a}, {b, sizeof b}};
	r = readv(3, rv, 2);
	struct iovec sv[1] = {{data + 200, 33}};
	r = syscall(SYS_vmsplice, 4, sv, 1, 0);
	r = read(3, in, sizeof in);
	/* a page that was unmapped (not NULL: page 0 may hold zpoline's
	 * trampoline, which the kernel can read) */
	void *bad = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bad == MAP_FAILED || munmap(bad, 4096) < 0)
		return 1;
	r = write(4, bad, 10);                          /* EFAULT */

	int m = memfd_create("tp-dumpio", 0);
	expect(m, 5, "the memfd");
	r = pwrite(5, data, 256, 0);
	r = pread(5, in, 100, 17);
	struct iovec fv[2] = {{data + 1, 3}, {data + 30, 30}};
	r = pwritev(5, fv, 2, 300);
	struct iovec gv[2] = {{a, sizeof a}, {b, sizeof b}};
	r = preadv(5, gv, 2, 290);
	r = pwritev2(5, fv, 2, 400, 0);
	r = preadv2(5, gv, 2, 395, 0);
	size_t big = (1u << 20) + 20;
	unsigned char *w = malloc(big);
	if (!w)
		return 1;
	for (size_t i = 0; i < big; i++)
		w[i] = data[i % sizeof data];
	r = pwrite(5, w, big, 0);
	free(w);

	int s[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, s) < 0)
		return 1;
	expect(s[0], 6, "the first socket");
	expect(s[1], 7, "the second socket");
	r = sendto(6, data + 3, 21, 0, NULL, 0);
	r = recvfrom(7, in, sizeof in, 0, NULL, NULL);
	struct iovec mv[2] = {{data + 7, 9}, {data + 90, 17}};
	struct msghdr mh = {.msg_iov = mv, .msg_iovlen = 2};
	r = sendmsg(6, &mh, 0);
	struct iovec nv[2] = {{a, sizeof a}, {b, sizeof b}};
	struct msghdr nh = {.msg_iov = nv, .msg_iovlen = 2};
	r = recvmsg(7, &nh, 0);
	struct mmsghdr mm[2] = {{.msg_hdr = {.msg_iov = mv, .msg_iovlen = 2}},
				{.msg_hdr = {.msg_iov = wv, .msg_iovlen = 1}}};
	r = sendmmsg(6, mm, 2, 0);
	unsigned char c1[40], c2[40];
	struct iovec q1[1] = {{c1, sizeof c1}}, q2[1] = {{c2, sizeof c2}};
	struct mmsghdr rm[2] = {{.msg_hdr = {.msg_iov = q1, .msg_iovlen = 1}},
				{.msg_hdr = {.msg_iov = q2, .msg_iovlen = 1}}};
	r = recvmmsg(7, rm, 2, 0, NULL);

	struct mq_attr at = {.mq_maxmsg = 4, .mq_msgsize = 64};
	mqd_t q = mq_open("/tp-dumpio", O_RDWR | O_CREAT, 0600, &at);
	if (q != (mqd_t)-1) {
		mq_unlink("/tp-dumpio");
		expect(q, 8, "the message queue");
		r = mq_send(q, (const char *)data + 60, 19, 1);
		r = mq_receive(q, (char *)in, 64, NULL);
	}
	(void)r;
	return 0;
}
