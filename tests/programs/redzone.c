/*
 * redzone: a leaf function keeps data in the red zone (below rsp) across an
 * inline syscall, as glibc 2.17's tcgetattr did.  `callq *%rax` would
 * overwrite -8(%rsp); the runtime must notice and take the trap path.
 */
#include <stdio.h>
#include <sys/syscall.h>

long redzone_syscall(long nr); /* returns 0 if the red zone survived */
__asm__(".text\n"
	".globl redzone_syscall\n"
	".type redzone_syscall, @function\n"
	"redzone_syscall:\n"
	".cfi_startproc\n"
	"  movabs $0x1122334455667788, %rcx\n"
	"  mov %rcx, -8(%rsp)\n"
	"  mov %rcx, -16(%rsp)\n"
	"  mov %rcx, -64(%rsp)\n"
	"  mov %rcx, -128(%rsp)\n"
	"  mov %rdi, %rax\n"
	"  syscall\n"
	"  movabs $0x1122334455667788, %rcx\n"
	"  xor %eax, %eax\n"
	"  cmp %rcx, -8(%rsp)\n"
	"  setne %al\n"
	"  cmp %rcx, -16(%rsp)\n"
	"  jne 1f\n"
	"  cmp %rcx, -64(%rsp)\n"
	"  jne 1f\n"
	"  cmp %rcx, -128(%rsp)\n"
	"  jne 1f\n"
	"  ret\n"
	"1: mov $1, %eax\n"
	"  ret\n"
	".cfi_endproc\n"
	".size redzone_syscall, .-redzone_syscall\n");

int main(void)
{
	int bad = 0;
	for (int i = 0; i < 1000; i++)
		bad += redzone_syscall(SYS_getppid) != 0;
	printf("%s: red zone survives an inline syscall (%d of 1000 corrupted)\n",
	       bad ? "FAIL" : "PASS", bad);
	return bad != 0;
}
