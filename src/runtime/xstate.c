/*
 * xstate.c - running runtime code that is not vector-register-free (the
 * site finder: Zydis, libc's string functions, SSE2 scanning) from inside a
 * hooked call.  The entry stub saves the extended state only for hooks that
 * need it, so runtime work that may touch it saves it itself, on the stack.
 * Compiled with -mgeneral-regs-only so this code itself touches none.
 */
#include "rt.h"

unsigned char zp_xsave_cpu_kind;

void zp_call_saving_xstate(void (*fn)(void *), void *arg)
{
	size_t size = (size_t)zp_xsave_size + 64;
	unsigned char *raw = __builtin_alloca(size);
	unsigned char *area = (unsigned char *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
	uint64_t *header = (uint64_t *)(area + 512);
	for (int i = 0; i < 8; i++)
		header[i] = 0;
	switch (zp_xsave_cpu_kind) {
	case 1:
		__asm__ volatile("xsavec (%0)" ::"r"(area), "a"(-1), "d"(-1) : "memory");
		break;
	case 2:
		__asm__ volatile("xsave (%0)" ::"r"(area), "a"(-1), "d"(-1) : "memory");
		break;
	default:
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
	}
	fn(arg);
	if (zp_xsave_cpu_kind == 1 || zp_xsave_cpu_kind == 2)
		__asm__ volatile("xrstor (%0)" ::"r"(area), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}
