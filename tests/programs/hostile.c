/*
 * hostile MODE: a program that does something unkind to the runtime, then
 * makes calls the test can count (10 getppid through an inline syscall).
 *   page0      MAP_FIXED over page 0, mprotect and munmap of it
 *   closeall   close_range(0, ~0) and dup2 over low descriptors
 *   handlers   its own SIGSYS/SIGSEGV/SIGILL/SIGTRAP handlers, then raises them
 *   blockall   blocks every signal
 *   seccomp    installs a seccomp filter (kill on a harmless call it never makes)
 * Prints what each step returned, for comparison with a native run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static long raw(long nr)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr) : "rcx", "r11", "memory");
	return r;
}

static volatile int got[65];
static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	got[sig]++;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "page0")) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		printf("mmap fixed at 0: %s\n", p == MAP_FAILED ? "failed" : "mapped");
		if (p != MAP_FAILED)
			munmap(p, 4096);
		printf("mprotect(0): %s\n", mprotect(NULL, 4096, PROT_READ) ? "failed" : "ok");
		printf("munmap(0): %s\n", munmap(NULL, 4096) ? "failed" : "ok");
	} else if (!strcmp(mode, "closeall")) {
		int out = dup(1);
		syscall(SYS_close_range, 3, ~0U, 0);
		dup2(out, 1);
		close(out);
		dup2(1, 0);
		dup2(1, 2);
		printf("closed everything but 0-2\n");
	} else if (!strcmp(mode, "handlers")) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_sig;
		sa.sa_flags = SA_SIGINFO;
		int sigs[] = {SIGSYS, SIGSEGV, SIGILL, SIGTRAP};
		for (int i = 0; i < 4; i++)
			sigaction(sigs[i], &sa, NULL);
		for (int i = 0; i < 4; i++)
			raise(sigs[i]);
		printf("own handlers ran: SYS %d SEGV %d ILL %d TRAP %d\n", got[SIGSYS], got[SIGSEGV],
		       got[SIGILL], got[SIGTRAP]);
		printf("out of range still: %ld\n", raw(5000));
	} else if (!strcmp(mode, "blockall")) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		printf("out of range while blocked: %ld\n", raw(600));
	} else if (!strcmp(mode, "seccomp")) {
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_acct, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {sizeof f / sizeof f[0], f};
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		printf("seccomp: %s\n", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) ? "failed" : "on");
		printf("acct denied by it: %d\n", (int)syscall(SYS_acct, NULL) == -1 && errno == EPERM);
	} else {
		return 2;
	}
	long ppid = getppid(), bad = 0;
	for (int i = 0; i < 10; i++)
		bad += raw(SYS_getppid) != ppid;
	printf("getppid x10 after: %s\n", bad ? "wrong" : "right");
	return 0;
}
