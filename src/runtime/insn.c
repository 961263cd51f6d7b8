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

bool zp_insn_quick(const uint8_t *p, size_t avail, struct zp_insn *out)
{
	size_t n = avail < 15 ? avail : 15, i = 0;
	int pfx = 0, a67 = 0, seg = 0;
	for (; i < n; i++) {
		uint8_t b = p[i];
		int k = b == 0x66 ? 1 : b == 0xf3 ? 2 : b == 0xf2 ? 3 : 0;
		if (k) {
			if (pfx && pfx != k)
				return false;
			pfx = k;
		} else if (b == 0x67) {
			a67 = 1;
		} else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65) {
			if (seg && seg != b)
				return false;
			seg = b;
		} else {
			break;
		}
	}
	uint8_t rex = 0;
	if (i < n && (p[i] & 0xf0) == 0x40)
		rex = p[i++];
	if (i >= n)
		return false;
	int map = 0;
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
	if (e & 0x40) {
		if (i >= n)
			return false;
		i++;
		r.has_modrm = true;
		r.mod = (uint8_t)(modrm >> 6);
		r.reg = (uint8_t)((modrm >> 3) & 7);
		r.rm = (uint8_t)(modrm & 7);
		int disp = 0, ext = rex & 1 ? 8 : 0;
		if (r.mod != 3) {
			if (r.rm == 4) {
				if (i >= n)
					return false;
				uint8_t sib = p[i++];
				if (r.mod == 0 && (sib & 7) == 5)
					disp = 4; /* no base */
				else
					r.base = (int8_t)((sib & 7) + ext);
			} else if (r.mod == 0 && r.rm == 5) {
				disp = 4; /* rip-relative */
			} else {
				r.base = (int8_t)(r.rm + ext);
			}
			if (r.mod == 1)
				disp = 1;
			else if (r.mod == 2)
				disp = 4;
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
