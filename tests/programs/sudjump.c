/*
 * ZPOLINE_MODE=net or sud with tests/hooks/sigjump.c: a signal handler
 * that runs inside hook code (where Syscall User Dispatch's selector is on
 * ALLOW) is the program's code: a system call it makes that the runtime did
 * not rewrite (code written into fresh anonymous memory mapped writable and
 * executable, which the runtime has no call to notice; in SUD mode, any)
 * must reach the hooks, and one that leaves with siglongjmp must not leave
 * the selector on ALLOW.  Each copy of the code is new where it is tested:
 * the net rewrites the sites it catches.
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
	long (*getuid_a)(void) = fresh_getuid(), (*getuid_b)(void) = fresh_getuid(),
		(*getuid_c)(void) = fresh_getuid(), (*getuid_d)(void) = fresh_getuid();
	if (!getuid_a || !getuid_b || !getuid_c || !getuid_d)
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
	before = hookjump_seen(HOOKJUMP_GETUIDS);
	r = hookcall(getuid_c);
	n = hookjump_seen(HOOKJUMP_GETUIDS) - before;
	printf("inside the hook: %ld of 1 unrewritten getuid call reached the hooks\n", n);
	CHECK(r == uid && n == 1, "a handler running inside hook code: its unrewritten call reaches the hooks");
	before = hookjump_seen(HOOKJUMP_GETUIDS);
	r = getuid_d();
	n = hookjump_seen(HOOKJUMP_GETUIDS) - before;
	CHECK(r == uid && n == 1, "after that handler returned: unrewritten calls still reach the hooks");
	return fails != 0;
}
