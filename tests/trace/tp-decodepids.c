/*
 * tp-decodepids.c - the calls whose arguments or results -Y (strace's
 * --decode-pids=comm) names: ids of this process, its parent, a thread and
 * a child; a process group and a user's id, which it does not name; a
 * renaming with prctl(PR_SET_NAME), and a name with '<' in it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *thread_main(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "worker<1>");
	syscall(SYS_gettid);
	return NULL;
}

int main(void)
{
	pid_t self = getpid();
	getppid();
	syscall(SYS_gettid);
	getpgid(0);
	getsid(self);
	prctl(PR_SET_NAME, "renamed");
	kill(self, 0);
	kill(-getpgid(0), 0);
	syscall(SYS_tgkill, self, self, 0);
	getpriority(PRIO_PROCESS, (id_t)self);
	getpriority(PRIO_PGRP, 0);
	struct rlimit r;
	prlimit(self, RLIMIT_NOFILE, NULL, &r);
	cpu_set_t set;
	sched_getaffinity(self, sizeof set, &set);
	pthread_t th;
	if (pthread_create(&th, NULL, thread_main, NULL) == 0)
		pthread_join(th, NULL);
	pid_t child = fork();
	if (child == 0) {
		/* renamed after the parent's clone line named it (strace reads
		 * the name when clone returns, the tracer a moment later) */
		usleep(50000);
		prctl(PR_SET_NAME, "child");
		pause();
		_exit(3);
	}
	if (child < 0)
		return 1;
	usleep(300000); /* the child has its name */
	kill(child, SIGTERM);
	int st;
	waitpid(child, &st, 0);
	printf("%d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	return 0;
}
