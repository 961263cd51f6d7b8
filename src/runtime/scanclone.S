/*
 * scanclone.S - starts the scan's helper thread (scan.c).
 *
 * long zp_scan_clone(unsigned long flags, void *stack_top, int *tid,
 *                    void (*fn)(void *), void *arg)
 *
 * A raw clone: the new thread starts on stack_top with no frame to return
 * to, so it must not return from C (libc's clone wrapper would do, but it
 * is the program's code, and its system call rewritten).  tid is both the
 * parent's and the child's tid word (CLONE_PARENT_SETTID,
 * CLONE_CHILD_CLEARTID).  The child calls fn(arg), then exit (the thread
 * only, never exit_group).  Returns the new thread's tid, or -errno.
 * This library's system calls are never rewritten.
 */
	.text
	.globl	zp_scan_clone
	.hidden	zp_scan_clone
	.type	zp_scan_clone, @function
zp_scan_clone:
	.cfi_startproc
	and	$-16, %rsi
	sub	$16, %rsi
	mov	%rcx, 8(%rsi)		/* fn, popped by the child */
	mov	%r8, (%rsi)		/* arg */
	mov	%rdx, %r10		/* child_tid (rdx: parent_tid, the same word) */
	xor	%r8d, %r8d		/* tls: no CLONE_SETTLS */
	mov	$56, %eax		/* SYS_clone (flags, newsp, parent_tid, child_tid, tls) */
	syscall
	test	%rax, %rax
	jz	1f
	ret				/* the caller: tid or -errno */
1:	/* the child, on its own stack: nothing above to unwind into */
	.cfi_undefined rip
	xor	%ebp, %ebp
	pop	%rdi			/* arg */
	pop	%rax			/* fn; rsp is 16-byte aligned again */
	call	*%rax
	mov	$60, %eax		/* SYS_exit */
	xor	%edi, %edi
	syscall
	ud2
	.cfi_endproc
	.size	zp_scan_clone, . - zp_scan_clone

	.section .note.GNU-stack, "", @progbits
