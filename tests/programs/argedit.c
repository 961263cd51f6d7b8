/*
 * Calls that tests/hooks/argedit.c changes or completes: the result must
 * be the changed call's, and every register a `syscall` preserves must
 * come back as the program set it (the changed arguments are the hook's,
 * not the program's).  Natively (no hook) the calls fail or return their
 * own results; run with EXPECT_HOOKED=1 under the hook, and EXPECT_POST=1
 * as well when it has its post() (ARGEDIT_POST=1).
 */
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#define MARK 0x5a5a0000L

/* The call with all six argument registers, rbx and r12 loaded; says
 * whether each came back as it went in (tests/programs/regs checks every
 * register, this the ones a changed call could leave changed). */
static long call6(long nr, long a0, long a1, int *regs_ok)
{
	register long r10 __asm__("r10") = 0x2222;
	register long r8 __asm__("r8") = 0x3333;
	register long r9 __asm__("r9") = 0x4444;
	register long r12 __asm__("r12") = 0x6666;
	long ret = nr, rdi = a0, rsi = a1, rdx = 0x1111, rbx = 0x5555;
	__asm__ volatile("syscall"
			 : "+a"(ret), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9),
			   "+r"(r12), "+b"(rbx)
			 :
			 : "rcx", "r11", "memory");
	*regs_ok = rdi == a0 && rsi == a1 && rdx == 0x1111 && r10 == 0x2222 && r8 == 0x3333 &&
		   r9 == 0x4444 && r12 == 0x6666 && rbx == 0x5555;
	return ret;
}

int main(void)
{
	int hooked = getenv("EXPECT_HOOKED") != NULL;
	int posted = getenv("EXPECT_POST") != NULL;
	int ok;
	long r;

	/* The runtime learns the thread's ids on its first hooked call, from
	 * the dispatcher; the calls below are then the stub's to make. */
	call6(SYS_getsid, 0, 0, &ok);

	r = call6(SYS_dup, MARK + 2, 0, &ok);
	CHECK(hooked ? r > 2 : r == -9 /* EBADF */, "dup(MARK + 2): the changed argument's result");
	CHECK(ok, "dup(MARK + 2): the program's registers back");
	if (r > 2)
		close((int)r);

	r = call6(SYS_getppid, MARK, 0, &ok);
	CHECK(r == (posted ? 777 : hooked ? getpid() : getppid()),
	      "getppid(MARK): the changed number's result (post()'s with one)");
	CHECK(ok, "getppid(MARK): the program's registers back");

	r = call6(SYS_getpgid, getpid(), MARK, &ok);
	CHECK(hooked ? r == 0 : r == getpgid(0), "getpgid(pid, MARK): kill(pid, 0)'s result");
	CHECK(ok, "getpgid(pid, MARK): the program's registers back");

	r = call6(SYS_getsid, MARK, 0, &ok);
	CHECK(r == (hooked ? 4242 : -3 /* ESRCH */), "getsid(MARK): the hook's result");
	CHECK(ok, "getsid(MARK): the program's registers back");

	r = call6(SYS_getsid, MARK + 1, 0, &ok);
	CHECK(r == (posted ? 555 : -3), "getsid(MARK + 1): the kernel's result (post()'s with one)");
	CHECK(ok, "getsid(MARK + 1): the program's registers back");

	r = call6(SYS_getsid, 0, 0, &ok);
	CHECK(r == getsid(0), "getsid(0): untouched");
	CHECK(ok, "getsid(0): the program's registers back");
	return fails != 0;
}
