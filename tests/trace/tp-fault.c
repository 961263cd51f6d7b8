/*
 * tp-fault MODE - dies of a fault, as test-fault.sh asks:
 *   wild   reads an unmapped address (SIGSEGV, SEGV_MAPERR)
 *   ud2    an invalid instruction (SIGILL, ILL_ILLOPN)
 *   int3   a breakpoint (SIGTRAP, SI_KERNEL)
 *   kill   sends itself SIGSEGV (SI_USER)
 *   abort  abort(): tgkill to itself of SIGABRT (SI_TKILL), not a signal
 *          of the runtime's
 *   threads  two threads wait while the main thread reads an unmapped address
 *   handled  a SIGSEGV handler that exits 3: no delivery line is ours to print
 *   pkey   reads a page at 0x200000000 whose protection key denies access
 *          (SIGSEGV, SEGV_PKUERR, si_pkey); exits 2 without protection keys
 * Core dumps are off.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *waiter(void *a)
{
	(void)a;
	for (;;)
		pause();
	return NULL;
}

static void on_segv(int sig)
{
	(void)sig;
	_exit(3);
}

int main(int argc, char **argv)
{
	struct rlimit nocore = {0, 0};
	setrlimit(RLIMIT_CORE, &nocore);
	const char *m = argc > 1 ? argv[1] : "wild";
	volatile int *wild = (volatile int *)0x1234560;
	if (!strcmp(m, "ud2"))
		__asm__ volatile("ud2");
	if (!strcmp(m, "int3"))
		__asm__ volatile("int3");
	if (!strcmp(m, "kill"))
		kill(getpid(), SIGSEGV);
	if (!strcmp(m, "abort"))
		abort();
	if (!strcmp(m, "threads")) {
		pthread_t t[2];
		pthread_create(&t[0], NULL, waiter, NULL);
		pthread_create(&t[1], NULL, waiter, NULL);
		usleep(50000);
	}
	if (!strcmp(m, "handled"))
		signal(SIGSEGV, on_segv);
	if (!strcmp(m, "pkey")) {
		int key = (int)syscall(SYS_pkey_alloc, 0, PKEY_DISABLE_ACCESS);
		void *p = mmap((void *)0x200000000, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (key < 0 || p == MAP_FAILED ||
		    syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_WRITE, key) != 0)
			return 2;
		wild = p;
	}
	return *wild;
}
