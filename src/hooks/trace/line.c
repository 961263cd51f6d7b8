/*
 * line.c - one complete line per call, in strace's text or as JSON.
 *
 * Text:  [prefix][time]name(args) = result[ <duration>]
 *   prefix: "PID " padded to 6 with -f -o FILE, "[pid  PID] " with -f on
 *   stderr while several tasks are traced, nothing with -ff or without -f;
 *   the result starts at column 40 when the line is shorter.
 * JSON:  {"pid":1,"tid":1,"ts":1.000001,"nr":0,"name":"read",
 *         "args":["3","\"abc\"","4096"],"ret":3,"rettext":"3",
 *         "errno":null,"dur":0.000002,"injected":false}
 *
 * Everything runs on the per-call path: fixed buffers on the hook's stack.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "raw.h"
#include "trace_hook.h"

#define LINE_MAX (32 * 1024)
#define JSON_SCRATCH (12 * 1024)
#define RESULT_COL ((size_t)g.o.column)

/* -Y: the command name of task tid, as the line's prefix shows it. */
static size_t task_comm(int tid, char *buf, size_t len)
{
	if (tid == (int)zp_raw0(SYS_gettid)) {
		/* not under the program's seccomp filter (tp-proctrap) */
		if (len < 16 || dec_sandboxed(&g.dcfg) || zp_raw2(SYS_prctl, PR_GET_NAME, buf) != 0)
			return 0;
		size_t n = 0;
		while (n < 16 && buf[n])
			n++;
		return n;
	}
	return zp_pid_comm(&g.dcfg, tid, buf, len);
}

/* shown: the id as the line shows it (shown_id); tid: the task, whose
 * name -Y adds (comm: the name it had when the call began, if not now's) */
static void put_prefix_shown(struct tb *b, int shown, int tid, const char *comm)
{
	if (g.o.follow == 2 || g.o.json || !g.o.follow)
		return;
	bool to_file = g.o.output[0];
	if (!to_file && zp_tout_tasks(&g.out) <= 1)
		return;
	char name[32];
	size_t n = 0;
	if (g.dcfg.decode_pids) {
		if (comm)
			for (n = 0; n < 16 && comm[n]; n++)
				name[n] = comm[n];
		else
			n = task_comm(tid, name, sizeof name);
	}
	if (to_file && n) { /* as strace: no padding then */
		tb_dec(b, shown);
		p_comm(b, name, n);
		tb_putc(b, ' ');
		return;
	}
	if (to_file) {
		size_t start = b->len;
		tb_dec(b, shown);
		if (b->cap - b->len < 8) {
			tb_pad_to(b, start + 5);
			tb_putc(b, ' ');
			return;
		}
		/* padded to 5 and a blank: eight blanks stored, six or more
		 * bytes kept */
		__builtin_memcpy(b->p + b->len, "        ", 8);
		b->len = b->len >= start + 5 ? b->len + 1 : start + 6;
		return;
	}
	tb_puts(b, "[pid ");
	tb_udec_w(b, (unsigned)shown, 5, ' ');
	p_comm(b, name, n);
	tb_puts(b, "] ");
}

static void put_prefix(struct tb *b, int tid)
{
	put_prefix_shown(b, shown_id(tid), tid, NULL);
}

static void put_secs(struct tb *b, uint64_t ns)
{
	tb_udec(b, ns / 1000000000u);
	tb_putc(b, '.');
	tb_udec_w(b, ns % 1000000000u / 1000, 6, '0');
}

/* -r: the time since the line before, whichever task printed it, as
 * strace measures it (the monotonic clock).  Lines appear when calls
 * return, so one may start before the line printed ahead of it: it shows
 * 0, never a negative time.  !commit: a line that may never be printed
 * (tracepending.h) leaves the latest line's time alone. */
static void put_relative(struct tb *b, uint64_t mono, bool commit)
{
	if (!mono)
		mono = th_now(CLOCK_MONOTONIC);
	uint64_t *last = &g.out.ctl->rel_last;
	uint64_t prev = __atomic_load_n(last, __ATOMIC_RELAXED);
	while (commit && prev < mono &&
	       !__atomic_compare_exchange_n(last, &prev, mono, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	uint64_t d = prev && mono > prev ? mono - prev : 0;
	if (g.o.tstamp)
		tb_puts(b, "(+");
	tb_udec_w(b, d / 1000000000u, 6, ' ');
	tb_putc(b, '.');
	tb_udec_w(b, d % 1000000000u / 1000, 6, '0');
	tb_puts(b, g.o.tstamp ? ") " : " ");
}

/* -n and -i: "[ 257] [00007f0123456789] "; nr < 0 leaves out the number
 * (a "+++" line), ip 0 prints question marks as strace does where it has
 * no address. */
static void put_nr_ip(struct tb *b, long nr, uintptr_t ip)
{
	if (g.o.show_nr && nr >= 0) {
		tb_putc(b, '[');
		tb_udec_w(b, (unsigned long)nr, 4, ' ');
		tb_puts(b, "] ");
	}
	if (g.o.show_ip) {
		tb_putc(b, '[');
		if (ip)
			tb_hex_w(b, ip, 16);
		else
			tb_puts(b, "????????????????");
		tb_puts(b, "] ");
	}
}

static void put_time_at(struct tb *b, uint64_t real_ns, uint64_t mono, bool commit)
{
	if (g.o.relative && !g.o.tstamp)
		put_relative(b, mono, commit);
	if (!g.o.tstamp)
		return;
	if (g.o.tstamp == 3) {
		put_secs(b, real_ns);
		tb_putc(b, ' ');
		if (g.o.relative)
			put_relative(b, mono, commit);
		return;
	}
	long s = (long)(real_ns / 1000000000u) + g.tz_offset;
	long day = ((s % 86400) + 86400) % 86400;
	tb_udec_w(b, (unsigned long)(day / 3600), 2, '0');
	tb_putc(b, ':');
	tb_udec_w(b, (unsigned long)(day / 60 % 60), 2, '0');
	tb_putc(b, ':');
	tb_udec_w(b, (unsigned long)(day % 60), 2, '0');
	if (g.o.tstamp == 2) {
		tb_putc(b, '.');
		tb_udec_w(b, real_ns % 1000000000u / 1000, 6, '0');
	}
	tb_putc(b, ' ');
	if (g.o.relative)
		put_relative(b, mono, commit);
}

static void put_time(struct tb *b, uint64_t real_ns, uint64_t mono)
{
	put_time_at(b, real_ns, mono, true);
}

/* " = " before the result, which starts at column -a N when the call's
 * text is shorter. */
static void put_equals(struct tb *b)
{
	if (b->len < RESULT_COL) {
		tb_pad_to(b, RESULT_COL);
		tb_puts(b, "= ");
	} else {
		tb_puts(b, " = ");
	}
}

static bool is_error(long ret)
{
	return ret < 0 && ret >= -4095;
}

/* -P: did decoding see one of the paths? */
static bool path_wanted(const struct dctx *d)
{
	return !d->cfg->ntpaths || d->path_hit;
}

/* -P: a call that returns a descriptor open on one of the paths (the path
 * itself was an argument, except for the rare dup of one).  Not inlined:
 * its 4 KiB buffer would sit in line_call()'s frame on every line. */
static __attribute__((noinline)) bool result_is_path(struct dctx *d, long ret)
{
	if (!d->cfg->ntpaths || d->rstyle != RV_FD || ret < 0)
		return false;
	char link[4096];
	size_t n = zp_fd_path(ret, link, sizeof link);
	if (n)
		p_path_check(d, link, n);
	return d->path_hit;
}

/* The result as strace shows it after "= ". */
/* The kernel's own codes for an interrupted call, as strace names them. */
static void put_restart(struct tb *b, long code)
{
	static const char *const name[] = {"ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND",
					   "ENOIOCTLCMD", "ERESTART_RESTARTBLOCK"};
	static const char *const why[] = {"To be restarted if SA_RESTART is set", "To be restarted",
					  "To be restarted if no handler", "Unknown error 515",
					  "Interrupted by signal"};
	unsigned long i = (unsigned long)code - ZP_ERESTARTSYS;
	if (i >= sizeof name / sizeof name[0])
		i = 0;
	tb_puts(b, "? ");
	tb_puts(b, name[i]);
	tb_puts(b, " (");
	tb_puts(b, why[i]);
	tb_putc(b, ')');
}

static void put_result(struct tb *b, struct dctx *d, long ret, int how)
{
	if (how == LR_RESTART) {
		put_restart(b, -ret);
		return;
	}
	if (how == LR_NORET || d->rstyle == RV_NONE) {
		tb_putc(b, '?');
		return;
	}
	if (is_error(ret)) {
		p_errno_ret(b, ret);
	} else {
		switch (d->rstyle) {
		case RV_HEX:
			tb_hex(b, (unsigned long)ret);
			break;
		case RV_OCT:
			tb_oct(b, (unsigned long)ret, 3);
			break;
		case RV_UDEC:
			tb_udec(b, (unsigned long)ret);
			break;
		case RV_FD:
		case RV_PID: {
			struct tb *save = d->b;
			d->b = b;
			if (d->rstyle == RV_FD)
				p_fd(d, ret);
			else
				p_pid(d, ret);
			d->b = save;
			break;
		}
		default:
			tb_dec(b, ret);
		}
		if (d->rx.len)
			tb_putn(b, d->rx.p, d->rx.len);
	}
	if (how == LR_INJECTED)
		tb_puts(b, " (INJECTED)");
}

static void put_duration(struct tb *b, uint64_t ns)
{
	tb_puts(b, " <");
	put_secs(b, ns);
	tb_putc(b, '>');
}

static void emit_line(int tid, struct tb *b);

/* Another thread's exit_group has printed this thread's end ("= ?",
 * "+++ exited"): it runs on until the kernel stops it, and strace shows
 * nothing of it after those lines. */
bool line_ended_by_group_exit(void)
{
	if (__builtin_expect(__atomic_load_n(&g.group_exit_tid, __ATOMIC_SEQ_CST) == 0, 1))
		return false;
	int me = (int)zp_raw0(SYS_gettid);
	int n = __atomic_load_n(&g.nended, __ATOMIC_SEQ_CST);
	for (int i = 0; i < n && i < 256; i++)
		if (__atomic_load_n(&g.ended[i], __ATOMIC_RELAXED) == me)
			return true;
	return false;
}

void line_thread_ended(int tid)
{
	int i = __atomic_load_n(&g.nended, __ATOMIC_RELAXED);
	if (i < 256) {
		__atomic_store_n(&g.ended[i], tid, __ATOMIC_RELAXED);
		__atomic_store_n(&g.nended, i + 1, __ATOMIC_SEQ_CST);
	}
	/* a line of the thread being written now goes before its end */
	for (int k = 0; k < 100000 && __atomic_load_n(&g.emitting, __ATOMIC_SEQ_CST) > 0; k++)
		__builtin_ia32_pause();
}

static void emit(int tid, struct tb *b)
{
	__atomic_fetch_add(&g.emitting, 1, __ATOMIC_SEQ_CST);
	if (line_ended_by_group_exit()) {
		__atomic_fetch_sub(&g.emitting, 1, __ATOMIC_RELEASE);
		return;
	}
	emit_line(tid, b);
	__atomic_fetch_sub(&g.emitting, 1, __ATOMIC_RELEASE);
}

static void emit_line(int tid, struct tb *b)
{
	if (b->truncated && b->len >= 3)
		zp_memcpy(b->p + b->len - 3, "...", 3); /* the line was cut */
	b->p[b->len++] = '\n';                      /* room was kept for it */
	zp_tout_line(&g.out, tid, b->p, b->len);
}

static void json_head(struct tb *b, int pid, int tid, uint64_t real_ns)
{
	tb_puts(b, "{\"pid\":");
	tb_dec(b, shown_id(pid));
	tb_puts(b, ",\"tid\":");
	tb_dec(b, shown_id(tid));
	tb_puts(b, ",\"ts\":");
	put_secs(b, real_ns);
}

/* ,"nr":N,"name":"x","args":[...] from a decoded call in d->b. */
static void json_call(struct tb *b, long nr, struct dctx *d)
{
	struct tb *t = d->b;
	tb_puts(b, ",\"nr\":");
	tb_dec(b, nr);
	tb_puts(b, ",\"name\":\"");
	size_t open = 0;
	while (open < t->len && t->p[open] != '(')
		open++;
	tb_json(b, t->p, open);
	tb_puts(b, "\",\"args\":[");
	int n = d->nargs < ZP_DEC_MAXARGS ? d->nargs : ZP_DEC_MAXARGS;
	size_t end = t->len && t->p[t->len - 1] == ')' ? t->len - 1 : t->len;
	for (int i = 0; i < n; i++) {
		size_t from = d->argpos[i];
		size_t to = i + 1 < n ? d->argpos[i + 1] - 2 : end; /* ", " */
		if (to < from)
			to = from;
		if (i)
			tb_putc(b, ',');
		tb_putc(b, '"');
		tb_json(b, t->p + from, to - from);
		tb_putc(b, '"');
	}
	tb_putc(b, ']');
}

/* -z, -Z, -e status=: does a call with this result get a line?  Calls
 * that do not return (how == LR_NORET) are strace's "unavailable". */
static bool status_shown(long ret, int how)
{
	unsigned want = g.o.status;
	if (!want)
		return true;
	if (how == LR_NORET)
		return want & ZP_STATUS_UNAVAILABLE;
	if (how == LR_RESTART)
		return want & ZP_STATUS_FAILED;
	return want & (is_error(ret) ? ZP_STATUS_FAILED : ZP_STATUS_SUCCESSFUL);
}

/* A call's line as JSON (--json): out of line_call(), so that its
 * buffers are not in the text path's frame; line_call() returns what it
 * returns, so that the call is a jump that leaves line_call()'s frame
 * (~34 KiB) behind: the two frames together and the deepest decoders
 * (-yy's sock_diag questions) went past a 96 KiB slot (test-aslimit). */
static __attribute__((noinline)) bool line_call_json(int pid, int tid, long nr, const long *args,
						     long ret, int how, const struct slot *s,
						     uint64_t t_end_mono, uint64_t real)
{
	char buf[LINE_MAX];
	struct tb b;
	tb_init(&b, buf, sizeof buf - 1);
	struct dctx d;
	char scratch[JSON_SCRATCH];
	struct tb sb;
	tb_init(&sb, scratch, sizeof scratch);
	dinit(&d, &sb, &g.dcfg, nr, args, pid);
	d.ret = ret;
	d.exiting = how != LR_NORET;
	d.ok = d.exiting && !is_error(ret);
	d.injected = how == LR_INJECTED;
	if (s) {
		d.snap = s->snap;
		d.snaplen = s->snaplen;
	}
	zp_decode_call(&d);
	if (!path_wanted(&d))
		return false;
	json_head(&b, pid, tid, real);
	json_call(&b, nr, &d);
	tb_puts(&b, ",\"ret\":");
	if (how == LR_NORET)
		tb_puts(&b, "null");
	else
		tb_dec(&b, ret);
	char rt[4096];
	struct tb rb;
	tb_init(&rb, rt, sizeof rt);
	put_result(&rb, &d, ret, how);
	tb_puts(&b, ",\"rettext\":\"");
	tb_json(&b, rt, rb.len);
	tb_puts(&b, "\",\"errno\":");
	const char *en = how != LR_NORET && is_error(ret) ? xlat_name((unsigned long long)-ret, XT(errno)) : NULL;
	if (en) {
		tb_putc(&b, '"');
		tb_puts(&b, en);
		tb_putc(&b, '"');
	} else {
		tb_puts(&b, "null");
	}
	if (s && s->t0_mono && t_end_mono) {
		tb_puts(&b, ",\"dur\":");
		put_secs(&b, t_end_mono - s->t0_mono);
	}
	tb_puts(&b, how == LR_INJECTED ? ",\"injected\":true}" : ",\"injected\":false}");
	emit(tid, &b);
	return true;
}

bool line_call(int pid, int tid, long nr, const long *args, long ret, int how,
	       const struct slot *s, uint64_t t_end_mono, uintptr_t ip)
{
	if (!status_shown(ret, how))
		return false;
	/* Calls printed from pre() have no slot: their time is now. */
	uint64_t real = s && s->t0_real ? s->t0_real : (g.need_real ? th_now(CLOCK_REALTIME) : 0);
	if (g.o.json)
		return line_call_json(pid, tid, nr, args, ret, how, s, t_end_mono, real);
	/* The decoding state next to the start of the line, at the bottom of
	 * the frame, right above the decoders' frames: what a line touches of
	 * the stack is a few cache lines of one or two pages, not a page at
	 * each end of a 50 KiB frame (a TLB miss apiece after the kernel's
	 * call ran in between). */
	struct {
		struct dctx d;
		char buf[LINE_MAX];
	} f;
	struct dctx *d = &f.d;
	struct tb b;
	zp_tout_line_ahead(&g.out);
	tb_init(&b, f.buf, sizeof f.buf - 1);
	/* -Y: a prctl(PR_SET_NAME)'s line names the task as it was */
	put_prefix_shown(&b, shown_id(tid), tid, s && s->comm[0] ? s->comm : NULL);
	/* (tested here: most traces have neither, and their calls cost) */
	if (g.o.tstamp || g.o.relative)
		put_time(&b, real, s ? s->t0_mono : 0);
	if (g.o.show_nr || g.o.show_ip)
		put_nr_ip(&b, nr, ip);
	dinit(d, &b, &g.dcfg, nr, args, pid);
	d->ret = ret;
	d->exiting = how != LR_NORET;
	d->ok = d->exiting && !is_error(ret);
	d->injected = how == LR_INJECTED;
	if (s) {
		d->snap = s->snap;
		d->snaplen = s->snaplen;
	}
	zp_decode_call(d);
	if (!path_wanted(d) && !(how != LR_NORET && how != LR_RESTART && result_is_path(d, ret)))
		return false;
	put_equals(&b);
	put_result(&b, d, ret, how);
	if (g.o.durations && how != LR_NORET && s && s->t0_mono && t_end_mono)
		put_duration(&b, t_end_mono - s->t0_mono);
	emit(tid, &b);
	return true;
}

/* The start of a line that is not a call's: JSON's head, or the prefix
 * and the time. */
static void event_head(struct tb *b, int pid, int tid, long nr, uintptr_t ip)
{
	uint64_t real = g.need_real ? th_now(CLOCK_REALTIME) : 0;
	if (g.o.json) {
		json_head(b, pid, tid, real);
	} else {
		put_prefix(b, tid);
		put_time(b, real, 0);
		put_nr_ip(b, nr, ip);
	}
}

void line_event(int tid, const char *text, long status, int pid)
{
	/* -qq: no "exited" lines; "killed by" lines stay, as strace's */
	if (g.o.quiet >= 2 && text[0] == 'e' && text[1] == 'x')
		return;
	char buf[512];
	struct tb b;
	tb_init(&b, buf, sizeof buf - 1);
	event_head(&b, pid, tid, -1, 0);
	if (g.o.json) {
		tb_puts(&b, ",\"event\":\"");
		tb_json(&b, text, zp_strlen(text));
		tb_puts(&b, "\",\"status\":");
		tb_dec(&b, status);
		tb_putc(&b, '}');
	} else {
		tb_puts(&b, "+++ ");
		tb_puts(&b, text);
		tb_puts(&b, " +++");
	}
	emit(tid, &b);
}

/* A signal the CPU raised: where it faulted matters, not who sent it. */
static bool is_fault(const siginfo_t *si)
{
	int sig = si->si_signo;
	return si->si_code > 0 &&
	       (sig == SIGILL || sig == SIGFPE || sig == SIGSEGV || sig == SIGBUS || sig == SIGTRAP);
}

/* si_code's name: codes above 0 and below SI_KERNEL mean something per
 * signal (SEGV_MAPERR, ILL_ILLOPN ...). */
static void put_si_code(struct tb *b, const siginfo_t *si)
{
	unsigned long long code = (unsigned long long)(long long)si->si_code;
	bool own = si->si_code > 0 && si->si_code < SI_KERNEL;
	bool named;
	switch (own ? si->si_signo : 0) {
	case SIGILL:
		named = p_xlat_try(b, code, XT(ill_codes));
		break;
	case SIGFPE:
		named = p_xlat_try(b, code, XT(fpe_codes));
		break;
	case SIGSEGV:
		named = p_xlat_try(b, code, XT(segv_codes));
		break;
	case SIGBUS:
		named = p_xlat_try(b, code, XT(bus_codes));
		break;
	case SIGTRAP:
		named = p_xlat_try(b, code, XT(trap_codes));
		break;
	case SIGSYS:
		named = p_xlat_try(b, code, XT(sys_codes));
		break;
	case SIGCHLD:
		named = p_xlat_try(b, code, XT(cld_codes));
		break;
	case SIGIO:
		named = p_xlat_try(b, code, XT(poll_codes));
		break;
	default:
		named = p_xlat_try(b, code, XT(si_codes));
	}
	if (!named)
		tb_dec(b, si->si_code);
}

static void put_addr_or_null(struct tb *b, const void *p)
{
	if (p)
		tb_hex(b, (unsigned long)p);
	else
		tb_puts(b, "NULL");
}

/* ", name=" in text, ",\"name\":" in JSON. */
static void put_key(struct tb *b, const char *name)
{
	tb_puts(b, g.o.json ? ",\"" : ", ");
	tb_puts(b, name);
	tb_puts(b, g.o.json ? "\":" : "=");
}

/* si_utime/si_stime: clock ticks, and the seconds strace adds in a
 * comment (USER_HZ is 100 on Linux). */
static void put_ticks(struct tb *b, const char *name, long ticks)
{
	put_key(b, name);
	tb_dec(b, ticks);
	if (ticks > 0 && !g.o.json) {
		tb_puts(b, " /* ");
		tb_udec(b, (unsigned long)ticks / 100);
		tb_putc(b, '.');
		tb_udec_w(b, (unsigned long)ticks % 100, 2, '0');
		tb_puts(b, " s */");
	}
}

/* si_int and si_ptr of a queued signal or a timer's (none for a zero
 * value, as strace). */
static void put_value(struct tb *b, const siginfo_t *si)
{
	if (!si->si_int && !si->si_ptr)
		return;
	put_key(b, "si_int");
	tb_dec(b, si->si_int);
	put_key(b, "si_ptr");
	if (g.o.json)
		tb_putc(b, '"');
	put_addr_or_null(b, si->si_ptr);
	if (g.o.json)
		tb_putc(b, '"');
}

/* A sender's or child's pid, with -Y its name (not in JSON: its own field) */
static void put_si_pid(struct tb *b, const siginfo_t *si)
{
	put_key(b, "si_pid");
	tb_dec(b, si->si_pid);
	if (g.dcfg.decode_pids && !g.o.json && si->si_pid > 0) {
		char comm[32];
		p_comm(b, comm, zp_pid_comm(&g.dcfg, si->si_pid, comm, sizeof comm));
	}
}

/* The fields strace shows for a signal that is not a fault, by si_code. */
static void put_si_fields(struct tb *b, const siginfo_t *si)
{
	int code = si->si_code;
	if (si->si_signo == SIGCHLD && code > 0 && code < SI_KERNEL) {
		put_si_pid(b, si);
		put_key(b, "si_uid");
		tb_udec(b, si->si_uid);
		put_key(b, "si_status");
		if (code == CLD_EXITED) {
			tb_dec(b, si->si_status);
		} else {
			if (g.o.json)
				tb_putc(b, '"');
			p_signame(b, si->si_status);
			if (g.o.json)
				tb_putc(b, '"');
		}
		put_ticks(b, "si_utime", (long)si->si_utime);
		put_ticks(b, "si_stime", (long)si->si_stime);
		return;
	}
	if (si->si_signo == SIGIO && code > 0 && code < SI_KERNEL) {
		put_key(b, "si_band");
		tb_dec(b, si->si_band);
		put_key(b, "si_fd");
		tb_dec(b, si->si_fd);
		return;
	}
	if (code > 0)
		return; /* SI_KERNEL and the like: nothing more */
	if (code == SI_TIMER) {
		put_key(b, "si_timerid");
		tb_dec(b, si->si_timerid);
		put_key(b, "si_overrun");
		tb_dec(b, si->si_overrun);
		put_value(b, si);
		return;
	}
	put_si_pid(b, si);
	put_key(b, "si_uid");
	tb_udec(b, si->si_uid);
	put_value(b, si);
}

/* A signal's si_errno, when set: strace shows it right after the code
 * (a seccomp filter's SECCOMP_RET_TRAP data, a sender's value). */
static void put_si_errno(struct tb *b, const siginfo_t *si)
{
	if (!si->si_errno)
		return;
	put_key(b, "si_errno");
	const char *name = xlat_name((unsigned long long)si->si_errno, XT(errno));
	if (!name) {
		tb_dec(b, si->si_errno);
		return;
	}
	if (g.o.json)
		tb_putc(b, '"');
	tb_puts(b, name);
	if (g.o.json)
		tb_putc(b, '"');
}

void line_signal(int pid, int tid, const siginfo_t *si, long nr, uintptr_t ip)
{
	char buf[512];
	struct tb b;
	tb_init(&b, buf, sizeof buf - 1);
	event_head(&b, pid, tid, nr, ip);
	if (g.o.json) {
		tb_puts(&b, ",\"signal\":\"");
		p_signame(&b, si->si_signo);
		tb_puts(&b, "\",\"si_code\":\"");
	} else {
		tb_puts(&b, "--- ");
		p_signame(&b, si->si_signo);
		tb_puts(&b, " {si_signo=");
		p_signame(&b, si->si_signo);
		tb_puts(&b, ", si_code=");
	}
	put_si_code(&b, si);
	if (g.o.json)
		tb_putc(&b, '"');
	put_si_errno(&b, si);
	/* SYS_SECCOMP, SYS_USER_DISPATCH: the trapped call's fields, as strace */
	bool seccomp = si->si_signo == SIGSYS && (si->si_code == 1 || si->si_code == 2);
	if (is_fault(si)) {
		tb_puts(&b, g.o.json ? ",\"si_addr\":\"" : ", si_addr=");
		put_addr_or_null(&b, si->si_addr);
		if (g.o.json)
			tb_putc(&b, '"');
		/* the key that refused the access, as strace prints it */
		if (si->si_signo == SIGSEGV && si->si_code == SEGV_PKUERR) {
			tb_puts(&b, g.o.json ? ",\"si_pkey\":" : ", si_pkey=");
			tb_dec(&b, si->si_pkey);
		}
	} else if (seccomp) {
		tb_puts(&b, g.o.json ? ",\"si_call_addr\":\"" : ", si_call_addr=");
		put_addr_or_null(&b, si->si_call_addr);
		tb_puts(&b, g.o.json ? "\",\"si_syscall\":\"" : ", si_syscall=");
		const char *name = zp_decode_name(si->si_syscall);
		if (name) {
			tb_puts(&b, "__NR_");
			tb_puts(&b, name);
		} else {
			tb_dec(&b, si->si_syscall);
		}
		tb_puts(&b, g.o.json ? "\",\"si_arch\":\"" : ", si_arch=");
		if (si->si_arch == 0xc000003e)
			tb_puts(&b, "AUDIT_ARCH_X86_64");
		else
			tb_hex(&b, si->si_arch);
		if (g.o.json)
			tb_putc(&b, '"');
	} else {
		put_si_fields(&b, si);
	}
	tb_puts(&b, g.o.json ? "}" : "} ---");
	emit(tid, &b);
}

void line_unfinished(int pid, int tid, long nr, const long *args, const struct slot *s,
		     uintptr_t ip)
{
	/* With a result filter the line waits for its result, whole
	 * (line_resumed), as it is unknown yet whether it is wanted. */
	if (g.o.status)
		return;
	char buf[4096];
	struct tb b;
	tb_init(&b, buf, sizeof buf - 1);
	struct dctx d;
	uint64_t real = s && s->t0_real ? s->t0_real : (g.need_real ? th_now(CLOCK_REALTIME) : 0);
	if (g.o.json) {
		char scratch[2048];
		struct tb sb;
		tb_init(&sb, scratch, sizeof scratch);
		dinit(&d, &sb, &g.dcfg, nr, args, pid);
		zp_decode_call(&d);
		if (!path_wanted(&d))
			return;
		json_head(&b, pid, tid, real);
		json_call(&b, nr, &d);
		tb_puts(&b, ",\"unfinished\":true}");
		emit(tid, &b);
		return;
	}
	put_prefix(&b, tid);
	put_time(&b, real, s ? s->t0_mono : 0);
	put_nr_ip(&b, nr, ip);
	dinit(&d, &b, &g.dcfg, nr, args, pid);
	zp_decode_call(&d);
	if (!path_wanted(&d))
		return;
	if (b.len && b.p[b.len - 1] == ')')
		b.len--;
	tb_puts(&b, " <unfinished ...>");
	emit(tid, &b);
}

bool line_resumed(int pid, int tid, long nr, const long *args, long ret, const struct slot *s,
		  uint64_t t_end_mono, uintptr_t ip)
{
	if (g.o.json || g.o.status)
		return line_call(pid, tid, nr, args, ret, LR_RESULT, s, t_end_mono, ip);
	char buf[1024];
	struct tb b;
	tb_init(&b, buf, sizeof buf - 1);
	struct dctx d;
	char scratch[2048];
	struct tb sb;
	tb_init(&sb, scratch, sizeof scratch);
	dinit(&d, &sb, &g.dcfg, nr, args, pid);
	d.ret = ret;
	d.exiting = true;
	d.ok = !is_error(ret);
	if (d.cfg->ntpaths) { /* its unfinished half was printed only if wanted */
		zp_decode_call(&d);
		if (!path_wanted(&d))
			return false;
	}
	put_prefix(&b, tid);
	put_time(&b, g.need_real ? th_now(CLOCK_REALTIME) : 0, 0);
	put_nr_ip(&b, nr, ip);
	tb_puts(&b, "<... ");
	const char *name = zp_decode_name(nr);
	tb_puts(&b, name ? name : "syscall");
	tb_puts(&b, " resumed>)");
	put_equals(&b);
	put_result(&b, &d, ret, LR_RESULT);
	if (g.o.durations && s && s->t0_mono && t_end_mono)
		put_duration(&b, t_end_mono - s->t0_mono);
	emit(tid, &b);
	return true;
}

size_t line_exec_text(int pid, long nr, const long *args, char *buf, size_t len, uintptr_t ip)
{
	struct tb b;
	struct dctx d;
	if (!g.o.json) {
		tb_init(&b, buf, len);
		put_nr_ip(&b, nr, ip); /* ahead of the time the new image prints */
		dinit(&d, &b, &g.dcfg, nr, args, pid);
		zp_decode_call(&d);
		return path_wanted(&d) ? b.len : 0;
	}
	char scratch[JSON_SCRATCH];
	struct tb sb;
	tb_init(&sb, scratch, sizeof scratch);
	tb_init(&b, buf, len);
	dinit(&d, &sb, &g.dcfg, nr, args, pid);
	zp_decode_call(&d);
	if (!path_wanted(&d))
		return 0;
	json_call(&b, nr, &d);
	return b.len;
}

void line_exec_done(int tid, const char *text, size_t n, uint64_t t0_real, uint64_t t0_mono,
		    bool returned, const char *comm)
{
	if (!status_shown(0, returned ? LR_RESULT : LR_NORET))
		return;
	char buf[LINE_MAX];
	struct tb b;
	tb_init(&b, buf, sizeof buf - 1);
	if (g.o.json) {
		json_head(&b, tid, tid, t0_real);
		tb_putn(&b, text, n);
		tb_puts(&b, returned ? ",\"ret\":0,\"rettext\":\"0\",\"errno\":null"
				     : ",\"ret\":null,\"rettext\":\"?\",\"errno\":null");
		if (returned && t0_mono && g.need_mono) {
			tb_puts(&b, ",\"dur\":");
			put_secs(&b, th_now(CLOCK_MONOTONIC) - t0_mono);
		}
		tb_puts(&b, ",\"injected\":false}");
		emit(tid, &b);
		return;
	}
	/* as strace, which names the task when the call begins */
	put_prefix_shown(&b, shown_id(tid), tid, comm && comm[0] ? comm : NULL);
	put_time(&b, t0_real, t0_mono);
	tb_putn(&b, text, n);
	put_equals(&b);
	tb_putc(&b, returned ? '0' : '?');
	if (returned && g.o.durations && t0_mono)
		put_duration(&b, th_now(CLOCK_MONOTONIC) - t0_mono);
	emit(tid, &b);
}

void line_summary(void)
{
	static char table[ZP_TRACE_COUNT_SLOTS * 100 + 1024];
	size_t n = zp_trace_summary(g.out.ctl, g.out.ctl_fd, table, sizeof table, zp_decode_name);
	int tid = (int)g.rt->syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
	if (g.out.mode == ZP_TOUT_FF) {
		/* -ff -c: the table goes to FILE itself */
		long fd = g.rt->syscall(SYS_openat, AT_FDCWD, (long)g.out.ctl->out_path,
					O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644, 0, 0);
		if (fd >= 0) {
			g.rt->syscall(SYS_write, fd, (long)table, (long)n, 0, 0, 0);
			g.rt->syscall(SYS_close, fd, 0, 0, 0, 0, 0);
		}
		return;
	}
	zp_tout_line(&g.out, tid, table, n);
}

/* Decodes a call as far as its entry arguments go, into b; false when the
 * call is not wanted (-P). */
static bool decode_entry(struct dctx *d, struct tb *b, int pid, long nr, const long *args,
			 const struct slot *s, int entry_args, bool peek)
{
	dinit(d, b, &g.dcfg, nr, args, pid);
	d->entry_args = entry_args;
	d->no_peek = !peek;
	if (s) {
		d->snap = s->snap;
		d->snaplen = s->snaplen;
	}
	zp_decode_call(d);
	return path_wanted(d);
}

size_t line_pending_text(int pid, long nr, const long *args, const struct slot *s, int entry_args,
			 bool peek, uintptr_t ip, char *buf, size_t len)
{
	struct tb b;
	struct dctx d;
	uint64_t real = s && s->t0_real ? s->t0_real : (g.need_real ? th_now(CLOCK_REALTIME) : 0);
	/* room for the "..." of a cut line */
	tb_init(&b, buf, len - 3);
	if (g.o.json) {
		char scratch[2048];
		struct tb sb;
		tb_init(&sb, scratch, sizeof scratch);
		if (!decode_entry(&d, &sb, pid, nr, args, s, entry_args, peek))
			return 0;
		if (d.entry_len != (size_t)-1 && d.entry_len >= 2) {
			sb.len = d.entry_len - 2; /* without the ", " */
			d.nargs = entry_args;
		}
		tb_puts(&b, ",\"ts\":");
		put_secs(&b, real);
		json_call(&b, nr, &d);
		/* a cut record would not parse: none is better */
		return b.truncated ? 0 : b.len;
	}
	put_time_at(&b, real, s ? s->t0_mono : 0, false);
	put_nr_ip(&b, nr, ip);
	if (!decode_entry(&d, &b, pid, nr, args, s, entry_args, peek))
		return 0;
	if (d.entry_len != (size_t)-1) {
		b.len = d.entry_len; /* "read(0, ": the rest comes back with the call */
		return b.len;
	}
	if (b.truncated) {
		zp_memcpy(b.p + b.len, "...", 3);
		return b.len + 3;
	}
	if (b.len && b.p[b.len - 1] == ')')
		b.len--;
	return b.len;
}

size_t line_prefix(int shown_tid, int tid, char *buf, size_t len)
{
	struct tb b;
	tb_init(&b, buf, len);
	put_prefix_shown(&b, shown_tid, tid, NULL);
	return b.len;
}
