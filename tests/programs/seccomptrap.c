/* seccomptrap.c - a seccomp-bpf sandbox in the manner of Chromium's: calls
 * the filter answers with SECCOMP_RET_TRAP reach the program's SIGSYS
 * handler, which checks the signal as Chromium's Trap::SigSys does
 * (si_code SYS_SECCOMP, si_call_addr equal to the context's RIP,
 * si_syscall equal to its RAX) and then either emulates the call (getppid:
 * a system call of its own inside the handler, a value written into RAX of
 * the context) or "crashes" for a call the policy forbids (arch_prctl other
 * than ARCH_SET_FS, prctl other than a few options, process_vm_readv: exit
 * status 4 with a message, as Chromium's CrashSIGSYS_Handler).  Threads are
 * started after the filter, as a renderer's are.
 *
 *   seccomptrap           the checks above; exit status 0 if all passed
 *   seccomptrap nohandler getppid trapped with SIGSYS at its default
 *                         action: the process must die of SIGSYS
 *
 * Prints PASS/FAIL lines (check.h).
 */
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif
#define ARCH_SET_FS 0x1002
#define TRAP_EMULATE 1
#define TRAP_CRASH 2
#define FAKE_PPID 4242

static volatile int emulated, insane;
static long real_pid;

static void say(const char *s)
{
	ssize_t r = write(2, s, strlen(s));
	(void)r;
}

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	if (sig != SIGSYS || si->si_code != SYS_SECCOMP) {
		say("seccomptrap: unexpected SIGSYS\n");
		insane++;
		return;
	}
	/* Chromium's sanity checks: the context is where the call trapped. */
	if (si->si_call_addr != (void *)g[REG_RIP] || si->si_syscall != (int)g[REG_RAX] ||
	    si->si_arch != AUDIT_ARCH_X86_64) {
		say("seccomptrap: sanity checks are failing after receiving SIGSYS\n");
		_exit(3);
	}
	if (si->si_errno == TRAP_CRASH) {
		char msg[80];
		snprintf(msg, sizeof msg, "seccomptrap: seccomp-bpf failure in syscall %d\n",
			 si->si_syscall);
		say(msg);
		_exit(4);
	}
	/* Emulated: a call of the handler's own (allowed), the result in RAX. */
	long pid = syscall(SYS_getpid);
	g[REG_RAX] = pid == real_pid ? FAKE_PPID : -1;
	emulated++;
}

#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LD_ARG0 BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

static int install(unsigned ppid_action)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		RET(SECCOMP_RET_KILL_PROCESS),
		LD_NR,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		RET(ppid_action),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 0, 1),
		RET(SECCOMP_RET_TRAP | TRAP_CRASH),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_arch_prctl, 0, 4),
		LD_ARG0,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_SET_FS, 1, 0),
		RET(SECCOMP_RET_TRAP | TRAP_CRASH),
		RET(SECCOMP_RET_ALLOW),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 6),
		LD_ARG0,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_NAME, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_GET_NAME, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_GET_DUMPABLE, 1, 0),
		RET(SECCOMP_RET_TRAP | TRAP_CRASH),
		RET(SECCOMP_RET_ALLOW),
		RET(SECCOMP_RET_ALLOW),
	};
	/* The prctl branch falls through to the crash for other options, and
	 * jumps over it for the allowed ones; the last ALLOW is everything
	 * else. */
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	       syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static void *thread_main(void *arg)
{
	long *out = arg;
	out[0] = syscall(SYS_getppid);
	out[1] = getppid();
	char buf[16];
	out[2] = read(-1, buf, sizeof buf); /* allowed: -1 EBADF */
	/* A tracer reads the buffer (process_vm_readv, which the filter
	 * forbids: the tracer's own call, not the program's). */
	if (write(-1, "seccomptrap", 11) != -1)
		out[2] = 0;
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	real_pid = getpid();
	if (argc > 1 && !strcmp(argv[1], "nohandler")) {
		if (install(SECCOMP_RET_TRAP | TRAP_EMULATE)) {
			CHECK(0, "a seccomp filter installed");
			return 1;
		}
		long r = syscall(SYS_getppid);
		printf("FAIL: getppid trapped with no SIGSYS handler returned %ld\n", r);
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	if (install(SECCOMP_RET_TRAP | TRAP_EMULATE)) {
		CHECK(0, "a seccomp filter installed");
		return 1;
	}
	long a = syscall(SYS_getppid), b = getppid();
	CHECK(a == FAKE_PPID && b == FAKE_PPID, "main thread: trapped getppid emulated by the handler");
	if (write(-1, "seccomptrap", 11) != -1)
		fails++;
	pthread_t th[3];
	long res[3][3];
	int made = 0;
	for (int i = 0; i < 3; i++)
		made += pthread_create(&th[i], NULL, thread_main, res[i]) == 0;
	CHECK(made == 3, "three threads started after the filter");
	int good = 0;
	for (int i = 0; i < made; i++) {
		pthread_join(th[i], NULL);
		good += res[i][0] == FAKE_PPID && res[i][1] == FAKE_PPID && res[i][2] == -1;
	}
	CHECK(good == 3, "threads: trapped getppid emulated by the handler, other calls as usual");
	CHECK(emulated == 2 + 2 * made && !insane, "every trapped call reached the handler once");
	return fails != 0;
}
