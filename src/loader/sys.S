/*
 * sys.S - the loader's way to the kernel, and the hand-over.
 *
 * The loader runs with libzpoline.so preloaded, so by the time main() runs
 * every system call instruction the runtime's site finder could see in this
 * executable (and in its libc) already leads to the hooks.  The loader's own
 * work - opening and mapping the program - plays the part of the kernel's
 * execve and must not show up in a hook's view of the program.  So the one
 * `syscall` the loader uses is tucked inside the immediate of a `movl`: a
 * finder that decodes whole functions from their first byte (the only kind
 * zpoline trusts) sees a `movl`, never a system call, and leaves it alone;
 * the loader jumps into the middle of that instruction to execute it.
 * (Where the runtime exports a system call entry of its own, the loader uses
 * that instead: see syscall.c.)
 */
#include "sysargs.h"
	.text

/* long zl_hidden_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
 *                        long a6)
 * Returns the kernel's value (-errno on error). */
	.globl	zl_hidden_syscall
	.hidden	zl_hidden_syscall
	.type	zl_hidden_syscall, @function
	.p2align 4
zl_hidden_syscall:
	.cfi_startproc
	SYSCALL6_ARGS
	jmp	.Lhidden + 1
.Lhidden:
	/* movl $0x90c3050f, %ecx: the bytes 0f 05 c3 are `syscall; ret`. */
	.byte	0xb9, 0x0f, 0x05, 0xc3, 0x90
	ud2
	.cfi_endproc
	.size	zl_hidden_syscall, . - zl_hidden_syscall

/* noreturn void zl_enter(uintptr_t entry, uintptr_t sp)
 * Starts the program the way the kernel starts a new image: rsp at argc,
 * every general register zero (rdx = 0: no function for atexit), flags
 * clear, x87 and SSE control state at their power-on values.  The entry
 * address is left in the dead slot below the new stack so that no register
 * needs to hold it (signal frames are built below the red zone). */
	.globl	zl_enter
	.hidden	zl_enter
	.type	zl_enter, @function
	.p2align 4
zl_enter:
	mov	%rsi, %rsp
	pushq	$0x202
	popfq
	fninit
	movl	$0x1f80, -16(%rsp)
	ldmxcsr	-16(%rsp)
	movq	$0, -16(%rsp)
	mov	%rdi, -8(%rsp)
	xor	%eax, %eax
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%ebp, %ebp
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	pxor	%xmm0, %xmm0
	pxor	%xmm1, %xmm1
	pxor	%xmm2, %xmm2
	pxor	%xmm3, %xmm3
	pxor	%xmm4, %xmm4
	pxor	%xmm5, %xmm5
	pxor	%xmm6, %xmm6
	pxor	%xmm7, %xmm7
	jmp	*-8(%rsp)
	.size	zl_enter, . - zl_enter

	.section .note.GNU-stack, "", @progbits
