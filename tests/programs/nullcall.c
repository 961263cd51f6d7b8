/*
 * nullcall MODE: does what MODE says and must die of SIGSEGV, as it would
 * without the runtime:
 *   call-null   calls a NULL function pointer (call *%rax, rax = 0)
 *   call-small  calls function pointer 0x28 (lands inside the sled)
 *   call-far    calls function pointer 0x800 (past the sled: page 0's
 *               int3 fill, which raised SIGTRAP, not SIGSEGV)
 *   call-rdx    calls NULL through another register
 *   write-null  writes to address 0
 *   read-exec   (informational) reads address 0: faults only where page 0
 *               is execute-only (PKU)
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	volatile unsigned long addr = 0;
	if (!strcmp(argv[1], "call-null")) {
		__asm__ volatile("mov %0, %%rax; call *%%rax" ::"r"(addr) : "rax", "memory");
	} else if (!strcmp(argv[1], "call-small")) {
		addr = 0x28;
		void (*f)(void) = (void (*)(void))addr;
		f();
	} else if (!strcmp(argv[1], "call-far")) {
		addr = 0x800;
		void (*f)(void) = (void (*)(void))addr;
		f();
	} else if (!strcmp(argv[1], "call-rdx")) {
		__asm__ volatile("mov $39, %%eax; mov %0, %%rdx; call *%%rdx" ::"r"(addr)
				 : "rax", "rdx", "memory");
	} else if (!strcmp(argv[1], "write-null")) {
		*(volatile int *)addr = 1;
	} else if (!strcmp(argv[1], "read-exec")) {
		printf("%d\n", *(volatile unsigned char *)addr);
		return 0;
	} else {
		return 2;
	}
	printf("survived %s\n", argv[1]);
	return 0;
}
