/*
 * tp-unfinished - threads that die inside a system call, for
 * test-unfinished.sh.  Each mode prints the ids the test looks for on
 * stdout, one "name id" a line, before the deaths.
 *
 *   single     main blocks in read of a pipe nobody writes; the test
 *              kills it.
 *   exitgroup  a thread blocks in read of a pipe nobody writes; once it
 *              sits in the call (its /proc syscall file says so: no
 *              sleeping), main exit_groups.
 *   race       a thread blocks in read of a pipe; main writes the byte it
 *              waits for and exit_groups at once: the read returns right
 *              as the threads are ended.  The thread spins after it.
 *   wait       a thread blocks in a futex wait (a locked mutex), main in
 *              poll of a pipe; the test sends the fatal signal.  "ready"
 *              last.
 *   child SIG  as "wait", in a forked child, which the parent kills with
 *              SIG once both its tasks are blocked, and reaps.
 *   abort      as exitgroup, but main calls abort().
 * The pipe is made first: descriptors 3 and 4.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int thread_tid;
static int pipefd[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Is task tid of process pid blocked in system call nr?  Its syscall file
 * starts with the number while it is in one ("running" otherwise). */
static int in_call(int pid, int tid, long nr)
{
	char path[64], buf[64] = "";
	snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", pid, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10) == nr && buf[0] >= '0' && buf[0] <= '9';
}

/* Wait (with no clock: a bounded number of short naps) until it is. */
static void await_call(int pid, int tid, long nr)
{
	for (int i = 0; i < 200000 && !in_call(pid, tid, nr); i++)
		usleep(100);
}

static void *reader(void *arg)
{
	char c;
	thread_tid = (int)syscall(SYS_gettid);
	if (read((int)(long)arg, &c, 1) == 1)
		for (;;) /* no more calls: it dies spinning */
			__asm__ volatile("" ::: "memory");
	return NULL;
}

static void *locker(void *arg)
{
	(void)arg;
	thread_tid = (int)syscall(SYS_gettid);
	pthread_mutex_lock(&lock);
	return NULL;
}

static int start(void *(*fn)(void *), long arg)
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, (void *)arg))
		exit(90);
	while (!__atomic_load_n(&thread_tid, __ATOMIC_ACQUIRE))
		sched_yield();
	return thread_tid;
}

static void say(const char *name, int id)
{
	printf("%s %d\n", name, id);
	fflush(stdout);
}

static void wait_mode(void)
{
	pthread_mutex_lock(&lock);
	int tid = start(locker, 0);
	say("pid", getpid());
	say("thread", tid);
	await_call(getpid(), tid, SYS_futex);
	say("ready", 1);
	struct pollfd p = {pipefd[0], POLLIN, 0};
	poll(&p, 1, -1);
	exit(0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (pipe(pipefd))
		return 91;
	if (!strcmp(mode, "single")) {
		char c;
		say("pid", getpid());
		return read(pipefd[0], &c, 1) == 1 ? 0 : 1;
	}
	if (!strcmp(mode, "exitgroup") || !strcmp(mode, "abort")) {
		int tid = start(reader, pipefd[0]);
		say("thread", tid);
		await_call(getpid(), tid, SYS_read);
		if (mode[0] == 'a')
			abort();
		exit(0);
	}
	if (!strcmp(mode, "race")) {
		int tid = start(reader, pipefd[0]);
		say("thread", tid);
		await_call(getpid(), tid, SYS_read);
		if (write(pipefd[1], "x", 1) != 1)
			return 92;
		exit(0);
	}
	if (!strcmp(mode, "wait"))
		wait_mode();
	if (!strcmp(mode, "child") && argc > 2) {
		int fds[2];
		if (pipe(fds)) /* 5 and 6 */
			return 93;
		pid_t c = fork();
		if (c == 0) {
			dup2(fds[1], 1);
			wait_mode();
		}
		close(fds[1]);
		FILE *f = fdopen(fds[0], "r");
		char name[16];
		int id;
		while (f && fscanf(f, "%15s %d", name, &id) == 2 && strcmp(name, "ready"))
			say(name, id);
		await_call(c, c, SYS_poll);
		kill(c, atoi(argv[2]));
		int st;
		waitpid(c, &st, 0);
		say("status", st);
		return 0;
	}
	fprintf(stderr, "usage: tp-unfinished single|exitgroup|race|wait|child SIG|abort\n");
	return 2;
}
