/*
 * owngs - sets its own %gs base, as Wine's x86-64 threads do (their TEB,
 * with arch_prctl(ARCH_SET_GS)) and Firefox's wasm2c sandboxes do (their
 * linear memory, with WRGSBASE), then makes system calls the runtime
 * handles.  The runtime keeps its per-thread block at %gs, which it then
 * puts back over the program's: not supported, and said once on stderr
 * (README, Limits).  This program reads nothing through %gs afterwards, so
 * it runs to the end either way.  Prints "gs set", "done"; exit 0.
 */
#include <asm/prctl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(9);
}

int main(void)
{
	static char teb[8192] __attribute__((aligned(4096)));
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, teb) != 0)
		return 2;
	say("gs set\n");
	/* Calls the runtime handles itself (the slow path): */
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p, 4096) != 0)
		return 3;
	say("done\n");
	return 0;
}
