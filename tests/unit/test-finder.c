/*
 * Golden byte patterns for the site finder (finder.c): what is a system
 * call instruction, what is only a 0f 05 byte pair, and which functions keep
 * data below rsp.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "finder.h"
#include "t.h"

static size_t cand(const uint8_t *b, size_t n, size_t *out)
{
	return zp_find_candidates(b, n, out, 64);
}

static bool has_site(const struct zp_func_result *r, size_t off)
{
	for (size_t i = 0; i < r->nsites; i++)
		if (r->sites[i] == off)
			return true;
	return false;
}

/* Every way of scanning (byte loop, SSE2, AVX2, AVX-512) the CPU has
 * finds exactly the pairs a plain byte loop finds: pairs at every offset
 * of a vector and across vectors, at the very end, a lone 0f last, all
 * lengths up to 300 bytes, and more pairs than `max` (counted, not
 * stored). */
static void check_scan_ways(void)
{
	static uint8_t b[4096 + 64];
	static size_t want[4096], got[4096];
	uint32_t x = 12345;
	bool all_same = true;
	int ways = 0;
	const char *name[] = {"byte loop", "SSE2", "AVX2", "AVX-512"};
	for (int how = ZP_SCAN_BYTES; how <= zp_find_candidates_widest(); how++) {
		ways++;
		bool same = true;
		for (int round = 0; round < 400 && same; round++) {
			size_t len = round < 300 ? (size_t)round : 4096 - (size_t)(round % 97);
			for (size_t i = 0; i < len; i++) {
				x = x * 1103515245 + 12345;
				uint8_t v = (uint8_t)(x >> 16);
				/* dense in 0f, 05 and 34 so pairs fall everywhere */
				b[i] = (v & 3) == 0 ? 0x0f : (v & 3) == 1 ? 0x05 : (v & 3) == 2 ? 0x34 : v;
			}
			if (len && round % 3 == 0)
				b[len - 1] = 0x0f; /* a lone 0f at the end ends no pair */
			size_t n = 0;
			for (size_t i = 0; i + 1 < len; i++)
				if (b[i] == 0x0f && (b[i + 1] == 0x05 || b[i + 1] == 0x34))
					want[n++] = i;
			size_t max = round % 5 == 0 && n > 3 ? n / 2 : 4096;
			size_t k = zp_find_candidates_with(how, b, len, got, max);
			same = k == n && !memcmp(got, want, (n < max ? n : max) * sizeof got[0]);
			if (!same)
				printf("# %s: %zu bytes: %zu pairs, want %zu\n", name[how], len, k, n);
		}
		T_CHECK(same, "%s scan: the same pairs as the byte loop", name[how]);
		all_same &= same;
	}
	T_CHECK(ways >= 3 && all_same, "%d ways of scanning checked (AVX-512 %s)", ways,
		zp_find_candidates_widest() == ZP_SCAN_AVX512 ? "included" : "not on this CPU");
}

int main(void)
{
	size_t c[64];
	struct zp_func_result r;

	check_scan_ways();

	/* mov $39,%eax; syscall; ret */
	const uint8_t simple[] = {0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xc3};
	T_CHECK(cand(simple, sizeof simple, c) == 1 && c[0] == 5, "candidate found in a simple wrapper");
	zp_decode_function(simple, sizeof simple, SIZE_MAX, &r);
	T_CHECK(r.nsites == 1 && has_site(&r, 5) && !r.redzone, "simple wrapper: one site, no red zone");

	/* syscall as the very last two bytes of the buffer */
	const uint8_t at_end[] = {0x90, 0x90, 0x0f, 0x05};
	T_CHECK(cand(at_end, sizeof at_end, c) == 1 && c[0] == 2, "candidate at the end of a buffer");
	zp_decode_function(at_end, sizeof at_end, SIZE_MAX, &r);
	T_CHECK(r.nsites == 1 && has_site(&r, 2), "site at the end of a function");

	/* 0f 05 inside an immediate: mov $0x050f, %eax; ret */
	const uint8_t imm[] = {0xb8, 0x0f, 0x05, 0x00, 0x00, 0xc3};
	T_CHECK(cand(imm, sizeof imm, c) == 1 && c[0] == 1, "0f 05 inside an immediate is a candidate");
	zp_decode_function(imm, sizeof imm, SIZE_MAX, &r);
	T_CHECK(r.nsites == 0, "...but not an instruction");

	/* Decoding stops past the last candidate when none was a site: the
	 * real syscall after it is not looked for (the caller never asks). */
	const uint8_t late[] = {0xb8, 0x0f, 0x05, 0x00, 0x00, 0x0f, 0x05, 0xc3};
	zp_decode_function(late, sizeof late, 1, &r);
	T_CHECK(r.nsites == 0, "decoding stops after the last candidate with no site");
	zp_decode_function(late, sizeof late, 5, &r);
	T_CHECK(r.nsites == 1 && has_site(&r, 5), "...and goes on up to a later candidate");

	/* 0f 05 inside a displacement: mov 0x34050f(%rip), %rax */
	const uint8_t disp[] = {0x48, 0x8b, 0x05, 0x0f, 0x05, 0x34, 0x00, 0x0f, 0x34};
	size_t nc = cand(disp, sizeof disp, c);
	zp_decode_function(disp, sizeof disp, SIZE_MAX, &r);
	T_CHECK(nc == 2 && r.nsites == 1 && has_site(&r, 7), "sysenter found after a displacement holding 0f 05");

	/* Many candidates in SIMD-width blocks, including across the 16-byte
	 * boundary the scanner works in. */
	uint8_t big[100];
	memset(big, 0x90, sizeof big);
	big[15] = 0x0f;
	big[16] = 0x05;
	big[31] = 0x0f;
	big[32] = 0x34;
	big[98] = 0x0f;
	big[99] = 0x05;
	nc = cand(big, sizeof big, c);
	T_CHECK(nc == 3 && c[0] == 15 && c[1] == 31 && c[2] == 98,
		"candidates straddling the scanner's 16-byte blocks");

	/* An instruction that straddles a page: the function occupies the last
	 * bytes of one page and the first of the next. */
	uint8_t *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *f = two + 4096 - 6;
	const uint8_t cross[] = {0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xc3};
	memcpy(f, cross, sizeof cross);
	zp_decode_function(f, sizeof cross, SIZE_MAX, &r);
	T_CHECK(r.nsites == 1 && has_site(&r, 5), "site whose two bytes straddle a page boundary");
	zp_patch_bytes(f + 5, ZP_SITE_FAST);
	T_CHECK(f[5] == 0xff && f[6] == 0xd0, "patched across the page boundary: ff d0");
	zp_patch_bytes(f + 5, ZP_SITE_TRAP);
	T_CHECK(f[5] == 0x0f && f[6] == 0x0b, "trap form is ud2 (0f 0b)");

	/* Red zone: a leaf keeping data at -8(%rsp): mov %rdi,-0x8(%rsp); syscall */
	const uint8_t rz[] = {0x48, 0x89, 0x7c, 0x24, 0xf8, 0x0f, 0x05, 0xc3};
	zp_decode_function(rz, sizeof rz, SIZE_MAX, &r);
	T_CHECK(r.nsites == 1 && r.redzone, "leaf storing at -8(%%rsp) uses the red zone");

	/* lea -0x38(%rsp),%rdx (tcgetattr-style buffer in the red zone) */
	const uint8_t rzlea[] = {0x48, 0x8d, 0x54, 0x24, 0xc8, 0xb8, 0x10, 0, 0, 0, 0x0f, 0x05, 0xc3};
	zp_decode_function(rzlea, sizeof rzlea, SIZE_MAX, &r);
	T_CHECK(r.redzone, "buffer address in the red zone (lea -0x38(%%rsp))");

	/* gcc -O0 leaf: push %rbp; mov %rsp,%rbp; mov %edi,-0x14(%rbp); syscall; pop %rbp; ret */
	const uint8_t o0[] = {0x55, 0x48, 0x89, 0xe5, 0x89, 0x7d, 0xec, 0x0f, 0x05, 0x5d, 0xc3};
	zp_decode_function(o0, sizeof o0, SIZE_MAX, &r);
	T_CHECK(r.redzone, "-O0 leaf with rbp-relative locals below rsp");

	/* Non-leaf with a frame: push %rbp; mov %rsp,%rbp; sub $0x20,%rsp; mov %edi,-0x14(%rbp); syscall; leave; ret */
	const uint8_t fr[] = {0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x20, 0x89,
			      0x7d, 0xec, 0x0f, 0x05, 0xc9, 0xc3};
	zp_decode_function(fr, sizeof fr, SIZE_MAX, &r);
	T_CHECK(r.nsites == 1 && !r.redzone, "function with an allocated frame does not use the red zone");

	/* Free Pascal's frame: lea -0x48(%rsp),%rsp; mov %rdi,0x8(%rsp); syscall;
	 * lea 0x48(%rsp),%rsp; ret.  The lea moves rsp, touching nothing: every
	 * site of an FPC program trapped (40x slower than natively). */
	const uint8_t fpc[] = {0x48, 0x8d, 0x64, 0x24, 0xb8, 0x48, 0x89, 0x7c, 0x24, 0x08,
			       0x0f, 0x05, 0x48, 0x8d, 0x64, 0x24, 0x48, 0xc3};
	zp_decode_function(fpc, sizeof fpc, SIZE_MAX, &r);
	T_CHECK(r.nsites == 1 && !r.redzone, "lea -0x48(%%rsp),%%rsp allocates a frame, not the red zone");
	/* ... but into another register it is a pointer below rsp: lea -8(%rsp),%r12 */
	const uint8_t leaother[] = {0x4c, 0x8d, 0x64, 0x24, 0xf8, 0x0f, 0x05, 0xc3};
	zp_decode_function(leaother, sizeof leaother, SIZE_MAX, &r);
	T_CHECK(r.nsites == 1 && r.redzone, "lea -8(%%rsp),%%r12 (REX.R) is a pointer into the red zone");
	/* lea -0x10(%rsp),%rsp then an -O0 local below rbp within the frame */
	const uint8_t leafr[] = {0x55, 0x48, 0x89, 0xe5, 0x48, 0x8d, 0x64, 0x24, 0xe0,
				 0x89, 0x7d, 0xec, 0x0f, 0x05, 0xc9, 0xc3};
	zp_decode_function(leafr, sizeof leafr, SIZE_MAX, &r);
	T_CHECK(r.nsites == 1 && !r.redzone, "rbp locals inside a frame lea allocated");

	/* rsp-relative with positive displacement is fine: mov 0x8(%rsp),%rax */
	const uint8_t pos[] = {0x48, 0x8b, 0x44, 0x24, 0x08, 0x0f, 0x05, 0xc3};
	zp_decode_function(pos, sizeof pos, SIZE_MAX, &r);
	T_CHECK(!r.redzone, "positive rsp offsets are not the red zone");

	/* AVX-512 store into the red zone with a compressed disp8:
	 * vmovdqu64 %zmm0,-0x40(%rsp) = 62 f1 fe 48 7f 44 24 ff */
	const uint8_t evex[] = {0x62, 0xf1, 0xfe, 0x48, 0x7f, 0x44, 0x24, 0xff, 0x0f, 0x05, 0xc3};
	zp_decode_function(evex, sizeof evex, SIZE_MAX, &r);
	T_CHECK(r.nsites == 1 && r.redzone, "EVEX store below rsp (compressed displacement)");

	/* Undecodable bytes stop the walk: sites after them are not claimed. */
	const uint8_t bad[] = {0x90, 0x06, 0x0f, 0x05}; /* 06 is invalid in 64-bit mode */
	int rc = zp_decode_function(bad, sizeof bad, SIZE_MAX, &r);
	T_CHECK(rc < 0 && r.nsites == 0 && !r.complete, "invalid opcode: no site claimed after it");
	T_DONE();
}
