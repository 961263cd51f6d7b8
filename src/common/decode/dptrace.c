/*
 * dptrace.c - ptrace(2), as strace 6.1 prints it: a debugger's or a
 * sanitizer's tracer thread is read by its requests, their pid, and what
 * each reads or writes (registers, a word of memory, a siginfo, options).
 *
 * What the arguments mean depends on the request: the resuming ones take
 * a signal, PEEKUSER an offset into struct user, the register sets an
 * iovec whose contents depend on the note type.  Requests strace prints
 * no further get their address and data as pointers, as strace does.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "decode.h"

/* ---- struct user offsets (PEEKUSER, POKEUSER) ------------------------------------ */

/* strace names the place the offset falls in: the register or field at
 * or below it, plus the distance past it.  Its register names are upper
 * case and come out as 8*NAME (the register's index), the other fields
 * as offsetof(struct user, name). */
static void p_user_offset(struct tb *b, unsigned long off)
{
	if (off == sizeof(struct user)) {
		tb_puts(b, "sizeof(struct user)");
		return;
	}
	const struct zp_xlat *best = NULL;
	if (off < sizeof(struct user))
		for (unsigned i = 0; i < zpx_user_offsets_n; i++)
			if (zpx_user_offsets[i].val <= off &&
			    (!best || zpx_user_offsets[i].val > best->val))
				best = &zpx_user_offsets[i];
	if (!best) {
		tb_hex(b, off);
		return;
	}
	if (best->name[0] >= 'A' && best->name[0] <= 'Z') {
		tb_puts(b, "8*");
		tb_puts(b, best->name);
	} else {
		tb_puts(b, "offsetof(struct user, ");
		tb_puts(b, best->name);
		tb_putc(b, ')');
	}
	if (off > best->val) {
		tb_putc(b, '+');
		tb_udec(b, off - best->val);
	}
}

/* ---- register sets ------------------------------------------------------------------ */

/* The fields of struct user_regs_struct, in their order: every one is
 * an unsigned long long, printed in hex. */
static const char regs_names[][9] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",
	"r8", "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs",
	"eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};
_Static_assert(sizeof(regs_names) / sizeof(regs_names[0]) * 8 == sizeof(struct user_regs_struct),
	       "one name per register");

static void p_regs(struct tb *b, const struct user_regs_struct *r)
{
	const unsigned long long *v = (const unsigned long long *)r;
	tb_putc(b, '{');
	for (unsigned i = 0; i < sizeof(regs_names) / sizeof(regs_names[0]); i++) {
		if (i)
			tb_puts(b, ", ");
		tb_puts(b, regs_names[i]);
		tb_putc(b, '=');
		tb_hex(b, v[i]);
	}
	tb_putc(b, '}');
}

/* An array of 32-bit words in hex; as strace, at most -s of them. */
static void p_u32s(struct dctx *d, const char *name, const unsigned *v, unsigned n)
{
	struct tb *b = d->b;
	tb_puts(b, ", ");
	tb_puts(b, name);
	tb_puts(b, "=[");
	for (unsigned k = 0; k < n; k++) {
		if (k)
			tb_puts(b, ", ");
		if (k >= dec_elems(d)) {
			tb_puts(b, "...");
			break;
		}
		tb_hex(b, v[k]);
	}
	tb_putc(b, ']');
}

static void p_fpregs(struct dctx *d, const struct user_fpregs_struct *f)
{
	struct tb *b = d->b;
	tb_puts(b, "{cwd=");
	tb_hex(b, f->cwd);
	tb_puts(b, ", swd=");
	tb_hex(b, f->swd);
	tb_puts(b, ", ftw=");
	tb_hex(b, f->ftw);
	tb_puts(b, ", fop=");
	tb_hex(b, f->fop);
	tb_puts(b, ", rip=");
	tb_hex(b, f->rip);
	tb_puts(b, ", rdp=");
	tb_hex(b, f->rdp);
	tb_puts(b, ", mxcsr=");
	tb_hex(b, f->mxcsr);
	tb_puts(b, ", mxcr_mask=");
	tb_hex(b, f->mxcr_mask);
	p_u32s(d, "st_space", f->st_space, sizeof f->st_space / sizeof f->st_space[0]);
	p_u32s(d, "xmm_space", f->xmm_space, sizeof f->xmm_space / sizeof f->xmm_space[0]);
	p_u32s(d, "padding", f->padding, sizeof f->padding / sizeof f->padding[0]);
	tb_putc(b, '}');
}

/* The general or the x87/SSE registers at addr (kind NT_PRSTATUS or
 * NT_FPREGSET), n bytes of them; only a whole set is shown, else the
 * address.  `out`: the kernel writes them, so only after it did. */
static void p_regset(struct dctx *d, unsigned long addr, unsigned long n, long kind, bool out)
{
	union {
		struct user_regs_struct r;
		struct user_fpregs_struct f;
	} u;
	size_t want = kind == NT_PRSTATUS ? sizeof u.r : kind == NT_FPREGSET ? sizeof u.f : 0;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	if (!want || n != want || (out && !d->ok) || !um_get(d, &u, addr, want, d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	if (kind == NT_PRSTATUS)
		p_regs(d->b, &u.r);
	else
		p_fpregs(d, &u.f);
}

/* GETREGSET / SETREGSET: the iovec, whose length the kernel sets to what
 * it wrote. */
static void p_regset_iov(struct dctx *d, bool out)
{
	unsigned long addr = (unsigned long)d->a[3];
	struct iovec iov;
	if (!p_struct_at(d, addr, &iov, sizeof iov, d->ok))
		return;
	tb_puts(d->b, "{iov_base=");
	p_regset(d, (unsigned long)iov.iov_base, iov.iov_len, d->a[2], out);
	tb_puts(d->b, ", iov_len=");
	tb_udec(d->b, iov.iov_len);
	tb_putc(d->b, '}');
}

/* ---- siginfo --------------------------------------------------------------------------- */

/* The fields a siginfo's code says are set: a sender's for the codes
 * user space sends (zero and below), else those of the signal. */
void p_siginfo_val(struct dctx *d, const siginfo_t *si)
{
	struct tb *b = d->b;
	tb_puts(b, "{si_signo=");
	p_signame(b, si->si_signo);
	tb_puts(b, ", si_code=");
	bool named = false;
	if (si->si_code <= 0 || si->si_code == SI_KERNEL)
		named = p_xlat_try(b, (unsigned long long)(long long)si->si_code, XT(si_codes));
	else if (si->si_signo == SIGTRAP)
		named = p_xlat_try(b, (unsigned)si->si_code, XT(trap_codes));
	else if (si->si_signo == SIGCHLD)
		named = p_xlat_try(b, (unsigned)si->si_code, XT(cld_codes));
	else if (si->si_signo == SIGSEGV)
		named = p_xlat_try(b, (unsigned)si->si_code, XT(segv_codes));
	if (!named)
		tb_hex(b, (unsigned)si->si_code);
	p_siginfo_errno(b, si);
	if (!p_siginfo_sender(d, si) && si->si_code > 0 &&
	    (si->si_signo == SIGTRAP || si->si_signo == SIGSEGV || si->si_signo == SIGBUS ||
	     si->si_signo == SIGILL || si->si_signo == SIGFPE)) {
		tb_puts(b, ", si_addr=");
		p_ptr(d, (unsigned long)si->si_addr);
	}
	tb_putc(b, '}');
}

static void p_ptrace_siginfo(struct dctx *d, unsigned long addr, bool out)
{
	siginfo_t si;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	if ((out && !d->ok) || !um_get(d, &si, addr, sizeof si, d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	p_siginfo_val(d, &si);
}

/* PEEKSIGINFO: which signals to read, and the ret the kernel copied out. */
static void p_peeksiginfo(struct dctx *d)
{
	struct __ptrace_peeksiginfo_args pa;
	arg(d);
	if (!p_struct_at(d, (unsigned long)d->a[2], &pa, sizeof pa, false))
		goto data;
	tb_puts(d->b, "{off=");
	tb_udec(d->b, pa.off);
	tb_puts(d->b, ", flags=");
	unsigned known = 0;
	for (unsigned i = 0; i < zpx_peeksiginfo_flags_n; i++)
		known |= (unsigned)zpx_peeksiginfo_flags[i].val;
	if (pa.flags & ~known)
		p_xlat(d->b, pa.flags, XT(peeksiginfo_flags), "PTRACE_PEEKSIGINFO_???");
	else
		p_flags(d->b, pa.flags, XT(peeksiginfo_flags), "0");
	tb_puts(d->b, ", nr=");
	tb_dec(d->b, pa.nr);
	tb_putc(d->b, '}');
data:
	arg(d);
	unsigned long addr = (unsigned long)d->a[3];
	if (!d->ok || !addr) {
		p_ptr(d, addr);
		return;
	}
	/* as strace, at most -s of them */
	tb_putc(d->b, '[');
	for (long i = 0; i < d->ret; i++) {
		siginfo_t si;
		if (i)
			tb_puts(d->b, ", ");
		if ((unsigned long)i >= dec_elems(d) ||
		    !um_get(d, &si, addr + (unsigned long)i * sizeof si, sizeof si, true)) {
			tb_puts(d->b, "...");
			break;
		}
		p_siginfo_val(d, &si);
	}
	tb_putc(d->b, ']');
}

/* ---- system call stops (GET_SYSCALL_INFO) -------------------------------------------- */

static void p_u64s(struct tb *b, const uint64_t *v, size_t n)
{
	tb_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			tb_puts(b, ", ");
		tb_hex(b, v[i]);
	}
	tb_putc(b, ']');
}

/* AUDIT_ARCH_X86_64: the ELF machine, 64-bit, little-endian (linux/audit.h,
 * whose linux/elf-em.h clashes with elf.h) */
#define ARCH_X86_64 (EM_X86_64 | 0x80000000u | 0x40000000u)

/* The number of an x86-64 call as __NR_name. */
static void p_nr(struct tb *b, uint64_t nr, uint32_t arch)
{
	const char *name = arch == ARCH_X86_64 ? zp_decode_name((long)nr) : NULL;
	if (name && nr < 1024) {
		tb_puts(b, "__NR_");
		tb_puts(b, name);
	} else {
		tb_udec(b, nr);
	}
}

/* The kernel writes min(size, its own) bytes and returns its own size:
 * as strace, each field that lies whole in the smaller of the two. */
static void p_syscall_info(struct dctx *d)
{
	unsigned long addr = (unsigned long)d->a[3], size = (unsigned long)d->a[2];
	struct __ptrace_syscall_info si;
	size_t n = size < (unsigned long)d->ret ? size : (size_t)d->ret;
	if (n > sizeof si)
		n = sizeof si;
	if (!d->ok || !addr || !n || !um_get(d, &si, addr, n, true)) {
		p_ptr(d, addr);
		return;
	}
	struct tb *b = d->b;
#define FITS(f) (offsetof(struct __ptrace_syscall_info, f) + sizeof si.f <= n)
	tb_puts(b, "{op=");
	p_xlat(b, si.op, XT(ptrace_syscall_info_ops), "PTRACE_SYSCALL_INFO_???");
	if (FITS(arch)) {
		tb_puts(b, ", arch=");
		p_xlat(b, si.arch, XT(audit_arches), "AUDIT_ARCH_???");
	}
	if (FITS(instruction_pointer)) {
		tb_puts(b, ", instruction_pointer=");
		tb_hex(b, si.instruction_pointer);
	}
	if (FITS(stack_pointer)) {
		tb_puts(b, ", stack_pointer=");
		tb_hex(b, si.stack_pointer);
	}
	size_t nargs = 0;
	switch (si.op) {
	case PTRACE_SYSCALL_INFO_ENTRY:
	case PTRACE_SYSCALL_INFO_SECCOMP:
		if (!FITS(entry.nr))
			break;
		tb_puts(b, si.op == PTRACE_SYSCALL_INFO_ENTRY ? ", entry={nr=" : ", seccomp={nr=");
		p_nr(b, si.entry.nr, si.arch);
		while (nargs < 6 && FITS(entry.args[nargs]))
			nargs++;
		if (nargs) {
			tb_puts(b, ", args=");
			p_u64s(b, si.entry.args, nargs);
		}
		if (si.op == PTRACE_SYSCALL_INFO_SECCOMP && FITS(seccomp.ret_data)) {
			tb_puts(b, ", ret_data=");
			tb_udec(b, si.seccomp.ret_data);
		}
		tb_putc(b, '}');
		break;
	case PTRACE_SYSCALL_INFO_EXIT:
		if (!FITS(exit.rval))
			break;
		tb_puts(b, ", exit={rval=");
		const char *err = FITS(exit.is_error) && si.exit.is_error && si.exit.rval < 0
					  ? xlat_name((unsigned long long)-si.exit.rval, XT(errno))
					  : NULL;
		if (err) {
			tb_putc(b, '-');
			tb_puts(b, err);
		} else {
			tb_dec(b, si.exit.rval);
		}
		if (FITS(exit.is_error)) {
			tb_puts(b, ", is_error=");
			tb_udec(b, si.exit.is_error);
		}
		tb_putc(b, '}');
		break;
	default:
		break;
	}
#undef FITS
	tb_putc(b, '}');
}

/* SECCOMP_GET_METADATA: which filter (in), and its flags (out). */
static void p_seccomp_metadata(struct dctx *d)
{
	unsigned long addr = (unsigned long)d->a[3], size = (unsigned long)d->a[2];
	struct __ptrace_seccomp_metadata md;
	if (size < sizeof md.filter_off) { /* too small to hold the filter's number */
		p_ptr(d, addr);
		return;
	}
	if (!p_struct_at(d, addr, &md, sizeof md.filter_off, false))
		return;
	tb_puts(d->b, "{filter_off=");
	tb_udec(d->b, md.filter_off);
	if (d->ok && size >= sizeof md && um_get(d, &md, addr, sizeof md, true)) {
		tb_puts(d->b, ", flags=");
		p_flags(d->b, md.flags, XT(seccomp_filter_flags), "0");
	}
	tb_putc(d->b, '}');
}

/* ---- the call ------------------------------------------------------------------------ */

/* A word the kernel stored at data (the PEEK requests and GETEVENTMSG
 * called directly): "[value]" once it did, else the address. */
static void p_word_out(struct dctx *d, bool as_ptr)
{
	unsigned long addr = (unsigned long)d->a[3], v;
	if (d->ok && addr && um_get(d, &v, addr, sizeof v, true)) {
		tb_putc(d->b, '[');
		if (as_ptr)
			p_ptr(d, v);
		else
			tb_udec(d->b, v);
		tb_putc(d->b, ']');
	} else {
		p_ptr(d, addr);
	}
}

/* PTRACE_O_* bits; with none of them known, the number and a comment. */
static void p_options(struct dctx *d, unsigned long v)
{
	bool known = false;
	for (unsigned i = 0; i < zpx_ptrace_options_n; i++)
		known = known || (v & zpx_ptrace_options[i].val);
	if (v && !known)
		p_xlat(d->b, v, XT(ptrace_options), "PTRACE_O_???");
	else
		p_flags(d->b, v, XT(ptrace_options), NULL);
}

static void d_ptrace(struct dctx *d)
{
	unsigned long req = (unsigned long)d->a[0];
	arg(d);
	if (!p_xlat_try(d->b, req, XT(ptrace_requests)) &&
	    !p_xlat_try(d->b, req, XT(ptrace_requests_x86))) {
		tb_hex(d->b, req);
		tb_puts(d->b, " /* PTRACE_??? */");
	}
	if (req == PTRACE_TRACEME)
		return;
	a_pid(d, 1);
	switch (req) {
	case PTRACE_ATTACH:
	case PTRACE_INTERRUPT:
	case PTRACE_KILL:
	case PTRACE_LISTEN:
		return;
	case PTRACE_CONT:
	case PTRACE_SYSCALL:
	case PTRACE_SINGLESTEP:
	case PTRACE_DETACH:
	case PTRACE_SYSEMU:
	case PTRACE_SYSEMU_SINGLESTEP:
	case PTRACE_SINGLEBLOCK:
		a_ptr(d, 2);
		a_signo(d, 3);
		return;
	case PTRACE_SEIZE:
	case PTRACE_SETOPTIONS:
		a_ptr(d, 2);
		arg(d);
		p_options(d, (unsigned long)d->a[3]);
		return;
	case PTRACE_PEEKTEXT:
	case PTRACE_PEEKDATA:
	case PTRACE_PEEKUSER:
		arg(d);
		if (req == PTRACE_PEEKUSER)
			p_user_offset(d->b, (unsigned long)d->a[2]);
		else
			p_ptr(d, (unsigned long)d->a[2]);
		arg(d);
		p_word_out(d, true);
		return;
	case PTRACE_POKETEXT:
	case PTRACE_POKEDATA:
	case PTRACE_POKEUSER:
		arg(d);
		if (req == PTRACE_POKEUSER)
			p_user_offset(d->b, (unsigned long)d->a[2]);
		else
			p_ptr(d, (unsigned long)d->a[2]);
		a_ptr(d, 3);
		return;
	case PTRACE_GETEVENTMSG:
		a_ptr(d, 2);
		arg(d);
		p_word_out(d, false);
		return;
	case PTRACE_GETSIGINFO:
	case PTRACE_SETSIGINFO:
		a_ptr(d, 2);
		arg(d);
		p_ptrace_siginfo(d, (unsigned long)d->a[3], req == PTRACE_GETSIGINFO);
		return;
	/* strace leaves out the address these ignore */
	case PTRACE_GETREGS:
	case PTRACE_SETREGS:
		arg(d);
		p_regset(d, (unsigned long)d->a[3], sizeof(struct user_regs_struct), NT_PRSTATUS,
			 req == PTRACE_GETREGS);
		return;
	case PTRACE_GETFPREGS:
	case PTRACE_SETFPREGS:
		arg(d);
		p_regset(d, (unsigned long)d->a[3], sizeof(struct user_fpregs_struct), NT_FPREGSET,
			 req == PTRACE_GETFPREGS);
		return;
	case PTRACE_GETREGSET:
	case PTRACE_SETREGSET:
		arg(d); /* a long: all of it, unlike a_xlat's ints */
		p_xlat(d->b, (unsigned long)d->a[2], XT(nt_types), "NT_???");
		arg(d);
		p_regset_iov(d, req == PTRACE_GETREGSET);
		return;
	/* the address is a size (or an index): a number */
	case PTRACE_GETSIGMASK:
	case PTRACE_SETSIGMASK:
		a_ulong(d, 2);
		arg(d);
		if (req == PTRACE_GETSIGMASK && !d->ok)
			p_ptr(d, (unsigned long)d->a[3]);
		else
			p_sigset(d, (unsigned long)d->a[3], (size_t)d->a[2] == 8 ? 8 : 0, d->ok);
		return;
	case PTRACE_SECCOMP_GET_FILTER:
		a_ulong(d, 2);
		a_ptr(d, 3);
		return;
	case PTRACE_GET_SYSCALL_INFO:
		a_ulong(d, 2);
		arg(d);
		p_syscall_info(d);
		return;
	case PTRACE_SECCOMP_GET_METADATA:
		a_ulong(d, 2);
		arg(d);
		p_seccomp_metadata(d);
		return;
	case PTRACE_PEEKSIGINFO:
		p_peeksiginfo(d);
		return;
	default:
		a_ptr(d, 2);
		a_ptr(d, 3);
		return;
	}
}

bool zp_decode_ptrace(struct dctx *d)
{
	if (d->nr != SYS_ptrace)
		return false;
	d_ptrace(d);
	return true;
}
