/*
 * A test hook that clobbers everything a C hook can: vector registers,
 * MXCSR, the x87 control word, AVX-512 masks.  With it in the chain the
 * runtime must save and restore the extended state (it does not claim
 * ZPOLINE_HOOK_NO_XSTATE).
 */
#include <stdbool.h>
#include <string.h>
#include <zpoline.h>

/* Built without -mavx512f, so that nothing else in the file uses
 * AVX-512 on a CPU without it; the masks and zmm31 only where it has it. */
static bool have_avx512;

__attribute__((target("avx512f"))) static void clobber_avx512(void)
{
	__asm__ volatile("vpternlogd $0xff, %%zmm31, %%zmm31, %%zmm31\n"
			 "kxnorq %%k1, %%k1, %%k1\n" ::: "xmm31");
}

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)call;
	(void)ctx;
	__asm__ volatile("vpcmpeqb %%ymm0, %%ymm0, %%ymm0\n"
			 "vpxor %%ymm1, %%ymm1, %%ymm1\n"
			 "vmovdqa %%ymm0, %%ymm7\n"
			 "vmovdqa %%ymm0, %%ymm15\n"
			 "ldmxcsr %0\n"
			 "fldcw %1\n"
			 :
			 : "m"((unsigned){0x1f80}), "m"((unsigned short){0x037f})
			 : "xmm0", "xmm1", "xmm7", "xmm15");
	if (have_avx512)
		clobber_avx512();
	return ZPOLINE_CONTINUE;
}

static void post(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	char buf[256];
	memset(buf, (int)call->ret, sizeof buf); /* libc's AVX memset */
	__asm__ volatile("vpcmpeqb %%ymm3, %%ymm3, %%ymm3\n" ::: "xmm3");
	(void)buf[0];
}

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	(void)rt;
	__builtin_cpu_init();
	have_avx512 = __builtin_cpu_supports("avx512f");
	hook->name = "clobber";
	hook->pre = pre;
	hook->post = post;
	return 0;
}
