/*
 * percall-asm.S - the "function" path of bench/percall: getpid through a
 * function that is nothing but `syscall; ret`, the shape of most libc
 * wrappers.  The CFI directives give it an .eh_frame entry, which is where
 * the runtime learns function boundaries: without one its site would be
 * left alone as "outside known functions".
 */
#include <sys/syscall.h>

	.text
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
