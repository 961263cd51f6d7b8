/*
 * finder.c - which bytes are system call instructions, and which of those
 * may become `callq *%rax`.  Pure functions over a buffer: no process state,
 * so unit tests and the fuzzer drive them directly.
 *
 * 1. zp_find_candidates(): every `0f 05` / `0f 34` byte pair (AVX2 or SSE2).
 *    Most of a binary has none, so only a few functions are ever decoded.
 * 2. zp_decode_function(): decodes one function with Zydis from its first
 *    byte (a boundary from .eh_frame), so a candidate counts only if an
 *    instruction starts exactly there and decodes as syscall/sysenter.
 *    Data that happens to contain `0f 05` (LLVM's .rodata has thousands of
 *    such pairs) is never an instruction start and is left alone.
 * 3. The same pass decides whether the function keeps data below rsp: any
 *    memory operand rsp-relative with a negative displacement, or
 *    rbp-relative below what the function's pushes and `sub $n, %rsp`
 *    allocate.  `callq *%rax` writes -8(%rsp), so sites in such functions
 *    trap (`ud2`) instead.  Conservative: a false "uses the red zone" only
 *    costs speed.
 */
#include <immintrin.h>
#include <string.h>
#include <sys/platform/x86.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "decoder.h"

#include "finder.h"
#include "insn.h"
#include "raw.h"

/* Pairs whose first byte is at [from, to): a plain loop for the tails. */
static size_t scan_bytes(const uint8_t *buf, size_t from, size_t to, size_t *out, size_t max,
			 size_t n)
{
	for (size_t i = from; i < to; i++)
		if (buf[i] == 0x0f && (buf[i + 1] == 0x05 || buf[i + 1] == 0x34)) {
			if (n < max)
				out[n] = i;
			n++;
		}
	return n;
}

#define RECORD_BITS(bits, i)                                                                   \
	while (bits) {                                                                         \
		unsigned k_ = (unsigned)__builtin_ctzll(bits);                                 \
		(bits) &= (bits) - 1;                                                            \
		if (n < max)                                                                   \
			out[n] = (i) + k_;                                                     \
		n++;                                                                           \
	}

static size_t scan_sse2(const uint8_t *buf, size_t len, size_t *out, size_t max)
{
	size_t n = 0, i = 0;
	const __m128i op = _mm_set1_epi8(0x0f);
	const __m128i sc = _mm_set1_epi8(0x05);
	const __m128i se = _mm_set1_epi8(0x34);
	for (; i + 17 <= len; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(buf + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(buf + i + 1));
		__m128i m = _mm_and_si128(_mm_cmpeq_epi8(a, op),
					  _mm_or_si128(_mm_cmpeq_epi8(b, sc), _mm_cmpeq_epi8(b, se)));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		RECORD_BITS(bits, i)
	}
	return scan_bytes(buf, i, len - 1, out, max, n);
}

/* Twice the bytes per step; the scan is most of a cold start of a program
 * with much code (clang-tidy: 184 MiB). */
__attribute__((target("avx2"))) static size_t scan_avx2(const uint8_t *buf, size_t len,
							 size_t *out, size_t max)
{
	size_t n = 0, i = 0;
	const __m256i op = _mm256_set1_epi8(0x0f);
	const __m256i sc = _mm256_set1_epi8(0x05);
	const __m256i se = _mm256_set1_epi8(0x34);
	for (; i + 33 <= len; i += 32) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(buf + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(buf + i + 1));
		__m256i m = _mm256_and_si256(
			_mm256_cmpeq_epi8(a, op),
			_mm256_or_si256(_mm256_cmpeq_epi8(b, sc), _mm256_cmpeq_epi8(b, se)));
		unsigned bits = (unsigned)_mm256_movemask_epi8(m);
		RECORD_BITS(bits, i)
	}
	return scan_bytes(buf, i, len - 1, out, max, n);
}

/* Twice the bytes per step again, with the compares into mask registers:
 * ~18% less time than AVX2 over 48 MiB of libLLVM's code already mapped
 * (one CPU of the Intel VM, medians of 31).  Only zmm0-15 (no more are
 * live), and GCC ends the function with vzeroupper: their upper halves
 * go back to their initial state (the mask registers it wrote stay as it
 * left them: 64 bytes more for the kernel to save at a switch).  A scan
 * while the program runs (code that appeared later) is made with the
 * program's extended state saved around it (dispatch.c). */
__attribute__((target("avx512bw"))) static size_t scan_avx512(const uint8_t *buf, size_t len,
							   size_t *out, size_t max)
{
	size_t n = 0, i = 0;
	const __m512i op = _mm512_set1_epi8(0x0f);
	const __m512i sc = _mm512_set1_epi8(0x05);
	const __m512i se = _mm512_set1_epi8(0x34);
	for (; i + 65 <= len; i += 64) {
		__m512i a = _mm512_loadu_si512((const void *)(buf + i));
		__m512i b = _mm512_loadu_si512((const void *)(buf + i + 1));
		uint64_t bits = _mm512_cmpeq_epi8_mask(a, op) &
				(_mm512_cmpeq_epi8_mask(b, sc) | _mm512_cmpeq_epi8_mask(b, se));
		RECORD_BITS(bits, i)
	}
	return scan_bytes(buf, i, len - 1, out, max, n);
}

/* The widest pass the CPU has and the kernel enabled the registers of
 * (XCR0), as ld.so found out (no CPUID: see cpu.c). */
static int widest_scan(void)
{
	if (CPU_FEATURE_ACTIVE(AVX512BW))
		return ZP_SCAN_AVX512;
	return CPU_FEATURE_ACTIVE(AVX2) ? ZP_SCAN_AVX2 : ZP_SCAN_SSE2;
}

size_t zp_find_candidates_with(int how, const uint8_t *buf, size_t len, size_t *out, size_t max)
{
	if (len < 2)
		return 0;
	switch (how) {
	case ZP_SCAN_AVX512:
		return scan_avx512(buf, len, out, max);
	case ZP_SCAN_AVX2:
		return scan_avx2(buf, len, out, max);
	case ZP_SCAN_SSE2:
		return scan_sse2(buf, len, out, max);
	default:
		return scan_bytes(buf, 0, len - 1, out, max, 0);
	}
}

size_t zp_find_candidates(const uint8_t *buf, size_t len, size_t *out, size_t max)
{
	return zp_find_candidates_with(widest_scan(), buf, len, out, max);
}

int zp_find_candidates_widest(void)
{
	return widest_scan();
}

static ZydisDecoder decoder;
static const struct zp_decoder_api *zydis;

/* The decoder, set up the first time; NULL if it cannot be loaded. */
static const struct zp_decoder_api *decoder_init(void)
{
	const struct zp_decoder_api *z = __atomic_load_n(&zydis, __ATOMIC_ACQUIRE);
	if (z)
		return z;
	z = zp_decoder();
	if (!z)
		return NULL;
	ZydisDecoder d;
	z->init(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	z->enable_mode(&d, ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE);
	decoder = d;
	__atomic_store_n(&zydis, z, __ATOMIC_RELEASE);
	return z;
}

bool zp_finder_ready(void)
{
	return decoder_init() != NULL;
}

/* Base register number (0..15) of a memory operand, -1 for none / rip. */
static int mem_base(const ZydisDecodedInstruction *in)
{
	const int mod = in->raw.modrm.mod, rm = in->raw.modrm.rm;
	int ext = 0;
	if (in->encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY ||
	    in->encoding == ZYDIS_INSTRUCTION_ENCODING_3DNOW)
		ext = in->raw.rex.B ? 8 : 0;
	/* For VEX/EVEX/XOP the low three bits are enough to be conservative:
	 * r12/r13 are treated like rsp/rbp. */
	if (rm == 4) {
		int base = in->raw.sib.base;
		if (mod == 0 && base == 5)
			return -1; /* disp32, no base */
		return base + ext;
	}
	if (mod == 0 && rm == 5)
		return -1; /* rip-relative */
	return rm + ext;
}

bool zp_decode_one(const uint8_t *p, size_t avail, ZydisDecodedInstruction *in)
{
	const struct zp_decoder_api *z = decoder_init();
	return z && ZYAN_SUCCESS(z->decode(&decoder, ZYAN_NULL, p, avail, in));
}

bool zp_insn_zydis(const uint8_t *p, size_t avail, struct zp_insn *o)
{
	const struct zp_decoder_api *z = decoder_init();
	ZydisDecodedInstruction in;
	if (!z || !ZYAN_SUCCESS(z->decode(&decoder, ZYAN_NULL, p, avail, &in)))
		return false;
	o->length = in.length;
	o->opcode = in.opcode;
	o->cls = (uint8_t)zp_insn_class_of(in.mnemonic);
	o->has_modrm = (in.attributes & ZYDIS_ATTRIB_HAS_MODRM) != 0;
	o->mod = o->has_modrm ? in.raw.modrm.mod : 0;
	o->reg = o->has_modrm ? in.raw.modrm.reg : 0;
	o->rm = o->has_modrm ? in.raw.modrm.rm : 0;
	o->rex_b = in.raw.rex.B;
	o->base = (int8_t)(o->has_modrm && o->mod != 3 ? mem_base(&in) : -1);
	o->disp = in.raw.disp.value;
	o->imm = in.raw.imm[0].value.s;
	o->lea_rsp = in.mnemonic == ZYDIS_MNEMONIC_LEA && in.raw.modrm.reg == 4 && !in.raw.rex.R &&
		     in.encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY;
	return true;
}

/* One instruction: from the generated tables if they cover it (~10x
 * faster), else from Zydis.  false: the bytes do not decode. */
static bool insn_at(const uint8_t *p, size_t avail, struct zp_insn *o)
{
	return zp_insn_quick(p, avail, o) || zp_insn_zydis(p, avail, o);
}

static bool writes_rsp_imm(const struct zp_insn *in, long *imm)
{
	if (in->lea_rsp && in->base == 4) { /* lea disp(%rsp), %rsp */
		*imm = -in->disp;
		return true;
	}
	/* 81 /5 or 83 /5 with rm = rsp, mod = 3: sub $imm, %rsp (and add). */
	if (!in->has_modrm || in->mod != 3 || in->rm != 4 || in->rex_b)
		return false;
	if (in->opcode != 0x81 && in->opcode != 0x83)
		return false;
	long v = (long)in->imm;
	if (in->reg == 5) { /* sub */
		*imm = v;
		return true;
	}
	if (in->reg == 0) { /* add of a negative number */
		*imm = -v;
		return true;
	}
	return false;
}

/* Decodes [code, code+len).  Without `resync` the walk stops at the first
 * undecodable byte; with it, it steps one byte past and goes on (code with
 * no known boundaries), and red-zone use anywhere counts for every site. */
static int decode_range(const uint8_t *code, size_t len, size_t last_candidate,
			struct zp_func_result *res, bool resync)
{
	const struct zp_decoder_api *z = decoder_init();
	res->nsites = 0;
	res->redzone = false;
	res->complete = z != NULL;
	res->insns = 0;
	res->far_target = false;
	res->indirect_jmp = false;
	memset(res->target, 0, sizeof res->target);
	if (!z)
		return -1;
	size_t prev = SIZE_MAX;
	long frame = 0, min_rbp = 0;
	int pushes = 0;
	bool dynamic = false;
	size_t off = 0;
	struct zp_insn in;
	while (off < len) {
		/* Past the last place a site could be with none found: the
		 * rest of the function cannot matter. */
		if (off > last_candidate && res->nsites == 0)
			break;
		if (!insn_at(code + off, len - off, &in)) {
			res->complete = false;
			if (!resync)
				break;
			off++;
			continue;
		}
		if (in.cls == ZP_INSN_SYSCALL || in.cls == ZP_INSN_SYSENTER) {
			if (res->nsites < ZP_FUNC_MAX_SITES) {
				res->sites[res->nsites] = off;
				res->prev[res->nsites] = prev;
			}
			res->nsites++;
		} else if (in.cls == ZP_INSN_PUSH) {
			pushes++;
		} else if ((in.cls == ZP_INSN_JMP && !in.has_modrm) || in.cls == ZP_INSN_JCC) {
			/* a relative branch: its target, from the function's start */
			int64_t t = (int64_t)off + in.length + in.imm;
			if (t >= 0 && t < ZP_FUNC_TARGET_SPAN)
				res->target[t / 64] |= 1ull << (t % 64);
			else if (t >= 0 && (uint64_t)t < len)
				res->far_target = true;
		} else if (in.cls == ZP_INSN_JMP) {
			res->indirect_jmp = true;
		}
		prev = off;
		if (in.has_modrm && in.mod != 3) {
			/* lea -N(%rsp), %rsp allocates a frame (Free Pascal's way:
			 * every site of its programs trapped) */
			if (in.base == 4 && in.disp < 0 && !in.lea_rsp)
				res->redzone = true;
			else if (in.base == 5 && in.mod != 0 && in.disp < min_rbp)
				min_rbp = in.disp;
		}
		long imm;
		if (writes_rsp_imm(&in, &imm)) {
			if (imm > frame)
				frame = imm;
		} else if (in.has_modrm && in.mod == 3 && in.rm == 4 && !in.rex_b &&
			   (in.cls == ZP_INSN_AND || in.cls == ZP_INSN_SUB)) {
			dynamic = true; /* alignment or alloca: the frame is large */
		}
		off += in.length;
		res->insns++;
	}
	if (min_rbp < 0 && !dynamic && -min_rbp > frame + 8L * pushes)
		res->redzone = true;
	return res->complete ? 0 : -1;
}

int zp_decode_function(const uint8_t *code, size_t len, size_t last_candidate,
		       struct zp_func_result *res)
{
	return decode_range(code, len, last_candidate, res, false);
}

int zp_decode_linear(const uint8_t *code, size_t len, struct zp_func_result *res)
{
	/* Code with no known boundaries (a JIT's buffer): decode from the start
	 * and step over bytes that do not decode.  Only up to the last
	 * `0f 05` / `0f 34` pair, when no site was found by then, and not at
	 * all without one: a JIT's fresh buffer is zeros, which decode two
	 * bytes an instruction (Guile maps 256 KiB writable and executable
	 * for each thread: ~8 ms of decoding, and Zydis mapped, for nothing). */
	size_t n = zp_find_candidates(code, len, res->sites, ZP_FUNC_MAX_SITES);
	if (n == 0) {
		res->nsites = 0;
		res->redzone = false;
		res->complete = true;
		res->insns = 0;
		res->far_target = res->indirect_jmp = false;
		return 0;
	}
	size_t last = n <= ZP_FUNC_MAX_SITES ? res->sites[n - 1] : SIZE_MAX;
	return decode_range(code, len, last, res, true);
}

struct zp_func_result *zp_func_result_new(void)
{
	long m = zp_raw6(SYS_mmap, 0, (long)sizeof(struct zp_func_result), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return m < 0 ? NULL : (struct zp_func_result *)m;
}

void zp_func_result_free(struct zp_func_result *r)
{
	if (r)
		zp_raw2(SYS_munmap, r, sizeof *r);
}

void zp_patch_bytes(uint8_t *at, enum zp_site_kind kind)
{
	uint8_t b0 = kind == ZP_SITE_FAST ? 0xff : 0x0f; /* ff d0: callq *%rax */
	uint8_t b1 = kind == ZP_SITE_FAST ? 0xd0 : 0x0b; /* 0f 0b: ud2 */
	if (((uintptr_t)at & 63) != 63) {
		/* Within one cache line a 2-byte store is atomic: another thread
		 * sees the old instruction or the new one. */
		uint16_t v = (uint16_t)(b0 | b1 << 8);
		__atomic_store_n((uint16_t *)(void *)at, v, __ATOMIC_SEQ_CST);
		return;
	}
	/* Across a cache line: int3 first, so a thread arriving in between
	 * traps (the SIGTRAP handler sends it back to retry), then the second
	 * byte, then the first. */
	__atomic_store_n(at, (uint8_t)0xcc, __ATOMIC_SEQ_CST);
	__atomic_store_n(at + 1, b1, __ATOMIC_SEQ_CST);
	__atomic_store_n(at, b0, __ATOMIC_SEQ_CST);
}
