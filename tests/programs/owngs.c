/*
 * owngs - threads that set their own %gs base, as Wine's x86-64 threads do
 * (their TEB, with arch_prctl(ARCH_SET_GS)) and Firefox's wasm2c sandboxes
 * do (their linear memory, with WRGSBASE), and read through it after
 * system calls the runtime handles, in signal handlers (one interrupting a
 * blocking read, one left by siglongjmp), in a thread started while the
 * base is set (clone copies it) and in a forked child.  One base has
 * nothing mapped at +0x90 and +0xF00, where the runtime reads, another
 * nothing from +0x200 on (+0x90 readable, +0x3C0 not: the routed vDSO
 * functions' two reads).  Each
 * check prints a line; the output is the same natively and hooked.
 * Exit 0 if every check held, 1 otherwise.
 *
 * `owngs calls N`: four threads, each with a base of its own, make N
 * getppid calls each and check their base after every one (the runtime
 * finds their blocks by tid on each call a hook wants; test-owngs counts
 * the system calls that costs).
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failed;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", what, ok ? "ok" : "WRONG");
	fflush(stdout);
	if (!ok)
		failed = 1;
}

/* A "TEB": its first word is its own address (Wine's keeps a self pointer
 * too), read through %gs. */
static uint64_t gs_word(void)
{
	uint64_t v;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(v));
	return v;
}

static void *new_teb(void)
{
	uint64_t *t = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		_exit(3);
	t[0] = (uint64_t)t;
	return t;
}

static long set_gs(void *base)
{
	return syscall(SYS_arch_prctl, ARCH_SET_GS, base);
}

static uint64_t get_gs(void)
{
	uint64_t v = 0;
	if (syscall(SYS_arch_prctl, ARCH_GET_GS, &v) != 0)
		return 1;
	return v;
}

static int have_fsgsbase(void)
{
	return (getauxval(AT_HWCAP2) & 2) != 0; /* HWCAP2_FSGSBASE */
}

/* Calls the runtime handles itself (mmap, munmap, rt_sigaction), calls a
 * hook may want (write, getppid), and the base after each. */
static int calls_keep_base(uint64_t want)
{
	int ok = gs_word() == want;
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok &= p != MAP_FAILED && gs_word() == want;
	ok &= munmap(p, 4096) == 0 && gs_word() == want;
	ok &= getppid() > 0 && gs_word() == want;
	ok &= write(1, "", 0) == 0 && gs_word() == want;
	struct sigaction old;
	ok &= sigaction(SIGUSR2, NULL, &old) == 0 && gs_word() == want;
	ok &= get_gs() == want && gs_word() == want;
	struct timespec ts; /* the vDSO's: routed under ZPOLINE_VDSO=1 */
	ok &= clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && gs_word() == want;
	return ok;
}

static volatile uint64_t seen_in_handler;
static sigjmp_buf jump;

static void on_usr1(int sig)
{
	(void)sig;
	seen_in_handler = gs_word();
}

static void on_usr2(int sig)
{
	(void)sig;
	seen_in_handler = gs_word();
	siglongjmp(jump, 1);
}

static int pipefd[2];

static void *poker(void *arg)
{
	pthread_t main_thread = *(pthread_t *)arg;
	usleep(20000); /* most likely blocked in read by then; either way the handler runs */
	pthread_kill(main_thread, SIGUSR1);
	usleep(20000);
	if (write(pipefd[1], "x", 1) != 1)
		_exit(4);
	return NULL;
}

static void *by_prctl(void *arg)
{
	(void)arg;
	void *teb = new_teb();
	if (set_gs(teb) != 0)
		return (void *)1;
	return (void *)(uintptr_t)!calls_keep_base((uint64_t)teb);
}

static void *by_wrgsbase(void *arg)
{
	(void)arg;
	void *teb = new_teb();
	__asm__ volatile("wrgsbase %0" : : "r"(teb) : "memory");
	return (void *)(uintptr_t)!calls_keep_base((uint64_t)teb);
}

static void *inherits(void *arg)
{
	return (void *)(uintptr_t)!(gs_word() == (uint64_t)arg && calls_keep_base((uint64_t)arg));
}

static long ncalls;

static void *many_calls(void *arg)
{
	(void)arg;
	void *teb = new_teb();
	if (set_gs(teb) != 0)
		return (void *)1;
	for (long i = 0; i < ncalls; i++)
		if (getppid() <= 0 || gs_word() != (uint64_t)teb)
			return (void *)1;
	return NULL;
}

static int run(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	void *r = (void *)1;
	if (pthread_create(&t, NULL, fn, arg) != 0 || pthread_join(t, &r) != 0)
		return 0;
	return r == NULL;
}

static int calls_in_threads(void)
{
	enum { THREADS = 4 };
	pthread_t t[THREADS];
	int ok = 1;
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, many_calls, NULL) != 0)
			return 0;
	for (int i = 0; i < THREADS; i++) {
		void *r = (void *)1;
		ok &= pthread_join(t[i], &r) == 0 && r == NULL;
	}
	return ok;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "calls") == 0) {
		ncalls = strtol(argv[2], NULL, 10);
		check(ncalls > 0 && calls_in_threads(), "calls in threads with bases of their own");
		return failed;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: owngs [calls N]\n");
		return 2;
	}
	void *teb = new_teb();
	check(set_gs(teb) == 0 && gs_word() == (uint64_t)teb, "arch_prctl(ARCH_SET_GS)");
	check(calls_keep_base((uint64_t)teb), "calls keep the base");

	/* A handler that interrupts a blocking read (a call hooks see). */
	signal(SIGUSR1, on_usr1);
	if (pipe(pipefd) != 0)
		return 5;
	pthread_t self = pthread_self();
	pthread_t p;
	pthread_create(&p, NULL, poker, &self);
	char c;
	ssize_t n;
	do
		n = read(pipefd[0], &c, 1);
	while (n < 0);
	pthread_join(p, NULL);
	check(seen_in_handler == (uint64_t)teb && gs_word() == (uint64_t)teb,
	      "handler during a blocking read");

	/* raise: the runtime's own path for a signal to the caller. */
	seen_in_handler = 0;
	raise(SIGUSR1);
	check(seen_in_handler == (uint64_t)teb && gs_word() == (uint64_t)teb, "handler of raise");

	/* A handler left by siglongjmp. */
	signal(SIGUSR2, on_usr2);
	seen_in_handler = 0;
	if (!sigsetjmp(jump, 1))
		raise(SIGUSR2);
	check(seen_in_handler == (uint64_t)teb && calls_keep_base((uint64_t)teb),
	      "handler left by siglongjmp");

	check(run(inherits, teb), "thread started with the base set");
	check(run(by_prctl, NULL), "thread sets its base with arch_prctl");
	if (have_fsgsbase())
		check(run(by_wrgsbase, NULL), "thread sets its base with wrgsbase");
	else
		printf("thread sets its base with wrgsbase: not run (no FSGSBASE)\n");

	pid_t pid = fork();
	if (pid == 0)
		_exit(calls_keep_base((uint64_t)teb) ? 0 : 1);
	int st = 0;
	check(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
		      gs_word() == (uint64_t)teb,
	      "fork");

	/* A base with nothing mapped at +0x90 or +0xF00 (where the runtime
	 * reads): the last 128 bytes of a page followed by a hole. */
	char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (two == MAP_FAILED || munmap(two + 4096, 4096) != 0)
		return 6;
	uint64_t *edge = (uint64_t *)(two + 4096 - 128);
	edge[0] = (uint64_t)edge;
	check(set_gs(edge) == 0 && calls_keep_base((uint64_t)edge), "base with a hole at +0x80");
	seen_in_handler = 0;
	raise(SIGUSR1);
	check(seen_in_handler == (uint64_t)edge, "handler under that base");

	uint64_t *edge2 = (uint64_t *)(two + 4096 - 0x200);
	edge2[0] = (uint64_t)edge2;
	check(set_gs(edge2) == 0 && calls_keep_base((uint64_t)edge2), "base with a hole at +0x200");
	check(set_gs(NULL) == 0 && get_gs() == 0, "base 0 again");
	return failed;
}
