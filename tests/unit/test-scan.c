/*
 * The candidate pass over a range (scan.c), in one piece and split in two
 * halves with a helper thread: the same pairs, in the same order, as a byte
 * loop finds, from a file and from memory; pairs at both ends, straddling
 * the split point and the 256 KiB read chunks, and code denser than the
 * buffers are sized for; from a file mapping not yet faulted in, and
 * whether such a mapping was written (zp_pages_written).  After a split scan no thread or child remains;
 * where the helper cannot be started (clone refused) the range is scanned
 * in one piece, silently.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maps.h"
#include "scan.h"
#include "t.h"
#include "tasks.h"

static size_t reference(const uint8_t *b, size_t len, size_t **out)
{
	size_t n = 0;
	for (size_t i = 0; i + 1 < len; i++)
		n += b[i] == 0x0f && (b[i + 1] == 0x05 || b[i + 1] == 0x34);
	*out = malloc((n + 1) * sizeof **out);
	n = 0;
	for (size_t i = 0; i + 1 < len; i++)
		if (b[i] == 0x0f && (b[i + 1] == 0x05 || b[i + 1] == 0x34))
			(*out)[n++] = i;
	return n;
}

static bool same(const struct cands *c, const size_t *ref, size_t n)
{
	if (c->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (c->v[i] != ref[i])
			return false;
	return true;
}

/* In a child where no helper may start: the file scanned with a split
 * asked for gives the right pairs, and no split was made. */
static bool scanned_alone(const uint8_t *b, size_t len, const char *path)
{
	size_t *ref;
	size_t n = reference(b, len, &ref);
	int fd = open(path, O_RDONLY);
	struct cands c = {0};
	zp_scan_split_min = 1;
	unsigned long before = zp_scan_split_count;
	return zp_cands_from_file(&c, fd, 0, len) == 0 && same(&c, ref, n) &&
	       zp_scan_split_count == before;
}

static void *idle(void *arg)
{
	return arg;
}

static void put(uint8_t *b, size_t at, uint8_t second)
{
	b[at] = 0x0f;
	b[at + 1] = second;
}

static unsigned long helper_took; /* blocks the helper scanned */

/* A visitor that notes every candidate it is given, and which thread
 * (0: the caller, 1: the helper) was given it. */
struct seen {
	size_t *v;
	size_t cap;
	size_t n; /* shared by the two: taken atomically */
	unsigned long blocks[2];
};
struct seen_ctx {
	struct seen *s;
	int who;
};

static int note(void *arg, const size_t *v, size_t n)
{
	struct seen_ctx *x = arg;
	size_t at = __atomic_fetch_add(&x->s->n, n, __ATOMIC_RELAXED);
	for (size_t i = 0; i < n && at + i < x->s->cap; i++)
		x->s->v[at + i] = v[i];
	__atomic_fetch_add(&x->s->blocks[x->who], 1, __ATOMIC_RELAXED);
	return 0;
}

static int by_value(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* One buffer, scanned every way: file and memory, whole and split. */
static void check_all(const char *what, const uint8_t *b, size_t len, const char *path)
{
	size_t *ref;
	size_t n = reference(b, len, &ref);
	int fd = open(path, O_RDONLY);
	struct cands c = {0};
	for (int split = 0; split < 2; split++) {
		zp_scan_split_min = split ? 1 : 0;
		const char *how = split ? "split" : "whole";
		unsigned long before = zp_scan_split_count;
		int r = zp_cands_from_file(&c, fd, 0, len);
		T_CHECK(r == 0 && same(&c, ref, n), "%s, %s, from the file: the %zu pairs (got %zu)", what,
			how, n, c.n);
		zp_cands_free(&c);
		r = zp_cands_from_memory(&c, b, len);
		T_CHECK(r == 0 && same(&c, ref, n), "%s, %s, from memory: the %zu pairs (got %zu)", what,
			how, n, c.n);
		zp_cands_free(&c);
		/* The file's own mapping, not yet faulted in: populated as it is
		 * scanned (each thread its blocks). */
		uint8_t *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		bool visited;
		r = m == MAP_FAILED ? -1 : zp_cands_from_mapping(&c, m, len, NULL, &visited);
		T_CHECK(r == 0 && same(&c, ref, n), "%s, %s, from its mapping: the %zu pairs (got %zu)",
			what, how, n, c.n);
		zp_cands_free(&c);
		/* Split: each block's pairs given to the visitor of the thread
		 * that scanned it, every pair once (how many blocks the helper
		 * takes depends on when it gets a CPU). */
		struct seen sn = {malloc((n + 1) * sizeof(size_t)), n + 1, 0, {0, 0}};
		struct seen_ctx c0 = {&sn, 0}, c1 = {&sn, 1};
		struct zp_scan_visit visit = {note, {&c0, &c1}};
		r = m == MAP_FAILED ? -1 : zp_cands_from_mapping(&c, m, len, &visit, &visited);
		if (split) {
			qsort(sn.v, sn.n < sn.cap ? sn.n : sn.cap, sizeof(size_t), by_value);
			bool once = sn.n == n;
			for (size_t i = 0; once && i < n; i++)
				once = sn.v[i] == ref[i];
			T_CHECK(r == 0 && visited && same(&c, ref, n) && once,
				"%s, split, visited: every pair once (%zu of %zu; blocks %lu here, %lu "
				"on the helper)",
				what, sn.n, n, sn.blocks[0], sn.blocks[1]);
		} else {
			T_CHECK(r == 0 && !visited && same(&c, ref, n),
				"%s, whole: not visited, the pairs returned", what);
		}
		free(sn.v);
		zp_cands_free(&c);
		if (m != MAP_FAILED)
			munmap(m, len);
		if (split)
			T_CHECK(zp_scan_split_count == before + 4, "%s: all four scans had a helper", what);
	}
	/* Again and again: however the blocks fell to the two threads, the
	 * same list (the helper's share depends on when it gets a CPU). */
	bool all_same = true;
	unsigned long helper0 = zp_scan_helper_blocks;
	for (int k = 0; k < 20; k++) {
		int r = zp_cands_from_file(&c, fd, 0, len);
		all_same &= r == 0 && same(&c, ref, n);
		zp_cands_free(&c);
		r = zp_cands_from_memory(&c, b, len);
		all_same &= r == 0 && same(&c, ref, n);
		zp_cands_free(&c);
	}
	T_CHECK(all_same, "%s: 40 more scans with a helper, the same pairs each time", what);
	helper_took += zp_scan_helper_blocks - helper0;
	/* A file mapped at an offset: the second half's reads start there too. */
	zp_scan_split_min = 1;
	int r = zp_cands_from_file(&c, fd, 4096, len - 4096);
	size_t *ref2;
	size_t n2 = reference(b + 4096, len - 4096, &ref2);
	T_CHECK(r == 0 && same(&c, ref2, n2), "%s, split, from the file at an offset: %zu pairs", what,
		n2);
	zp_cands_free(&c);
	close(fd);
	free(ref);
	free(ref2);
}

static void write_file(const char *path, const uint8_t *b, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, b + done, len - done);
		if (w <= 0)
			exit(2);
		done += (size_t)w;
	}
	close(fd);
}

int main(void)
{
	char path[] = "/tmp/zp-test-scan.XXXXXX";
	int tfd = mkstemp(path);
	if (tfd < 0)
		return 2;
	close(tfd);

	/* Sparse: 9 MiB and a bit of nops with pairs where blocks (1 MiB)
	 * and read chunks (256 KiB) meet, plus one every ~40 KiB. */
	const size_t len = (9u << 20) + 123, chunk = 256 * 1024;
	uint8_t *b = malloc(len);
	memset(b, 0x90, len);
	put(b, 0, 0x05);                 /* first byte */
	put(b, len - 2, 0x34);           /* last two bytes */
	for (size_t at = chunk; at < len; at += chunk) {
		put(b, at - 1, at & chunk ? 0x05 : 0x34); /* straddles a boundary */
		put(b, at + 1, 0x34);                      /* just after it */
		put(b, at - 4, 0x05);                      /* just before it */
	}
	b[5 * chunk + 100] = 0x0f;       /* 0f 0f 05: one pair, at the second 0f */
	put(b, 5 * chunk + 101, 0x05);
	for (size_t at = 12345; at + 2 < len; at += 40961)
		put(b, at, at & 1 ? 0x05 : 0x34);
	write_file(path, b, len);
	check_all("sparse", b, len, path);

	/* A 0f alone as the very last byte is no pair. */
	b[len - 1] = 0x0f;
	b[len - 2] = 0x90;
	write_file(path, b, len);
	check_all("a lone 0f at the end", b, len, path);

	/* Dense: a pair every 8 bytes in the second half, far more than the
	 * buffers are sized for (one per KiB): both grow. */
	const size_t dlen = 6u << 20;
	uint8_t *d = malloc(dlen);
	memset(d, 0xcc, dlen);
	for (size_t at = 3; at + 2 < dlen; at += at < dlen / 2 ? 4099 : 8)
		put(d, at, 0x05);
	write_file(path, d, dlen);
	check_all("dense", d, dlen, path);

	T_CHECK(helper_took > 0, "the helper scanned %lu of the blocks", helper_took);
	T_CHECK(tasks() == 1, "no thread left after the split scans (%d in /proc/self/task)", tasks());
	T_CHECK(no_child(), "no child left to wait for");

	/* The helper cannot start: after unshare(CLONE_NEWPID) a process may
	 * not create threads (clone says EINVAL; pthread_create shows it).
	 * The range is scanned whole. */
	pid_t pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWPID) < 0 && unshare(CLONE_NEWPID) < 0)
			_exit(3);
		pthread_t th;
		if (pthread_create(&th, NULL, idle, NULL) == 0)
			_exit(4); /* threads can be made after all: nothing to test */
		write_file(path, b, len);
		_exit(scanned_alone(b, len, path) ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && (WEXITSTATUS(st) == 3 || WEXITSTATUS(st) == 4))
		printf("SKIP: clone refused: %s\n", WEXITSTATUS(st) == 3 ? "no new PID namespace here"
									: "threads still allowed there");
	else
		T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			"clone refused: scanned whole, the same pairs (status %#x)", st);

	/* Under a seccomp filter (even one that allows everything) no helper
	 * is started: a sandbox's filter may kill for a clone. */
	pid = fork();
	if (pid == 0) {
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog prog = {1, &allow};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(3);
		_exit(scanned_alone(b, len, path) ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
		printf("SKIP: seccomp: no filter can be installed here\n");
	else
		T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			"under a seccomp filter: scanned whole, the same pairs (status %#x)", st);

	/* Whether memory still holds a file's bytes: no page of a private file
	 * mapping written since it was mapped (a debugger's breakpoint is such
	 * a write). */
	int fd = open(path, O_RDONLY);
	uint8_t *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		perror("test-scan: mmap");
		return 1;
	}
	uintptr_t lo = (uintptr_t)m, hi = lo + len;
	T_CHECK(zp_pages_written(lo, hi) == 0, "a fresh file mapping: no page written");
	volatile uint8_t sum = 0;
	for (size_t i = 0; i < len; i += 4096)
		sum += m[i];
	T_CHECK(zp_pages_written(lo, hi) == 0, "every page read: none written");
	m[3 * 4096 + 17] ^= 0xff;
	T_CHECK(zp_pages_written(lo, hi) == 1, "one byte written: the range was written");
	T_CHECK(zp_pages_written(lo + 3 * 4096 + 100, lo + 3 * 4096 + 200) == 1,
		"a range inside that page, not page-aligned: written");
	T_CHECK(zp_pages_written(lo + 4 * 4096, hi) == 0 && zp_pages_written(lo, lo + 3 * 4096) == 0,
		"the pages around it: not written");
	munmap(m, len);
	close(fd);

	unlink(path);
	free(b);
	free(d);
	T_DONE();
}
