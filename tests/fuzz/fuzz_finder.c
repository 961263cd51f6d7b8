/*
 * fuzz_finder.c - libFuzzer harness for the site finder (src/runtime/finder.c).
 *
 * The input is a code buffer that is treated as one whole function, the way
 * rewrite.c hands a function from .eh_frame to zp_decode_function().  For
 * every input, placed against both ends of a guarded window (guard.h):
 *
 *  1. zp_find_candidates() returns exactly the 0f 05 / 0f 34 pairs a plain
 *     byte loop finds, in order, and stores no more than `max` of them.
 *  2. zp_decode_function() agrees with an independent linear sweep done
 *     here with Zydis' full decoder (operands too, not the minimal mode the
 *     finder uses): same sites, same "complete", return code to match.
 *     Every explicit memory operand at a negative offset from rsp/esp must
 *     have set `redzone` (that is what makes the runtime trap instead of
 *     pushing a return address over the function's data).
 *     zp_decode_linear() (code without boundaries, e.g. a JIT's) likewise,
 *     against a sweep that restarts one byte past each undecodable spot.
 *  3. Patching what rewrite.c would patch (candidates that are reported
 *     sites) changes exactly two bytes per site, to ff d0 or 0f 0b, and the
 *     patched buffer decodes to the same instruction boundaries and lengths
 *     everywhere; each site now decodes as a 2-byte call / ud2.
 *
 * A failed property prints what differs and aborts, which libFuzzer records
 * as a crash with the input that caused it.
 */
#include <Zydis/Zydis.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finder.h"
#include "guard.h"

#define BUG(...)                                                   \
	do {                                                       \
		fprintf(stderr, "fuzz_finder: property failed: "); \
		fprintf(stderr, __VA_ARGS__);                      \
		fprintf(stderr, "\n");                             \
		abort();                                           \
	} while (0)

struct insn {
	size_t off;
	uint8_t len;
	ZydisMnemonic mnemonic;
};

struct sweep {
	struct insn *v; /* every instruction from offset 0; with resync, an
			 * undecodable byte is an entry of length 0 */
	size_t n;
	bool complete; /* decoding reached the end of the buffer */
	bool rsp_below; /* an explicit memory operand below rsp */
};

static ZydisDecoder full;
static unsigned long n_inputs, n_sites;

static void print_stats(void)
{
	fprintf(stderr, "fuzz_finder: %lu inputs, %lu sites confirmed and patched\n", n_inputs,
		n_sites);
}

static struct zf_window code_window, patch_window;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ZydisDecoderInit(&full, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	zf_window_init(&code_window);
	zf_window_init(&patch_window);
	const char *s = getenv("ZF_STATS");
	if (s && *s == '1')
		atexit(print_stats);
	return 0;
}

static bool is_syscall(ZydisMnemonic m)
{
	return m == ZYDIS_MNEMONIC_SYSCALL || m == ZYDIS_MNEMONIC_SYSENTER;
}

static void sweep(const uint8_t *buf, size_t len, bool resync, struct sweep *s)
{
	s->v = malloc((len + 1) * sizeof *s->v);
	s->n = 0;
	s->complete = true;
	s->rsp_below = false;
	size_t off = 0;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	while (off < len) {
		if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&full, buf + off, len - off, &in, ops))) {
			s->complete = false;
			if (!resync)
				break;
			s->v[s->n++] = (struct insn){off, 0, ZYDIS_MNEMONIC_INVALID};
			off++;
			continue;
		}
		s->v[s->n++] = (struct insn){off, in.length, in.mnemonic};
		/* lea disp(%rsp), %rsp moves the stack pointer and touches no
		 * memory: a frame, not the red zone (Free Pascal's frames) */
		const ZydisDecodedOperand *dst = &ops[0];
		bool lea_sp = in.mnemonic == ZYDIS_MNEMONIC_LEA && dst->type == ZYDIS_OPERAND_TYPE_REGISTER &&
			      (dst->reg.value == ZYDIS_REGISTER_RSP || dst->reg.value == ZYDIS_REGISTER_ESP ||
			       dst->reg.value == ZYDIS_REGISTER_SP);
		for (unsigned i = 0; i < in.operand_count && !lea_sp; i++) {
			const ZydisDecodedOperand *op = &ops[i];
			if (op->type != ZYDIS_OPERAND_TYPE_MEMORY ||
			    op->visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT)
				continue;
			if ((op->mem.base == ZYDIS_REGISTER_RSP || op->mem.base == ZYDIS_REGISTER_ESP) &&
			    op->mem.disp.has_displacement && op->mem.disp.value < 0)
				s->rsp_below = true;
		}
		off += in.length;
	}
}

static void check_candidates(const uint8_t *buf, size_t len, unsigned small_max)
{
	size_t *ref = malloc((len + 1) * sizeof *ref);
	size_t nref = 0;
	for (size_t i = 0; i + 1 < len; i++)
		if (buf[i] == 0x0f && (buf[i + 1] == 0x05 || buf[i + 1] == 0x34))
			ref[nref++] = i;

	/* Room for all of them: exactly `len` slots, so ASan sees overruns. */
	size_t *out = malloc((len ? len : 1) * sizeof *out);
	size_t n = zp_find_candidates(buf, len, out, len);
	if (n != nref)
		BUG("zp_find_candidates: %zu pairs, a byte loop finds %zu (len %zu)", n, nref,
		    len);
	for (size_t i = 0; i < n; i++)
		if (out[i] != ref[i])
			BUG("zp_find_candidates: pair %zu at %zu, expected %zu", i, out[i], ref[i]);

	/* Fewer slots than pairs: the count is still the total; nothing is
	 * stored past `max` (the block is exactly `max` slots). */
	size_t *few = malloc(small_max * sizeof *few);
	n = zp_find_candidates(buf, len, few, small_max);
	if (n != nref)
		BUG("zp_find_candidates(max %u): returned %zu, expected %zu", small_max, n, nref);
	for (size_t i = 0; i < n && i < small_max; i++)
		if (few[i] != ref[i])
			BUG("zp_find_candidates(max %u): pair %zu at %zu, expected %zu", small_max, i,
			    few[i], ref[i]);
	free(few);
	free(out);
	free(ref);
}

static bool is_candidate(const uint8_t *buf, size_t len, size_t off)
{
	return off + 1 < len && buf[off] == 0x0f && (buf[off + 1] == 0x05 || buf[off + 1] == 0x34);
}

static void check_decoder(const uint8_t *buf, size_t len, uint8_t *copy, unsigned salt,
			  bool linear)
{
	const char *fn = linear ? "zp_decode_linear" : "zp_decode_function";
	struct sweep ref;
	sweep(buf, len, linear, &ref);

	struct zp_func_result *res = malloc(sizeof *res);
	int rc = linear ? zp_decode_linear(buf, len, res) : zp_decode_function(buf, len, SIZE_MAX, res);

	/* zp_decode_linear() stops at the last 0f 05 / 0f 34 pair when it has
	 * found no site by then (and decodes nothing without one): with no site
	 * in the buffer, "complete" and "redzone" describe only what it decoded. */
	size_t ref_sys = 0;
	for (size_t i = 0; i < ref.n; i++)
		ref_sys += is_syscall(ref.v[i].mnemonic);
	bool whole = !linear || ref_sys > 0;
	if (whole && res->complete != ref.complete)
		BUG("%s: complete=%d, full decode says %d (len %zu)", fn, res->complete,
		    ref.complete, len);
	if (rc != (res->complete ? 0 : -1))
		BUG("%s: returned %d with complete=%d", fn, rc, res->complete);
	size_t nsys = 0;
	for (size_t i = 0; i < ref.n; i++) {
		if (!is_syscall(ref.v[i].mnemonic))
			continue;
		if (nsys < ZP_FUNC_MAX_SITES && (nsys >= res->nsites || res->sites[nsys] != ref.v[i].off))
			BUG("%s: site %zu is at %zu, full decode has one at %zu", fn, nsys,
			    nsys < res->nsites ? res->sites[nsys] : (size_t)-1, ref.v[i].off);
		nsys++;
	}
	if (res->nsites != nsys)
		BUG("%s: %zu sites, full decode finds %zu", fn, res->nsites, nsys);
	if (whole && ref.rsp_below && !res->redzone)
		BUG("%s: a memory operand below rsp, but redzone is false", fn);

	/* What rewrite.c patches: a candidate pair that is a reported site.  A
	 * reported site with prefixes (66 0f 05) starts before its 0f and is
	 * never a candidate offset, so it is left alone. */
	memcpy(copy, buf, len);
	bool *patched = calloc(len + 1, 1);
	uint8_t *kind = calloc(len + 1, 1);
	size_t stored = res->nsites < ZP_FUNC_MAX_SITES ? res->nsites : ZP_FUNC_MAX_SITES;
	for (size_t k = 0; k < stored; k++) {
		size_t off = res->sites[k];
		if (off >= len)
			BUG("%s: site %zu at %zu is past the end (%zu)", fn, k, off, len);
		if (!is_candidate(buf, len, off))
			continue;
		/* Both encodings get exercised: the kind alternates per site. */
		enum zp_site_kind kd = ((k + salt) & 1) ? ZP_SITE_TRAP : ZP_SITE_FAST;
		zp_patch_bytes(copy + off, kd);
		n_sites++;
		patched[off] = true;
		kind[off] = (uint8_t)kd;
	}
	for (size_t i = 0; i < len; i++) {
		if (patched[i]) {
			const uint8_t *want = kind[i] == ZP_SITE_FAST ? (const uint8_t *)"\xff\xd0"
								     : (const uint8_t *)"\x0f\x0b";
			if (copy[i] != want[0] || copy[i + 1] != want[1])
				BUG("zp_patch_bytes: site %zu became %02x %02x", i, copy[i], copy[i + 1]);
			i++;
			continue;
		}
		if (copy[i] != buf[i])
			BUG("zp_patch_bytes: byte %zu changed (%02x -> %02x) outside any site", i,
			    buf[i], copy[i]);
	}

	/* The linear sweep restarts past bytes that do not decode; whether they
	 * decode depends on up to 15 bytes from there, so a site patched within
	 * that reach may make them decode now.  Such a spot was never a valid
	 * instruction to run: compare up to the first of them. */
	size_t upto = ref.n;
	for (size_t i = 0; linear && i < ref.n && upto == ref.n; i++) {
		if (ref.v[i].len)
			continue;
		for (size_t j = ref.v[i].off; j < ref.v[i].off + ZYDIS_MAX_INSTRUCTION_LENGTH && j < len; j++)
			if (patched[j] || (j && patched[j - 1]))
				upto = i;
	}
	struct sweep after;
	sweep(copy, len, linear, &after);
	if (upto == ref.n && (after.n != ref.n || after.complete != ref.complete))
		BUG("patched buffer: %zu instructions (complete %d), before %zu (complete %d)",
		    after.n, after.complete, ref.n, ref.complete);
	if (after.n < upto)
		BUG("patched buffer: %zu instructions, before %zu", after.n, ref.n);
	for (size_t i = 0; i < upto; i++) {
		const struct insn *a = &after.v[i], *b = &ref.v[i];
		if (a->off != b->off || a->len != b->len)
			BUG("patched buffer: instruction %zu at %zu+%u, before at %zu+%u", i, a->off,
			    a->len, b->off, b->len);
		if (patched[b->off]) {
			ZydisMnemonic want = kind[b->off] == ZP_SITE_FAST ? ZYDIS_MNEMONIC_CALL
									 : ZYDIS_MNEMONIC_UD2;
			if (a->mnemonic != want || a->len != 2)
				BUG("patched site %zu decodes as %s (%u bytes)", b->off,
				    ZydisMnemonicGetString(a->mnemonic), a->len);
		} else if (a->mnemonic != b->mnemonic) {
			BUG("patched buffer: instruction at %zu changed from %s to %s", b->off,
			    ZydisMnemonicGetString(b->mnemonic), ZydisMnemonicGetString(a->mnemonic));
		}
	}
	free(after.v);
	free(kind);
	free(patched);
	free(res);
	free(ref.v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > ZF_WINDOW)
		return -1; /* not added to the corpus */
	unsigned salt = size ? data[size - 1] : 0;
	n_inputs++;
	for (int where = ZF_AT_START; where <= ZF_AT_END; where++) {
		const uint8_t *buf = zf_place(&code_window, data, size, (enum zf_place)where, 1);
		uint8_t *copy = zf_place(&patch_window, data, size, (enum zf_place)where, 1);
		check_candidates(buf, size, salt % 5);
		check_decoder(buf, size, copy, salt, false);
		check_decoder(buf, size, copy, salt, true);
	}
	return 0;
}
