/*
 * The probes by which Chromium and libseccomp ask whether the kernel has
 * seccomp filters, and which flags: an install whose filter pointer is
 * NULL (or in page 0) answers EFAULT where it is supported, EINVAL where
 * the flags are not.  Where page 0 is the trampoline and readable (no
 * PKU), the kernel read a filter from its bytes: EINVAL, so Chromium's
 * sandbox went without its filter.  Then a filter that refuses
 * arch_prctl(ARCH_SET_GS) (EPERM-like 77), as Chromium's does: a thread
 * started after it lives (the runtime's own call for its block passes,
 * sud.c), and the program's own call is refused as natively.  Prints each
 * answer: a hooked run must print what a native one does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <asm/prctl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%s = %ld %s\n", what, r, r < 0 ? strerrorname_np(errno) : "");
}

static void *thread_main(void *arg)
{
	(void)arg;
	return (void *)(long)getppid();
}

static void refuse_set_gs(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_arch_prctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_SET_GS, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 77),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	show("seccomp(FILTER, 0, refusing ARCH_SET_GS)", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
	pthread_t th;
	void *ppid = NULL;
	int e = pthread_create(&th, NULL, thread_main, NULL);
	if (e == 0)
		pthread_join(th, &ppid);
	printf("a thread started after it: %s\n",
	       e ? strerror(e) : (long)ppid == getppid() ? "ran" : "wrong getppid");
	show("arch_prctl(ARCH_SET_GS, 0)", syscall(SYS_arch_prctl, ARCH_SET_GS, 0));
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
	refuse_set_gs();
	return 0;
}
