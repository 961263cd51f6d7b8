/*
 * tp-finish - what the zpoline command does once a traced program is gone:
 * zp_trace_finish(OUTPUT, CTL).  Usage: tp-finish OUTPUT [CTL]
 * Exit: 0 done, 1 traced processes still running, 2 error.
 */
#include <stdio.h>

#include "traceout.h"

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: tp-finish OUTPUT [CTL]\n");
		return 2;
	}
	char err[512];
	int r = zp_trace_finish(argv[1], argc > 2 ? argv[2] : NULL, NULL, 0, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "tp-finish: %s\n", err);
		return 2;
	}
	return r;
}
