/*
 * tp-lateline - a traced process that the finishing command took for gone
 * (traceout.c, tracefinish.c): the file is trimmed to its lines under the
 * process's shared window, and lines it writes after that went into the
 * window past the new end, where the first page wholly past it raised
 * SIGBUS and killed the traced program.  They must go in after the
 * finished file's lines instead, whole, with no gap, and stay there when
 * the process, the last one out, trims the file as it ends.
 * Usage: tp-lateline OUTPUT CTL   Exit: 0 fine, 1 with a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "traceopts.h"
#include "traceout.h"

#define EARLY 300
#define LATE 3000 /* ~150 KiB: many pages past the trimmed end */

static size_t line(char *buf, size_t n, const char *what, int i)
{
	return (size_t)snprintf(buf, n, "%s line %d, padded to go past a page or two sooner\n",
				what, i);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: tp-lateline OUTPUT CTL\n");
		return 1;
	}
	setenv("ZPOLINE_TRACE_CTL", argv[2], 1);
	static struct zp_trace_opts o;
	snprintf(o.output, sizeof o.output, "%s", argv[1]);
	o.follow = 1;
	o.lines = true;
	static struct zp_tout t;
	char err[512], buf[128];
	int me = getpid();
	if (zp_tout_open(&t, &o, "-f", me, true, err, sizeof err) != 0) {
		printf("zp_tout_open: %s\n", err);
		return 1;
	}
	if (t.mode != ZP_TOUT_MMAP) {
		printf("the output is not written through a mapping (mode %d)\n", t.mode);
		return 1;
	}
	for (int i = 0; i < EARLY; i++)
		zp_tout_line(&t, me, buf, line(buf, sizeof buf, "early", i));
	/* The table says this process ended: the command finishes the file. */
	zp_tout_proc_exit(&t, me);
	int r = zp_trace_finish(argv[1], argv[2], NULL, 0, err, sizeof err);
	if (r != 0) {
		printf("zp_trace_finish returned %d: %s\n", r, r < 0 ? err : "a process alive");
		return 1;
	}
	for (int i = 0; i < LATE; i++)
		zp_tout_line(&t, me, buf, line(buf, sizeof buf, "late", i));
	zp_tout_trim(&t);

	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	char got[128], want[128];
	int n = 0;
	while (fgets(got, sizeof got, f)) {
		if (n < EARLY + LATE)
			line(want, sizeof want, n < EARLY ? "early" : "late", n < EARLY ? n : n - EARLY);
		if (n >= EARLY + LATE || strcmp(got, want) != 0) {
			printf("line %d of the file: '%.60s', expected '%.60s'\n", n + 1, got,
			       n < EARLY + LATE ? want : "(the end)");
			return 1;
		}
		n++;
	}
	fclose(f);
	if (n != EARLY + LATE) {
		printf("%d lines in the file, expected %d\n", n, EARLY + LATE);
		return 1;
	}
	return 0;
}
