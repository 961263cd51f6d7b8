/*
 * ZPOLINE_MODE=net with tests/hooks/sigjump.c: a signal handler that runs
 * inside hook code and leaves it with siglongjmp must not leave Syscall
 * User Dispatch's selector on ALLOW: a system call the runtime did not
 * rewrite (code written into fresh anonymous memory mapped writable and
 * executable, which the runtime has no call to notice) must still reach
 * the hooks through the safety net afterwards.  Each copy of the code is new where it is tested: the
 * net rewrites the sites it catches.
 */
#include <string.h>
#include <sys/mman.h>
#include "check.h"
#include "hookjump.h"

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

int main(void)
{
	long uid = (long)getuid();
	long (*getuid_a)(void) = fresh_getuid(), (*getuid_b)(void) = fresh_getuid();
	if (!getuid_a || !getuid_b)
		return 2;
	long before = hookjump_seen(HOOKJUMP_GETUIDS);
	CHECK(getuid_a() == uid, "an unrewritten getuid returns the uid");
	CHECK(hookjump_seen(HOOKJUMP_GETUIDS) - before == 1, "an unrewritten getuid reaches the hooks (SUD safety net)");
	CHECK(hookjump(), "the handler ran inside the hook and jumped out");
	before = hookjump_seen(HOOKJUMP_GETUIDS);
	long r = getuid_b();
	long n = hookjump_seen(HOOKJUMP_GETUIDS) - before;
	printf("after the jump: %ld of 1 unrewritten getuid call reached the hooks\n", n);
	CHECK(r == uid && n == 1, "after a siglongjmp out of hook code, unrewritten calls still reach the hooks");
	return fails != 0;
}
