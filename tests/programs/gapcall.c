/*
 * gapcall: a system call in a gap of the unwind entries, right where its
 * function's entry ends (glibc's clone3 closes its entry before the
 * `syscall`: the child's part has one of its own).  Calls it, checks the
 * result, and prints the function's first seven bytes: in detour mode the
 * `mov $nr, %eax` before the call is displaced (a jmp at the function's
 * start; test-detour), not the instructions after it, which a thread
 * inside the call returns into.  Built as gapcall-early with -DEARLY and
 * linked to libearly.so, whose thread runs before the runtime: then the
 * `syscall` behind the jmp stays a `syscall` (not a trap site).
 */
#include <stdio.h>
#include <unistd.h>

#include "check.h"

#ifdef EARLY
int early_finish(void);
#endif

long gap_getppid(void);
__asm__(".text\n"
	".globl gap_getppid\n"
	".type gap_getppid, @function\n"
	"gap_getppid:\n"
	".cfi_startproc\n"
	"mov $110, %eax\n" /* getppid */
	".cfi_endproc\n"
	"syscall\n"
	"ret\n"
	".size gap_getppid, . - gap_getppid\n");

int main(void)
{
	CHECK(gap_getppid() == getppid(), "the call in the gap returns getppid()");
	const unsigned char *p = (const unsigned char *)gap_getppid;
	printf("bytes:");
	for (int i = 0; i < 7; i++)
		printf(" %02x", p[i]);
	printf("\n");
#ifdef EARLY
	CHECK(early_finish() == 100, "the thread started before the runtime made its 100 calls");
#endif
	return fails != 0;
}
