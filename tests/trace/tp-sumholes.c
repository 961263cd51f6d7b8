/*
 * tp-sumholes DIR - the -c summary reads only the parts of the control
 * block's count tables that were written (zp_trace_summary with the
 * block's descriptor: SEEK_DATA/SEEK_HOLE).  A block file in DIR (a tmpfs:
 * no read-around there, so each page read is one page resident) gets
 * counts in two tables far apart; the summary must add both up, and leave
 * no page of the tables resident that nobody wrote.  The same summary
 * without the descriptor (-1: every table read) must give the same table.
 * Prints "ok: ..." and exits 0, or says what differs and exits 1; 2 on
 * setup errors.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "traceout.h"

static const char *name(long nr)
{
	return nr == 0 ? "read" : nr == 8 ? "lseek" : "other";
}

static size_t resident(void *m, size_t len)
{
	size_t pages = len / 4096, n = 0;
	unsigned char *v = malloc(pages);
	if (!v || mincore(m, len, v) < 0)
		return (size_t)-1;
	for (size_t i = 0; i < pages; i++)
		n += v[i] & 1;
	free(v);
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: tp-sumholes DIR\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/tp-sumholes.%d", argv[1], (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	size_t len = sizeof(struct zp_trace_ctl);
	if (fd < 0 || ftruncate(fd, (off_t)len) < 0) {
		perror(path);
		return 2;
	}
	unlink(path);
	struct zp_trace_ctl *c = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	c->magic = ZP_TRACE_CTL_MAGIC;
	c->size = (uint32_t)len;
	c->count = 1;
	/* one table near the start, one near the end */
	c->counts[0][8] = (struct zp_trace_count){5, 1, 500};
	c->counts[ZP_TRACE_COUNT_SHARDS + ZP_TRACE_COUNT_OWN - 1][0] = (struct zp_trace_count){3, 0, 300};
	c->counts[ZP_TRACE_COUNT_SHARDS + ZP_TRACE_COUNT_OWN - 1][8] = (struct zp_trace_count){2, 0, 200};
	/* The row across the end of the first table's first page, if one
	 * does: its first field (calls) before the edge, its last in the
	 * next page, a hole (zeros) the summary must not fault in. */
	uint64_t base = offsetof(struct zp_trace_ctl, counts), row = sizeof(struct zp_trace_count);
	uint64_t k = ((base / 4096 + 1) * 4096 - base) / row;
	bool crossing = (base + k * row) % 4096 != 0;
	if (crossing)
		c->counts[0][k].calls = 4;
	size_t before = resident(c, len);
	static char with_fd[ZP_TRACE_COUNT_SLOTS * 100 + 1024], all[sizeof with_fd];
	size_t n1 = zp_trace_summary(c, fd, with_fd, sizeof with_fd, name);
	size_t after = resident(c, len);
	size_t n2 = zp_trace_summary(c, -1, all, sizeof all, name);
	int bad = 0;
	if (n1 != n2 || memcmp(with_fd, all, n1)) {
		printf("the two summaries differ:\n%.*s---\n%.*s", (int)n1, with_fd, (int)n2, all);
		bad = 1;
	}
	/* lseek: 5 + 2 calls, 1 error; read: 3 calls; the crossing row: 4 */
	if (!strstr(with_fd, "         7         1 lseek") || !strstr(with_fd, "         3           read") ||
	    (crossing && !strstr(with_fd, "         4           other"))) {
		printf("the summary does not add up both tables:\n%.*s", (int)n1, with_fd);
		bad = 1;
	}
	if (before == (size_t)-1 || after == (size_t)-1 || after > before) {
		printf("the summary left %zu page(s) resident, %zu before it\n", after, before);
		bad = 1;
	}
	if (!bad)
		printf("ok: both tables summed%s, %zu page(s) of %zu resident before and after\n",
		       crossing ? " with a row across a page edge" : "", after, len / 4096);
	return bad;
}
