/*
 * copysite: code holding a rewritten site, copied elsewhere and run there
 * (an inline hook's trampoline relocates the first instructions of libc's
 * getpid, `mov $39, %eax; syscall; ret`): natively the copy makes the
 * call.  Rewritten, the copy holds `call *%rax` at an address that is no
 * known site, which the runtime took for a NULL function call (SIGSEGV).
 * A constant NULL called as gcc -O0 does (`mov $0, %eax; call *%rax`)
 * must still fault: `copysite null` does that last and dies of SIGSEGV.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

__attribute__((noinline)) static long raw_getpid(void)
{
	long ret;
	__asm__ volatile("mov $39, %%eax\n\tsyscall" : "=a"(ret) : : "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	/* past ZPOLINE_SWITCH_AFTER's default: the sites are rewritten */
	for (int i = 0; i < 300; i++)
		getppid();
	long pid = raw_getpid();
	CHECK(pid == getpid(), "the original site makes its call");
	unsigned char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	memcpy(m, (const void *)raw_getpid, 64);
	mprotect(m, 4096, PROT_READ | PROT_EXEC);
	long (*copy)(void) = (long (*)(void))m;
	int same = 1;
	for (int i = 0; i < 100; i++)
		same &= copy() == pid;
	CHECK(same, "a copy of the site made elsewhere makes the same call, 100 times");
	if (argc > 1 && !strcmp(argv[1], "null")) {
		/* `mov $0, %eax; call *%rax`, from a copy too */
		static const unsigned char null_call[] = {0xb8, 0, 0, 0, 0, 0xff, 0xd0, 0xc3};
		fflush(stdout); /* the checks above, before the fault */
		mprotect(m, 4096, PROT_READ | PROT_WRITE);
		memcpy(m + 128, null_call, sizeof null_call);
		mprotect(m, 4096, PROT_READ | PROT_EXEC);
		((void (*)(void))(m + 128))();
		CHECK(0, "a constant NULL called faults");
	}
	return fails != 0;
}
