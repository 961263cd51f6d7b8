/*
 * regs: every register a real `syscall` preserves holds its value across a
 * hooked one: all general registers but rax/rcx/r11, RFLAGS (the arithmetic
 * flags), x87 control word, MXCSR, xmm/ymm/zmm 0-31 and k0-7 (where the CPU
 * has AVX-512).  Also rcx = address after the instruction and r11 = RFLAGS,
 * as the kernel leaves them.  Prints PASS:/FAIL: lines.
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

struct state {
	uint64_t gpr[16];  /* rax rbx rcx rdx rsi rdi rbp rsp r8..r15 */
	uint64_t flags;
	uint8_t zmm[32][64];
	uint64_t k[8];
	uint32_t mxcsr;
	uint16_t fcw;
};

struct state before, after;
uint64_t site_next;
uint64_t flags_in;
static int failures;

static void report(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
	failures += !ok;
}

static void report_p(int ok, const char *what, uint64_t pattern)
{
	printf("%s: %s (called with RFLAGS %#lx)\n", ok ? "PASS" : "FAIL", what,
	       (unsigned long)pattern);
	failures += !ok;
}

static int has_avx512(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 16)))
		return 0;
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 0xe6) == 0xe6;
}

/* The syscall site is inline; all state is loaded from/stored to globals
 * with rip-relative addressing so no register is needed for a base. */
__attribute__((noinline)) static void test_gprs(long nr)
{
	__asm__ volatile(
		"push %%rbx; push %%rbp; push %%r12; push %%r13; push %%r14; push %%r15\n"
		"mov %0, %%rax\n"
		"movabs $0x1111111111111111, %%rbx\n"
		"movabs $0x2222222222222222, %%rdx\n"
		"movabs $0x3333333333333333, %%rsi\n"
		"movabs $0x4444444444444444, %%rdi\n"
		"movabs $0x5555555555555555, %%rbp\n"
		"movabs $0x8888888888888888, %%r8\n"
		"movabs $0x9999999999999999, %%r9\n"
		"movabs $0xaaaaaaaaaaaaaaaa, %%r10\n"
		"movabs $0xcccccccccccccccc, %%r12\n"
		"movabs $0xdddddddddddddddd, %%r13\n"
		"movabs $0xeeeeeeeeeeeeeeee, %%r14\n"
		"movabs $0xffffffffffffffff, %%r15\n"
		"mov %%rbx, before+8(%%rip); mov %%rdx, before+24(%%rip); mov %%rsi, before+32(%%rip)\n"
		"mov %%rdi, before+40(%%rip); mov %%rbp, before+48(%%rip); mov %%rsp, before+56(%%rip)\n"
		"mov %%r8, before+64(%%rip); mov %%r9, before+72(%%rip); mov %%r10, before+80(%%rip)\n"
		"mov %%r12, before+96(%%rip); mov %%r13, before+104(%%rip); mov %%r14, before+112(%%rip)\n"
		"mov %%r15, before+120(%%rip)\n"
		/* the arithmetic flags and DF of this round's pattern */
		"push %%rax\n"
		"mov flags_in(%%rip), %%rax\n"
		"push %%rax; popfq\n"
		"pushfq; pop %%rax; mov %%rax, before+128(%%rip)\n"
		"pop %%rax\n"
		"syscall\n"
		"1:\n"
		"pushfq; pop after+128(%%rip); cld\n"
		"mov %%rbx, after+8(%%rip); mov %%rcx, after+16(%%rip); mov %%rdx, after+24(%%rip)\n"
		"mov %%rsi, after+32(%%rip); mov %%rdi, after+40(%%rip); mov %%rbp, after+48(%%rip)\n"
		"mov %%rsp, after+56(%%rip); mov %%r8, after+64(%%rip); mov %%r9, after+72(%%rip)\n"
		"mov %%r10, after+80(%%rip); mov %%r11, after+88(%%rip); mov %%r12, after+96(%%rip)\n"
		"mov %%r13, after+104(%%rip); mov %%r14, after+112(%%rip); mov %%r15, after+120(%%rip)\n"
		"lea 1b(%%rip), %%rax; mov %%rax, site_next(%%rip)\n"
		"pop %%r15; pop %%r14; pop %%r13; pop %%r12; pop %%rbp; pop %%rbx\n"
		:
		: "r"(nr)
		: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
}

__attribute__((noinline)) static void test_vectors(long nr, int avx512)
{
	for (int r = 0; r < 32; r++)
		for (int i = 0; i < 64; i++)
			before.zmm[r][i] = (uint8_t)(r * 7 + i * 13 + 1);
	for (int i = 0; i < 8; i++)
		before.k[i] = 0x0101010101010101ull * (uint64_t)(i + 3);
	before.mxcsr = 0x1f80 | 0x6000; /* round toward zero */
	before.fcw = 0x037f & ~0x0c00; /* round to nearest, but a distinct precision */
	before.fcw = 0x027f;
	if (avx512) {
		__asm__ volatile(
#define LD(n) "vmovdqu64 before+136+" #n "*64(%%rip), %%zmm" #n "\n"
			LD(0) LD(1) LD(2) LD(3) LD(4) LD(5) LD(6) LD(7) LD(8) LD(9) LD(10) LD(11)
			LD(12) LD(13) LD(14) LD(15) LD(16) LD(17) LD(18) LD(19) LD(20) LD(21)
			LD(22) LD(23) LD(24) LD(25) LD(26) LD(27) LD(28) LD(29) LD(30) LD(31)
#define LK(n) "kmovq before+136+2048+" #n "*8(%%rip), %%k" #n "\n"
			LK(0) LK(1) LK(2) LK(3) LK(4) LK(5) LK(6) LK(7)
			"ldmxcsr before+136+2048+64(%%rip)\n"
			"fldcw before+136+2048+68(%%rip)\n"
			"mov %0, %%rax\n"
			"syscall\n"
#define ST(n) "vmovdqu64 %%zmm" #n ", after+136+" #n "*64(%%rip)\n"
			ST(0) ST(1) ST(2) ST(3) ST(4) ST(5) ST(6) ST(7) ST(8) ST(9) ST(10) ST(11)
			ST(12) ST(13) ST(14) ST(15) ST(16) ST(17) ST(18) ST(19) ST(20) ST(21)
			ST(22) ST(23) ST(24) ST(25) ST(26) ST(27) ST(28) ST(29) ST(30) ST(31)
#define SK(n) "kmovq %%k" #n ", after+136+2048+" #n "*8(%%rip)\n"
			SK(0) SK(1) SK(2) SK(3) SK(4) SK(5) SK(6) SK(7)
			"stmxcsr after+136+2048+64(%%rip)\n"
			"fnstcw after+136+2048+68(%%rip)\n"
			"ldmxcsr mxcsr_default(%%rip)\n"
			"fninit\n"
			"vzeroupper\n"
			:
			: "r"(nr)
			: "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
			  "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
			  "xmm13", "xmm14", "xmm15");
	} else {
		__asm__ volatile(
#define LY(n) "vmovdqu before+136+" #n "*64(%%rip), %%ymm" #n "\n"
			LY(0) LY(1) LY(2) LY(3) LY(4) LY(5) LY(6) LY(7) LY(8) LY(9) LY(10) LY(11)
			LY(12) LY(13) LY(14) LY(15)
			"ldmxcsr before+136+2048+64(%%rip)\n"
			"fldcw before+136+2048+68(%%rip)\n"
			"mov %0, %%rax\n"
			"syscall\n"
#define SY(n) "vmovdqu %%ymm" #n ", after+136+" #n "*64(%%rip)\n"
			SY(0) SY(1) SY(2) SY(3) SY(4) SY(5) SY(6) SY(7) SY(8) SY(9) SY(10) SY(11)
			SY(12) SY(13) SY(14) SY(15)
			"stmxcsr after+136+2048+64(%%rip)\n"
			"fnstcw after+136+2048+68(%%rip)\n"
			"ldmxcsr mxcsr_default(%%rip)\n"
			"fninit\n"
			"vzeroupper\n"
			:
			: "r"(nr)
			: "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
			  "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
			  "xmm13", "xmm14", "xmm15");
	}
}

/* The general registers and flags across a call made with RFLAGS = pattern. */
static void check_gprs(long nr, uint64_t pattern)
{
	flags_in = pattern;
	test_gprs(nr);
	static const char *names[16] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
					"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
	int ok = 1;
	for (int i = 0; i < 16; i++) {
		if (i == 0 || i == 2 || i == 11)
			continue;
		if (before.gpr[i] != after.gpr[i]) {
			printf("  %s: %#lx -> %#lx\n", names[i], (unsigned long)before.gpr[i],
			       (unsigned long)after.gpr[i]);
			ok = 0;
		}
	}
	report_p(ok, "general registers preserved", pattern);
	uint64_t mask = 0xcd5; /* CF PF AF ZF SF DF OF */
	report_p((before.flags & mask) == (after.flags & mask), "RFLAGS preserved", pattern);
	report_p(after.gpr[2] == site_next, "rcx = address after the syscall", pattern);
	report_p((after.gpr[11] & mask) == (before.flags & mask), "r11 = RFLAGS", pattern);
}

uint32_t mxcsr_default = 0x1f80;

int main(int argc, char **argv)
{
	long nr = argc > 1 && !strcmp(argv[1], "getppid") ? SYS_getppid : SYS_getpid;
	_Static_assert(__builtin_offsetof(struct state, zmm) == 136, "layout");
	_Static_assert(__builtin_offsetof(struct state, k) == 136 + 2048, "layout");
	_Static_assert(__builtin_offsetof(struct state, mxcsr) == 136 + 2048 + 64, "layout");

	/* OF SF PF CF; DF ZF AF; none: each flag set and clear once (bit 1
	 * is always set) */
	static const uint64_t patterns[] = {0x8c5, 0x452, 0x002};
	for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++)
		check_gprs(nr, patterns[p]);

	int avx512 = has_avx512();
	test_vectors(nr, avx512);
	int vok = 1;
	int nregs = avx512 ? 32 : 16, width = avx512 ? 64 : 32;
	for (int r = 0; r < nregs; r++)
		if (memcmp(before.zmm[r], after.zmm[r], (size_t)width)) {
			printf("  vector register %d changed\n", r);
			vok = 0;
		}
	report(vok, avx512 ? "zmm0-31 preserved" : "ymm0-15 preserved");
	if (avx512) {
		int kok = !memcmp(before.k, after.k, sizeof before.k);
		report(kok, "k0-7 preserved");
	} else {
		printf("SKIP: k0-7 preserved (no AVX-512)\n");
	}
	report(before.mxcsr == after.mxcsr, "MXCSR preserved");
	report(before.fcw == after.fcw, "x87 control word preserved");
	return failures ? 1 : 0;
}
