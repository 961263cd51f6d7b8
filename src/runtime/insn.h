/*
 * insn.h - what the site finder reads of one instruction, and the quick
 * walker that reads it from tables Zydis generated at build time
 * (tools/gen-x86len.c) for plain legacy encodings.  Anything the tables do
 * not cover is decoded by Zydis itself (finder.c), into the same struct.
 */
#ifndef ZP_INSN_H
#define ZP_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "insn_class.h"

struct zp_insn {
	uint8_t length;
	uint8_t opcode;    /* the opcode byte, whatever its map (as Zydis's `opcode`) */
	uint8_t cls;       /* enum zp_insn_class */
	bool has_modrm;
	uint8_t mod, reg, rm; /* ModRM fields (0 without ModRM) */
	bool rex_b;        /* a legacy REX prefix's B bit */
	int8_t base;       /* memory operand's base register 0-15; -1: none or rip
			      (VEX/EVEX/XOP: the low three bits only) */
	int64_t disp;      /* sign-extended displacement */
	int64_t imm;       /* first immediate, sign-extended */
	bool lea_rsp;      /* lea disp(...), %rsp: moves the stack pointer, touches no memory */
};

/* Reads the instruction at p (avail bytes there) from the generated tables.
 * false: not a plain legacy encoding the tables vouch for (or it runs past
 * avail): ask Zydis. */
bool zp_insn_quick(const uint8_t *p, size_t avail, struct zp_insn *out);

/* Zydis's reading of the same instruction (finder.c; the decoder is loaded
 * on first use).  false: the bytes do not decode, or no decoder. */
bool zp_insn_zydis(const uint8_t *p, size_t avail, struct zp_insn *out);

/* The generated tables (build/gen/x86len.c). */
extern const unsigned short zp_insn_row_of[4][256];
extern const unsigned char zp_insn_imm[8][2];
extern const unsigned char zp_insn_rows[][256];

#endif
