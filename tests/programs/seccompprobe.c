/*
 * The probes by which Chromium and libseccomp ask whether the kernel has
 * seccomp filters, and which flags: an install whose filter pointer is
 * NULL (or in page 0) answers EFAULT where it is supported, EINVAL where
 * the flags are not.  Where page 0 is the trampoline and readable (no
 * PKU), the kernel read a filter from its bytes: EINVAL, so Chromium's
 * sandbox went without its filter.  Prints each answer: a hooked run
 * must print what a native one does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%s = %ld %s\n", what, r, r < 0 ? strerrorname_np(errno) : "");
}

int main(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		perror("PR_SET_NO_NEW_PRIVS");
		return 1;
	}
	show("prctl(PR_SET_SECCOMP, FILTER, NULL)", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL));
	show("seccomp(FILTER, 0, NULL)", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, NULL));
	show("seccomp(FILTER, TSYNC, NULL)",
	     syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, NULL));
	show("seccomp(FILTER, LOG, 8)", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, 8));
	show("seccomp(FILTER, 1 << 30, NULL)", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 1L << 30, NULL));
	show("prctl(PR_SET_SECCOMP, 7, NULL)", prctl(PR_SET_SECCOMP, 7, NULL));
	return 0;
}
