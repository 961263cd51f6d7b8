/*
 * tp-seccompfprog - installs allow-all seccomp filters through prctl and
 * seccomp, and gives both bad programs and an unknown mode, so that
 * test-strace-seccomp.sh can hold the lines against strace's (the
 * sock_fprog as {len=, filter=}, the mode by name: sshd's privsep child
 * does the prctl one).  The bad pointer is an unmapped page, not a small
 * number: under zpoline page 0 is the trampoline, which the kernel can
 * read (docs/security.md), so the errors would differ from strace's run.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct sock_filter allow[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = 1, .filter = allow};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		perror("PR_SET_NO_NEW_PRIVS");
		return 1;
	}
	void *gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (gone == MAP_FAILED || munmap(gone, 4096) != 0) {
		perror("mmap");
		return 1;
	}
	/* Failures first: an unknown mode, no program, an unreadable one. */
	prctl(PR_SET_SECCOMP, 7, 1, 2, 3);
	prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, gone, 0, 0);
	syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, gone);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		perror("seccomp");
		return 1;
	}
	return 0;
}
