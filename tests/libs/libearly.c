/*
 * libearly.so: a library whose initializer starts a thread, as Go's runtime
 * does in a -buildmode=c-shared library linked to a program.  Linked (not
 * preloaded), its initializer runs before libzpoline.so's constructor, so
 * the runtime never sees the thread start.  The thread blocks every signal,
 * as glibc's thread start and pthread_create do for a moment, waits for
 * main() to say the runtime is up, then makes hooked calls: a fault taken
 * to find out it is not known (reading through %gs base 0 where that
 * faults: detour mode, or page 0 execute-only) would kill the process.
 * With EARLY_SIGNALS=open it leaves its signals as they were: in Syscall
 * User Dispatch mode the runtime asks it to arm by a signal (sud.c); and
 * it then sends itself SIGUSR1, whose handler, installed before the
 * runtime with every signal in its sa_mask (as Go installs its own), makes
 * one more call: trapped with SIGSYS blocked, that call killed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_t early;

/* A program may give the thread its own call to make (padcall-early), and
 * one to be inside of, asleep, when the runtime starts. */
long early_call(void) __attribute__((weak));
void early_block(void) __attribute__((weak));
static atomic_int go, calls, block_tid;

static void on_usr1(int sig)
{
	(void)sig;
	if (getppid() > 0)
		atomic_fetch_add(&calls, 1);
}

static void *early_main(void *arg)
{
	(void)arg;
	const char *open = getenv("EARLY_SIGNALS");
	sigset_t all;
	sigfillset(&all);
	if (!open || strcmp(open, "open") != 0)
		pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (early_block) {
		atomic_store(&block_tid, (int)gettid());
		early_block();
	}
	while (!atomic_load(&go)) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < 100; i++)
		if ((early_call ? early_call() : getppid()) > 0)
			atomic_fetch_add(&calls, 1);
	if (open && strcmp(open, "open") == 0)
		pthread_kill(pthread_self(), SIGUSR1);
	return NULL;
}

/* Until the thread sleeps in early_block()'s call (at most 5 s). */
static void wait_asleep(void)
{
	for (int i = 0; i < 5000; i++) {
		int tid = atomic_load(&block_tid);
		char path[64], buf[512];
		snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
		FILE *f = tid ? fopen(path, "r") : NULL;
		size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = 0;
		const char *state = strrchr(buf, ')');
		if (state && state[1] == ' ' && state[2] == 'S')
			return;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

__attribute__((constructor)) static void early_start(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigfillset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	pthread_create(&early, NULL, early_main, NULL);
	if (early_block)
		wait_asleep();
}

/* From main(): let the thread go, wait for it; its successful calls. */
int early_finish(void)
{
	atomic_store(&go, 1);
	pthread_join(early, NULL);
	return atomic_load(&calls);
}
