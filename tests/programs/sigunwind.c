/* sigunwind.c - unwinding out of a signal that interrupted a blocking
 * system call.
 *
 * A thread blocks in read() inside blocked_reader().  Two things then
 * unwind from a signal handler through the signal frame into the code the
 * signal interrupted, which under the runtime is the runtime's own stub
 * (a hooked call is made from there):
 *   - a SIGUSR1 handler calls backtrace() (libgcc's unwinder, as crash and
 *     profiling handlers do): blocked_reader must be among the frames;
 *   - pthread_cancel: glibc's cancellation handler starts a forced unwind
 *     that must run the cleanup handler pushed in blocked_reader (this file
 *     is built with -fexceptions, so pthread_cleanup_push is an unwinder
 *     cleanup, like a C++ destructor).  When the unwinder found no unwind
 *     information for the stub it stopped there and skipped the cleanup.
 * Built with -rdynamic so dladdr() names blocked_reader.
 *
 * Built a second time as sigunwind-late, without -fexceptions: libgcc's
 * unwinder is then not linked in, and glibc loads it (dlopen) inside the
 * handler's first backtrace(), after start-up: the runtime must make its
 * fast path known to an unwinder loaded late, too.  There the cleanup is
 * glibc's setjmp-based one and proves nothing about unwinding.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static int fds[2];
static volatile int saw_reader, cleaned_up, backtraced, reader_tid;

static void note_cleanup(void *arg)
{
	(void)arg;
	cleaned_up = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	void *frames[64];
	int n = backtrace(frames, 64);
	for (int i = 0; i < n; i++) {
		Dl_info di;
		if (dladdr(frames[i], &di) && di.dli_sname && !strcmp(di.dli_sname, "blocked_reader"))
			saw_reader = 1;
	}
	backtraced = 1;
}

__attribute__((noinline)) void *blocked_reader(void *arg)
{
	char b[8];
	reader_tid = gettid();
	pthread_cleanup_push(note_cleanup, arg);
	/* The first read returns EINTR after SIGUSR1 (no SA_RESTART); the
	 * second blocks until the cancellation. */
	while (read(fds[0], b, sizeof b) != 0)
		;
	pthread_cleanup_pop(0);
	return NULL;
}

/* Until the reader is blocked in read(): the kernel names the call a task
 * sleeps in (/proc/.../syscall: "0 ..." for read).  A fixed sleep was not
 * enough on a loaded machine: the signal came before the read. */
static void wait_reading(void)
{
	char path[64], line[32];
	for (int i = 0; i < 2000; i++) {
		int tid = reader_tid;
		if (tid) {
			snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
			FILE *f = fopen(path, "r");
			bool reading = f && fgets(line, sizeof line, f) && !strncmp(line, "0 ", 2);
			if (f)
				fclose(f);
			if (reading)
				return;
		}
		usleep(5000);
	}
}

int main(void)
{
#ifdef LATE_UNWINDER
	CHECK(!dlopen("libgcc_s.so.1", RTLD_NOLOAD | RTLD_LAZY),
	      "libgcc's unwinder is not loaded before the first backtrace()");
#endif
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(fds))
		return 2;
	pthread_t t;
	pthread_create(&t, NULL, blocked_reader, NULL);
	wait_reading();
	pthread_kill(t, SIGUSR1);
	for (int i = 0; i < 200 && !backtraced; i++)
		usleep(10000);
	CHECK(saw_reader, "backtrace() in a handler interrupting a blocked read shows the reader");
	wait_reading();
	pthread_cancel(t);
	void *r;
	pthread_join(t, &r);
	CHECK(r == PTHREAD_CANCELED && cleaned_up,
#ifdef LATE_UNWINDER
	      "pthread_cancel of a blocked read runs the thread's cleanup");
#else
	      "pthread_cancel of a blocked read runs the thread's unwinder cleanup");
#endif
	return fails != 0;
}
