/*
 * dmisc.c - the less common calls: io_uring and AIO, capabilities,
 * scheduling attributes, seccomp, queued signals, mount and its kin,
 * SysV IPC ids, file times in seconds, futex_waitv ...
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <linux/aio_abi.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/ioprio.h>
#include <linux/ipc.h>
#include <linux/kcmp.h>
#include <linux/membarrier.h>
#include <linux/openat2.h>
#include <linux/reboot.h>
#include <linux/sched/types.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "decode.h"

/* An unsigned int the call wrote: [N] once it succeeded, else the address. */
static void a_uint_out(struct dctx *d, int i)
{
	arg(d);
	unsigned long addr = (unsigned long)d->a[i];
	unsigned v;
	if (addr && d->ok && um_get(d, &v, addr, sizeof v, true)) {
		tb_putc(d->b, '[');
		tb_udec(d->b, v);
		tb_putc(d->b, ']');
	} else {
		p_ptr(d, addr);
	}
}

/* ---- ioprio ------------------------------------------------------------------------ */

/* The kernel's IOPRIO_PRIO_VALUE(class, data): class above bit 13. */
static void p_ioprio(struct tb *b, unsigned long v)
{
	tb_puts(b, "IOPRIO_PRIO_VALUE(");
	p_xlat(b, (v >> 13) & 7, XT(ioprio_class), "IOPRIO_CLASS_???");
	tb_puts(b, ", ");
	tb_udec(b, v & ((1ul << 13) - 1));
	tb_putc(b, ')');
}

/* ---- queued signals ------------------------------------------------------------------ */

void p_siginfo_errno(struct tb *b, const siginfo_t *si)
{
	if (!si->si_errno)
		return;
	tb_puts(b, ", si_errno=");
	p_xlat_d(b, si->si_errno, XT(errno));
}

bool p_siginfo_sender(struct dctx *d, const siginfo_t *si)
{
	/* the codes user space sends (zero and below), but a POSIX timer's */
	if (si->si_code > 0 || si->si_code == SI_TIMER)
		return false;
	tb_puts(d->b, ", si_pid=");
	p_pid(d, si->si_pid);
	tb_puts(d->b, ", si_uid=");
	tb_udec(d->b, si->si_uid);
	if (si->si_int || si->si_ptr) { /* strace leaves out a zero value */
		tb_puts(d->b, ", si_int=");
		tb_dec(d->b, si->si_value.sival_int);
		tb_puts(d->b, ", si_ptr=");
		p_ptr(d, (unsigned long)si->si_value.sival_ptr);
	}
	return true;
}

/* A siginfo a program sends: the fields its si_code says are set. */
static void p_siginfo_in(struct dctx *d, unsigned long addr)
{
	siginfo_t si;
	if (!p_struct_at(d, addr, &si, sizeof si, d->ok))
		return;
	struct tb *b = d->b;
	tb_puts(b, "{si_signo=");
	p_signame(b, si.si_signo);
	tb_puts(b, ", si_code=");
	if (!p_xlat_try(b, (unsigned long long)(long long)si.si_code, XT(si_codes)))
		tb_hex(b, (unsigned)si.si_code);
	p_siginfo_errno(b, &si);
	p_siginfo_sender(d, &si);
	tb_putc(b, '}');
}

/* ---- sched_attr ------------------------------------------------------------------------ */

static void p_sched_attr(struct dctx *d, unsigned long addr, bool out)
{
	struct sched_attr sa;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	zp_memset(&sa, 0, sizeof sa);
	if ((out && !d->ok) || !um_get(d, &sa, addr, 48, d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	/* The utilization clamps came later (size 56); a size-48 struct has none. */
	bool clamps = sa.size >= sizeof sa && um_get(d, &sa, addr, sizeof sa, d->ok);
	struct tb *b = d->b;
	tb_puts(b, "{size=");
	tb_udec(b, sa.size);
	tb_puts(b, ", sched_policy=");
	p_xlat(b, sa.sched_policy, XT(sched_policies), "SCHED_???");
	tb_puts(b, ", sched_flags=");
	p_flags(b, sa.sched_flags, XT(sched_attr_flags), NULL);
	tb_puts(b, ", sched_nice=");
	tb_dec(b, sa.sched_nice);
	tb_puts(b, ", sched_priority=");
	tb_udec(b, sa.sched_priority);
	tb_puts(b, ", sched_runtime=");
	tb_udec(b, sa.sched_runtime);
	tb_puts(b, ", sched_deadline=");
	tb_udec(b, sa.sched_deadline);
	tb_puts(b, ", sched_period=");
	tb_udec(b, sa.sched_period);
	if (clamps) {
		tb_puts(b, ", sched_util_min=");
		tb_udec(b, sa.sched_util_min);
		tb_puts(b, ", sched_util_max=");
		tb_udec(b, sa.sched_util_max);
	}
	tb_putc(b, '}');
}

/* ---- io_uring --------------------------------------------------------------------------- */

static void p_io_uring_params(struct dctx *d, unsigned long addr)
{
	struct io_uring_params p;
	if (!p_struct_at(d, addr, &p, sizeof p, d->ok))
		return;
	struct tb *b = d->b;
	tb_puts(b, "{flags=");
	p_flags(b, p.flags, XT(io_uring_setup_flags), NULL);
	tb_puts(b, ", sq_thread_cpu=");
	tb_udec(b, p.sq_thread_cpu);
	tb_puts(b, ", sq_thread_idle=");
	tb_udec(b, p.sq_thread_idle);
	if (d->ok) { /* what the kernel filled in */
		tb_puts(b, ", sq_entries=");
		tb_udec(b, p.sq_entries);
		tb_puts(b, ", cq_entries=");
		tb_udec(b, p.cq_entries);
		tb_puts(b, ", features=");
		p_flags(b, p.features, XT(io_uring_features), NULL);
		const struct io_sqring_offsets *s = &p.sq_off;
		const struct io_cqring_offsets *c = &p.cq_off;
		const struct {
			const char *n;
			unsigned v;
		} f[] = {{", sq_off={head=", s->head},
			 {", tail=", s->tail},
			 {", ring_mask=", s->ring_mask},
			 {", ring_entries=", s->ring_entries},
			 {", flags=", s->flags},
			 {", dropped=", s->dropped},
			 {", array=", s->array},
			 {"}, cq_off={head=", c->head},
			 {", tail=", c->tail},
			 {", ring_mask=", c->ring_mask},
			 {", ring_entries=", c->ring_entries},
			 {", overflow=", c->overflow},
			 {", cqes=", c->cqes},
			 {", flags=", c->flags}};
		for (unsigned k = 0; k < sizeof f / sizeof f[0]; k++) {
			tb_puts(b, f[k].n);
			tb_udec(b, f[k].v);
		}
		tb_putc(b, '}');
	}
	tb_putc(b, '}');
}

/* ---- AIO -------------------------------------------------------------------------------- */

/* An iocb; `brief`: io_cancel's, which strace shows without the buffer. */
static void p_iocb(struct dctx *d, unsigned long addr, bool brief)
{
	struct iocb cb;
	if (!um_get(d, &cb, addr, sizeof cb, false)) {
		tb_hex(d->b, addr);
		return;
	}
	struct tb *b = d->b;
	tb_puts(b, "{aio_data=");
	tb_hex(b, cb.aio_data);
	if (cb.aio_key) {
		tb_puts(b, ", aio_key=");
		tb_udec(b, cb.aio_key);
	}
	tb_puts(b, ", aio_lio_opcode=");
	p_xlat(b, cb.aio_lio_opcode, XT(iocb_cmds), "IOCB_CMD_???");
	if (cb.aio_reqprio) {
		tb_puts(b, ", aio_reqprio=");
		tb_dec(b, cb.aio_reqprio);
	}
	tb_puts(b, ", aio_fildes=");
	p_fd(d, (int)cb.aio_fildes);
	if (!brief) {
		switch (cb.aio_lio_opcode) {
		case IOCB_CMD_PREAD:
		case IOCB_CMD_PWRITE:
			tb_puts(b, ", aio_buf=");
			if (cb.aio_lio_opcode == IOCB_CMD_PWRITE)
				p_buf(d, cb.aio_buf, cb.aio_nbytes, false, 0);
			else
				p_ptr(d, cb.aio_buf);
			tb_puts(b, ", aio_nbytes=");
			tb_udec(b, cb.aio_nbytes);
			tb_puts(b, ", aio_offset=");
			tb_dec(b, cb.aio_offset);
			break;
		default:
			break;
		}
	}
	tb_putc(b, '}');
}

static void p_io_events(struct dctx *d, unsigned long addr, long n)
{
	tb_putc(d->b, '[');
	for (long k = 0; k < n; k++) {
		struct io_event e;
		if (k)
			tb_puts(d->b, ", ");
		if (k >= (long)dec_elems(d)) {
			tb_puts(d->b, "...");
			break;
		}
		if (!um_get(d, &e, addr + (unsigned long)k * sizeof e, sizeof e, true)) {
			tb_puts(d->b, "...");
			break;
		}
		tb_puts(d->b, "{data=");
		tb_hex(d->b, e.data);
		tb_puts(d->b, ", obj=");
		p_ptr(d, e.obj);
		tb_puts(d->b, ", res=");
		tb_dec(d->b, e.res);
		tb_puts(d->b, ", res2=");
		tb_dec(d->b, e.res2);
		tb_putc(d->b, '}');
	}
	tb_putc(d->b, ']');
}

/* ---- file times in seconds ----------------------------------------------------------- */

static void a_utimbuf(struct dctx *d, int i)
{
	arg(d);
	unsigned long addr = (unsigned long)d->a[i];
	long t[2];
	if (!p_struct_at(d, addr, t, sizeof t, d->ok))
		return;
	tb_puts(d->b, "{actime=");
	tb_dec(d->b, t[0]);
	p_date_comment(d, t[0], 0, 0);
	tb_puts(d->b, ", modtime=");
	tb_dec(d->b, t[1]);
	p_date_comment(d, t[1], 0, 0);
	tb_putc(d->b, '}');
}

static void a_timeval_pair(struct dctx *d, int i)
{
	arg(d);
	unsigned long addr = (unsigned long)d->a[i];
	long t[4];
	if (!p_struct_at(d, addr, t, sizeof t, d->ok))
		return;
	tb_putc(d->b, '[');
	for (int k = 0; k < 2; k++) {
		if (k)
			tb_puts(d->b, ", ");
		tb_puts(d->b, "{tv_sec=");
		tb_dec(d->b, t[2 * k]);
		tb_puts(d->b, ", tv_usec=");
		tb_dec(d->b, t[2 * k + 1]);
		tb_putc(d->b, '}');
		if (t[2 * k + 1] >= 0 && t[2 * k + 1] < 1000000)
			p_date_comment(d, t[2 * k], (unsigned long)t[2 * k + 1], 6);
	}
	tb_putc(d->b, ']');
}

/* ---- capabilities ----------------------------------------------------------------------- */

static void p_capset_bits(struct tb *b, unsigned long long v)
{
	if (!v) {
		tb_putc(b, '0');
		return;
	}
	bool first = true;
	for (unsigned bit = 0; bit < 64; bit++) {
		if (!(v >> bit & 1))
			continue;
		if (!first)
			tb_putc(b, '|');
		first = false;
		tb_puts(b, "1<<");
		if (!p_xlat_try(b, bit, XT(capabilities)))
			tb_udec(b, bit);
	}
}

/* The header: its version decides how many 32-bit words the sets have. */
static unsigned p_cap_header(struct dctx *d, unsigned long addr)
{
	struct __user_cap_header_struct h;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return 0;
	}
	/* capget writes its preferred version over one it does not know
	 * (the probe libcap makes with version 0): show the one given, as
	 * strace does. */
	if (d->nr == SYS_capget && d->snaplen >= sizeof h)
		zp_memcpy(&h, d->snap, sizeof h);
	else if (!um_get(d, &h, addr, sizeof h, false)) {
		tb_hex(d->b, addr);
		return 0;
	}
	tb_puts(d->b, "{version=");
	p_xlat(d->b, h.version, XT(cap_versions), "_LINUX_CAPABILITY_VERSION_???");
	tb_puts(d->b, ", pid=");
	tb_dec(d->b, h.pid);
	tb_putc(d->b, '}');
	if (h.version == _LINUX_CAPABILITY_VERSION_1)
		return 1;
	if (h.version == _LINUX_CAPABILITY_VERSION_2 || h.version == _LINUX_CAPABILITY_VERSION_3)
		return 2;
	return 0;
}

static void p_cap_data(struct dctx *d, unsigned long addr, unsigned words, bool out)
{
	struct __user_cap_data_struct c[2];
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	if (!words || (out && !d->ok) ||
	    !um_get(d, c, addr, words * sizeof c[0], d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	if (words == 1)
		zp_memset(&c[1], 0, sizeof c[1]);
	tb_puts(d->b, "{effective=");
	p_capset_bits(d->b, (unsigned long long)c[1].effective << 32 | c[0].effective);
	tb_puts(d->b, ", permitted=");
	p_capset_bits(d->b, (unsigned long long)c[1].permitted << 32 | c[0].permitted);
	tb_puts(d->b, ", inheritable=");
	p_capset_bits(d->b, (unsigned long long)c[1].inheritable << 32 | c[0].inheritable);
	tb_putc(d->b, '}');
}

/* ---- personality ------------------------------------------------------------------------ */

/* The persona (low byte, PER_*) and the flags above it; 0xffffffff is
 * the query, printed as the number. */
static void p_personality(struct tb *b, unsigned long v)
{
	v &= 0xffffffffu;
	if (v == 0xffffffffu) {
		tb_hex(b, v);
		return;
	}
	unsigned long per = v & 0xff, fl = v & ~0xfful;
	const char *n = NULL;
	for (unsigned i = 0; i < zpx_personality_types_n && !n; i++)
		if (zpx_personality_types[i].val == per)
			n = zpx_personality_types[i].name;
	if (n) {
		tb_puts(b, n);
	} else {
		tb_hex(b, per);
		tb_puts(b, " /* PER_??? */");
	}
	if (fl) {
		tb_putc(b, '|');
		p_flags(b, fl, XT(personality_flags), NULL);
	}
}

/* ---- SysV IPC ids ------------------------------------------------------------------------ */

static void a_ipc_key(struct dctx *d, int i)
{
	arg(d);
	if ((int)d->a[i] == 0)
		tb_puts(d->b, "IPC_PRIVATE");
	else
		tb_hex(d->b, (unsigned int)d->a[i]);
}

/* IPC_CREAT|...|0600: the flags, then the permission bits. */
static void put_bits(struct tb *b, unsigned long *v, const struct zp_xlat *t, unsigned n, bool *any)
{
	for (unsigned k = 0; k < n; k++) {
		if (!(*v & t[k].val))
			continue;
		if (*any)
			tb_putc(b, '|');
		tb_puts(b, t[k].name);
		*v &= ~t[k].val;
		*any = true;
	}
}

static void a_ipc_get_flags(struct dctx *d, int i, bool shm)
{
	arg(d);
	unsigned long v = (unsigned int)d->a[i];
	unsigned long fl = v & ~0777ul;
	bool any = false;
	put_bits(d->b, &fl, XT(ipc_get_flags), &any);
	if (shm) /* SHM_HUGETLB shares IPC_NOWAIT's bit: a table of its own */
		put_bits(d->b, &fl, XT(shm_get_flags), &any);
	if (fl) {
		if (any)
			tb_putc(d->b, '|');
		tb_hex(d->b, fl);
		any = true;
	}
	if (any)
		tb_putc(d->b, '|');
	tb_oct(d->b, v & 0777, 3);
}

/* IPC_64|IPC_STAT: the commands every kind has, then its own. */
static void a_ipc_cmd(struct dctx *d, int i, const struct zp_xlat *t, unsigned n,
		      const char *unknown)
{
	arg(d);
	unsigned long v = (unsigned int)d->a[i];
	if (v & IPC_64) {
		tb_puts(d->b, "IPC_64|");
		v &= ~(unsigned long)IPC_64;
	}
	if (!p_xlat_try(d->b, v, XT(ipc_cmds)))
		p_xlat(d->b, v, t, n, unknown);
}

struct sembuf_k {
	unsigned short num;
	short op, flg;
};

static void p_sembuf(struct dctx *d, const void *e, int kind)
{
	(void)kind;
	const struct sembuf_k *s = e;
	tb_puts(d->b, "{sem_num=");
	tb_udec(d->b, s->num);
	tb_puts(d->b, ", sem_op=");
	tb_dec(d->b, s->op);
	tb_puts(d->b, ", sem_flg=");
	p_flags_u(d->b, (unsigned short)s->flg, XT(sem_flg), "SEM_???");
	tb_putc(d->b, '}');
}

/* semop's struct sembufs. */
static void p_sembufs(struct dctx *d, unsigned long addr, unsigned long n)
{
	struct sembuf_k s;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	if (!n || !um_get(d, &s, addr, sizeof s, d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	p_array(d, addr, n, sizeof s, d->ok, p_sembuf, 0);
}

/* ---- futex_waitv --------------------------------------------------------------------- */

static void p_futex_waitv(struct dctx *d, unsigned long addr, unsigned long n)
{
	struct {
		unsigned long long val, uaddr;
		unsigned flags, pad;
	} w;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	if (!n || !um_get(d, &w, addr, sizeof w, false)) {
		tb_hex(d->b, addr);
		return;
	}
	struct tb *b = d->b;
	tb_putc(b, '[');
	for (unsigned long k = 0; k < n; k++) {
		if (k)
			tb_puts(b, ", ");
		if (k >= dec_elems(d)) {
			tb_puts(b, "...");
			break;
		}
		if (!um_get(d, &w, addr + k * sizeof w, sizeof w, false)) {
			tb_puts(b, "...");
			break;
		}
		tb_puts(b, "{val=");
		tb_hex(b, w.val);
		tb_puts(b, ", uaddr=");
		p_ptr(d, w.uaddr);
		tb_puts(b, ", flags=");
		p_flags(b, w.flags, XT(futex_waitv_flags), NULL);
		tb_putc(b, '}');
	}
	tb_putc(b, ']');
}

/* ---- the calls -------------------------------------------------------------------------- */

bool zp_decode_misc(struct dctx *d)
{
	struct tb *b = d->b;
	switch (d->nr) {
	case SYS_getcpu:
		a_uint_out(d, 0);
		a_uint_out(d, 1);
		a_ptr(d, 2);
		return true;
	case SYS_membarrier:
		/* strace 6.1 shows two arguments (cpu_id came in 5.10) */
		a_xlat(d, 0, XT(membarrier_cmds), "MEMBARRIER_CMD_???");
		a_flags_u(d, 1, NULL, 0, NULL, "MEMBARRIER_CMD_FLAG_???");
		if (d->a[0] == MEMBARRIER_CMD_QUERY && d->ok && d->ret) {
			d->rstyle = RV_HEX;
			tb_puts(&d->rx, " (");
			p_flags(&d->rx, (unsigned long)d->ret, XT(membarrier_cmds), NULL);
			tb_putc(&d->rx, ')');
		}
		return true;
	case SYS_ioprio_get:
		a_xlat(d, 0, XT(ioprio_who), "IOPRIO_WHO_???");
		a_who(d, 1, d->a[0] == IOPRIO_WHO_PROCESS);
		if (d->ok) {
			tb_puts(&d->rx, " (");
			p_ioprio(&d->rx, (unsigned long)d->ret);
			tb_putc(&d->rx, ')');
		}
		return true;
	case SYS_ioprio_set:
		a_xlat(d, 0, XT(ioprio_who), "IOPRIO_WHO_???");
		a_who(d, 1, d->a[0] == IOPRIO_WHO_PROCESS);
		arg(d);
		p_ioprio(b, (unsigned long)d->a[2]);
		return true;
	case SYS_rt_sigqueueinfo:
		a_pid(d, 0);
		a_signo(d, 1);
		arg(d);
		p_siginfo_in(d, (unsigned long)d->a[2]);
		return true;
	case SYS_rt_tgsigqueueinfo:
		a_pid(d, 0);
		a_pid(d, 1);
		a_signo(d, 2);
		arg(d);
		p_siginfo_in(d, (unsigned long)d->a[3]);
		return true;
	case SYS_sched_getattr:
		a_pid(d, 0);
		arg(d);
		p_sched_attr(d, (unsigned long)d->a[1], true);
		a_uint(d, 2);
		a_uint(d, 3);
		return true;
	case SYS_sched_setattr:
		a_pid(d, 0);
		arg(d);
		p_sched_attr(d, (unsigned long)d->a[1], false);
		a_uint(d, 2);
		return true;
	case SYS_seccomp: {
		unsigned long op = (unsigned long)d->a[0];
		a_xlat(d, 0, XT(seccomp_ops), "SECCOMP_SET_MODE_???");
		if (op == SECCOMP_SET_MODE_FILTER)
			a_flags(d, 1, XT(seccomp_filter_flags), NULL);
		else
			a_flags(d, 1, NULL, 0, NULL);
		arg(d);
		unsigned act;
		if (op == SECCOMP_SET_MODE_FILTER) {
			p_seccomp_fprog(d, (unsigned long)d->a[2]);
		} else if (op == SECCOMP_GET_ACTION_AVAIL && d->a[2] &&
		    um_get(d, &act, (unsigned long)d->a[2], sizeof act, d->ok)) {
			tb_putc(b, '[');
			p_xlat(b, act, XT(seccomp_ret), "SECCOMP_RET_???");
			tb_putc(b, ']');
		} else {
			p_ptr(d, (unsigned long)d->a[2]);
		}
		return true;
	}
	case SYS_io_uring_setup:
		a_uint(d, 0);
		arg(d);
		p_io_uring_params(d, (unsigned long)d->a[1]);
		d->rstyle = RV_FD;
		return true;
	case SYS_io_uring_enter:
		a_fd(d, 0);
		a_uint(d, 1);
		a_uint(d, 2);
		a_flags(d, 3, XT(io_uring_enter_flags), NULL);
		/* IORING_ENTER_EXT_ARG: a struct io_uring_getevents_arg, which
		 * strace 6.1 leaves as an address */
		if (d->a[3] & IORING_ENTER_EXT_ARG) {
			a_ptr(d, 4);
		} else {
			arg(d);
			p_sigset(d, (unsigned long)d->a[4], (size_t)d->a[5], d->ok);
		}
		a_ulong(d, 5);
		return true;
	case SYS_io_uring_register:
		a_fd(d, 0);
		a_xlat(d, 1, XT(io_uring_register_ops), "IORING_REGISTER_???");
		a_ptr(d, 2);
		a_uint(d, 3);
		return true;
	case SYS_io_setup: {
		a_uint(d, 0);
		arg(d);
		unsigned long ctx, addr = (unsigned long)d->a[1];
		if (d->ok && um_get(d, &ctx, addr, sizeof ctx, true)) {
			tb_putc(b, '[');
			p_ptr(d, ctx);
			tb_putc(b, ']');
		} else {
			p_ptr(d, addr);
		}
		return true;
	}
	case SYS_io_destroy:
		a_ptr(d, 0);
		return true;
	case SYS_io_submit: {
		a_ptr(d, 0);
		a_long(d, 1);
		arg(d);
		unsigned long addr = (unsigned long)d->a[2];
		long n = d->a[1];
		unsigned long p;
		if (!addr || n < 0 || (n > 0 && !um_get(d, &p, addr, sizeof p, false))) {
			p_ptr(d, addr);
			return true;
		}
		tb_putc(b, '[');
		for (long k = 0; k < n; k++) {
			if (k)
				tb_puts(b, ", ");
			if (k >= (long)dec_elems(d)) {
				tb_puts(b, "...");
				break;
			}
			if (!um_get(d, &p, addr + (unsigned long)k * sizeof p, sizeof p, false)) {
				tb_puts(b, "...");
				break;
			}
			p_iocb(d, p, false);
		}
		tb_putc(b, ']');
		return true;
	}
	case SYS_lookup_dcookie:
		a_ulong(d, 0);
		arg(d);
		if (d->ok)
			p_path(d, (unsigned long)d->a[1], false);
		else
			p_ptr(d, (unsigned long)d->a[1]);
		a_ulong(d, 2);
		return true;
	case SYS_io_pgetevents: /* io_getevents and the signal set */
	case SYS_io_getevents:
		a_ptr(d, 0);
		a_long(d, 1);
		a_long(d, 2);
		arg(d);
		if (d->ok && d->a[3])
			p_io_events(d, (unsigned long)d->a[3], d->ret);
		else
			p_ptr(d, (unsigned long)d->a[3]);
		a_timespec(d, 4, false);
		if (d->nr == SYS_io_pgetevents)
			a_ptr(d, 5);
		return true;
	case SYS_io_cancel:
		a_ptr(d, 0);
		arg(d);
		if (d->a[1])
			p_iocb(d, (unsigned long)d->a[1], true);
		else
			tb_puts(b, "NULL");
		arg(d);
		if (d->ok && d->a[2])
			p_io_events(d, (unsigned long)d->a[2], 1);
		else
			p_ptr(d, (unsigned long)d->a[2]);
		return true;
	case SYS_inotify_init:
		d->rstyle = RV_FD;
		return true;
	case SYS_signalfd:
		a_fd(d, 0);
		arg(d);
		p_sigset(d, (unsigned long)d->a[1], (size_t)d->a[2], d->ok);
		a_ulong(d, 2);
		d->rstyle = RV_FD;
		return true;
	case SYS_openat2: {
		a_dirfd(d, 0);
		a_path(d, 1);
		arg(d);
		struct open_how how;
		unsigned long addr = (unsigned long)d->a[2];
		if ((unsigned long)d->a[3] < sizeof how || !um_get(d, &how, addr, sizeof how, d->ok)) {
			p_ptr(d, addr);
		} else {
			tb_puts(b, "{flags=");
			p_open_flags(b, how.flags);
			if (how.mode || (how.flags & (O_CREAT | __O_TMPFILE))) {
				tb_puts(b, ", mode=");
				tb_oct(b, how.mode, 3);
			}
			tb_puts(b, ", resolve=");
			p_flags(b, how.resolve, XT(resolve_flags), NULL);
			tb_putc(b, '}');
		}
		a_ulong(d, 3);
		d->rstyle = RV_FD;
		return true;
	}
	case SYS_utime:
		a_path(d, 0);
		a_utimbuf(d, 1);
		return true;
	case SYS_utimes:
		a_path(d, 0);
		a_timeval_pair(d, 1);
		return true;
	case SYS_futimesat:
		a_dirfd(d, 0);
		a_path(d, 1);
		a_timeval_pair(d, 2);
		return true;
	case SYS_capget:
	case SYS_capset: {
		arg(d);
		unsigned words = p_cap_header(d, (unsigned long)d->a[0]);
		arg(d);
		p_cap_data(d, (unsigned long)d->a[1], words, d->nr == SYS_capget);
		return true;
	}
	case SYS_personality:
		arg(d);
		p_personality(b, (unsigned long)d->a[0]);
		if (d->ok) {
			d->rstyle = RV_HEX;
			tb_puts(&d->rx, " (");
			p_personality(&d->rx, (unsigned long)d->ret);
			tb_putc(&d->rx, ')');
		}
		return true;
	case SYS_mount:
		a_path(d, 0);
		a_path(d, 1);
		a_str(d, 2);
		a_flags(d, 3, XT(mount_flags), NULL);
		a_str(d, 4);
		return true;
	case SYS_umount2:
		a_path(d, 0);
		a_flags_u(d, 1, XT(umount_flags), NULL, "MNT_???");
		return true;
	case SYS_pivot_root:
		a_path(d, 0);
		a_path(d, 1);
		return true;
	case SYS_swapon:
		a_path(d, 0);
		a_flags(d, 1, NULL, 0, NULL);
		return true;
	case SYS_swapoff:
		a_path(d, 0);
		return true;
	case SYS_reboot: {
		unsigned long cmd = (unsigned int)d->a[2];
		a_xlat(d, 0, XT(reboot_magic), "LINUX_REBOOT_MAGIC_???");
		a_xlat(d, 1, XT(reboot_magic), "LINUX_REBOOT_MAGIC_???");
		arg(d);
		p_xlat(b, cmd, XT(reboot_cmds), "LINUX_REBOOT_CMD_???");
		if (cmd == LINUX_REBOOT_CMD_RESTART2)
			a_str(d, 3);
		return true;
	}
	case SYS_kcmp: {
		a_pid(d, 0);
		a_pid(d, 1);
		a_xlat(d, 2, XT(kcmp_types), "KCMP_???");
		if (d->a[2] == KCMP_FILE) {
			a_fd(d, 3);
			a_fd(d, 4);
		} else if (d->a[2] == KCMP_EPOLL_TFD) {
			a_fd(d, 3);
			a_ptr(d, 4);
		}
		return true;
	}
	case SYS_pkey_alloc:
		a_hex(d, 0);
		a_flags(d, 1, XT(pkey_access), NULL);
		return true;
	case SYS_pkey_free:
		a_int(d, 0);
		return true;
	case SYS_userfaultfd:
	case SYS_memfd_secret:
		arg(d);
		p_flags(b, (unsigned long)d->a[0], XT(open_flags), NULL);
		d->rstyle = RV_FD;
		return true;
	case SYS_semget:
		a_ipc_key(d, 0);
		a_int(d, 1);
		a_ipc_get_flags(d, 2, false);
		return true;
	case SYS_shmget:
		a_ipc_key(d, 0);
		a_ulong(d, 1);
		a_ipc_get_flags(d, 2, true);
		return true;
	case SYS_msgget:
		a_ipc_key(d, 0);
		a_ipc_get_flags(d, 1, false);
		return true;
	case SYS_mq_unlink:
		a_str(d, 0);
		return true;
	case SYS_semop:
	case SYS_semtimedop:
		a_int(d, 0);
		arg(d);
		p_sembufs(d, (unsigned long)d->a[1], (unsigned long)d->a[2]);
		a_ulong(d, 2);
		if (d->nr == SYS_semtimedop)
			a_timespec(d, 3, false);
		return true;
	case SYS_semctl:
		a_int(d, 0);
		a_int(d, 1);
		a_ipc_cmd(d, 2, XT(sem_cmds), "SEM_???");
		a_ptr(d, 3);
		return true;
	case SYS_shmctl:
		a_int(d, 0);
		a_ipc_cmd(d, 1, XT(shm_cmds), "SHM_???");
		a_ptr(d, 2);
		return true;
	case SYS_msgctl:
		a_int(d, 0);
		a_ipc_cmd(d, 1, XT(msg_cmds), "MSG_???");
		a_ptr(d, 2);
		return true;
	case SYS_shmat:
		a_int(d, 0);
		a_ptr(d, 1);
		a_flags_u(d, 2, XT(shmat_flags), NULL, "SHM_???");
		d->rstyle = RV_HEX;
		return true;
	case SYS_shmdt:
		a_ptr(d, 0);
		return true;
	case SYS_mq_timedsend:
		a_fd(d, 0);
		a_ibuf(d, 1);
		a_ulong(d, 2);
		a_uint(d, 3);
		a_timespec(d, 4, false);
		return true;
	case SYS_mq_timedreceive:
		a_fd(d, 0);
		a_obuf(d, 1, 0);
		a_ulong(d, 2);
		a_uint_out(d, 3);
		a_timespec(d, 4, false);
		return true;
	case SYS_mq_notify:
		a_fd(d, 0);
		arg(d);
		p_sigevent(d, (unsigned long)d->a[1]);
		return true;
	case SYS_pidfd_getfd:
		a_fd(d, 0);
		a_int(d, 1);
		a_flags(d, 2, NULL, 0, NULL);
		d->rstyle = RV_FD;
		return true;
	case SYS_process_mrelease:
	case SYS_landlock_restrict_self:
		a_fd(d, 0);
		a_flags(d, 1, NULL, 0, NULL);
		return true;
	case SYS_finit_module:
		a_fd(d, 0);
		a_str(d, 1);
		a_flags_u(d, 2, XT(module_init_flags), NULL, "MODULE_INIT_???");
		return true;
	case SYS_init_module:
		a_ptr(d, 0);
		a_ulong(d, 1);
		a_str(d, 2);
		return true;
	case SYS_delete_module:
		a_str(d, 0);
		a_flags(d, 1, XT(open_flags), NULL);
		return true;
	case SYS_sethostname:
	case SYS_setdomainname:
		arg(d);
		/* Longer than the kernel's 64: refused unread, the address. */
		if ((unsigned long)d->a[1] <= 64)
			p_buf(d, (unsigned long)d->a[0], (unsigned long)d->a[1], d->ok, 0);
		else
			p_ptr(d, (unsigned long)d->a[0]);
		a_ulong(d, 1);
		return true;
	case SYS_process_madvise:
		a_fd(d, 0);
		a_ptr(d, 1);
		a_ulong(d, 2);
		a_xlat(d, 3, XT(madvise), "MADV_???");
		a_flags(d, 4, NULL, 0, NULL);
		return true;
	case SYS_futex_waitv:
		arg(d);
		p_futex_waitv(d, (unsigned long)d->a[0], (unsigned int)d->a[1]);
		a_uint(d, 1);
		a_flags(d, 2, NULL, 0, NULL);
		a_timespec(d, 3, false);
		a_xlat(d, 4, XT(clocks), "CLOCK_???");
		return true;
	default:
		return false;
	}
}

/* A seccomp filter program (prctl PR_SET_SECCOMP and seccomp(2)), as
 * strace prints it without -v: {len=N, filter=ADDR}; an unreadable
 * struct is its address.  The kernel has read it on success, so the
 * read is trusted then. */
void p_seccomp_fprog(struct dctx *d, unsigned long addr)
{
	struct sock_fprog fp;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	if (!um_get(d, &fp, addr, sizeof fp, d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	tb_puts(d->b, "{len=");
	tb_dec(d->b, fp.len);
	tb_puts(d->b, ", filter=");
	p_ptr(d, (unsigned long)fp.filter);
	tb_putc(d->b, '}');
}
