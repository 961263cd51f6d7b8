/*
 * percall - nanoseconds per getpid() through three kinds of call site:
 *
 *   inline  a `syscall` instruction inlined into the measuring loop
 *   func    a call to a function that is only `syscall; ret` (percall-asm.S)
 *   libc    glibc's syscall(SYS_getpid)
 *
 * The mechanism under test is chosen from outside (LD_PRELOAD, a ptrace
 * tracer, strace), except --seccomp, which installs a SECCOMP_RET_TRAP
 * filter on getpid here and emulates the call in a SIGSYS handler.
 *
 *   percall [--seccomp] [--calls N] [--batches B] [--touch-pages P]
 *           [--paths inline,func,libc]
 *
 * Per path: a warm-up of N/10 calls, then N calls in B batches (default 5).
 * Prints one line per path: "<path> <ns per call in the fastest batch>".  Every result is
 * compared with the real pid, so a mechanism that breaks the call is
 * reported as an error rather than timed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* percall-asm.S */
long bench_getpid_func(void);
long bench_loop_inline(long n, long pid, void *const *chain);

static long the_pid;

/* One loop per path, not a switch inside one loop, so the inline path
 * measures the instruction and nothing else.  Each returns how many
 * results were wrong.  The inline one is written out in percall-asm.S,
 * its `syscall` at a fixed place in its cache line. */
static __attribute__((noinline)) long loop_inline(long n)
{
	return bench_loop_inline(n, the_pid, NULL);
}

/* --touch-pages P: after each call, read P pages the loop does not
 * otherwise use, each read's address taken from the page before, as a hook
 * path finds its thread block, its record, the hook's pointer.  Shows what
 * a page costs after a kernel entry where the entry leaves the user TLB
 * cold (PTI without PCID; this kind of VM too): a walk the next read waits
 * for.  Independent reads would overlap their walks and show less. */
static void *const *touch_mem;
static long touch_pages;

static __attribute__((noinline)) long loop_inline_touch(long n)
{
	return bench_loop_inline(n, the_pid, touch_mem);
}

static __attribute__((noinline)) long loop_func(long n)
{
	long bad = 0;
	for (long i = 0; i < n; i++)
		bad += bench_getpid_func() != the_pid;
	return bad;
}

static __attribute__((noinline)) long loop_libc(long n)
{
	long bad = 0;
	for (long i = 0; i < n; i++)
		bad += syscall(SYS_getpid) != the_pid;
	return bad;
}

static const struct path {
	const char *name;
	long (*loop)(long n);
} paths[] = {
	{"inline", loop_inline},
	{"func", loop_func},
	{"libc", loop_libc},
};
#define NPATHS (sizeof paths / sizeof paths[0])

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	ucontext_t *uc = ucv;
	/* The kernel skipped the call; its result is whatever we put in rax. */
	uc->uc_mcontext.gregs[REG_RAX] = si->si_syscall == SYS_getpid ? the_pid : -ENOSYS;
}

static int install_seccomp_trap(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		perror("percall: sigaction(SIGSYS)");
		return -1;
	}
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof filter / sizeof filter[0], .filter = filter};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
		perror("percall: installing the seccomp filter");
		return -1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: percall [--seccomp] [--calls N] [--batches B] [--touch-pages P]\n"
			"               [--paths inline,func,libc]\n");
	return 2;
}

int main(int argc, char **argv)
{
	long calls = 200000;
	long batches = 5;
	int seccomp = 0;
	int want[NPATHS] = {1, 1, 1};

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seccomp")) {
			seccomp = 1;
		} else if (!strcmp(argv[i], "--calls") && i + 1 < argc) {
			char *end;
			calls = strtol(argv[++i], &end, 10);
			if (*end || calls <= 0 || calls > 1000000000L) {
				fprintf(stderr, "percall: --calls wants a number from 1 to 1e9, not %s\n",
					argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--batches") && i + 1 < argc) {
			char *end;
			batches = strtol(argv[++i], &end, 10);
			if (*end || batches <= 0 || batches > 1000) {
				fprintf(stderr, "percall: --batches wants a number from 1 to 1000, not %s\n",
					argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--touch-pages") && i + 1 < argc) {
			char *end;
			touch_pages = strtol(argv[++i], &end, 10);
			if (*end || touch_pages < 0 || touch_pages > 64) {
				fprintf(stderr, "percall: --touch-pages wants a number from 0 to 64, not %s\n",
					argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--paths") && i + 1 < argc) {
			char *list = argv[++i];
			memset(want, 0, sizeof want);
			for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
				size_t k = 0;
				while (k < NPATHS && strcmp(paths[k].name, tok))
					k++;
				if (k == NPATHS) {
					fprintf(stderr, "percall: unknown path %s (inline, func or libc)\n",
						tok);
					return 2;
				}
				want[k] = 1;
			}
		} else {
			return usage();
		}
	}

	if (touch_pages) {
		void *m = mmap(NULL, (size_t)touch_pages * 2 * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (m == MAP_FAILED) {
			perror("percall: mmap");
			return 1;
		}
		/* Every other page: no adjacent-line prefetch.  Each page's
		 * first word points to the next; the last one's is NULL. */
		for (long k = 0; k < touch_pages; k++)
			*(void **)((char *)m + k * 2 * 4096) =
				k + 1 < touch_pages ? (char *)m + (k + 1) * 2 * 4096 : NULL;
		touch_mem = m;
	}
	the_pid = getpid();
	if (seccomp && install_seccomp_trap() < 0)
		return 1;

	for (size_t k = 0; k < NPATHS; k++) {
		if (!want[k])
			continue;
		/* Warm up caches, branch predictors and lazy binding first. */
		long (*loop)(long) = k == 0 && touch_pages ? loop_inline_touch : paths[k].loop;
		long bad = loop(calls / 10 + 1);
		/* Noise (interrupts, other processes) only ever adds time, so the
		 * fastest batch is the best estimate of the cost itself. */
		long per = calls / batches > 0 ? calls / batches : 1;
		double best = 0;
		for (long b = 0; b < batches; b++) {
			double t0 = now_ns();
			bad += loop(per);
			double ns = (now_ns() - t0) / (double)per;
			if (b == 0 || ns < best)
				best = ns;
		}
		if (bad) {
			fprintf(stderr, "percall: %s: %ld getpid results were wrong\n", paths[k].name,
				bad);
			return 1;
		}
		printf("%s %.2f\n", paths[k].name, best);
	}
	return 0;
}
