/*
 * dmem.c - the address space: mmap, mprotect, brk, mremap, madvise ...
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>

#include "decode.h"

static void p_prot(struct tb *b, unsigned long v)
{
	p_flags(b, v, XT(prot), "PROT_NONE");
}

static void p_map_flags(struct tb *b, unsigned long v)
{
	unsigned long type = v & 0xf; /* MAP_TYPE */
	const char *tn = xlat_name(type, XT(map_type));
	unsigned shift = (unsigned)zpx_map_huge_shift[0].val;
	unsigned long huge = (v >> shift) & 0x3f;
	v &= ~(0xful | 0x3ful << shift);
	if (tn) {
		tb_puts(b, tn);
	} else {
		tb_hex(b, type);
		tb_puts(b, " /* MAP_??? */");
	}
	if (v) {
		tb_putc(b, '|');
		p_flags(b, v, XT(map_flags), NULL);
	}
	if (huge) {
		tb_putc(b, '|');
		tb_udec(b, huge);
		tb_puts(b, "<<MAP_HUGE_SHIFT");
	}
}

bool zp_decode_mem(struct dctx *d)
{
	switch (d->nr) {
	case SYS_mmap:
		a_ptr(d, 0);
		a_ulong(d, 1);
		arg(d);
		p_prot(d->b, (unsigned long)d->a[2]); /* all 64 bits, as strace */
		arg(d);
		p_map_flags(d->b, (unsigned int)d->a[3]); /* an int to the kernel */
		a_fd(d, 4);
		a_hex(d, 5);
		d->rstyle = RV_HEX;
		return true;
	case SYS_remap_file_pages:
		a_ptr(d, 0);
		a_ulong(d, 1);
		arg(d);
		p_prot(d->b, (unsigned long)d->a[2]);
		a_ulong(d, 3);
		arg(d);
		p_map_flags(d->b, (unsigned long)d->a[4]);
		return true;
	case SYS_munmap:
		a_ptr(d, 0);
		a_ulong(d, 1);
		return true;
	case SYS_mprotect:
		a_ptr(d, 0);
		a_ulong(d, 1);
		arg(d);
		p_prot(d->b, (unsigned long)d->a[2]);
		return true;
	case SYS_pkey_mprotect:
		a_ptr(d, 0);
		a_ulong(d, 1);
		arg(d);
		p_prot(d->b, (unsigned long)d->a[2]);
		a_int(d, 3);
		return true;
	case SYS_brk:
		a_ptr(d, 0);
		d->rstyle = RV_HEX;
		return true;
	case SYS_mremap:
		a_ptr(d, 0);
		a_ulong(d, 1);
		a_ulong(d, 2);
		arg(d); /* an unsigned long */
		p_flags_u(d->b, (unsigned long)d->a[3], XT(mremap_flags), "MREMAP_???");
		/* strace 6.1 shows the new address only when it is used so */
		if ((d->a[3] & (MREMAP_MAYMOVE | MREMAP_FIXED)) == (MREMAP_MAYMOVE | MREMAP_FIXED))
			a_ptr(d, 4);
		d->rstyle = RV_HEX;
		return true;
	case SYS_madvise:
		a_ptr(d, 0);
		a_ulong(d, 1);
		a_xlat(d, 2, XT(madvise), "MADV_???");
		return true;
	case SYS_msync:
		a_ptr(d, 0);
		a_ulong(d, 1);
		a_flags_u(d, 2, XT(msync_flags), NULL, "MS_???");
		return true;
	case SYS_mlock:
	case SYS_munlock:
		a_ptr(d, 0);
		a_ulong(d, 1);
		return true;
	case SYS_mlock2:
		a_ptr(d, 0);
		a_ulong(d, 1);
		a_flags_u(d, 2, XT(mlock_flags), NULL, "MLOCK_???");
		return true;
	case SYS_mlockall:
		a_flags_u(d, 0, XT(mlockall_flags), NULL, "MCL_???");
		return true;
	case SYS_munlockall:
		return true;
	case SYS_mincore:
		a_ptr(d, 0);
		a_ulong(d, 1);
		a_ptr(d, 2);
		return true;
	case SYS_set_tid_address:
		a_ptr(d, 0);
		return true;
	case SYS_set_robust_list:
		a_ptr(d, 0);
		a_ulong(d, 1);
		return true;
	case SYS_arch_prctl: {
		arg(d);
		long code = d->a[0];
		p_xlat(d->b, (unsigned long)code, XT(arch_prctl), "ARCH_???");
		arg(d);
		/* The getters write an address: [0x...] */
		if ((code == 0x1003 || code == 0x1004) && d->ok) {
			unsigned long v;
			if (um_get(d, &v, (unsigned long)d->a[1], sizeof v, true)) {
				tb_putc(d->b, '[');
				tb_hex(d->b, v);
				tb_putc(d->b, ']');
				return true;
			}
		}
		tb_hex(d->b, (unsigned long)d->a[1]);
		return true;
	}
	case SYS_rseq:
		a_ptr(d, 0);
		a_hex(d, 1);
		a_hex(d, 2);
		a_hex(d, 3);
		return true;
	default:
		return false;
	}
}
