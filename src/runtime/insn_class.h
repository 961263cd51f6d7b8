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
	default:
		return ZP_INSN_OTHER;
	}
}
#endif

#endif
