/*
 * bench/signal-pc.c - where a program's signal handler finds itself when
 * the signal interrupts a thread that makes system calls all the time.
 *
 *   signal-pc [--signals N] [--call getppid|sigmask]
 *   signal-pc --ranges     prints the maps lines of the runtime code it
 *                          recognises
 *   signal-pc --pcs ...    also lists, on stderr, the first 64 runtime pcs
 *                          met (for addr2line)
 *
 * One thread calls getppid() in a loop (--call sigmask: blocks and unblocks
 * SIGUSR2, a call with the runtime's work around it) (through libc, so its call site is
 * whatever the runtime made of it); the main thread sends it N SIGUSR1, one
 * at a time, each once the one before was handled.  The handler counts:
 *   runtime_pc  the interrupted pc lies in the runtime's code: libzpoline.so,
 *               a hook library, page 0 or an anonymous executable mapping
 *               (this program generates no code, so those are the
 *               runtime's)
 *   foreign_sp  the handler runs outside the thread's own stack (a
 *               program's handler that scans its stack from its sp, as a
 *               garbage collector's stop handler does, would scan the
 *               wrong memory)
 *   foreign_ctx the interrupted rsp lies outside the thread's stack
 * and prints one CSV line: signals,runtime_pc,foreign_sp,foreign_ctx,calls.
 * What the runtime aims for (README, "Signals"): all three 0.  This is a
 * count, not a time: bench/signals.sh runs it under each configuration.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define MAX_RANGES 256

static struct {
	uintptr_t lo, hi;
} ranges[MAX_RANGES];
static int nranges;
static uintptr_t stack_lo, stack_hi;

static atomic_long handled, runtime_pc, foreign_sp, foreign_ctx;
static uintptr_t seen_pc[64];
static atomic_long calls;
static atomic_bool stop;
static int mask_calls; /* --call sigmask */
static sigset_t usr2;

static int in_runtime(uintptr_t pc)
{
	for (int i = 0; i < nranges; i++)
		if (pc >= ranges[i].lo && pc < ranges[i].hi)
			return 1;
	return 0;
}

static int on_stack(uintptr_t sp)
{
	return sp >= stack_lo && sp < stack_hi;
}

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	const ucontext_t *uc = ctx;
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
	volatile char here;

	if (in_runtime(pc)) {
		long k = atomic_fetch_add(&runtime_pc, 1);
		if (k < 64)
			seen_pc[k] = pc;
	}
	if (!on_stack((uintptr_t)&here))
		atomic_fetch_add(&foreign_sp, 1);
	if (!on_stack(sp))
		atomic_fetch_add(&foreign_ctx, 1);
	atomic_fetch_add(&handled, 1);
}

/* The runtime's code, as the maps show it once main runs (the runtime and
 * its hook libraries are loaded before main). */
static int read_ranges(int print)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];

	if (!f) {
		perror("signal-pc: /proc/self/maps");
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[5];
		int off = 0;

		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s%n", &lo, &hi, perms, &off) < 3)
			continue;
		if (perms[2] != 'x')
			continue;
		const char *path = line + off;
		while (*path == ' ')
			path++;
		int ours = strstr(path, "libzpoline") || strstr(path, "libzphook") ||
			   *path == '\n' || *path == '\0' || lo == 0;
		if (!ours)
			continue;
		if (nranges == MAX_RANGES) {
			fprintf(stderr, "signal-pc: more than %d runtime mappings\n", MAX_RANGES);
			fclose(f);
			return -1;
		}
		if (print)
			fputs(line, stdout);
		ranges[nranges].lo = lo;
		ranges[nranges].hi = hi;
		nranges++;
	}
	fclose(f);
	return 0;
}

static pthread_barrier_t ready;

static void *caller(void *arg)
{
	(void)arg;
	pthread_attr_t a;
	void *base;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &a) != 0 ||
	    pthread_attr_getstack(&a, &base, &size) != 0) {
		fprintf(stderr, "signal-pc: cannot read the thread's stack\n");
		exit(1);
	}
	pthread_attr_destroy(&a);
	stack_lo = (uintptr_t)base;
	stack_hi = stack_lo + size;
	pthread_barrier_wait(&ready);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (mask_calls) {
			pthread_sigmask(SIG_BLOCK, &usr2, NULL);
			pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
		} else {
			getppid();
		}
		atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = 100000;
	int list = 0, pcs = 0;

	for (int i = 1; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], "--signals") == 0 && i + 1 < argc) {
			errno = 0;
			n = strtol(argv[++i], &end, 10);
			if (errno || *end || n <= 0) {
				fprintf(stderr, "signal-pc: --signals wants a positive number, not '%s'\n",
					argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--call") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "sigmask") == 0) {
				mask_calls = 1;
			} else if (strcmp(argv[i], "getppid") != 0) {
				fprintf(stderr, "signal-pc: --call wants getppid or sigmask, not '%s'\n",
					argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--ranges") == 0) {
			list = 1;
		} else if (strcmp(argv[i], "--pcs") == 0) {
			pcs = 1;
		} else {
			fprintf(stderr, "usage: signal-pc [--signals N] [--call getppid|sigmask] [--pcs] | --ranges\n");
			return 2;
		}
	}
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	if (read_ranges(list) < 0)
		return 1;
	if (list)
		return 0;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0) {
		perror("signal-pc: sigaction");
		return 1;
	}
	/* Only the caller takes the signal. */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);

	pthread_t t;
	pthread_barrier_init(&ready, NULL, 2);
	if (pthread_create(&t, NULL, caller, NULL) != 0) {
		fprintf(stderr, "signal-pc: pthread_create failed\n");
		return 1;
	}
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_barrier_wait(&ready);

	for (long i = 0; i < n; i++) {
		int err = pthread_kill(t, SIGUSR1);
		if (err) {
			fprintf(stderr, "signal-pc: pthread_kill: %s\n", strerror(err));
			return 1;
		}
		/* One pending at a time: a second one sent before the first is
		 * handled would merge with it and count once. */
		double limit = now() + 10;
		while (atomic_load(&handled) <= i) {
			if (now() > limit) {
				fprintf(stderr, "signal-pc: signal %ld of %ld not handled in 10 s\n",
					i + 1, n);
				return 1;
			}
			sched_yield();
		}
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	for (long k = 0; pcs && k < atomic_load(&runtime_pc) && k < 64; k++) {
		uintptr_t pc = seen_pc[k];
		Dl_info di;
		if (dladdr((void *)pc, &di) && di.dli_fname)
			fprintf(stderr, "%s+%#lx %s\n", di.dli_fname,
				(unsigned long)(pc - (uintptr_t)di.dli_fbase),
				di.dli_sname ? di.dli_sname : "?");
		else
			fprintf(stderr, "%#lx\n", (unsigned long)pc);
	}
	printf("%ld,%ld,%ld,%ld,%ld\n", atomic_load(&handled), atomic_load(&runtime_pc),
	       atomic_load(&foreign_sp), atomic_load(&foreign_ctx), atomic_load(&calls));
	return 0;
}
