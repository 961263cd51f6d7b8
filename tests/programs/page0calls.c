/*
 * page0calls.c - calls on ranges and pointers in page 0, where natively
 * nothing is mapped and under zpoline the trampoline is: each line is a
 * call and its result, and test-core compares the lines with a native
 * run's.  mprotect and pkey_mprotect with lengths 0, 1, a page, a huge
 * one and one that wraps, good and bad protections, keys -1 and 1;
 * munmap of page 0 alone (natively 0), with bad lengths, unaligned.
 * Before, every mprotect there was ENOMEM and every munmap EPERM, with a
 * message on stderr (strace's pkey_mprotect test).
 * Then calls that set state from a buffer given NULL or a pointer into
 * page 0: natively EFAULT; they succeeded with the trampoline's bytes
 * (sethostname set the host's name: here in a UTS namespace of its own,
 * when one can be had, so that a failure stays there).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%s = %ld %s\n", what, r, r < 0 ? "" : "");
	if (r < 0)
		printf("  errno %d\n", errno);
}

int main(void)
{
	static const unsigned long lens[] = {0, 1, 4096, 1ul << 30, ~0ul, ~0ul - 4095};
	static const long prots[] = {PROT_READ, PROT_NONE, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP,
				     0x100, PROT_READ | 0x8 /* PROT_SEM */};
	static const unsigned long starts[] = {0, 16};
	char what[128];
	for (unsigned s = 0; s < sizeof starts / sizeof starts[0]; s++)
		for (unsigned l = 0; l < sizeof lens / sizeof lens[0]; l++)
			for (unsigned p = 0; p < sizeof prots / sizeof prots[0]; p++) {
				snprintf(what, sizeof what, "mprotect(%#lx, %#lx, %#lx)", starts[s], lens[l],
					 prots[p]);
				errno = 0;
				show(what, syscall(SYS_mprotect, starts[s], lens[l], prots[p]));
				for (long key = -1; key <= 1; key += 2) {
					snprintf(what, sizeof what, "pkey_mprotect(%#lx, %#lx, %#lx, %ld)",
						 starts[s], lens[l], prots[p], key);
					errno = 0;
					show(what, syscall(SYS_pkey_mprotect, starts[s], lens[l], prots[p], key));
				}
			}
	static const unsigned long ulens[] = {0, 1, 4096, ~0ul};
	for (unsigned s = 0; s < sizeof starts / sizeof starts[0]; s++)
		for (unsigned l = 0; l < sizeof ulens / sizeof ulens[0]; l++) {
			snprintf(what, sizeof what, "munmap(%#lx, %#lx)", starts[s], ulens[l]);
			errno = 0;
			show(what, syscall(SYS_munmap, starts[s], ulens[l]));
		}

	errno = 0;
	show("setrlimit(RLIMIT_NOFILE, NULL)", syscall(SYS_setrlimit, RLIMIT_NOFILE, NULL));
	show("setrlimit(RLIMIT_NOFILE, 0x10)", syscall(SYS_setrlimit, RLIMIT_NOFILE, 0x10));
	show("prlimit64(0, RLIMIT_NOFILE, 0x10, NULL)",
	     syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0x10, NULL));
	show("prlimit64(0, RLIMIT_NOFILE, NULL, NULL)",
	     syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, NULL));
	show("prctl(PR_SET_NAME, NULL)", syscall(SYS_prctl, PR_SET_NAME, NULL, 0, 0, 0));
	show("setgroups(1, NULL)", syscall(SYS_setgroups, 1, NULL));
	show("setgroups(0, NULL)", syscall(SYS_setgroups, 0, NULL));
	if (unshare(CLONE_NEWUTS) == 0) {
		show("sethostname(NULL, 64)", syscall(SYS_sethostname, NULL, 64));
		show("sethostname(0x20, 8)", syscall(SYS_sethostname, 0x20, 8));
		show("sethostname(NULL, 65)", syscall(SYS_sethostname, NULL, 65));
		show("setdomainname(NULL, 63)", syscall(SYS_setdomainname, NULL, 63));
	} else {
		puts("no UTS namespace: sethostname not tried");
	}
	return 0;
}
