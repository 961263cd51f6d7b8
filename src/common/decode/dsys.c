/*
 * dsys.c - calls about the system more than about files: SysV and POSIX
 * message queues, NUMA memory policies, fanotify, keys, clock
 * adjustment, syslog, file handles, landlock, quotas, the LDT,
 * perf_event_open and bpf.  Names strace prints that no UAPI header has
 * (syslog's actions, key permissions) come from tools/strace-names.txt.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/mount.h>
#include <linux/landlock.h>
#include <linux/perf_event.h>
#include <asm/ldt.h>
#include <linux/dqblk_xfs.h>
#include <linux/quota.h>
#include <linux/timex.h>

#include "decode.h"

/* ---- message queues ------------------------------------------------------------------ */

/* A struct msgbuf: mtype, then n bytes of text. */
static void p_msgbuf(struct dctx *d, unsigned long addr, unsigned long n, bool trust)
{
	long mtype;
	if (!p_struct_at(d, addr, &mtype, sizeof mtype, trust))
		return;
	tb_puts(d->b, "{mtype=");
	tb_dec(d->b, mtype);
	tb_puts(d->b, ", mtext=");
	p_buf(d, addr + sizeof mtype, n, trust, 0);
	tb_putc(d->b, '}');
}

static void p_mq_attr(struct dctx *d, unsigned long addr, bool trust)
{
	long a[4];
	if (!p_struct_at(d, addr, a, sizeof a, trust))
		return;
	static const char *const f[] = {"{mq_flags=", ", mq_maxmsg=", ", mq_msgsize=", ", mq_curmsgs="};
	for (int k = 0; k < 4; k++) {
		tb_puts(d->b, f[k]);
		if (k == 0)
			p_flags(d->b, (unsigned long)a[0], XT(mq_attr_flags), NULL);
		else
			tb_dec(d->b, a[k]);
	}
	tb_putc(d->b, '}');
}

/* ---- NUMA memory policies ------------------------------------------------------------ */

/* A policy mode: MPOL_BIND, MPOL_BIND|MPOL_F_STATIC_NODES; a mode
 * without a name makes the whole value flags, as strace shows it. */
static void p_mpol_mode(struct tb *b, unsigned long v)
{
	unsigned long fl_mask = 0;
	for (unsigned i = 0; i < zpx_mpol_mode_flags_n; i++)
		fl_mask |= (unsigned long)zpx_mpol_mode_flags[i].val;
	unsigned long fl = v & fl_mask;
	if (!fl) {
		p_xlat(b, v, XT(mpol_modes), "MPOL_???");
		return;
	}
	if (p_xlat_try(b, v & ~fl_mask, XT(mpol_modes))) {
		tb_putc(b, '|');
		p_flags(b, fl, XT(mpol_mode_flags), NULL);
	} else {
		p_flags(b, v, XT(mpol_mode_flags), NULL);
	}
}

/* One word of a node mask, like printf("%#0*lx", 16, v). */
static void p_node_word(struct tb *b, unsigned long v)
{
	int digits = 0;
	for (unsigned long t = v; t; t >>= 4)
		digits++;
	if (v)
		tb_puts(b, "0x");
	for (int k = digits + (v ? 2 : 0); k < 16; k++)
		tb_putc(b, '0');
	if (v)
		for (int k = digits - 1; k >= 0; k--)
			tb_putc(b, "0123456789abcdef"[v >> (4 * k) & 15]);
}

static void node_word(struct dctx *d, const void *e, int kind)
{
	(void)kind;
	p_node_word(d->b, *(const unsigned long *)e);
}

/* A node mask of maxnode bits, as strace counts its words (one bit less
 * than maxnode, rounded up); `out`: the call fills it in. */
static void p_nodemask(struct dctx *d, unsigned long addr, unsigned long maxnode, bool out)
{
	unsigned long n = (maxnode + 62) / 64;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	if (n < maxnode / 64 || (maxnode && !n) || (out && !d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	unsigned long w;
	if (n && !um_get(d, &w, addr, sizeof w, d->ok)) {
		tb_hex(d->b, addr);
		return;
	}
	p_array(d, addr, n, sizeof w, d->ok, node_word, 0);
}

/* move_pages' arrays: pages (pointers), nodes (ints), status (ints, an
 * errno as its name). */
enum { ARR_PTR, ARR_INT, ARR_STATUS };
static void page_elem(struct dctx *d, const void *e, int kind)
{
	if (kind == ARR_PTR) {
		p_ptr(d, *(const unsigned long *)e);
		return;
	}
	int i = *(const int *)e;
	const char *name = i < 0 ? xlat_name((unsigned long long)-(long long)i, XT(errno)) : NULL;
	if (kind == ARR_STATUS && name) {
		tb_putc(d->b, '-');
		tb_puts(d->b, name);
	} else {
		tb_dec(d->b, i);
	}
}

static void p_page_array(struct dctx *d, unsigned long addr, unsigned long n, int kind, bool trust)
{
	size_t sz = kind == ARR_PTR ? sizeof(long) : sizeof(int);
	unsigned long v = 0;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	if (n && !um_get(d, &v, addr, sz, trust)) {
		tb_hex(d->b, addr);
		return;
	}
	p_array(d, addr, n, sz, trust, page_elem, kind);
}

/* ---- keys ---------------------------------------------------------------------------------- */

static void p_key(struct tb *b, long v)
{
	p_xlat_d(b, (int)v, XT(key_spec));
}

static void a_key(struct dctx *d, int i)
{
	arg(d);
	p_key(d->b, d->a[i]);
}

/* What keyctl READ, DESCRIBE and GET_SECURITY wrote: at most len bytes
 * (the result says how many there were); a string's NUL is not shown. */
static void a_key_out(struct dctx *d, int i, bool nul)
{
	arg(d);
	unsigned long addr = (unsigned long)d->a[i], len = (unsigned long)d->a[i + 1];
	if (!d->ok || !addr) {
		p_ptr(d, addr);
		return;
	}
	unsigned long n = (unsigned long)d->ret < len ? (unsigned long)d->ret : len;
	char last = 0;
	if (nul && n && um_get(d, &last, addr + n - 1, 1, true) && !last)
		n--;
	p_buf(d, addr, n, true, 0);
}

static void p_keyctl(struct dctx *d)
{
	long cmd = (int)d->a[0];
	a_xlat(d, 0, XT(keyctl_cmds), "KEYCTL_???");
	switch (cmd) {
	case KEYCTL_GET_KEYRING_ID:
		a_key(d, 1);
		a_int(d, 2);
		return;
	case KEYCTL_JOIN_SESSION_KEYRING:
		a_str(d, 1);
		return;
	case KEYCTL_UPDATE:
		a_key(d, 1);
		a_ibuf(d, 2);
		a_ulong(d, 3);
		return;
	case KEYCTL_REVOKE:
	case KEYCTL_CLEAR:
	case KEYCTL_INVALIDATE:
	case KEYCTL_ASSUME_AUTHORITY:
		a_key(d, 1);
		return;
	case KEYCTL_CHOWN:
		a_key(d, 1);
		a_uid(d, 2);
		a_uid(d, 3);
		return;
	case KEYCTL_SETPERM:
		a_key(d, 1);
		arg(d);
		p_flags_u(d->b, (unsigned int)d->a[2], XT(key_perms), "KEY_???");
		return;
	case KEYCTL_DESCRIBE:
	case KEYCTL_READ:
	case KEYCTL_GET_SECURITY:
		a_key(d, 1);
		a_key_out(d, 2, cmd != KEYCTL_READ);
		a_ulong(d, 3);
		return;
	case KEYCTL_LINK:
	case KEYCTL_UNLINK:
		a_key(d, 1);
		a_key(d, 2);
		return;
	case KEYCTL_SEARCH:
		a_key(d, 1);
		a_str(d, 2);
		a_str(d, 3);
		a_key(d, 4);
		return;
	case KEYCTL_INSTANTIATE:
		a_key(d, 1);
		a_ibuf(d, 2);
		a_ulong(d, 3);
		a_key(d, 4);
		return;
	case KEYCTL_NEGATE:
	case KEYCTL_REJECT:
		a_key(d, 1);
		a_uint(d, 2);
		if (cmd == KEYCTL_REJECT) {
			arg(d);
			p_xlat_d(d->b, (unsigned int)d->a[3], XT(errno));
		}
		a_key(d, cmd == KEYCTL_REJECT ? 4 : 3);
		return;
	case KEYCTL_SET_REQKEY_KEYRING:
		arg(d);
		p_xlat_d(d->b, (int)d->a[1], XT(key_reqkey_defl));
		return;
	case KEYCTL_SET_TIMEOUT:
		a_key(d, 1);
		a_uint(d, 2);
		return;
	case KEYCTL_GET_PERSISTENT:
		a_uid(d, 1);
		a_key(d, 2);
		return;
	case KEYCTL_SESSION_TO_PARENT:
		return;
	case KEYCTL_RESTRICT_KEYRING:
		a_key(d, 1);
		a_str(d, 2);
		a_str(d, 3);
		return;
	default:
		for (int i = 1; i < 5; i++)
			a_hex(d, i);
		return;
	}
}

/* ---- clocks ------------------------------------------------------------------------------- */

static void p_timex(struct dctx *d, unsigned long addr)
{
	struct __kernel_timex t;
	if (!d->ok) {
		p_ptr(d, addr);
		return;
	}
	if (!p_struct_at(d, addr, &t, sizeof t, true))
		return;
	struct tb *b = d->b;
	tb_puts(b, "{modes=");
	p_flags(b, t.modes, XT(adj_modes), NULL);
	const struct {
		const char *n;
		long long v;
	} f1[] = {{", offset=", t.offset},	   {", freq=", t.freq},
		  {", maxerror=", t.maxerror}, {", esterror=", t.esterror}};
	for (unsigned k = 0; k < 4; k++) {
		tb_puts(b, f1[k].n);
		tb_dec(b, f1[k].v);
	}
	tb_puts(b, ", status=");
	p_flags(b, (unsigned int)t.status, XT(sta_flags), NULL);
	const struct {
		const char *n;
		long long v;
	} f2[] = {{", constant=", t.constant},
		  {", precision=", t.precision},
		  {", tolerance=", t.tolerance},
		  {", time={tv_sec=", t.time.tv_sec},
		  {", tv_usec=", t.time.tv_usec},
		  {"}, tick=", t.tick},
		  {", ppsfreq=", t.ppsfreq},
		  {", jitter=", t.jitter},
		  {", shift=", t.shift},
		  {", stabil=", t.stabil},
		  {", jitcnt=", t.jitcnt},
		  {", calcnt=", t.calcnt},
		  {", errcnt=", t.errcnt},
		  {", stbcnt=", t.stbcnt},
		  {", tai=", t.tai}};
	for (unsigned k = 0; k < sizeof f2 / sizeof f2[0]; k++) {
		tb_puts(b, f2[k].n);
		tb_dec(b, f2[k].v);
	}
	tb_putc(b, '}');
}

/* adjtimex's result is the clock state: 5 (TIME_ERROR). */
static void r_clock_state(struct dctx *d)
{
	const char *n = d->ok ? xlat_name((unsigned long)d->ret, XT(time_states)) : NULL;
	if (n) {
		tb_puts(&d->rx, " (");
		tb_puts(&d->rx, n);
		tb_putc(&d->rx, ')');
	}
}

/* ---- file handles -------------------------------------------------------------------------- */

/* {handle_bytes=N, handle_type=T, f_handle="\x.."}; `before`: the size
 * the call was given (name_to_handle_at writes it back), or -1. */
static void p_file_handle(struct dctx *d, unsigned long addr, long before, bool body)
{
	struct {
		unsigned int bytes;
		int type;
		unsigned char h[128];
	} fh;
	if (!p_struct_at(d, addr, &fh, 8, false))
		return;
	tb_puts(d->b, "{handle_bytes=");
	if (before >= 0) {
		tb_udec(d->b, (unsigned long)before);
		if ((unsigned long)before != fh.bytes) {
			tb_puts(d->b, " => ");
			tb_udec(d->b, fh.bytes);
		}
	} else {
		tb_udec(d->b, fh.bytes);
	}
	if (body) {
		tb_puts(d->b, ", handle_type=");
		tb_dec(d->b, fh.type);
		unsigned n = fh.bytes < sizeof fh.h ? fh.bytes : (unsigned)sizeof fh.h;
		tb_puts(d->b, ", f_handle=");
		if (n && !um_get(d, fh.h, addr + 8, n, false))
			tb_hex(d->b, addr + 8);
		else
			tb_quote(d->b, fh.h, n, false, TBQ_HEX);
	}
	tb_putc(d->b, '}');
}

/* ---- the LDT --------------------------------------------------------------------------------- */

/* printf("%#08x", v): 0 pads with zeros and has no 0x. */
static void p_hex08(struct tb *b, unsigned int v)
{
	if (!v) {
		tb_puts(b, "00000000");
		return;
	}
	int digits = 0;
	for (unsigned int t = v; t; t >>= 4)
		digits++;
	tb_puts(b, "0x");
	for (int k = digits + 2; k < 8; k++)
		tb_putc(b, '0');
	for (int k = digits - 1; k >= 0; k--)
		tb_putc(b, "0123456789abcdef"[v >> (4 * k) & 15]);
}

static void p_user_desc(struct dctx *d, unsigned long addr)
{
	struct user_desc u;
	if (!p_struct_at(d, addr, &u, sizeof u, false))
		return;
	struct tb *b = d->b;
	tb_puts(b, "{entry_number=");
	tb_udec(b, u.entry_number);
	tb_puts(b, ", base_addr=");
	p_hex08(b, u.base_addr);
	tb_puts(b, ", limit=");
	p_hex08(b, u.limit);
	const struct {
		const char *n;
		unsigned v;
	} f[] = {{", seg_32bit=", u.seg_32bit},
		 {", contents=", u.contents},
		 {", read_exec_only=", u.read_exec_only},
		 {", limit_in_pages=", u.limit_in_pages},
		 {", seg_not_present=", u.seg_not_present},
		 {", useable=", u.useable},
		 {", lm=", u.lm}};
	for (unsigned k = 0; k < sizeof f / sizeof f[0]; k++) {
		tb_puts(b, f[k].n);
		tb_udec(b, f[k].v);
	}
	tb_putc(b, '}');
}

/* ---- perf_event_open ------------------------------------------------------------------------ */

/* config's meaning depends on the type. */
static void p_perf_config(struct tb *b, unsigned type, unsigned long long c)
{
	switch (type) {
	case PERF_TYPE_HARDWARE:
		p_xlat(b, c, XT(perf_hw_ids), "PERF_COUNT_HW_???");
		return;
	case PERF_TYPE_SOFTWARE:
		p_xlat(b, c, XT(perf_sw_ids), "PERF_COUNT_SW_???");
		return;
	case PERF_TYPE_TRACEPOINT:
		tb_udec(b, c);
		return;
	case PERF_TYPE_HW_CACHE:
		/* result << 16 | op << 8 | cache, shown highest first */
		p_xlat(b, c >> 16 & 0xff, XT(perf_hw_cache_results), "PERF_COUNT_HW_CACHE_RESULT_???");
		tb_puts(b, "<<16|");
		p_xlat(b, c >> 8 & 0xff, XT(perf_hw_cache_ops), "PERF_COUNT_HW_CACHE_OP_???");
		tb_puts(b, "<<8|");
		p_xlat(b, c & 0xff, XT(perf_hw_cache_ids), "PERF_COUNT_HW_CACHE_???");
		if (c >> 24) {
			tb_putc(b, '|');
			tb_hex(b, c >> 24);
			tb_puts(b, "<<24 /* PERF_COUNT_HW_CACHE_??? */");
		}
		return;
	default:
		tb_hex(b, c);
		return;
	}
}

/* strace's words for precise_ip's four values. */
static const char *const precise_ip_text[] = {"arbitrary skid", "constant skid",
					      "requested to have 0 skid", "must have 0 skid"};

/* struct perf_event_attr as strace shows it without -v: the numbers up
 * to read_format, the one-bit fields that are set (precise_ip always),
 * then "...". */
static void p_perf_attr(struct dctx *d, unsigned long addr)
{
	struct perf_event_attr a;
	unsigned size;
	if (!addr) {
		tb_puts(d->b, "NULL");
		return;
	}
	if (!um_get(d, &size, addr + offsetof(struct perf_event_attr, size), sizeof size, false)) {
		tb_hex(d->b, addr);
		return;
	}
	if (!size)
		size = PERF_ATTR_SIZE_VER0;
	if (size > sizeof a)
		size = sizeof a;
	zp_memset(&a, 0, sizeof a);
	if (size < PERF_ATTR_SIZE_VER0 || !um_get(d, &a, addr, size, false)) {
		tb_hex(d->b, addr);
		return;
	}
	struct tb *b = d->b;
	tb_puts(b, "{type=");
	p_xlat(b, a.type, XT(perf_types), "PERF_TYPE_???");
	tb_puts(b, ", size=");
	p_xlat(b, a.size, XT(perf_attr_sizes), "PERF_ATTR_SIZE_???");
	tb_puts(b, ", config=");
	p_perf_config(b, a.type, a.config);
	tb_puts(b, a.freq ? ", sample_freq=" : ", sample_period=");
	tb_udec(b, a.sample_period);
	tb_puts(b, ", sample_type=");
	p_flags_u(b, a.sample_type, XT(perf_sample), "PERF_SAMPLE_???");
	tb_puts(b, ", read_format=");
	p_flags_u(b, a.read_format, XT(perf_read_format), "PERF_FORMAT_???");
	const struct {
		const char *n;
		unsigned v;
	} bits[] = {{"disabled", a.disabled},
		    {"inherit", a.inherit},
		    {"pinned", a.pinned},
		    {"exclusive", a.exclusive},
		    {"exclude_user", a.exclude_user},
		    {"exclude_kernel", a.exclude_kernel},
		    {"exclude_hv", a.exclude_hv},
		    {"exclude_idle", a.exclude_idle},
		    {"mmap", a.mmap},
		    {"comm", a.comm},
		    {"freq", a.freq},
		    {"inherit_stat", a.inherit_stat},
		    {"enable_on_exec", a.enable_on_exec},
		    {"task", a.task},
		    {"watermark", a.watermark},
		    {"precise_ip", a.precise_ip},
		    {"mmap_data", a.mmap_data},
		    {"sample_id_all", a.sample_id_all},
		    {"exclude_host", a.exclude_host},
		    {"exclude_guest", a.exclude_guest},
		    {"exclude_callchain_kernel", a.exclude_callchain_kernel},
		    {"exclude_callchain_user", a.exclude_callchain_user},
		    {"mmap2", a.mmap2},
		    {"comm_exec", a.comm_exec},
		    {"use_clockid", a.use_clockid},
		    {"context_switch", a.context_switch},
		    {"write_backward", a.write_backward},
		    {"namespaces", a.namespaces},
		    {"ksymbol", a.ksymbol},
		    {"bpf_event", a.bpf_event},
		    {"aux_output", a.aux_output},
		    {"cgroup", a.cgroup},
		    {"text_poke", a.text_poke},
		    {"build_id", a.build_id},
		    {"inherit_thread", a.inherit_thread},
		    {"remove_on_exec", a.remove_on_exec},
		    {"sigtrap", a.sigtrap}};
	for (unsigned k = 0; k < sizeof bits / sizeof bits[0]; k++) {
		bool precise = zp_strcmp(bits[k].n, "precise_ip") == 0;
		if (!bits[k].v && !precise)
			continue;
		tb_puts(b, ", ");
		tb_puts(b, bits[k].n);
		tb_putc(b, '=');
		tb_udec(b, bits[k].v);
		if (precise) {
			tb_puts(b, " /* ");
			tb_puts(b, precise_ip_text[bits[k].v & 3]);
			tb_puts(b, " */");
		}
	}
	tb_puts(b, ", ...}");
}

/* ---- syslog ----------------------------------------------------------------------------------- */

/* The number, then its name (or UNKNOWN) in a comment. */
static void p_num_named(struct tb *b, long v, const struct zp_xlat *t, unsigned n, const char *unknown)
{
	const char *name = xlat_name((unsigned long long)v, t, n);
	tb_dec(b, v);
	tb_puts(b, " /* ");
	tb_puts(b, name ? name : unknown);
	tb_puts(b, " */");
}

static bool name_is(const char *name, const char *want)
{
	return name && zp_strcmp(name, want) == 0;
}

static void p_syslog(struct dctx *d)
{
	int type = (int)d->a[0];
	/* The actions are known by name only (tools/strace-names.txt). */
	const char *n = xlat_name((unsigned long long)(long long)type, XT(syslog_actions));
	arg(d);
	p_num_named(d->b, type, XT(syslog_actions), "SYSLOG_ACTION_???");
	if (n && !name_is(n, "SYSLOG_ACTION_READ") && !name_is(n, "SYSLOG_ACTION_READ_ALL") &&
	    !name_is(n, "SYSLOG_ACTION_READ_CLEAR") && !name_is(n, "SYSLOG_ACTION_CONSOLE_LEVEL"))
		return; /* the buffer and length are not used */
	if (name_is(n, "SYSLOG_ACTION_CONSOLE_LEVEL")) {
		a_ptr(d, 1);
		arg(d);
		p_num_named(d->b, (int)d->a[2], XT(syslog_levels), "LOGLEVEL_???");
		return;
	}
	if (n)
		a_obuf(d, 1, 0);
	else
		a_ptr(d, 1);
	a_int(d, 2);
}

/* ---- quotactl ----------------------------------------------------------------------------------- */

/* QCMD(Q_GETQUOTA, USRQUOTA): the command above bit 8, the type below. */
static void p_qcmd(struct tb *b, unsigned int v)
{
	tb_puts(b, "QCMD(");
	p_xlat(b, v >> SUBCMDSHIFT, XT(quota_cmds), "Q_???");
	tb_puts(b, ", ");
	p_xlat(b, v & SUBCMDMASK, XT(quota_types), "???QUOTA");
	tb_putc(b, ')');
}

/* What the data argument is for each command: nothing, a path, or a
 * struct read at exit (for GET) or entry (for SET). */
static void p_quota_data(struct dctx *d, unsigned int cmd, unsigned long addr)
{
	struct tb *b = d->b;
	bool out = cmd == Q_GETQUOTA || cmd == Q_GETNEXTQUOTA || cmd == Q_GETINFO || cmd == Q_GETFMT;
	if (out && !d->ok) {
		p_ptr(d, addr);
		return;
	}
	switch (cmd) {
	case Q_GETQUOTA:
	case Q_SETQUOTA:
	case Q_GETNEXTQUOTA: {
		struct if_nextdqblk q;
		size_t n = cmd == Q_GETNEXTQUOTA ? sizeof q : offsetof(struct if_nextdqblk, dqb_id);
		if (!p_struct_at(d, addr, &q, n, false))
			return;
		const struct {
			const char *n;
			unsigned long long v;
		} f[] = {{"{dqb_bhardlimit=", q.dqb_bhardlimit}, {", dqb_bsoftlimit=", q.dqb_bsoftlimit},
			 {", dqb_curspace=", q.dqb_curspace},	  {", dqb_ihardlimit=", q.dqb_ihardlimit},
			 {", dqb_isoftlimit=", q.dqb_isoftlimit}, {", dqb_curinodes=", q.dqb_curinodes}};
		for (unsigned k = 0; k < sizeof f / sizeof f[0]; k++) {
			tb_puts(b, f[k].n);
			tb_udec(b, f[k].v);
		}
		if (cmd == Q_GETNEXTQUOTA) {
			tb_puts(b, ", dqb_id=");
			tb_udec(b, q.dqb_id);
		}
		tb_puts(b, ", ...}");
		return;
	}
	case Q_GETINFO:
	case Q_SETINFO: {
		struct if_dqinfo q;
		if (!p_struct_at(d, addr, &q, sizeof q, false))
			return;
		tb_puts(b, "{dqi_bgrace=");
		tb_udec(b, q.dqi_bgrace);
		tb_puts(b, ", dqi_igrace=");
		tb_udec(b, q.dqi_igrace);
		tb_puts(b, ", dqi_flags=");
		p_flags_u(b, q.dqi_flags, XT(quota_dqinfo_flags), "DQF_???");
		tb_puts(b, ", dqi_valid=");
		p_flags_u(b, q.dqi_valid, XT(quota_dqinfo_valid), "IIF_???");
		tb_putc(b, '}');
		return;
	}
	case Q_GETFMT: {
		unsigned int fmt;
		if (!p_struct_at(d, addr, &fmt, sizeof fmt, false))
			return;
		tb_putc(b, '[');
		p_xlat(b, fmt, XT(quota_formats), "QFMT_VFS_???");
		tb_putc(b, ']');
		return;
	}
	default:
		p_ptr(d, addr);
		return;
	}
}

/* quotactl(cmd, special, id, addr), or quotactl_fd(fd, cmd, id, addr):
 * the same but for a descriptor where the device's path was. */
static void p_quotactl(struct dctx *d)
{
	bool by_fd = d->nr == SYS_quotactl_fd;
	unsigned int qcmd = (unsigned int)d->a[by_fd ? 1 : 0], cmd = qcmd >> SUBCMDSHIFT;
	if (by_fd)
		a_fd(d, 0);
	arg(d);
	p_qcmd(d->b, qcmd);
	if (!by_fd)
		a_path(d, 1);
	switch (cmd) {
	case Q_QUOTAOFF:
	case Q_SYNC:
	case Q_XQUOTASYNC:
		return;
	case Q_QUOTAON:
		arg(d);
		p_xlat(d->b, (unsigned int)d->a[2], XT(quota_formats), "QFMT_VFS_???");
		a_path(d, 3);
		return;
	case Q_GETINFO:
	case Q_SETINFO:
	case Q_GETFMT:
		break;
	default:
		a_uid(d, 2);
		break;
	}
	arg(d);
	p_quota_data(d, cmd, (unsigned long)d->a[3]);
}

/* ---- the mount API (fsopen, fsconfig, fsmount, fspick, move_mount, open_tree,
 * mount_setattr) --------------------------------------------------------------------------------- */

/* fsconfig's value and aux mean what its command says. */
static void p_fsconfig(struct dctx *d)
{
	struct tb *b = d->b;
	unsigned int cmd = (unsigned int)d->a[1];
	a_fd(d, 0);
	arg(d);
	p_xlat(b, cmd, XT(fsconfig_cmds), "FSCONFIG_???");
	switch (cmd) {
	case FSCONFIG_SET_FLAG:
	case FSCONFIG_SET_FD:
		a_str(d, 2);
		a_ptr(d, 3);
		if (cmd == FSCONFIG_SET_FD)
			a_fd(d, 4);
		else
			a_int(d, 4);
		return;
	case FSCONFIG_SET_STRING:
		a_str(d, 2);
		a_str(d, 3);
		a_int(d, 4);
		return;
	case FSCONFIG_SET_BINARY:
		a_str(d, 2);
		arg(d);
		p_buf(d, (unsigned long)d->a[3], (size_t)(unsigned int)d->a[4], false, TBQ_HEX);
		a_int(d, 4);
		return;
	case FSCONFIG_SET_PATH:
	case FSCONFIG_SET_PATH_EMPTY:
		a_str(d, 2);
		a_path(d, 3);
		a_dirfd(d, 4);
		return;
	default: /* FSCONFIG_CMD_*, and numbers it does not know */
		a_ptr(d, 2);
		a_ptr(d, 3);
		a_int(d, 4);
		return;
	}
}

/* struct mount_attr, and whatever bytes of a larger one follow it that are
 * not zero (as strace shows a newer program's struct). */
static void p_mount_attr(struct dctx *d, unsigned long addr, unsigned long size)
{
	struct tb *b = d->b;
	struct mount_attr ma;
	if (!addr || size < MOUNT_ATTR_SIZE_VER0) {
		p_ptr(d, addr);
		return;
	}
	if (!p_struct_at(d, addr, &ma, sizeof ma, false))
		return;
	tb_puts(b, "{attr_set=");
	p_flags_u(b, ma.attr_set, XT(mount_attr_flags), "MOUNT_ATTR_???");
	tb_puts(b, ", attr_clr=");
	p_flags_u(b, ma.attr_clr, XT(mount_attr_flags), "MOUNT_ATTR_???");
	tb_puts(b, ", propagation=");
	p_xlat(b, ma.propagation, XT(mount_propagation), "MS_???");
	tb_puts(b, ", userns_fd=");
	tb_udec(b, ma.userns_fd);
	if (size > sizeof ma) {
		unsigned char tail[64];
		size_t n = size - sizeof ma < sizeof tail ? size - sizeof ma : sizeof tail;
		bool zero = true;
		if (um_read(d, tail, addr + sizeof ma, n, false) == n)
			for (size_t i = 0; i < n; i++)
				zero &= tail[i] == 0;
		if (!zero) {
			tb_puts(b, ", /* bytes ");
			tb_udec(b, sizeof ma);
			tb_puts(b, "..");
			tb_udec(b, size - 1);
			tb_puts(b, " */ ");
			p_buf(d, addr + sizeof ma, size - sizeof ma, false, TBQ_HEX);
		}
	}
	tb_putc(b, '}');
}

static bool p_mount_api(struct dctx *d)
{
	struct tb *b = d->b;
	switch (d->nr) {
	case SYS_fsopen:
		a_str(d, 0);
		arg(d);
		p_flags_u(b, (unsigned int)d->a[1], XT(fsopen_flags), "FSOPEN_???");
		d->rstyle = RV_FD;
		return true;
	case SYS_fsconfig:
		p_fsconfig(d);
		return true;
	case SYS_fsmount:
		a_fd(d, 0);
		arg(d);
		p_flags_u(b, (unsigned int)d->a[1], XT(fsmount_flags), "FSMOUNT_???");
		arg(d);
		p_flags_u(b, (unsigned int)d->a[2], XT(mount_attr_flags), "MOUNT_ATTR_???");
		d->rstyle = RV_FD;
		return true;
	case SYS_fspick:
		a_dirfd(d, 0);
		a_path(d, 1);
		arg(d);
		p_flags_u(b, (unsigned int)d->a[2], XT(fspick_flags), "FSPICK_???");
		d->rstyle = RV_FD;
		return true;
	case SYS_move_mount:
		a_dirfd(d, 0);
		a_path(d, 1);
		a_dirfd(d, 2);
		a_path(d, 3);
		arg(d);
		p_flags_u(b, (unsigned int)d->a[4], XT(move_mount_flags), "MOVE_MOUNT_???");
		return true;
	case SYS_open_tree:
		a_dirfd(d, 0);
		a_path(d, 1);
		arg(d);
		p_flags_u(b, (unsigned int)d->a[2], XT(open_tree_flags), "OPEN_TREE_???");
		d->rstyle = RV_FD;
		return true;
	case SYS_mount_setattr:
		a_dirfd(d, 0);
		a_path(d, 1);
		arg(d);
		p_flags_u(b, (unsigned int)d->a[2], XT(mount_setattr_flags), "AT_???");
		arg(d);
		p_mount_attr(d, (unsigned long)d->a[3], (unsigned long)d->a[4]);
		a_ulong(d, 4);
		return true;
	default:
		return false;
	}
}

/* ---- bpf ------------------------------------------------------------------------------------------- */

#define ATTR_END(field) (offsetof(union bpf_attr, field) + sizeof(((union bpf_attr *)0)->field))

/* A 64-bit pointer field: NULL or the address. */
static void p_u64_ptr(struct dctx *d, const char *name, unsigned long long v)
{
	tb_puts(d->b, name);
	p_ptr(d, (unsigned long)v);
}

static void p_u32_field(struct tb *b, const char *name, unsigned long long v)
{
	tb_puts(b, name);
	tb_udec(b, v);
}

/* A fixed-size name field: the string up to its NUL, within n bytes. */
static void p_name_field(struct tb *b, const char *name, const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && s[k])
		k++;
	tb_puts(b, name);
	tb_quote(b, (const unsigned char *)s, k, false, 0);
}

/* union bpf_attr for the commands strace's output is matched for, as it
 * shows them without -v: fields up to the end of the command's part
 * (fewer if the size given is smaller), then "..." if bytes after that
 * part are not zero.  Returns false for a command shown as an address. */
static bool p_bpf_attr(struct dctx *d, unsigned cmd, unsigned long addr, unsigned long size)
{
	union bpf_attr a;
	struct tb *b = d->b;
	size_t end, len = size < sizeof a ? size : sizeof a;
	switch (cmd) {
	case BPF_MAP_CREATE:
		end = ATTR_END(map_extra);
		break;
	case BPF_MAP_LOOKUP_ELEM:
	case BPF_MAP_UPDATE_ELEM:
		end = ATTR_END(flags);
		break;
	case BPF_MAP_DELETE_ELEM:
		end = ATTR_END(key);
		break;
	case BPF_MAP_GET_NEXT_KEY:
		end = ATTR_END(next_key);
		break;
	case BPF_PROG_LOAD:
		end = ATTR_END(fd_array);
		break;
	case BPF_OBJ_GET_INFO_BY_FD:
		end = ATTR_END(info.info);
		break;
	default:
		return false;
	}
	zp_memset(&a, 0, sizeof a);
	if (!p_struct_at(d, addr, &a, len, false))
		return true;
/* Stop before a field the size given does not reach. */
#define HAVE(field) (len > offsetof(union bpf_attr, field))
	tb_putc(b, '{');
	switch (cmd) {
	case BPF_MAP_CREATE:
		tb_puts(b, "map_type=");
		p_xlat(b, a.map_type, XT(bpf_map_types), "BPF_MAP_TYPE_???");
		p_u32_field(b, ", key_size=", a.key_size);
		p_u32_field(b, ", value_size=", a.value_size);
		p_u32_field(b, ", max_entries=", a.max_entries);
		if (!HAVE(map_flags))
			break;
		tb_puts(b, ", map_flags=");
		p_flags_u(b, a.map_flags, XT(bpf_map_flags), "BPF_F_???");
		if (!HAVE(inner_map_fd))
			break;
		tb_puts(b, ", inner_map_fd=");
		p_fd(d, (int)a.inner_map_fd);
		if (!HAVE(numa_node))
			break;
		if (a.map_flags & BPF_F_NUMA_NODE)
			p_u32_field(b, ", numa_node=", a.numa_node);
		if (!HAVE(map_name))
			break;
		p_name_field(b, ", map_name=", a.map_name, sizeof a.map_name);
		if (!HAVE(map_ifindex))
			break;
		p_u32_field(b, ", map_ifindex=", a.map_ifindex);
		if (!HAVE(btf_fd))
			break;
		tb_puts(b, ", btf_fd=");
		p_fd(d, (int)a.btf_fd);
		p_u32_field(b, ", btf_key_type_id=", a.btf_key_type_id);
		p_u32_field(b, ", btf_value_type_id=", a.btf_value_type_id);
		if (!HAVE(btf_vmlinux_value_type_id))
			break;
		p_u32_field(b, ", btf_vmlinux_value_type_id=", a.btf_vmlinux_value_type_id);
		if (!HAVE(map_extra))
			break;
		p_u32_field(b, ", map_extra=", a.map_extra);
		break;
	case BPF_MAP_LOOKUP_ELEM:
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_GET_NEXT_KEY:
		tb_puts(b, "map_fd=");
		p_fd(d, (int)a.map_fd);
		p_u64_ptr(d, ", key=", a.key);
		if (cmd == BPF_MAP_DELETE_ELEM)
			break;
		if (cmd == BPF_MAP_GET_NEXT_KEY) {
			p_u64_ptr(d, ", next_key=", a.next_key);
			break;
		}
		p_u64_ptr(d, ", value=", a.value);
		if (cmd == BPF_MAP_LOOKUP_ELEM && !HAVE(flags))
			break;
		tb_puts(b, ", flags=");
		p_xlat(b, a.flags, XT(bpf_update_flags), "BPF_???");
		break;
	case BPF_PROG_LOAD:
		tb_puts(b, "prog_type=");
		p_xlat(b, a.prog_type, XT(bpf_prog_types), "BPF_PROG_TYPE_???");
		p_u32_field(b, ", insn_cnt=", a.insn_cnt);
		p_u64_ptr(d, ", insns=", a.insns);
		tb_puts(b, ", license=");
		p_str(d, (unsigned long)a.license, false);
		if (!HAVE(log_level))
			break;
		p_u32_field(b, ", log_level=", a.log_level);
		p_u32_field(b, ", log_size=", a.log_size);
		tb_puts(b, ", log_buf=");
		p_str(d, (unsigned long)a.log_buf, false);
		if (!HAVE(kern_version))
			break;
		tb_puts(b, ", kern_version=KERNEL_VERSION(");
		tb_udec(b, a.kern_version >> 16);
		tb_puts(b, ", ");
		tb_udec(b, a.kern_version >> 8 & 0xff);
		tb_puts(b, ", ");
		tb_udec(b, a.kern_version & 0xff);
		tb_putc(b, ')');
		if (!HAVE(prog_flags))
			break;
		tb_puts(b, ", prog_flags=");
		p_flags_u(b, a.prog_flags, XT(bpf_prog_flags), "BPF_F_???");
		if (!HAVE(prog_name))
			break;
		p_name_field(b, ", prog_name=", a.prog_name, sizeof a.prog_name);
		if (!HAVE(prog_ifindex))
			break;
		p_u32_field(b, ", prog_ifindex=", a.prog_ifindex);
		if (!HAVE(expected_attach_type))
			break;
		tb_puts(b, ", expected_attach_type=");
		p_xlat(b, a.expected_attach_type, XT(bpf_attach_types), "BPF_???");
		if (!HAVE(prog_btf_fd))
			break;
		tb_puts(b, ", prog_btf_fd=");
		p_fd(d, (int)a.prog_btf_fd);
		p_u32_field(b, ", func_info_rec_size=", a.func_info_rec_size);
		p_u64_ptr(d, ", func_info=", a.func_info);
		p_u32_field(b, ", func_info_cnt=", a.func_info_cnt);
		p_u32_field(b, ", line_info_rec_size=", a.line_info_rec_size);
		p_u64_ptr(d, ", line_info=", a.line_info);
		p_u32_field(b, ", line_info_cnt=", a.line_info_cnt);
		if (!HAVE(attach_btf_id))
			break;
		p_u32_field(b, ", attach_btf_id=", a.attach_btf_id);
		if (!HAVE(attach_prog_fd))
			break;
		tb_puts(b, ", attach_prog_fd=");
		p_fd(d, (int)a.attach_prog_fd);
		if (!HAVE(fd_array))
			break;
		p_u64_ptr(d, ", fd_array=", a.fd_array);
		break;
	case BPF_OBJ_GET_INFO_BY_FD:
		tb_puts(b, "info={bpf_fd=");
		p_fd(d, (int)a.info.bpf_fd);
		p_u32_field(b, ", info_len=", a.info.info_len);
		p_u64_ptr(d, ", info=", a.info.info);
		tb_putc(b, '}');
		break;
	default:
		break;
	}
#undef HAVE
	for (size_t k = end; k < len; k++) {
		if (((const unsigned char *)&a)[k]) {
			tb_puts(b, ", ...");
			break;
		}
	}
	tb_putc(b, '}');
	return true;
}

/* ---- the calls ------------------------------------------------------------------------------ */

bool zp_decode_sys(struct dctx *d)
{
	struct tb *b = d->b;
	switch (d->nr) {
	case SYS_msgsnd:
		a_int(d, 0);
		arg(d);
		p_msgbuf(d, (unsigned long)d->a[1], (unsigned long)d->a[2], false);
		a_ulong(d, 2);
		arg(d);
		p_flags_u(b, (unsigned int)d->a[3], XT(msgflg), "MSG_???");
		return true;
	case SYS_msgrcv:
		a_int(d, 0);
		arg(d);
		if (d->ok)
			p_msgbuf(d, (unsigned long)d->a[1], (unsigned long)d->a[2], true);
		else
			p_ptr(d, (unsigned long)d->a[1]);
		a_ulong(d, 2);
		a_long(d, 3);
		arg(d);
		p_flags_u(b, (unsigned int)d->a[4], XT(msgflg), "MSG_???");
		return true;
	case SYS_mq_open:
		a_path(d, 0);
		arg(d);
		p_open_flags(b, (unsigned int)d->a[1]);
		if (d->a[1] & O_CREAT) {
			a_oct(d, 2);
			arg(d);
			p_mq_attr(d, (unsigned long)d->a[3], false);
		}
		d->rstyle = RV_FD;
		return true;
	case SYS_mq_getsetattr:
		a_fd(d, 0);
		arg(d);
		p_mq_attr(d, (unsigned long)d->a[1], false);
		arg(d);
		if (d->ok)
			p_mq_attr(d, (unsigned long)d->a[2], true);
		else
			p_ptr(d, (unsigned long)d->a[2]);
		return true;
	case SYS_get_mempolicy: {
		arg(d);
		int mode;
		if (!d->ok)
			p_ptr(d, (unsigned long)d->a[0]);
		else if (p_struct_at(d, (unsigned long)d->a[0], &mode, sizeof mode, true)) {
			tb_putc(b, '[');
			p_mpol_mode(b, (unsigned int)mode);
			tb_putc(b, ']');
		}
		arg(d);
		p_nodemask(d, (unsigned long)d->a[1], (unsigned long)d->a[2], true);
		a_ulong(d, 2);
		a_ptr(d, 3);
		arg(d);
		p_flags_u(b, (unsigned long)d->a[4], XT(mpol_get_flags), "MPOL_???");
		return true;
	}
	case SYS_set_mempolicy:
		arg(d);
		p_mpol_mode(b, (unsigned int)d->a[0]);
		arg(d);
		p_nodemask(d, (unsigned long)d->a[1], (unsigned long)d->a[2], false);
		a_ulong(d, 2);
		return true;
	case SYS_mbind:
		a_ptr(d, 0);
		a_ulong(d, 1);
		arg(d);
		p_mpol_mode(b, (unsigned int)d->a[2]);
		arg(d);
		p_nodemask(d, (unsigned long)d->a[3], (unsigned long)d->a[4], false);
		a_ulong(d, 4);
		arg(d);
		p_flags_u(b, (unsigned int)d->a[5], XT(mbind_flags), "MPOL_???");
		return true;
	case SYS_migrate_pages:
		a_pid(d, 0);
		a_ulong(d, 1);
		arg(d);
		p_nodemask(d, (unsigned long)d->a[2], (unsigned long)d->a[1], false);
		arg(d);
		p_nodemask(d, (unsigned long)d->a[3], (unsigned long)d->a[1], false);
		return true;
	case SYS_move_pages: {
		unsigned long n = (unsigned long)d->a[1];
		a_pid(d, 0);
		a_ulong(d, 1);
		arg(d);
		p_page_array(d, (unsigned long)d->a[2], n, ARR_PTR, false);
		arg(d);
		p_page_array(d, (unsigned long)d->a[3], n, ARR_INT, false);
		arg(d);
		if (d->ok)
			p_page_array(d, (unsigned long)d->a[4], n, ARR_STATUS, true);
		else
			p_ptr(d, (unsigned long)d->a[4]);
		arg(d);
		p_flags_u(b, (unsigned int)d->a[5], XT(mbind_flags), "MPOL_???");
		return true;
	}
	case SYS_fanotify_init: {
		unsigned long v = (unsigned int)d->a[0], cmask = 0;
		for (unsigned i = 0; i < zpx_fan_class_n; i++)
			cmask |= (unsigned long)zpx_fan_class[i].val;
		arg(d);
		p_xlat(b, v & cmask, XT(fan_class), "FAN_CLASS_???");
		if (v & ~cmask) {
			tb_putc(b, '|');
			p_flags(b, v & ~cmask, XT(fan_init_flags), NULL);
		}
		arg(d);
		p_open_flags(b, (unsigned int)d->a[1]);
		d->rstyle = RV_FD;
		return true;
	}
	case SYS_fanotify_mark:
		a_fd(d, 0);
		arg(d);
		p_flags_u(b, (unsigned int)d->a[1], XT(fan_mark_flags), "FAN_MARK_???");
		arg(d);
		p_flags_u(b, (unsigned long)d->a[2], XT(fan_events), "FAN_???");
		arg(d);
		if (!p_xlat_try(b, (unsigned long long)(long long)(int)d->a[3], XT(fan_nofd)))
			p_dirfd(d, d->a[3]);
		a_path(d, 4);
		return true;
	case SYS_keyctl:
		p_keyctl(d);
		return true;
	case SYS_add_key:
		a_str(d, 0);
		a_str(d, 1);
		a_ibuf(d, 2);
		a_ulong(d, 3);
		a_key(d, 4);
		return true;
	case SYS_request_key:
		a_str(d, 0);
		a_str(d, 1);
		a_str(d, 2);
		a_key(d, 3);
		return true;
	case SYS_adjtimex:
		arg(d);
		p_timex(d, (unsigned long)d->a[0]);
		r_clock_state(d);
		return true;
	case SYS_clock_adjtime:
		a_xlat(d, 0, XT(clocks), "CLOCK_???");
		arg(d);
		p_timex(d, (unsigned long)d->a[1]);
		r_clock_state(d);
		return true;
	case SYS_settimeofday: {
		arg(d);
		p_timeval(d, (unsigned long)d->a[0], false);
		arg(d);
		int tz[2];
		if (p_struct_at(d, (unsigned long)d->a[1], tz, sizeof tz, false)) {
			tb_puts(b, "{tz_minuteswest=");
			tb_dec(b, tz[0]);
			tb_puts(b, ", tz_dsttime=");
			tb_dec(b, tz[1]);
			tb_putc(b, '}');
		}
		return true;
	}
	case SYS_name_to_handle_at: {
		a_dirfd(d, 0);
		a_path(d, 1);
		arg(d);
		long before = -1;
		unsigned int hb;
		if (d->snaplen >= sizeof hb) {
			zp_memcpy(&hb, d->snap, sizeof hb);
			before = hb;
		}
		/* The size written back: on success, and when it was too small. */
		bool wrote = d->ok || d->ret == -EOVERFLOW;
		if (!wrote && before >= 0) {
			if (d->a[2]) {
				tb_puts(b, "{handle_bytes=");
				tb_udec(b, (unsigned long)before);
				tb_putc(b, '}');
			} else {
				tb_puts(b, "NULL");
			}
		} else {
			p_file_handle(d, (unsigned long)d->a[2], before, d->ok);
		}
		arg(d);
		if (d->ok)
			p_int_ptr(d, (unsigned long)d->a[3], true);
		else
			p_ptr(d, (unsigned long)d->a[3]);
		a_flags(d, 4, XT(at_flags), NULL);
		return true;
	}
	case SYS_open_by_handle_at:
		a_fd(d, 0);
		arg(d);
		p_file_handle(d, (unsigned long)d->a[1], -1, true);
		arg(d);
		p_open_flags(b, (unsigned int)d->a[2]);
		d->rstyle = RV_FD;
		return true;
	case SYS_landlock_create_ruleset: {
		arg(d);
		unsigned long long acc;
		if ((unsigned long)d->a[1] < sizeof acc)
			p_ptr(d, (unsigned long)d->a[0]);
		else if (p_struct_at(d, (unsigned long)d->a[0], &acc, sizeof acc, false)) {
			tb_puts(b, "{handled_access_fs=");
			p_flags_u(b, acc, XT(landlock_access_fs), "LANDLOCK_ACCESS_FS_???");
			tb_putc(b, '}');
		}
		a_ulong(d, 1);
		arg(d);
		p_flags_u(b, (unsigned int)d->a[2], XT(landlock_create_flags), "LANDLOCK_CREATE_RULESET_???");
		if (!(d->a[2] & LANDLOCK_CREATE_RULESET_VERSION))
			d->rstyle = RV_FD;
		return true;
	}
	case SYS_landlock_add_rule: {
		a_fd(d, 0);
		a_xlat(d, 1, XT(landlock_rule_types), "LANDLOCK_RULE_???");
		arg(d);
		struct {
			unsigned long long allowed;
			int parent_fd;
		} __attribute__((packed)) pb;
		if (d->a[1] != LANDLOCK_RULE_PATH_BENEATH)
			p_ptr(d, (unsigned long)d->a[2]);
		else if (p_struct_at(d, (unsigned long)d->a[2], &pb, sizeof pb, false)) {
			tb_puts(b, "{allowed_access=");
			p_flags_u(b, pb.allowed, XT(landlock_access_fs), "LANDLOCK_ACCESS_FS_???");
			tb_puts(b, ", parent_fd=");
			p_fd(d, pb.parent_fd);
			tb_putc(b, '}');
		}
		a_flags(d, 3, NULL, 0, NULL);
		return true;
	}
	case SYS_modify_ldt: {
		a_int(d, 0);
		arg(d);
		if ((d->a[0] == 1 || d->a[0] == 0x11) && (unsigned long)d->a[2] == sizeof(struct user_desc))
			p_user_desc(d, (unsigned long)d->a[1]);
		else
			p_ptr(d, (unsigned long)d->a[1]);
		a_ulong(d, 2);
		/* The kernel returns an int: an error comes back as a large
		 * positive number, which strace names too. */
		unsigned long r = (unsigned long)d->ret;
		if (d->exiting && r > 0xfffff000ul && r <= 0xfffffffful) {
			long e = -(long)(int)r;
			const char *n = xlat_name((unsigned long)e, XT(errno));
			tb_putc(&d->rx, ' ');
			tb_puts(&d->rx, n ? n : "E?");
			tb_puts(&d->rx, " (");
			tb_puts(&d->rx, zp_errno_msg[e] ? zp_errno_msg[e] : "Unknown error");
			tb_putc(&d->rx, ')');
		}
		return true;
	}
	case SYS_syslog:
		p_syslog(d);
		return true;
	case SYS_bpf: {
		unsigned cmd = (unsigned int)d->a[0];
		arg(d);
		p_xlat(b, cmd, XT(bpf_cmds), "BPF_???");
		arg(d);
		if (!p_bpf_attr(d, cmd, (unsigned long)d->a[1], (unsigned int)d->a[2]))
			p_ptr(d, (unsigned long)d->a[1]);
		a_uint(d, 2);
		if (cmd == BPF_MAP_CREATE || cmd == BPF_PROG_LOAD)
			d->rstyle = RV_FD;
		return true;
	}
	case SYS_quotactl:
	case SYS_quotactl_fd:
		p_quotactl(d);
		return true;
	case SYS_fsopen:
	case SYS_fsconfig:
	case SYS_fsmount:
	case SYS_fspick:
	case SYS_move_mount:
	case SYS_open_tree:
	case SYS_mount_setattr:
		return p_mount_api(d);
	case SYS_perf_event_open:
		arg(d);
		p_perf_attr(d, (unsigned long)d->a[0]);
		a_int(d, 1);
		a_int(d, 2);
		a_fd(d, 3);
		arg(d);
		p_flags_u(b, (unsigned long)d->a[4], XT(perf_flags), "PERF_FLAG_???");
		d->rstyle = RV_FD;
		return true;
	default:
		return false;
	}
}
