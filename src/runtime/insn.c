/*
 * insn.c - the quick instruction walker (see insn.h).  Prefixes, REX and
 * the escape bytes are parsed here; everything about the opcode itself
 * (valid?  ModRM?  immediates?  class?) comes from the generated entry for
 * the context those set.  The generator vouched for each entry under the
 * prefix combinations accepted below and no others: at most one segment
 * override, at most one kind of 66/F3/F2 (repeated is fine), 67, REX last.
 */
#include "insn.h"

static int64_t sext(const uint8_t *p, int size)
{
	switch (size) {
	case 1:
		return (int8_t)p[0];
	case 2:
		return (int16_t)(p[0] | p[1] << 8);
	case 4:
		return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				 (uint32_t)p[3] << 24);
	case 8: {
		uint64_t v = 0;
		for (int i = 7; i >= 0; i--)
			v = v << 8 | p[i];
		return (int64_t)v;
	}
	default:
		return 0;
	}
}

/* What a byte is where an instruction (or its opcode) may start. */
enum { K_OPCODE, K_66, K_F3, K_F2, K_67, K_SEG, K_REX, K_ESC, K_LOCK };
static const uint8_t kind[256] = {
	[0x66] = K_66, [0xf3] = K_F3, [0xf2] = K_F2, [0x67] = K_67,
	[0x26] = K_SEG, [0x2e] = K_SEG, [0x36] = K_SEG, [0x3e] = K_SEG, [0x64] = K_SEG, [0x65] = K_SEG,
	[0x40 ... 0x4f] = K_REX, [0x0f] = K_ESC, [0xf0] = K_LOCK,
};

bool zp_insn_quick(const uint8_t *p, size_t avail, struct zp_insn *out)
{
	size_t n = avail < 15 ? avail : 15, i = 0;
	int pfx = 0, a67 = 0, map = 0;
	uint8_t rex = 0;
	if (n == 0)
		return false;
	/* Most instructions: an opcode of the one-byte map, maybe after REX. */
	int k0 = kind[p[0]];
	if (k0 == K_REX && n >= 2 && kind[p[1]] == K_OPCODE) {
		rex = p[0];
		i = 1;
	} else if (k0 != K_OPCODE) {
		uint8_t seg = 0;
		for (; i < n; i++) {
			uint8_t b = p[i];
			int k = kind[b];
			if (k == K_66 || k == K_F3 || k == K_F2) {
				if (pfx && pfx != k)
					return false;
				pfx = k;
			} else if (k == K_67) {
				a67 = 1;
			} else if (k == K_SEG) {
				if (seg && seg != b)
					return false;
				seg = b;
			} else {
				break;
			}
		}
		if (i < n && kind[p[i]] == K_REX)
			rex = p[i++];
		if (i >= n)
			return false;
		if (p[i] == 0x0f) {
			if (++i >= n)
				return false;
			map = 1;
			if (p[i] == 0x38 || p[i] == 0x3a) {
				map = p[i] == 0x38 ? 2 : 3;
				if (++i >= n)
					return false;
			}
		}
	}
	uint8_t op = p[i++];
	unsigned row = zp_insn_row_of[map][op];
	if (!row)
		return false;
	/* ModRM's mod and reg pick the entry; an opcode without ModRM has
	 * the same entry whatever the next byte is, so reading it is fine
	 * (and needed: there may be none). */
	uint8_t modrm = i < n ? p[i] : 0;
	unsigned idx = (unsigned)a67 << 7 | (unsigned)((rex >> 3) & 1) << 6 | (unsigned)pfx << 4 |
		       (unsigned)((modrm >> 6) == 3) << 3 | ((modrm >> 3) & 7);
	uint8_t e = zp_insn_rows[row][idx];
	if (!(e & 0x80))
		return false;
	struct zp_insn r = {.opcode = op, .cls = (uint8_t)((e >> 3) & 7), .rex_b = rex & 1, .base = -1};
	/* 8d /r with ModRM.reg = rsp and no REX.R: lea into %rsp */
	r.lea_rsp = map == 0 && op == 0x8d && ((modrm >> 3) & 7) == 4 && !(rex & 4) && (modrm >> 6) != 3;
	if (e & 0x40) {
		if (i >= n)
			return false;
		i++;
		r.has_modrm = true;
		r.mod = (uint8_t)(modrm >> 6);
		r.reg = (uint8_t)((modrm >> 3) & 7);
		r.rm = (uint8_t)(modrm & 7);
		int ext = rex & 1 ? 8 : 0;
		static const uint8_t disp_by_mod[4] = {0, 1, 4, 0};
		int disp = disp_by_mod[r.mod];
		if (r.mod != 3) {
			int base = r.rm;
			if (r.rm == 4) {
				if (i >= n)
					return false;
				base = p[i++] & 7;
			}
			if (r.mod == 0 && base == 5) {
				disp = 4; /* rip-relative, or no base in the SIB */
				base = -1;
			} else {
				base += ext;
			}
			r.base = (int8_t)base;
		}
		if (i + (size_t)disp > n)
			return false;
		r.disp = sext(p + i, disp);
		i += (size_t)disp;
	}
	const unsigned char *imm = zp_insn_imm[e & 7];
	if (i + imm[0] + imm[1] > n)
		return false;
	r.imm = sext(p + i, imm[0]);
	i += (size_t)(imm[0] + imm[1]);
	r.length = (uint8_t)i;
	*out = r;
	return true;
}
