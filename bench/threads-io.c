/*
 * threads-io - a multi-threaded, system-call-heavy workload for
 * bench/trace-speed.sh.
 *
 *   threads-io DIR ITERATIONS
 *
 * Four threads each loop ITERATIONS times over pwrite, pread, lseek and
 * fstat of small blocks in a file of their own in DIR.  find(1), the
 * script's other workload, is one thread: this one makes the tracer write
 * from several threads at once, and makes strace stop each of them.
 *
 * Every result is checked, so a tracer that broke a call (a wrong return
 * value, a clobbered buffer) shows up as a failed run, not as a fast one.
 * Exit status: 0; 1 on an I/O error or a wrong result; 2 on bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define THREADS 4
#define BLOCK 512
/* The file stays small (32 KiB): the page cache, not the disk, answers. */
#define BLOCKS 64

struct worker {
	pthread_t thread;
	int index;
	const char *dir;
	long iterations;
	char path[4096];
	/* What failed (NULL: nothing), in which iteration (-1: before the
	 * loop), and errno (0: a wrong result).  main reports it, after the
	 * join, so that the messages of several threads do not interleave. */
	const char *failed;
	long failed_at;
	int failed_errno;
};

static void fail(struct worker *w, const char *what, long i)
{
	w->failed = what;
	w->failed_at = i;
	w->failed_errno = errno;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned char out[BLOCK], in[BLOCK];
	struct stat st;
	long i;
	int fd;

	if (snprintf(w->path, sizeof w->path, "%s/threads-io.XXXXXX", w->dir) >=
	    (int)sizeof w->path) {
		errno = ENAMETOOLONG;
		fail(w, "temporary file name", -1);
		return NULL;
	}
	fd = mkstemp(w->path);
	if (fd < 0) {
		fail(w, w->path, -1);
		return NULL;
	}
	/* Unlinked at once: nothing is left behind however the run ends. */
	if (unlink(w->path) < 0) {
		fail(w, w->path, -1);
		close(fd);
		return NULL;
	}
	for (i = 0; i < w->iterations; i++) {
		off_t off = (off_t)(i % BLOCKS) * BLOCK;
		/* The file grows one block per iteration until it has BLOCKS. */
		off_t size = (off_t)(i < BLOCKS ? i + 1 : BLOCKS) * BLOCK;

		/* A pattern that differs per thread and per iteration, so a
		 * block read back from the wrong place or time does not match. */
		memset(out, (w->index * 61 + i) & 0xff, sizeof out);
		errno = 0;
		if (pwrite(fd, out, BLOCK, off) != BLOCK) {
			fail(w, "pwrite", i);
			break;
		}
		if (pread(fd, in, BLOCK, off) != BLOCK || memcmp(in, out, BLOCK)) {
			fail(w, "pread", i);
			break;
		}
		if (lseek(fd, 0, SEEK_END) != size) {
			fail(w, "lseek", i);
			break;
		}
		if (fstat(fd, &st) < 0 || st.st_size != size) {
			fail(w, "fstat", i);
			break;
		}
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker w[THREADS];
	struct stat st;
	char *end;
	long iterations;
	int i, err, status = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: threads-io DIR ITERATIONS\n");
		return 2;
	}
	if (stat(argv[1], &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "threads-io: %s is not a directory\n", argv[1]);
		return 2;
	}
	errno = 0;
	iterations = strtol(argv[2], &end, 10);
	if (errno || end == argv[2] || *end || iterations < 1 || iterations > 100000000) {
		fprintf(stderr, "threads-io: ITERATIONS wants a number from 1 to 100000000, not %s\n",
			argv[2]);
		return 2;
	}
	for (i = 0; i < THREADS; i++) {
		w[i].index = i;
		w[i].dir = argv[1];
		w[i].iterations = iterations;
		w[i].failed = NULL;
		err = pthread_create(&w[i].thread, NULL, work, &w[i]);
		if (err) {
			fprintf(stderr, "threads-io: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].failed) {
			char where[64] = "";
			if (w[i].failed_at >= 0)
				snprintf(where, sizeof where, ", iteration %ld", w[i].failed_at);
			fprintf(stderr, "threads-io: thread %d%s: %s: %s\n", i, where, w[i].failed,
				w[i].failed_errno ? strerror(w[i].failed_errno) : "wrong result");
			status = 1;
		}
	}
	return status;
}
