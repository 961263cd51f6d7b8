/*
 * handlercall.S - the program's signal handler, called with the registers
 * the interrupted code had (signals.c, wrapped()).
 *
 * void zp_call_handler(void *handler, int sig, siginfo_t *si, void *uc,
 *                      const greg_t *gregs)
 *
 * The kernel enters a handler with every general register as the
 * interrupted code left it but rdi, rsi, rdx (sig, info, context), rax (0)
 * and rsp, rip.  Called from C, a handler saw the runtime's values in rbx,
 * rbp, rcx and r8-r15 instead: GNU Prolog's SIGSEGV handler reads its
 * machine's registers (global register variables) there, and its
 * stack-overflow message printed garbage.  gregs is the context's register
 * set as the handler is shown it (the program's, on the stub's edges too),
 * or NULL.
 */
#define G(r) (8 * (r))
	/* <sys/ucontext.h>'s REG_* */
#define REG_R8 0
#define REG_R9 1
#define REG_R10 2
#define REG_R11 3
#define REG_R12 4
#define REG_R13 5
#define REG_R14 6
#define REG_R15 7
#define REG_RBP 10
#define REG_RBX 11
#define REG_RCX 14

	.text
	.globl	zp_call_handler
	.hidden	zp_call_handler
	.type	zp_call_handler, @function
zp_call_handler:
	.cfi_startproc
	.irp	reg, rbp, rbx, r12, r13, r14, r15
	push	%\reg
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %\reg, 0
	.endr
	/* the handler's address, in the slot that aligns the stack */
	push	%rdi
	.cfi_adjust_cfa_offset 8
	mov	%esi, %edi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	test	%r8, %r8
	jz	1f
	mov	G(REG_R9)(%r8), %r9
	mov	G(REG_R10)(%r8), %r10
	mov	G(REG_R11)(%r8), %r11
	mov	G(REG_R12)(%r8), %r12
	mov	G(REG_R13)(%r8), %r13
	mov	G(REG_R14)(%r8), %r14
	mov	G(REG_R15)(%r8), %r15
	mov	G(REG_RBP)(%r8), %rbp
	mov	G(REG_RBX)(%r8), %rbx
	mov	G(REG_RCX)(%r8), %rcx
	mov	G(REG_R8)(%r8), %r8
1:	xor	%eax, %eax
	call	*(%rsp)
	add	$8, %rsp
	.cfi_adjust_cfa_offset -8
	.irp	reg, r15, r14, r13, r12, rbx, rbp
	pop	%\reg
	.cfi_adjust_cfa_offset -8
	.cfi_restore %\reg
	.endr
	ret
	.cfi_endproc
	.size	zp_call_handler, . - zp_call_handler

	.section .note.GNU-stack, "", @progbits
