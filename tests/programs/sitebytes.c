/*
 * sitebytes: prints the two bytes of the `syscall` in site_fn as they are
 * after the runtime has started ("ff d0" when rewritten to callq *%rax,
 * "0f 05" when left), and makes the call.  test-cache.sh sets a debugger's
 * breakpoint on site_fn in a first run and reads them in the next.
 */
#include <stdio.h>

extern const unsigned char site_fn_after[];

__attribute__((noinline)) long site_fn(void)
{
	long r;
	__asm__ volatile("mov $39, %%eax\n\tsyscall\n\t.globl site_fn_after\nsite_fn_after:"
			 : "=a"(r)
			 :
			 : "rcx", "r11", "memory");
	return r;
}

int main(void)
{
	long pid = site_fn();
	printf("%02x %02x\n", site_fn_after[-2], site_fn_after[-1]);
	return pid > 0 ? 0 : 1;
}
