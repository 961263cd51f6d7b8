/*
 * insn_class.h - what the site finder needs to know of an instruction's
 * kind: one mapping from Zydis's mnemonics, for the quick walker's table
 * generator (tools/gen-x86len.c) and for instructions Zydis decodes at run
 * time (finder.c).
 */
#ifndef ZP_INSN_CLASS_H
#define ZP_INSN_CLASS_H

enum zp_insn_class {
	ZP_INSN_OTHER = 0,
	ZP_INSN_SYSCALL = 1,
	ZP_INSN_SYSENTER = 2,
	ZP_INSN_PUSH = 3,
	ZP_INSN_AND = 4,
	ZP_INSN_SUB = 5,
	/* Branches, for the detour planner (detour.c), which must know every
	 * direct branch target of a function: JMP is rel8/rel32 without ModRM
	 * and indirect (ff /4, ff /5) with it; JCC is every conditional
	 * relative branch (jcc, loop*, jrcxz, xbegin).  Three bits: no more. */
	ZP_INSN_JMP = 6,
	ZP_INSN_JCC = 7,
};

#ifdef ZYDIS_H
static inline int zp_insn_class_of(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_SYSCALL:
		return ZP_INSN_SYSCALL;
	case ZYDIS_MNEMONIC_SYSENTER:
		return ZP_INSN_SYSENTER;
	case ZYDIS_MNEMONIC_PUSH:
		return ZP_INSN_PUSH;
	case ZYDIS_MNEMONIC_AND:
		return ZP_INSN_AND;
	case ZYDIS_MNEMONIC_SUB:
		return ZP_INSN_SUB;
	case ZYDIS_MNEMONIC_JMP:
		return ZP_INSN_JMP;
	case ZYDIS_MNEMONIC_JB: case ZYDIS_MNEMONIC_JBE: case ZYDIS_MNEMONIC_JCXZ:
	case ZYDIS_MNEMONIC_JECXZ: case ZYDIS_MNEMONIC_JL: case ZYDIS_MNEMONIC_JLE:
	case ZYDIS_MNEMONIC_JNB: case ZYDIS_MNEMONIC_JNBE: case ZYDIS_MNEMONIC_JNL:
	case ZYDIS_MNEMONIC_JNLE: case ZYDIS_MNEMONIC_JNO: case ZYDIS_MNEMONIC_JNP:
	case ZYDIS_MNEMONIC_JNS: case ZYDIS_MNEMONIC_JNZ: case ZYDIS_MNEMONIC_JO:
	case ZYDIS_MNEMONIC_JP: case ZYDIS_MNEMONIC_JRCXZ: case ZYDIS_MNEMONIC_JS:
	case ZYDIS_MNEMONIC_JZ: case ZYDIS_MNEMONIC_LOOP: case ZYDIS_MNEMONIC_LOOPE:
	case ZYDIS_MNEMONIC_LOOPNE: case ZYDIS_MNEMONIC_XBEGIN:
		return ZP_INSN_JCC;
	default:
		return ZP_INSN_OTHER;
	}
}
#endif

#endif
