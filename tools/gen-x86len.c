/*
 * gen-x86len.c - generates the tables of the runtime's quick instruction
 * walker (src/runtime/insn.c) by asking Zydis, at build time, how it
 * decodes every opcode of the legacy maps in every context that can change
 * an instruction's layout.
 *
 *   gen-x86len OUT.c
 *
 * Why: finding which `0f 05` pairs are instructions means decoding whole
 * functions from their first byte, and Zydis takes ~80 ns an instruction
 * on this machine kind (clang-tidy's first start decodes ~185,000).  Most
 * instructions are plain legacy encodings whose length follows from the
 * opcode, a few prefixes and the ModRM/SIB bytes; for those a table lookup
 * is enough.  The table is Zydis's own answer, generated, not typed: for
 * each (map, opcode) and each context
 *
 *     67 prefix or not  x  REX.W or not  x  none/66/F3/F2  x  mod 3 or not  x  ModRM.reg
 *
 * the generator decodes the opcode with every ModRM.rm and mod, SIB bytes
 * with and without a base-less disp32, two different fillers after it, a
 * segment prefix before and after the others and REX.RXB set, and keeps an
 * entry only if all of them agree on validity, ModRM presence, immediate
 * sizes and class, and each length equals prefixes + opcode + ModRM + SIB +
 * displacement + immediates.  Anything else (VEX, EVEX, XOP, 3DNow!, an
 * opcode whose layout depends on other bytes) is left to Zydis at run time.
 *
 * Entry byte: bit 7 usable; bit 6 has ModRM; bits 3-5 class (enum in
 * insn.h); bits 0-2 an index into the table of immediate size pairs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <Zydis/Zydis.h>

#include "../src/runtime/insn_class.h"

enum { MAPS = 4, ROW = 256, MAX_ROWS = 4096, MAX_IMM = 8 };

static ZydisDecoder dec;
static unsigned char rows[MAX_ROWS][ROW];
static int nrows = 1; /* row 0: nothing usable */
static unsigned short row_of[MAPS][256];
static unsigned char imm_pairs[MAX_IMM][2];
static int nimm;

struct shape {
	int valid;
	int has_modrm;
	int cls;
	int imm0, imm1; /* bytes */
};

static const unsigned char escapes[MAPS][2] = {{0, 0}, {0x0f, 0}, {0x0f, 0x38}, {0x0f, 0x3a}};
static const int escape_len[MAPS] = {0, 1, 2, 2};
static const unsigned char pfx_byte[4] = {0, 0x66, 0xf3, 0xf2};

/* Bytes the runtime's walker consumes before looking an opcode up: never
 * opcodes of their own there. */
static int is_prefix_or_escape(int map, int op)
{
	if (map != 0)
		return 0;
	switch (op) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3: case 0x0f:
		return 1;
	default:
		return op >= 0x40 && op <= 0x4f; /* REX */
	}
}

/* Prefix orders to try: the legacy prefixes of a context, each order. */
enum { ORDER_PLAIN, ORDER_SEG_FIRST, ORDER_SEG_LAST, ORDER_67_LAST, ORDER_REPEAT, ORDERS };

/* Decodes one variant; 0 and *s filled, or -1 if the layout formula fails. */
static int try_one(int map, int op, int a67, int w, int pfx, int order, int rxb,
		   unsigned char modrm, unsigned char sib, unsigned char filler, struct shape *s)
{
	unsigned char b[32];
	int n = 0;
	if (order == ORDER_SEG_FIRST)
		b[n++] = 0x64;
	if (order == ORDER_REPEAT && pfx)
		b[n++] = pfx_byte[pfx];
	if (a67 && order != ORDER_67_LAST)
		b[n++] = 0x67;
	if (pfx)
		b[n++] = pfx_byte[pfx];
	if (a67 && order == ORDER_67_LAST)
		b[n++] = 0x67;
	if (order == ORDER_SEG_LAST)
		b[n++] = 0x2e;
	int npfx = n;
	if (w || rxb)
		b[n++] = (unsigned char)(0x40 | (w ? 8 : 0) | (rxb ? 7 : 0));
	int nrex = n - npfx;
	for (int i = 0; i < escape_len[map]; i++)
		b[n++] = escapes[map][i];
	b[n++] = (unsigned char)op;
	int at_modrm = n;
	b[n++] = modrm;
	b[n++] = sib;
	while (n < (int)sizeof b)
		b[n++] = filler;

	ZydisDecodedInstruction in;
	memset(s, 0, sizeof *s);
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec, ZYAN_NULL, b, sizeof b, &in)))
		return 0; /* invalid: valid stays 0 */
	s->valid = 1;
	s->has_modrm = (in.attributes & ZYDIS_ATTRIB_HAS_MODRM) != 0;
	s->cls = zp_insn_class_of(in.mnemonic);
	s->imm0 = in.raw.imm[0].size / 8;
	s->imm1 = in.raw.imm[1].size / 8;
	if (in.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return -1;
	int len = npfx + nrex + escape_len[map] + 1;
	if (s->has_modrm) {
		int mod = modrm >> 6, rm = modrm & 7;
		len++;
		if (mod != 3 && rm == 4) {
			len++;
			if (mod == 0 && (sib & 7) == 5)
				len += 4;
		}
		if (mod == 1)
			len += 1;
		else if (mod == 2 || (mod == 0 && rm == 5))
			len += 4;
		if (in.raw.modrm.offset != at_modrm)
			return -1;
	}
	len += s->imm0 + s->imm1;
	return len == in.length ? 0 : -1;
}

/* Does s agree with the first shape seen?  (The first one is kept.) */
static int agrees(struct shape *first, int *have, const struct shape *s)
{
	if (!*have) {
		*first = *s;
		*have = 1;
		return 1;
	}
	return memcmp(first, s, sizeof *s) == 0;
}

/* The entry for one context, or 0 (not usable). */
static unsigned char entry(int map, int op, int a67, int w, int pfx, int isreg, int reg)
{
	static const unsigned char sibs[] = {0x24, 0x25, 0xe5};
	static const unsigned char fillers[] = {0x00, 0x90};
	struct shape first = {0}, s;
	int have = 0;
	/* Every ModRM form, SIB bytes with and without a base, two fillers. */
	for (int mod = isreg ? 3 : 0; mod <= (isreg ? 3 : 2); mod++)
		for (int rm = 0; rm < 8; rm++)
			for (unsigned si = 0; si < (mod != 3 && rm == 4 ? sizeof sibs : 1); si++)
				for (unsigned fi = 0; fi < sizeof fillers; fi++) {
					unsigned char modrm = (unsigned char)(mod << 6 | reg << 3 | rm);
					if (try_one(map, op, a67, w, pfx, ORDER_PLAIN, 0, modrm, sibs[si],
						    fillers[fi], &s) < 0 ||
					    !agrees(&first, &have, &s))
						return 0;
				}
	/* Other prefix orders and REX.RXB, on a few forms. */
	static const unsigned char mem_forms[] = {0x04, 0x85, 0x40}, reg_forms[] = {0xc0, 0xc7};
	const unsigned char *forms = isreg ? reg_forms : mem_forms;
	int nforms = isreg ? (int)sizeof reg_forms : (int)sizeof mem_forms;
	for (int k = 0; k < nforms; k++)
		for (int order = 0; order < ORDERS; order++)
			for (int rxb = 0; rxb < 2; rxb++) {
				if (order == ORDER_67_LAST && !(a67 && pfx))
					continue;
				unsigned char modrm = (unsigned char)((forms[k] & 0xc7) | reg << 3);
				if (try_one(map, op, a67, w, pfx, order, rxb, modrm, sibs[0], fillers[0], &s) <
					    0 ||
				    !agrees(&first, &have, &s))
					return 0;
			}
	if (!first.valid)
		return 0; /* Zydis says what it says about invalid bytes */
	int k;
	for (k = 0; k < nimm; k++)
		if (imm_pairs[k][0] == first.imm0 && imm_pairs[k][1] == first.imm1)
			break;
	if (k == nimm) {
		if (nimm == MAX_IMM) {
			fprintf(stderr, "gen-x86len: more than %d immediate layouts\n", MAX_IMM);
			exit(1);
		}
		imm_pairs[nimm][0] = (unsigned char)first.imm0;
		imm_pairs[nimm][1] = (unsigned char)first.imm1;
		nimm++;
	}
	return (unsigned char)(0x80 | (first.has_modrm ? 0x40 : 0) | first.cls << 3 | k);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen-x86len OUT.c\n");
		return 2;
	}
	if (!ZYAN_SUCCESS(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
	    !ZYAN_SUCCESS(ZydisDecoderEnableMode(&dec, ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE))) {
		fprintf(stderr, "gen-x86len: cannot set up the Zydis decoder\n");
		return 1;
	}
	nimm = 1; /* pair 0: no immediate */
	int usable = 0;
	for (int map = 0; map < MAPS; map++)
		for (int op = 0; op < 256; op++) {
			if (is_prefix_or_escape(map, op))
				continue;
			unsigned char row[ROW];
			int any = 0;
			for (int i = 0; i < ROW; i++) {
				row[i] = entry(map, op, i >> 7 & 1, i >> 6 & 1, i >> 4 & 3, i >> 3 & 1, i & 7);
				any |= row[i];
				usable += row[i] != 0;
			}
			if (!any)
				continue;
			int r;
			for (r = 1; r < nrows; r++)
				if (!memcmp(rows[r], row, ROW))
					break;
			if (r == nrows) {
				if (nrows == MAX_ROWS) {
					fprintf(stderr, "gen-x86len: too many distinct rows\n");
					return 1;
				}
				memcpy(rows[nrows++], row, ROW);
			}
			row_of[map][op] = (unsigned short)r;
		}

	FILE *f = fopen(argv[1], "w");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	fprintf(f, "/* Generated by tools/gen-x86len.c from Zydis %d.%d.%d: do not edit.\n"
		   " * %d usable (opcode, context) entries in %d distinct rows. */\n",
		ZYDIS_VERSION_MAJOR(ZYDIS_VERSION), ZYDIS_VERSION_MINOR(ZYDIS_VERSION),
		ZYDIS_VERSION_PATCH(ZYDIS_VERSION), usable, nrows - 1);
	fprintf(f, "#include \"insn.h\"\n\n");
	fprintf(f, "const unsigned short zp_insn_row_of[4][256] = {\n");
	for (int map = 0; map < MAPS; map++) {
		fprintf(f, "\t{");
		for (int op = 0; op < 256; op++)
			fprintf(f, "%s%d", op ? (op % 16 ? "," : ",\n\t ") : "", row_of[map][op]);
		fprintf(f, "},\n");
	}
	fprintf(f, "};\n\nconst unsigned char zp_insn_imm[8][2] = {");
	for (int k = 0; k < MAX_IMM; k++)
		fprintf(f, "%s{%d,%d}", k ? "," : "", imm_pairs[k][0], imm_pairs[k][1]);
	fprintf(f, "};\n\nconst unsigned char zp_insn_rows[%d][256] = {\n", nrows);
	for (int r = 0; r < nrows; r++) {
		fprintf(f, "\t{");
		for (int i = 0; i < ROW; i++)
			fprintf(f, "%s%d", i ? (i % 32 ? "," : ",\n\t ") : "", rows[r][i]);
		fprintf(f, "},\n");
	}
	fprintf(f, "};\n");
	if (fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
