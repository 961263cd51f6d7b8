/*
 * percall-asm.S - bench/percall's call sites written out: the "function"
 * path, getpid through a function that is nothing but `syscall; ret` (the
 * shape of most libc wrappers), and the "inline" path's loop.  The CFI
 * directives give each an .eh_frame entry, which is where the runtime
 * learns function boundaries: without one a site would be left alone as
 * "outside known functions".
 */
#include <sys/syscall.h>

/* Where the inline loop's `syscall` sits in its 64-byte line.  The native
 * call's time depends on it by a few ns (the loop compiled from C moved
 * when unrelated code changed: 96.9 -> 94.0 ns natively); a fixed place
 * keeps the baseline from moving between builds.  Of five places tried
 * (6, 23, 38, 54, 60 bytes into the line; 2x12 interleaved runs on the
 * Intel VM of docs/performance.md) 54 and 60 were the fastest natively,
 * by ~3 ns: the baseline is the native call at its best. */
#ifndef INLINE_SYSCALL_AT
#define INLINE_SYSCALL_AT 54
#endif

	.text
/* long bench_loop_inline(long n, long pid, void *const *chain): n getpid
 * calls through one inline `syscall`; after each, if chain is not NULL,
 * follows it (each word points to the next, the last is NULL: the
 * native+pages yardstick).  Returns how many calls did not return pid. */
	.globl	bench_loop_inline
	.type	bench_loop_inline, @function
	.p2align 6
bench_loop_inline:
	.cfi_startproc
	xor	%r8d, %r8d
	test	%rdi, %rdi
	jle	3f
	mov	%rdx, %r9
	.p2align 6
	/* 5 bytes of `mov $nr, %eax` before the `syscall`. */
	.skip	INLINE_SYSCALL_AT - 5, 0x90
1:	mov	$SYS_getpid, %eax
	syscall
	cmp	%rsi, %rax
	setne	%al
	movzbl	%al, %eax
	add	%rax, %r8
	mov	%r9, %rcx
	jrcxz	2f
4:	mov	(%rcx), %rcx
	test	%rcx, %rcx
	jnz	4b
2:	dec	%rdi
	jnz	1b
3:	mov	%r8, %rax
	ret
	.cfi_endproc
	.size	bench_loop_inline, .-bench_loop_inline

	.globl	bench_getpid_func
	.type	bench_getpid_func, @function
bench_getpid_func:
	.cfi_startproc
	movl	$SYS_getpid, %eax
	syscall
	ret
	.cfi_endproc
	.size	bench_getpid_func, .-bench_getpid_func

	.section .note.GNU-stack, "", @progbits
