/*
 * dproc.c - processes, signals, time and the rest of the system calls
 * programs make all the time (clone, execve, wait4, futex, rt_sigaction,
 * prlimit64, uname, getrandom ...).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/ucontext.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <linux/sched.h>

#include "decode.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

/* ---- clone ---------------------------------------------------------------- */

/* A sleep's request as the call was given it (the entry snapshot): an
 * interrupted sleep writes the time left into rem, and glibc's sleep()
 * and usleep() pass the request itself as rem. */
static void a_sleep_request(struct dctx *d, int i)
{
	if (d->snaplen >= 16) {
		long ts[2];
		arg(d);
		zp_memcpy(ts, d->snap, sizeof ts);
		p_timespec_val(d, ts);
	} else {
		a_timespec(d, i, false);
	}
}

static void p_clone_flags(struct tb *b, unsigned long v, bool with_signal)
{
	unsigned long sig = with_signal ? v & 0xff : 0;
	if (with_signal)
		v &= ~0xfful;
	if (v) {
		p_flags(b, v, XT(clone_flags), NULL);
		if (sig)
			tb_putc(b, '|');
	}
	if (sig)
		p_signame(b, (long)sig);
	if (!v && !sig)
		tb_putc(b, '0');
}

static void d_clone(struct dctx *d)
{
	unsigned long flags = (unsigned long)d->a[0];
	arg(d);
	tb_puts(d->b, "child_stack=");
	p_ptr(d, (unsigned long)d->a[1]);
	arg(d);
	tb_puts(d->b, "flags=");
	p_clone_flags(d->b, flags, true);
	if (flags & (CLONE_PARENT_SETTID | CLONE_PIDFD)) {
		arg(d);
		tb_puts(d->b, "parent_tid=");
		p_ptr(d, (unsigned long)d->a[2]);
	}
	if (flags & CLONE_SETTLS) {
		arg(d);
		tb_puts(d->b, "tls=");
		p_ptr(d, (unsigned long)d->a[4]);
	}
	if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) {
		arg(d);
		tb_puts(d->b, "child_tidptr=");
		p_ptr(d, (unsigned long)d->a[3]);
	}
}

static void d_clone3(struct dctx *d)
{
	struct clone_args ca;
	unsigned long addr = (unsigned long)d->a[0];
	unsigned long size = (unsigned long)d->a[1];
	arg(d);
	zp_memset(&ca, 0, sizeof ca);
	size_t n = size < sizeof ca ? size : sizeof ca;
	if (n < 64 || !um_get(d, &ca, addr, n, d->ok)) {
		p_ptr(d, addr);
		a_ulong(d, 1);
		return;
	}
	struct tb *b = d->b;
	tb_puts(b, "{flags=");
	p_flags(b, ca.flags, XT(clone3_flags), NULL);
	if (ca.flags & CLONE_PIDFD) {
		tb_puts(b, ", pidfd=");
		p_ptr(d, ca.pidfd);
	}
	if (ca.flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) {
		tb_puts(b, ", child_tid=");
		p_ptr(d, ca.child_tid);
	}
	if (ca.flags & CLONE_PARENT_SETTID) {
		tb_puts(b, ", parent_tid=");
		p_ptr(d, ca.parent_tid);
	}
	tb_puts(b, ", exit_signal=");
	p_signame(b, (long)ca.exit_signal);
	tb_puts(b, ", stack=");
	p_ptr(d, ca.stack);
	tb_puts(b, ", stack_size=");
	tb_hex(b, ca.stack_size);
	if (ca.flags & CLONE_SETTLS) {
		tb_puts(b, ", tls=");
		p_ptr(d, ca.tls);
	}
	tb_putc(b, '}');
	if (d->ok && (ca.flags & CLONE_PARENT_SETTID) && ca.parent_tid) {
		int ptid;
		if (um_get(d, &ptid, ca.parent_tid, sizeof ptid, false)) {
			tb_puts(b, " => {parent_tid=[");
			p_pid(d, ptid);
			tb_puts(b, "]}");
		}
	}
	a_ulong(d, 1);
}

/* ---- execve ------------------------------------------------------------------ */

/* How many bytes of a pointer array at a to read at once: up to max, to
 * the end of its page (the array's NULL may be the page's last entry, the
 * next page unmapped: a safe copy that faults costs a signal), at least one
 * pointer. */
static size_t array_piece(unsigned long a, size_t max)
{
	size_t n = 4096 - (a & 4095);
	if (n < 8)
		n = 8;
	n &= ~(size_t)7;
	return n < max ? n : max;
}

/* ["a", "b"] with at most -s elements shown. */
static void p_argv(struct dctx *d, unsigned long addr)
{
	struct tb *b = d->b;
	unsigned long first;
	if (!addr) {
		tb_puts(b, "NULL");
		return;
	}
	if (!um_get(d, &first, addr, sizeof first, false)) {
		tb_hex(b, addr);
		return;
	}
	tb_putc(b, '[');
	/* The pointers up to 64 at a time (a read may be a system call), not
	 * past the page of the last one. */
	unsigned long chunk[64];
	size_t have = 0, at = 0;
	for (unsigned long k = 0;; k++) {
		if (at == have) {
			unsigned long a = addr + k * 8;
			have = um_read(d, chunk, a, array_piece(a, sizeof chunk), false) / 8;
			at = 0;
		}
		if (at == have) {
			if (k)
				tb_puts(b, ", ");
			tb_puts(b, "...");
			break;
		}
		unsigned long p = chunk[at++];
		if (!p)
			break;
		if (k)
			tb_puts(b, ", ");
		if (k >= dec_elems(d)) {
			tb_puts(b, "...");
			break;
		}
		p_str(d, p, false);
	}
	tb_putc(b, ']');
}

static void p_envp(struct dctx *d, unsigned long addr)
{
	if (!d->abbrev) { /* -v: the strings, as argv's */
		p_argv(d, addr);
		return;
	}
	struct tb *b = d->b;
	p_ptr(d, addr);
	if (!addr)
		return;
	unsigned long k = 0, p;
	/* An array that cannot be read is its address alone, as strace
	 * prints it (not "0 vars"). */
	if (!um_get(d, &p, addr, sizeof p, false))
		return;
	/* As p_argv reads them. */
	unsigned long chunk[64];
	for (bool more = true; more && k < 1000000;) {
		unsigned long a = addr + k * 8;
		size_t want = array_piece(a, sizeof chunk) / 8;
		size_t n = um_read(d, chunk, a, want * 8, false) / 8, i = 0;
		while (i < n && chunk[i] && k < 1000000) {
			i++;
			k++;
		}
		more = n && i == want;
	}
	tb_puts(b, " /* ");
	tb_udec(b, k);
	tb_puts(b, k == 1 ? " var */" : " vars */");
}

/* ---- wait ------------------------------------------------------------------------ */

static void p_wstatus(struct tb *b, int s)
{
	tb_puts(b, "[{");
	if ((s & 0x7f) == 0) {
		tb_puts(b, "WIFEXITED(s) && WEXITSTATUS(s) == ");
		tb_dec(b, (s >> 8) & 0xff);
	} else if ((s & 0xff) == 0x7f) {
		/* A tracer's stops: 0x80 marks a system call stop
		 * (PTRACE_O_TRACESYSGOOD), the bits above 16 the event. */
		tb_puts(b, "WIFSTOPPED(s) && WSTOPSIG(s) == ");
		p_signame(b, (s >> 8) & 0x7f);
		if (s & 0x8000)
			tb_puts(b, " | 0x80");
		if ((unsigned)s >> 16) {
			tb_puts(b, "}|");
			p_xlat(b, (unsigned)s >> 16, XT(ptrace_events), "PTRACE_EVENT_???");
			tb_puts(b, "<<16]");
			return;
		}
	} else if (s == 0xffff) {
		tb_puts(b, "WIFCONTINUED(s)");
	} else {
		tb_puts(b, "WIFSIGNALED(s) && WTERMSIG(s) == ");
		p_signame(b, s & 0x7f);
		if (s & 0x80)
			tb_puts(b, " && WCOREDUMP(s)");
	}
	tb_puts(b, "}]");
}

static void p_rusage(struct dctx *d, unsigned long addr)
{
	/* struct rusage: two timevals, then 14 longs (-v shows them) */
	long ru[4 + 14];
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	size_t want = d->abbrev ? 4 * sizeof(long) : sizeof ru;
	if (!d->ok || !um_get(d, ru, addr, want, true)) {
		tb_hex(d->b, addr);
		return;
	}
	struct tb *b = d->b;
	tb_puts(b, "{ru_utime={tv_sec=");
	tb_dec(b, ru[0]);
	tb_puts(b, ", tv_usec=");
	tb_dec(b, ru[1]);
	tb_puts(b, "}, ru_stime={tv_sec=");
	tb_dec(b, ru[2]);
	tb_puts(b, ", tv_usec=");
	tb_dec(b, ru[3]);
	if (d->abbrev) {
		tb_puts(b, "}, ...}");
		return;
	}
	static const char *const names[14] = {"maxrss", "ixrss",  "idrss",  "isrss",	  "minflt",
					      "majflt", "nswap",  "inblock", "oublock", "msgsnd",
					      "msgrcv", "nsignals", "nvcsw", "nivcsw"};
	tb_putc(b, '}');
	for (int i = 0; i < 14; i++) {
		tb_puts(b, ", ru_");
		tb_puts(b, names[i]);
		tb_putc(b, '=');
		tb_dec(b, ru[4 + i]);
	}
	tb_putc(b, '}');
}

/* sigaltstack's stack_t: the new one as given, the old one once the call
 * succeeded (strace's text). */
static void p_stack_t(struct dctx *d, unsigned long addr, bool out)
{
	stack_t ss;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	if ((out && !d->ok) || !um_get(d, &ss, addr, sizeof ss, d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	struct tb *b = d->b;
	tb_puts(b, "{ss_sp=");
	p_ptr(d, (unsigned long)ss.ss_sp);
	tb_puts(b, ", ss_flags=");
	p_flags(b, (unsigned int)ss.ss_flags, XT(sigaltstack_flags), NULL);
	tb_puts(b, ", ss_size=");
	tb_udec(b, ss.ss_size);
	tb_putc(b, '}');
}

static void d_wait4(struct dctx *d)
{
	if (d->snaplen && (int)d->a[0] > 0 && d->cfg->decode_pids) {
		/* the name the child had at entry (trace.c) */
		arg(d);
		tb_dec(d->b, (int)d->a[0]);
		p_comm(d->b, (const char *)d->snap, d->snaplen);
	} else {
		a_pid_pgid(d, 0);
	}
	d->rstyle = RV_PID;
	arg(d);
	unsigned long st = (unsigned long)d->a[1];
	int s;
	if (st && d->ok && d->ret > 0 && um_get(d, &s, st, sizeof s, true))
		p_wstatus(d->b, s);
	else
		p_ptr(d, st);
	a_flags_u(d, 2, XT(wait_options), NULL, "W???");
	arg(d);
	/* The kernel writes the rusage only when it reaped a child. */
	if (d->ok && d->ret > 0)
		p_rusage(d, (unsigned long)d->a[3]);
	else
		p_ptr(d, (unsigned long)d->a[3]);
}

/* Clock ticks (USER_HZ, 100 on x86-64) and, as strace adds, the seconds
 * in a comment: 5 becomes "5" then " 0.05 s" between comment marks. */
static void p_clock_t(struct tb *b, unsigned long long v)
{
	tb_udec(b, v);
	if (!v)
		return;
	tb_puts(b, " /* ");
	tb_udec(b, v / 100);
	tb_putc(b, '.');
	tb_udec_w(b, v % 100, 2, '0');
	tb_puts(b, " s */");
}

static void d_waitid(struct dctx *d)
{
	a_xlat(d, 0, XT(waitid_types), "P_???");
	if (d->a[0] == P_PID)
		a_pid(d, 1);
	else
		a_int(d, 1);
	arg(d);
	unsigned long ip = (unsigned long)d->a[2];
	siginfo_t si;
	if (ip && d->ok && um_get(d, &si, ip, sizeof si, true)) {
		struct tb *b = d->b;
		if (si.si_signo == 0) {
			tb_puts(b, "{}");
		} else {
			tb_puts(b, "{si_signo=");
			p_signame(b, si.si_signo);
			tb_puts(b, ", si_code=");
			if (si.si_signo != SIGCHLD || !p_xlat_try(b, (unsigned)si.si_code, XT(cld_codes)))
				tb_dec(b, si.si_code);
			tb_puts(b, ", si_pid=");
			p_pid(d, si.si_pid);
			tb_puts(b, ", si_uid=");
			tb_udec(b, si.si_uid);
			tb_puts(b, ", si_status=");
			if (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED ||
			    si.si_code == CLD_STOPPED || si.si_code == CLD_TRAPPED)
				p_signame(b, si.si_status);
			else
				tb_dec(b, si.si_status);
			/* strace: CPU times in clock ticks, and in seconds */
			tb_puts(b, ", si_utime=");
			p_clock_t(b, (unsigned long long)si.si_utime);
			tb_puts(b, ", si_stime=");
			p_clock_t(b, (unsigned long long)si.si_stime);
			tb_putc(b, '}');
		}
	} else {
		p_ptr(d, ip);
	}
	a_flags_u(d, 3, XT(wait_options), NULL, "W???");
	arg(d);
	p_rusage(d, (unsigned long)d->a[4]);
}

/* ---- signals ------------------------------------------------------------------------ */

struct ksigaction {
	unsigned long handler, flags, restorer, mask;
};

static void p_sigaction(struct dctx *d, unsigned long addr, bool out)
{
	struct ksigaction sa;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	if ((out && !d->ok) || !um_get(d, &sa, addr, sizeof sa, d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	struct tb *b = d->b;
	tb_puts(b, "{sa_handler=");
	if (sa.handler == 0)
		tb_puts(b, "SIG_DFL");
	else if (sa.handler == 1)
		tb_puts(b, "SIG_IGN");
	else
		tb_hex(b, sa.handler);
	tb_puts(b, ", sa_mask=");
	p_sigset_bits(b, (const unsigned char *)&sa.mask, sizeof sa.mask);
	tb_puts(b, ", sa_flags=");
	p_flags(b, sa.flags, XT(sa_flags), NULL);
	if (sa.flags & SA_RESTORER) {
		tb_puts(b, ", sa_restorer=");
		p_ptr(d, sa.restorer);
	}
	tb_putc(b, '}');
}

/* ---- futex -------------------------------------------------------------------------------- */

static void p_futex_op(struct tb *b, unsigned long op)
{
	unsigned long cmd = op & FUTEX_CMD_MASK;
	bool priv = op & FUTEX_PRIVATE_FLAG;
	bool done = false;
	if (priv)
		done = p_xlat_try(b, cmd | FUTEX_PRIVATE_FLAG, XT(futex_private_cmds));
	if (!done) {
		const char *n = xlat_name(cmd, XT(futex_cmds));
		if (!n) {
			tb_hex(b, op);
			tb_puts(b, " /* FUTEX_??? */");
			return;
		}
		tb_puts(b, n);
		if (priv)
			tb_puts(b, "|FUTEX_PRIVATE_FLAG");
	}
	if (op & FUTEX_CLOCK_REALTIME)
		tb_puts(b, "|FUTEX_CLOCK_REALTIME");
	if (op & ~(FUTEX_CMD_MASK | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME) & 0xffffffffu) {
		tb_putc(b, '|');
		tb_hex(b, op & ~(unsigned long)(FUTEX_CMD_MASK | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
	}
}

static void a_bitset(struct dctx *d, int i)
{
	arg(d);
	unsigned v = (unsigned)d->a[i];
	if (v == FUTEX_BITSET_MATCH_ANY)
		tb_puts(d->b, "FUTEX_BITSET_MATCH_ANY");
	else
		tb_hex(d->b, v);
}

static void a_wake_op(struct dctx *d, int i)
{
	arg(d);
	unsigned v = (unsigned)d->a[i];
	struct tb *b = d->b;
	unsigned op = (v >> 28) & 0xf, cmp = (v >> 24) & 0xf;
	if (op & 8) {
		tb_puts(b, "FUTEX_OP_OPARG_SHIFT|");
		op &= 7;
	}
	p_xlat(b, op, XT(futex_wake_ops), "FUTEX_OP_???");
	tb_puts(b, "<<28|");
	tb_udec(b, (v >> 12) & 0xfff);
	tb_puts(b, "<<12|");
	p_xlat(b, cmp, XT(futex_wake_cmps), "FUTEX_OP_CMP_???");
	tb_puts(b, "<<24|");
	tb_udec(b, v & 0xfff);
}

static void d_futex(struct dctx *d)
{
	a_ptr(d, 0);
	arg(d);
	unsigned long op = (unsigned int)d->a[1]; /* an int to the kernel */
	p_futex_op(d->b, op);
	switch (op & FUTEX_CMD_MASK) {
	case FUTEX_WAIT:
		a_int(d, 2);
		a_timespec(d, 3, false);
		return;
	case FUTEX_WAKE:
	case FUTEX_FD:
		a_int(d, 2);
		return;
	case FUTEX_REQUEUE:
		a_int(d, 2);
		a_int(d, 3);
		a_ptr(d, 4);
		return;
	case FUTEX_CMP_REQUEUE:
	case FUTEX_CMP_REQUEUE_PI:
		a_int(d, 2);
		a_int(d, 3);
		a_ptr(d, 4);
		a_int(d, 5);
		return;
	case FUTEX_WAKE_OP:
		a_int(d, 2);
		a_int(d, 3);
		a_ptr(d, 4);
		a_wake_op(d, 5);
		return;
	case FUTEX_LOCK_PI:
	case 13: /* FUTEX_LOCK_PI2 */
		a_timespec(d, 3, false);
		return;
	case FUTEX_UNLOCK_PI:
	case FUTEX_TRYLOCK_PI:
		return;
	case FUTEX_WAIT_BITSET:
		a_int(d, 2);
		a_timespec(d, 3, false);
		a_bitset(d, 5);
		return;
	case FUTEX_WAKE_BITSET:
		a_int(d, 2);
		a_bitset(d, 5);
		return;
	case FUTEX_WAIT_REQUEUE_PI:
		a_int(d, 2);
		a_timespec(d, 3, false);
		a_ptr(d, 4);
		return;
	default:
		a_int(d, 2);
		a_ptr(d, 3);
		a_ptr(d, 4);
		a_int(d, 5);
	}
}

/* ---- limits, names, misc ------------------------------------------------------------------ */

static void p_rlim(struct tb *b, unsigned long v)
{
	if (v == ~0ul)
		tb_puts(b, "RLIM64_INFINITY");
	else if (v > 1024 && v % 1024 == 0) { /* as strace: 1024, 2*1024 */
		tb_udec(b, v / 1024);
		tb_puts(b, "*1024");
	} else {
		tb_udec(b, v);
	}
}

static void p_rlimit(struct dctx *d, unsigned long addr, bool out)
{
	unsigned long r[2];
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	if ((out && !d->ok) || !um_get(d, r, addr, sizeof r, d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	tb_puts(d->b, "{rlim_cur=");
	p_rlim(d->b, r[0]);
	tb_puts(d->b, ", rlim_max=");
	p_rlim(d->b, r[1]);
	tb_putc(d->b, '}');
}

static void p_utsname(struct dctx *d, unsigned long addr)
{
	struct utsname u;
	if (!d->ok || !um_get(d, &u, addr, sizeof u, true)) {
		p_ptr(d, addr);
		return;
	}
	struct tb *b = d->b;
	const struct {
		const char *name;
		const char *v;
	} f[] = {{"sysname", u.sysname},	{"nodename", u.nodename}, {"release", u.release},
		 {"version", u.version},	{"machine", u.machine},	  {"domainname", u.domainname}};
	tb_putc(b, '{');
	int n_shown = d->abbrev ? 2 : 6;
	for (int i = 0; i < n_shown; i++) {
		if (i)
			tb_puts(b, ", ");
		tb_puts(b, f[i].name);
		tb_putc(b, '=');
		size_t n = 0;
		while (n < sizeof u.sysname && f[i].v[n])
			n++;
		tb_quote(b, (const unsigned char *)f[i].v, n, false, 0);
	}
	tb_puts(b, d->abbrev ? ", ...}" : "}");
}

static void p_sysinfo(struct dctx *d, unsigned long addr)
{
	struct {
		long uptime;
		unsigned long loads[3];
		unsigned long totalram, freeram, sharedram, bufferram, totalswap, freeswap;
		unsigned short procs, pad;
		unsigned long totalhigh, freehigh;
		unsigned mem_unit;
	} s;
	if (!d->ok || !um_get(d, &s, addr, sizeof s, true)) {
		p_ptr(d, addr);
		return;
	}
	struct tb *b = d->b;
	tb_puts(b, "{uptime=");
	tb_dec(b, s.uptime);
	tb_puts(b, ", loads=[");
	for (int i = 0; i < 3; i++) {
		if (i)
			tb_puts(b, ", ");
		tb_udec(b, s.loads[i]);
	}
	const struct {
		const char *n;
		unsigned long v;
	} f[] = {{"totalram", s.totalram},   {"freeram", s.freeram},     {"sharedram", s.sharedram},
		 {"bufferram", s.bufferram}, {"totalswap", s.totalswap}, {"freeswap", s.freeswap},
		 {"procs", s.procs},         {"totalhigh", s.totalhigh}, {"freehigh", s.freehigh},
		 {"mem_unit", s.mem_unit}};
	tb_putc(b, ']');
	for (unsigned i = 0; i < sizeof f / sizeof f[0]; i++) {
		tb_puts(b, ", ");
		tb_puts(b, f[i].n);
		tb_putc(b, '=');
		tb_udec(b, f[i].v);
	}
	tb_putc(b, '}');
}

static void a_uid_out(struct dctx *d, int i)
{
	arg(d);
	if (d->ok)
		p_int_ptr(d, (unsigned long)d->a[i], true);
	else
		p_ptr(d, (unsigned long)d->a[i]);
}

/* The dumpable modes (the kernel's SUID_DUMP_*, not in its UAPI headers). */
static const char *const suid_dump[] = {"SUID_DUMP_DISABLE", "SUID_DUMP_USER", "SUID_DUMP_ROOT"};

/* prctl: the arguments each option takes, printed as strace does. */
static void d_prctl(struct dctx *d)
{
	long opt = (int)d->a[0]; /* an int to the kernel */
	d->a[0] = opt;
	a_xlat(d, 0, XT(prctl), "PR_???");
	switch (opt) {
	case 23: /* PR_CAPBSET_READ */
	case 24: /* PR_CAPBSET_DROP */
		a_xlat(d, 1, XT(capabilities), "CAP_???");
		return;
	case 4: /* PR_SET_DUMPABLE */
		arg(d);
		if ((unsigned long)d->a[1] < 3)
			tb_puts(d->b, suid_dump[d->a[1]]);
		else
			p_xlat(d->b, (unsigned long)d->a[1], NULL, 0, "SUID_DUMP_???");
		return;
	case 7:  /* PR_GET_KEEPCAPS */
	case 30: /* PR_GET_TIMERSLACK */
		return;
	case 8:  /* PR_SET_KEEPCAPS */
	case 29: /* PR_SET_TIMERSLACK */
	case 36: /* PR_SET_CHILD_SUBREAPER */
		a_ulong(d, 1);
		return;
	case 2:  /* PR_GET_PDEATHSIG */
	case 37: /* PR_GET_CHILD_SUBREAPER */
		a_uid_out(d, 1);
		return;
	case 38: /* PR_SET_NO_NEW_PRIVS */
	case 41: /* PR_SET_THP_DISABLE */
		a_ulong(d, 1);
		for (int i = 2; i < 5; i++)
			a_hex(d, i);
		return;
	case 15: { /* PR_SET_NAME: strace reads 15 bytes, "..." if no NUL among them */
		char name[16];
		bool complete;
		arg(d);
		long n = um_str(d, name, (unsigned long)d->a[1], 15, false, &complete);
		if (n == 15) /* its NUL, if any, is past what strace reads */
			complete = false;
		if (n < 0)
			p_ptr(d, (unsigned long)d->a[1]);
		else
			tb_quote(d->b, (const unsigned char *)name, (size_t)n, !complete, 0);
		return;
	}
	case 16: /* PR_GET_NAME */
		arg(d);
		if (d->ok)
			p_str(d, (unsigned long)d->a[1], true);
		else
			p_ptr(d, (unsigned long)d->a[1]);
		return;
	case 1: /* PR_SET_PDEATHSIG */
		a_signo(d, 1);
		return;
	case 3: /* PR_GET_DUMPABLE */
		if (d->ok && (unsigned long)d->ret < 3) {
			tb_puts(&d->rx, " (");
			tb_puts(&d->rx, suid_dump[d->ret]);
			tb_putc(&d->rx, ')');
		}
		return;
	case 21: /* PR_GET_SECCOMP */
		return;
	case 22: /* PR_SET_SECCOMP: the mode, then what it takes (strace's) */
		a_xlat(d, 1, XT(seccomp_mode), "SECCOMP_MODE_???");
		if (d->a[1] == 1) /* SECCOMP_MODE_STRICT: nothing more */
			return;
		if (d->a[1] == 2) { /* SECCOMP_MODE_FILTER: the program */
			arg(d);
			p_seccomp_fprog(d, (unsigned long)d->a[2]);
			return;
		}
		for (int i = 2; i < 5; i++)
			a_hex(d, i);
		return;
	default:
		for (int i = 1; i < 5; i++)
			a_hex(d, i);
	}
}

/* struct itimerspec / itimerval: two timespecs or two timevals, 16 bytes
 * each; `out`: written by the call. */
static void p_itimer(struct dctx *d, unsigned long addr, bool out,
		     void (*one)(struct dctx *, unsigned long, bool))
{
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	long whole[4]; /* two timespecs or two timevals */
	if ((out && !d->ok) || !um_get(d, whole, addr, sizeof whole, d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	tb_puts(d->b, "{it_interval=");
	one(d, addr, d->ok);
	tb_puts(d->b, ", it_value=");
	one(d, addr + 16, d->ok);
	tb_putc(d->b, '}');
}

static void p_itimerspec(struct dctx *d, unsigned long addr, bool out)
{
	p_itimer(d, addr, out, p_timespec);
}

static void p_itimerval(struct dctx *d, unsigned long addr, bool out)
{
	p_itimer(d, addr, out, p_timeval);
}

/* timer_create's sigevent: the value, the signal, how to notify. */
void p_sigevent(struct dctx *d, unsigned long addr)
{
	struct sigevent se;
	if (!p_struct_at(d, addr, &se, sizeof se, d->ok))
		return;
	struct tb *b = d->b;
	tb_putc(b, '{');
	/* strace leaves out a zero value */
	if (se.sigev_value.sival_ptr) {
		tb_puts(b, "sigev_value={sival_int=");
		tb_dec(b, se.sigev_value.sival_int);
		tb_puts(b, ", sival_ptr=");
		p_ptr(d, (unsigned long)se.sigev_value.sival_ptr);
		tb_puts(b, "}, ");
	}
	tb_puts(b, "sigev_signo=");
	if (se.sigev_notify == SIGEV_NONE)
		tb_dec(b, se.sigev_signo);
	else
		p_signame(b, se.sigev_signo);
	tb_puts(b, ", sigev_notify=");
	p_xlat(b, (unsigned)se.sigev_notify, XT(sigev_notify), "SIGEV_???");
	if (se.sigev_notify == SIGEV_THREAD_ID) {
		tb_puts(b, ", sigev_notify_thread_id=");
		tb_dec(b, se._sigev_un._tid);
	} else if (se.sigev_notify == SIGEV_THREAD) {
		tb_puts(b, ", sigev_notify_function=");
		p_ptr(d, (unsigned long)se._sigev_un._sigev_thread._function);
		tb_puts(b, ", sigev_notify_attributes=");
		p_ptr(d, (unsigned long)se._sigev_un._sigev_thread._attribute);
	}
	tb_putc(b, '}');
}

static void p_cpuset(struct dctx *d, unsigned long addr, unsigned long bytes, bool in)
{
	unsigned char m[128];
	if ((!in && !d->ok) || bytes > sizeof m || !um_get(d, m, addr, bytes, !in && d->ok)) {
		p_ptr(d, addr);
		return;
	}
	tb_putc(d->b, '[');
	bool first = true;
	for (unsigned long i = 0; i < bytes * 8; i++) {
		if (!((m[i / 8] >> (i % 8)) & 1))
			continue;
		if (!first)
			tb_putc(d->b, ' '); /* strace: [0 1] */
		first = false;
		tb_udec(d->b, i);
	}
	tb_putc(d->b, ']');
}

/* get/setgroups: n group ids at addr, at most -s of them. */
static void p_gid_list(struct dctx *d, unsigned long addr, long n, bool trust)
{
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	tb_putc(d->b, '[');
	for (long k = 0; k < n; k++) {
		unsigned g;
		if (k >= (long)dec_elems(d)) {
			tb_puts(d->b, ", ...");
			break;
		}
		if (!um_get(d, &g, addr + (unsigned long)k * sizeof g, sizeof g, trust)) {
			if (!k) { /* unreadable: the address, as strace */
				d->b->len--;
				tb_hex(d->b, addr);
				return;
			}
			break;
		}
		if (k)
			tb_puts(d->b, ", ");
		tb_udec(d->b, g);
	}
	tb_putc(d->b, ']');
}

bool zp_decode_proc(struct dctx *d)
{
	switch (d->nr) {
	case SYS_clone:
		d_clone(d);
		d->rstyle = RV_PID;
		return true;
	case SYS_clone3:
		d_clone3(d);
		d->rstyle = RV_PID;
		return true;
	case SYS_fork:
	case SYS_vfork:
		d->rstyle = RV_PID;
		return true;
	case SYS_execve:
		d->checked = true;
		a_path(d, 0);
		arg(d);
		p_argv(d, (unsigned long)d->a[1]);
		arg(d);
		p_envp(d, (unsigned long)d->a[2]);
		d->checked = false;
		return true;
	case SYS_execveat:
		a_dirfd(d, 0);
		d->checked = true;
		a_path(d, 1);
		arg(d);
		p_argv(d, (unsigned long)d->a[2]);
		arg(d);
		p_envp(d, (unsigned long)d->a[3]);
		d->checked = false;
		a_flags(d, 4, XT(at_flags), NULL);
		return true;
	case SYS_exit:
	case SYS_exit_group:
		a_int(d, 0);
		d->rstyle = RV_NONE;
		return true;
	case SYS_wait4:
		d_wait4(d);
		return true;
	case SYS_waitid:
		d_waitid(d);
		return true;
	case SYS_kill:
		a_pid_pgid(d, 0);
		a_signo(d, 1);
		return true;
	case SYS_tkill:
		a_pid(d, 0);
		a_signo(d, 1);
		return true;
	case SYS_tgkill:
		a_pid(d, 0);
		a_pid(d, 1);
		a_signo(d, 2);
		return true;
	case SYS_rt_sigaction:
		a_signo(d, 0);
		arg(d);
		p_sigaction(d, (unsigned long)d->a[1], false);
		arg(d);
		p_sigaction(d, (unsigned long)d->a[2], true);
		a_ulong(d, 3);
		return true;
	case SYS_rt_sigprocmask:
		a_xlat(d, 0, XT(sigprocmask_how), "SIG_???");
		arg(d);
		p_sigset(d, (unsigned long)d->a[1], (size_t)d->a[3], d->ok);
		arg(d);
		if (d->a[2] && !d->ok)
			tb_hex(d->b, (unsigned long)d->a[2]);
		else
			p_sigset(d, (unsigned long)d->a[2], (size_t)d->a[3], true);
		a_ulong(d, 3);
		return true;
	case SYS_rt_sigpending:
		arg(d);
		if (d->ok)
			p_sigset(d, (unsigned long)d->a[0], (size_t)d->a[1], true);
		else
			p_ptr(d, (unsigned long)d->a[0]);
		a_ulong(d, 1);
		return true;
	case SYS_rt_sigsuspend:
		arg(d);
		p_sigset(d, (unsigned long)d->a[0], (size_t)d->a[1], false);
		a_ulong(d, 1);
		return true;
	case SYS_rt_sigtimedwait: {
		arg(d);
		p_sigset(d, (unsigned long)d->a[0], (size_t)d->a[3], d->ok);
		/* as strace: the signal's siginfo, and its name after the result */
		arg(d);
		unsigned long ip = (unsigned long)d->a[1];
		siginfo_t si;
		if (d->ok && d->ret > 0 && ip && um_get(d, &si, ip, sizeof si, true))
			p_siginfo_val(d, &si);
		else
			p_ptr(d, ip);
		a_timespec(d, 2, false);
		a_ulong(d, 3);
		if (d->ok && d->ret > 0) {
			tb_puts(&d->rx, " (");
			p_signame(&d->rx, d->ret);
			tb_putc(&d->rx, ')');
		}
		return true;
	}
	case SYS_rt_sigreturn: {
		/* The call takes no argument: the tracer passes the signal
		 * frame (the ucontext at the stack pointer) as a[0], and as
		 * a[1] the signals the mask it restores holds besides the
		 * frame's (the runtime's own, blocked in the program's view). */
		arg(d);
		tb_puts(d->b, "{mask=");
		uint64_t m;
		unsigned long at = (unsigned long)d->a[0] + offsetof(ucontext_t, uc_sigmask);
		if (d->a[0] && um_get(d, &m, at, sizeof m, false)) {
			m |= (uint64_t)d->a[1];
			p_sigset_bits(d->b, (const unsigned char *)&m, sizeof m);
		} else if (d->a[0]) {
			p_sigset(d, at, 8, false);
		} else {
			tb_putc(d->b, '?');
		}
		tb_putc(d->b, '}');
		return true;
	}
	case SYS_sigaltstack:
		arg(d);
		p_stack_t(d, (unsigned long)d->a[0], false);
		arg(d);
		p_stack_t(d, (unsigned long)d->a[1], true);
		return true;
	case SYS_getpid:
	case SYS_getppid:
	case SYS_gettid:
		d->rstyle = RV_PID;
		return true;
	case SYS_pause:
	case SYS_getuid:
	case SYS_geteuid:
	case SYS_getgid:
	case SYS_getegid:
	case SYS_getpgrp:
	case SYS_setsid:
	case SYS_sched_yield:
	case SYS_sync:
	case SYS_vhangup:
	case SYS_munlockall:
		return true;
	case SYS_setuid:
	case SYS_setgid:
	case SYS_setfsuid:
	case SYS_setfsgid:
		a_uid(d, 0);
		return true;
	case SYS_getpgid:
	case SYS_getsid:
		a_pid(d, 0);
		return true;
	case SYS_alarm:
		a_uint(d, 0);
		return true;
	case SYS_setreuid:
	case SYS_setregid:
		a_uid(d, 0);
		a_uid(d, 1);
		return true;
	case SYS_setpgid:
		a_pid(d, 0);
		a_int(d, 1);
		return true;
	case SYS_setresuid:
	case SYS_setresgid:
		a_uid(d, 0);
		a_uid(d, 1);
		a_uid(d, 2);
		return true;
	case SYS_getresuid:
	case SYS_getresgid:
		a_uid_out(d, 0);
		a_uid_out(d, 1);
		a_uid_out(d, 2);
		return true;
	case SYS_getgroups:
		a_int(d, 0);
		arg(d);
		if (d->ok && d->a[1])
			p_gid_list(d, (unsigned long)d->a[1], d->a[0] ? d->ret : 0, true);
		else
			p_ptr(d, (unsigned long)d->a[1]);
		return true;
	case SYS_setgroups:
		a_int(d, 0);
		arg(d);
		p_gid_list(d, (unsigned long)d->a[1], d->a[0] < 0 ? 0 : d->a[0], d->ok);
		return true;
	case SYS_nanosleep:
		a_sleep_request(d, 0);
		arg(d);
		if (d->ret == -4 /* EINTR */ || d->ret == -ZP_ERESTART_RESTARTBLOCK)
			p_timespec(d, (unsigned long)d->a[1], false);
		else
			p_ptr(d, (unsigned long)d->a[1]);
		return true;
	case SYS_clock_nanosleep:
		a_xlat(d, 0, XT(clocks), "CLOCK_???");
		a_flags_u(d, 1, XT(timer_flags), NULL, "TIMER_???");
		a_sleep_request(d, 2);
		arg(d);
		if (d->ret == -4 /* EINTR */ || d->ret == -ZP_ERESTART_RESTARTBLOCK)
			p_timespec(d, (unsigned long)d->a[3], false);
		else
			p_ptr(d, (unsigned long)d->a[3]);
		return true;
	case SYS_clock_gettime:
	case SYS_clock_getres:
		a_xlat(d, 0, XT(clocks), "CLOCK_???");
		a_timespec(d, 1, true);
		return true;
	case SYS_clock_settime:
		a_xlat(d, 0, XT(clocks), "CLOCK_???");
		a_timespec(d, 1, false);
		return true;
	case SYS_gettimeofday:
		arg(d);
		if (d->ok)
			p_timeval(d, (unsigned long)d->a[0], true);
		else
			p_ptr(d, (unsigned long)d->a[0]);
		a_ptr(d, 1);
		return true;
	case SYS_time: {
		/* as strace: the time stored, and the result's date */
		arg(d);
		long long t;
		unsigned long at = (unsigned long)d->a[0];
		if (d->ok && at && um_get(d, &t, at, sizeof t, true)) {
			tb_putc(d->b, '[');
			tb_dec(d->b, t);
			p_date_comment(d, t, 0, 0);
			tb_putc(d->b, ']');
		} else {
			p_ptr(d, at);
		}
		if (d->ok)
			p_date_result(d, d->ret);
		return true;
	}
	/* A timerfd's calls are a POSIX timer's but for the descriptor. */
	case SYS_timerfd_settime:
	case SYS_timer_settime:
		if (d->nr == SYS_timerfd_settime)
			a_fd(d, 0);
		else
			a_int(d, 0);
		a_flags_u(d, 1, XT(timer_flags), NULL,
			  d->nr == SYS_timerfd_settime ? "TFD_???" : "TIMER_???");
		arg(d);
		p_itimerspec(d, (unsigned long)d->a[2], false);
		arg(d);
		p_itimerspec(d, (unsigned long)d->a[3], true);
		return true;
	case SYS_timerfd_gettime:
	case SYS_timer_gettime:
		if (d->nr == SYS_timerfd_gettime)
			a_fd(d, 0);
		else
			a_int(d, 0);
		arg(d);
		p_itimerspec(d, (unsigned long)d->a[1], true);
		return true;
	case SYS_futex:
		d_futex(d);
		return true;
	case SYS_timer_create:
		a_xlat(d, 0, XT(clocks), "CLOCK_???");
		arg(d);
		p_sigevent(d, (unsigned long)d->a[1]);
		arg(d);
		if (d->ok)
			p_int_ptr(d, (unsigned long)d->a[2], true);
		else
			p_ptr(d, (unsigned long)d->a[2]);
		return true;
	case SYS_timer_getoverrun:
	case SYS_timer_delete:
		a_int(d, 0);
		return true;
	case SYS_get_robust_list:
		a_pid(d, 0);
		a_ptr(d, 1);
		a_ptr(d, 2);
		return true;
	case SYS_prlimit64:
		a_pid(d, 0);
		a_xlat(d, 1, XT(rlimits), "RLIMIT_???");
		arg(d);
		p_rlimit(d, (unsigned long)d->a[2], false);
		arg(d);
		p_rlimit(d, (unsigned long)d->a[3], true);
		return true;
	case SYS_getrlimit:
		a_xlat(d, 0, XT(rlimits), "RLIMIT_???");
		arg(d);
		p_rlimit(d, (unsigned long)d->a[1], true);
		return true;
	case SYS_setrlimit:
		a_xlat(d, 0, XT(rlimits), "RLIMIT_???");
		arg(d);
		p_rlimit(d, (unsigned long)d->a[1], false);
		return true;
	case SYS_sched_getscheduler:
		a_pid(d, 0);
		if (d->ok) { /* " (SCHED_...)" for a known policy only */
			struct tb t = d->rx;
			tb_puts(&d->rx, " (");
			if (p_xlat_try(&d->rx, (unsigned long)d->ret, XT(sched_policies)))
				tb_putc(&d->rx, ')');
			else
				d->rx = t;
		}
		return true;
	case SYS_sched_setscheduler:
		a_pid(d, 0);
		arg(d);
		p_xlat(d->b, (unsigned int)d->a[1], XT(sched_policies), "SCHED_???");
		arg(d);
		p_int_ptr(d, (unsigned long)d->a[2], d->ok);
		return true;
	case SYS_sched_getparam:
		a_pid(d, 0);
		arg(d);
		if (d->ok)
			p_int_ptr(d, (unsigned long)d->a[1], true);
		else
			p_ptr(d, (unsigned long)d->a[1]);
		return true;
	case SYS_sched_setparam:
		a_pid(d, 0);
		arg(d);
		p_int_ptr(d, (unsigned long)d->a[1], d->ok);
		return true;
	case SYS_sched_get_priority_max:
	case SYS_sched_get_priority_min:
		arg(d);
		p_xlat(d->b, (unsigned int)d->a[0], XT(sched_policies), "SCHED_???");
		return true;
	case SYS_sched_rr_get_interval:
		a_pid(d, 0);
		a_timespec(d, 1, true);
		return true;
	case SYS_getrusage:
		arg(d); /* an int: RUSAGE_CHILDREN is -1 */
		/* RUSAGE_CHILDREN is -1: matched sign-extended, shown as an int */
		if (!p_xlat_try(d->b, (unsigned long)(long)(int)d->a[0], XT(rusage_who)))
			p_xlat(d->b, (unsigned int)d->a[0], NULL, 0, "RUSAGE_???");
		arg(d);
		p_rusage(d, (unsigned long)d->a[1]);
		return true;
	case SYS_uname:
		arg(d);
		p_utsname(d, (unsigned long)d->a[0]);
		return true;
	case SYS_sysinfo:
		arg(d);
		p_sysinfo(d, (unsigned long)d->a[0]);
		return true;
	case SYS_getrandom:
		a_obuf(d, 0, TBQ_HEX);
		a_ulong(d, 1);
		a_flags_u(d, 2, XT(grnd_flags), NULL, "GRND_???");
		return true;
	case SYS_prctl:
		d_prctl(d);
		return true;
	case SYS_sched_getaffinity:
		a_pid(d, 0);
		a_ulong(d, 1);
		arg(d);
		p_cpuset(d, (unsigned long)d->a[2], d->ok ? (unsigned long)d->ret : 0, false);
		return true;
	case SYS_sched_setaffinity:
		a_pid(d, 0);
		a_ulong(d, 1);
		arg(d);
		p_cpuset(d, (unsigned long)d->a[2], (unsigned long)d->a[1], true);
		return true;
	case SYS_getpriority:
	case SYS_setpriority:
		a_xlat(d, 0, XT(priority_which), "PRIO_???");
		a_who(d, 1, d->a[0] == PRIO_PROCESS);
		if (d->nr == SYS_setpriority)
			a_int(d, 2);
		return true;
	case SYS_unshare:
		arg(d); /* an unsigned long */
		p_flags_u(d->b, (unsigned long)d->a[0], XT(unshare_flags), "CLONE_???");
		return true;
	case SYS_setns:
		a_fd(d, 0);
		a_flags_u(d, 1, XT(setns_types), NULL, "CLONE_NEW???");
		return true;
	case SYS_pidfd_open:
		a_pid(d, 0);
		a_hex(d, 1);
		d->rstyle = RV_FD;
		return true;
	case SYS_pidfd_send_signal:
		a_fd(d, 0);
		a_signo(d, 1);
		a_ptr(d, 2);
		a_hex(d, 3);
		return true;
	case SYS_getitimer:
		a_xlat(d, 0, XT(itimer_which), "ITIMER_???");
		arg(d);
		p_itimerval(d, (unsigned long)d->a[1], true);
		return true;
	case SYS_setitimer:
		a_xlat(d, 0, XT(itimer_which), "ITIMER_???");
		arg(d);
		p_itimerval(d, (unsigned long)d->a[1], false);
		arg(d);
		p_itimerval(d, (unsigned long)d->a[2], true);
		return true;
	case SYS_times: {
		arg(d);
		unsigned long t[4];
		if (!d->a[0]) {
			tb_puts(d->b, "NULL");
		} else if (!d->ok || !um_get(d, t, (unsigned long)d->a[0], sizeof t, true)) {
			tb_hex(d->b, (unsigned long)d->a[0]);
		} else {
			static const char *const f[] = {"{tms_utime=", ", tms_stime=", ", tms_cutime=",
							", tms_cstime="};
			for (int k = 0; k < 4; k++) {
				tb_puts(d->b, f[k]);
				p_clock_t(d->b, t[k]);
			}
			tb_putc(d->b, '}');
		}
		d->rstyle = RV_UDEC;
		return true;
	}
	default:
		return false;
	}
}
