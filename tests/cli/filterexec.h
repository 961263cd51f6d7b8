/* filterexec.h - the test wrappers that run a command under a seccomp
 * filter of their own (nopage0, nosud): install it, then execute argv[1...]. */
#ifndef ZP_TEST_FILTEREXEC_H
#define ZP_TEST_FILTEREXEC_H
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int filter_exec(const char *name, struct sock_filter *f, unsigned short n, int argc,
		       char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PROG [ARGS...]\n", name);
		return 2;
	}
	struct sock_fprog prog = {.len = n, .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		fprintf(stderr, "%s: seccomp: %s\n", name, strerror(errno));
		return 2;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "%s: %s: %s\n", name, argv[1], strerror(errno));
	return 127;
}
#endif
