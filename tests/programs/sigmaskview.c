/*
 * sigmaskview: a handler's sa_mask that names one of the signals the
 * runtime keeps for itself (SIGSEGV, SIGILL, SIGTRAP, SIGSYS) reads back as
 * the program set it.  (The kernel gets the mask without them: they must
 * stay deliverable.)  Its sa_flags read back as the kernel keeps them.
 * PASS/FAIL lines.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

static void on_sig(int sig)
{
	(void)sig;
}

/* The kernel's struct: sa_flags is an unsigned long (glibc's is an int). */
struct kaction {
	void (*handler)(int);
	unsigned long flags;
	void *restorer;
	unsigned long mask;
};

/* Every flag and every signal in the mask: the old action read back. */
static struct kaction all_back(int sig, void (*handler)(int))
{
	struct kaction set = {handler, ~0UL, NULL, ~0UL}, old;
	memset(&old, 0, sizeof old);
	syscall(SYS_rt_sigaction, sig, &set, NULL, 8);
	syscall(SYS_rt_sigaction, sig, NULL, &old, 8);
	signal(sig, SIG_DFL);
	return old;
}

/* The kernel drops the sa_flags bits it does not know (since 5.11; an
 * int sa_flags with SA_RESETHAND reaches it sign-extended, as Node.js's
 * does): an action the runtime keeps (SIGSEGV, SIGSYS) or wraps (SIGUSR1's
 * handler) reads back the same, and so does its mask, which cannot hold
 * SIGKILL or SIGSTOP.  SIG_IGN's, left to the kernel, shows its rule. */
static int check_flags(void)
{
	struct kaction kernel = all_back(SIGUSR2, SIG_IGN);
	int sigs[] = {SIGUSR1, SIGSEGV, SIGSYS}, fails = 0;
	for (int i = 0; i < 3; i++) {
		struct kaction got = all_back(sigs[i], on_sig);
		printf("%s: signal %d: sa_flags read back %#lx, as the kernel keeps them (%#lx)\n",
		       got.flags == kernel.flags ? "PASS" : "FAIL", sigs[i], got.flags, kernel.flags);
		printf("%s: signal %d: a full sa_mask reads back %#lx, as the kernel keeps it (%#lx)\n",
		       got.mask == kernel.mask ? "PASS" : "FAIL", sigs[i], got.mask, kernel.mask);
		fails += (got.flags != kernel.flags) + (got.mask != kernel.mask);
	}
	return fails;
}

int main(void)
{
	int fails = 0;
	int sigs[] = {SIGUSR1, SIGCHLD};
	for (int i = 0; i < 2; i++) {
		struct sigaction sa, old;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sig;
		sigemptyset(&sa.sa_mask);
		sigaddset(&sa.sa_mask, SIGSEGV);
		sigaddset(&sa.sa_mask, SIGSYS);
		sigaddset(&sa.sa_mask, SIGUSR2);
		sigaction(sigs[i], &sa, NULL);
		sigaction(sigs[i], NULL, &old);
		int ok = sigismember(&old.sa_mask, SIGSEGV) == 1 && sigismember(&old.sa_mask, SIGSYS) == 1 &&
			 sigismember(&old.sa_mask, SIGUSR2) == 1 && sigismember(&old.sa_mask, SIGILL) == 0;
		printf("%s: signal %d: sa_mask reads back as set\n", ok ? "PASS" : "FAIL", sigs[i]);
		fails += !ok;
		/* Replaced by a mask without them: they are gone from it too. */
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, &old);
		sigaction(sigs[i], NULL, &old);
		ok = sigismember(&old.sa_mask, SIGSEGV) == 0 && sigismember(&old.sa_mask, SIGUSR2) == 0;
		printf("%s: signal %d: an empty sa_mask reads back empty\n", ok ? "PASS" : "FAIL", sigs[i]);
		fails += !ok;
	}
	fails += check_flags();
	return fails ? 1 : 0;
}
