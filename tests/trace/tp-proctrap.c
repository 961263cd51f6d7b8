/*
 * tp-proctrap.c HOW - a process whose seccomp filter traps readlinkat and
 * openat (SECCOMP_RET_TRAP: SIGSYS), as Firefox's content sandbox traps
 * calls its broker makes instead, with a second thread, then ends:
 *   exit  exit_group(7) from main;
 *   term  SIGTERM sent to itself by kill().
 * Natively it exits 7, or is killed by SIGTERM.  The tracer's lines for
 * the other thread's end read /proc (readlinkat, openat) with every signal
 * blocked: under the filter the process died of SIGSYS instead.
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *idle(void *arg)
{
	for (;;)
		pause();
	return arg;
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "exit") && strcmp(argv[1], "term"))) {
		fprintf(stderr, "usage: tp-proctrap exit|term\n");
		return 2;
	}
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_readlinkat, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p)) {
		perror("seccomp");
		return 2;
	}
	pthread_t t;
	if (pthread_create(&t, NULL, idle, NULL))
		return 2;
	usleep(20000); /* the thread is in pause() */
	if (argv[1][0] == 't')
		kill(getpid(), SIGTERM);
	syscall(SYS_exit_group, 7);
	return 2;
}
