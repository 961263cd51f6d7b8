/*
 * ZPOLINE_MODE=net with tests/hooks/sigjump.c: a signal handler that runs
 * inside hook code and leaves it with siglongjmp must not leave Syscall
 * User Dispatch's selector on ALLOW: a system call the runtime did not
 * rewrite (code written into fresh anonymous memory mapped writable and
 * executable, which the runtime has no call to notice) must still reach
 * the hooks through the safety net afterwards.  Each copy of the code is new where it is tested: the
 * net rewrites the sites it catches.
 */
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#define MARK 0x5a5a0000L

/* A fresh function `mov $SYS_getuid, %eax; syscall; ret`. */
static long (*fresh_getuid(void))(void)
{
	static const unsigned char code[] = {0xb8, SYS_getuid, 0, 0, 0, 0x0f, 0x05, 0xc3};
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, code, sizeof code);
	return (long (*)(void))p;
}

static sigjmp_buf jb;

static void handler(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

static long seen(void)
{
	return syscall(SYS_getppid, MARK + 2);
}

int main(void)
{
	struct sigaction sa = {.sa_handler = handler};
	sigaction(SIGUSR1, &sa, NULL);
	long uid = (long)getuid();
	long (*getuid_a)(void) = fresh_getuid(), (*getuid_b)(void) = fresh_getuid();
	if (!getuid_a || !getuid_b)
		return 2;
	long before = seen();
	CHECK(getuid_a() == uid, "an unrewritten getuid returns the uid");
	CHECK(seen() - before == 1, "an unrewritten getuid reaches the hooks (SUD safety net)");
	volatile int jumped = 0;
	if (sigsetjmp(jb, 1) == 0)
		syscall(SYS_getppid, MARK); /* the hook signals; the handler jumps */
	else
		jumped = 1;
	CHECK(jumped, "the handler ran inside the hook and jumped out");
	before = seen();
	long r = getuid_b();
	long n = seen() - before;
	printf("after the jump: %ld of 1 unrewritten getuid call reached the hooks\n", n);
	CHECK(r == uid && n == 1, "after a siglongjmp out of hook code, unrewritten calls still reach the hooks");
	return fails != 0;
}
