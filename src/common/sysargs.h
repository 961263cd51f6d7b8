/*
 * sysargs.h - for assembly: the arguments of a C function
 *   long f(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
 * moved, at its entry, into the registers `syscall` takes them in (rax;
 * rdi, rsi, rdx, r10, r8, r9; a6 comes from the stack).  Used by the
 * runtime's gates (entry.S) and the loader's (src/loader/sys.S).
 */
#ifndef ZP_SYSARGS_H
#define ZP_SYSARGS_H

.macro SYSCALL6_ARGS
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	mov	%r8, %r10
	mov	%r9, %r8
	mov	8(%rsp), %r9
.endm

#endif
