/*
 * libearlywait.so: a library whose initializer starts threads that are
 * blocked in system calls when the runtime's constructor runs (as a thread
 * pool's workers wait for work).  In Syscall User Dispatch mode the
 * runtime asks each such thread to arm by a signal of its own (sud.c); a
 * blocked call that the kernel does not restart after a handler (poll,
 * select, epoll_wait, nanosleep, a futex wait with a timeout, sigsuspend)
 * would fail with EINTR, which natively it never does here.
 * early_wait_finish() wakes them the way their calls expect and prints
 * what each call returned, the same lines natively and hooked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { W_POLL, W_PPOLL, W_SELECT, W_EPOLL, W_NANOSLEEP, W_CLOCK_NANOSLEEP, W_FUTEX, W_SIGSUSPEND,
       W_READ, W_COUNT };
static const char *const names[W_COUNT] = {"poll",	     "ppoll",	     "select",
					    "epoll_wait",    "nanosleep",    "clock_nanosleep",
					    "futex_wait",    "sigsuspend",   "read"};
/* The call each is blocked in (glibc may make poll and epoll_wait the
 * later call with a mask), twice where there is no other. */
static const long nrs[W_COUNT][2] = {
	{SYS_poll, SYS_ppoll},		     {SYS_ppoll, SYS_ppoll},
	{SYS_pselect6, SYS_pselect6},	     {SYS_epoll_wait, SYS_epoll_pwait},
	{SYS_nanosleep, SYS_nanosleep},	     {SYS_clock_nanosleep, SYS_clock_nanosleep},
	{SYS_futex, SYS_futex},		     {SYS_rt_sigsuspend, SYS_rt_sigsuspend},
	{SYS_read, SYS_read}};

static pthread_t threads[W_COUNT];
static atomic_int tids[W_COUNT];
static char results[W_COUNT][96];
static int pipefd[2], readfd[2], epfd;
static atomic_int futex_word;
static volatile sig_atomic_t usr2_seen;

static void on_usr2(int sig)
{
	(void)sig;
	usr2_seen = 1;
}

static void result(int w, long ret, int err)
{
	if (ret < 0)
		snprintf(results[w], sizeof results[w], "%s: -1 %s", names[w], strerror(err));
	else
		snprintf(results[w], sizeof results[w], "%s: %ld", names[w], ret);
}

static void *waiter(void *arg)
{
	int w = (int)(long)arg;
	atomic_store(&tids[w], (int)syscall(SYS_gettid));
	long r = -1;
	switch (w) {
	case W_POLL: {
		struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
		r = poll(&p, 1, 20000);
		break;
	}
	case W_PPOLL: {
		struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
		struct timespec ts = {20, 0};
		r = ppoll(&p, 1, &ts, NULL);
		break;
	}
	case W_SELECT: {
		fd_set set;
		FD_ZERO(&set);
		FD_SET(pipefd[0], &set);
		struct timespec ts = {20, 0};
		r = pselect(pipefd[0] + 1, &set, NULL, NULL, &ts, NULL);
		break;
	}
	case W_EPOLL: {
		struct epoll_event ev;
		r = epoll_wait(epfd, &ev, 1, 20000);
		break;
	}
	case W_NANOSLEEP: {
		/* The call itself: glibc's nanosleep() makes clock_nanosleep. */
		struct timespec ts = {0, 400000000};
		r = syscall(SYS_nanosleep, &ts, NULL);
		break;
	}
	case W_CLOCK_NANOSLEEP: {
		struct timespec ts = {0, 400000000};
		int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		result(w, e ? -1 : 0, e);
		return NULL;
	}
	case W_FUTEX: {
		struct timespec ts = {20, 0};
		r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
		/* The word changed before the wait took effect: woken, for any
		 * futex user (the wait made again after the wake gets this). */
		if (r == -1 && errno == EAGAIN && atomic_load(&futex_word) != 0)
			r = 0;
		break;
	}
	case W_SIGSUSPEND: {
		sigset_t mask;
		sigemptyset(&mask);
		r = sigsuspend(&mask);
		int e = errno;
		snprintf(results[w], sizeof results[w], "sigsuspend: %ld %s, SIGUSR2 %s", r,
			 strerror(e), usr2_seen ? "seen" : "not seen");
		return NULL;
	}
	case W_READ: {
		char c;
		r = read(readfd[0], &c, 1);
		break;
	}
	}
	result(w, r, errno);
	return NULL;
}

/* Thread w's file /proc/self/task/TID/name, open for reading, or NULL. */
static FILE *task_file(int w, const char *name)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/%s", atomic_load(&tids[w]), name);
	return fopen(path, "r");
}

/* How many times thread w gave up the CPU (it slept), or -1. */
static long switches(int w)
{
	char line[128];
	FILE *f = task_file(w, "status");
	if (!f)
		return -1;
	long n = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}
static long slept[W_COUNT];

/* The call thread w is blocked in, from its /proc/self/task entry. */
static long blocked_in(int w)
{
	char buf[256];
	FILE *f = task_file(w, "syscall");
	if (!f)
		return -2;
	long nr = -2;
	if (fgets(buf, sizeof buf, f) && buf[0] != 'r')
		nr = strtol(buf, NULL, 10);
	fclose(f);
	return nr;
}

__attribute__((constructor)) static void early_wait_start(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	/* Only the sigsuspend thread takes SIGUSR2 (its mask, inherited, opens
	 * it only there). */
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	if (pipe(pipefd) != 0 || pipe(readfd) != 0 || (epfd = epoll_create1(0)) < 0)
		abort();
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = pipefd[0]};
	epoll_ctl(epfd, EPOLL_CTL_ADD, pipefd[0], &ev);
	for (int w = 0; w < W_COUNT; w++)
		pthread_create(&threads[w], NULL, waiter, (void *)(long)w);
	/* Every thread in its call before the program (and the runtime) goes
	 * on; 5 s at most. */
	for (int w = 0; w < W_COUNT; w++)
		for (int i = 0; i < 5000; i++) {
			long nr = atomic_load(&tids[w]) ? blocked_in(w) : -2;
			if (nr == nrs[w][0] || nr == nrs[w][1]) {
				slept[w] = switches(w);
				break;
			}
			usleep(1000);
		}
}

/* From main(): wake every thread as its call expects, print what each call
 * returned. */
void early_wait_finish(void)
{
	/* EARLYWAIT_WOKEN=1: the runtime sends each thread a signal (to arm
	 * Syscall User Dispatch); wait until each has taken it and is back in
	 * its call (10 s at most), so that the wake below finds the call made
	 * again, not the first one. */
	const char *woken = getenv("EARLYWAIT_WOKEN");
	if (woken && !strcmp(woken, "1"))
		for (int w = 0; w < W_COUNT; w++)
			for (int i = 0; i < 10000; i++) {
				long nr = blocked_in(w);
				if (results[w][0] || /* its call ended: nothing to wait for */
				    (switches(w) > slept[w] && (nr == nrs[w][0] || nr == nrs[w][1])))
					break;
				usleep(1000);
			}
	pthread_kill(threads[W_SIGSUSPEND], SIGUSR2);
	atomic_store(&futex_word, 1);
	syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	/* poll, ppoll, select and epoll_wait see a byte that stays; read
	 * takes one of its own. */
	if (write(pipefd[1], "x", 1) != 1 || write(readfd[1], "x", 1) != 1)
		abort();
	for (int w = 0; w < W_COUNT; w++) {
		pthread_join(threads[w], NULL);
		puts(results[w]);
	}
}
