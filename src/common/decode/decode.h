/*
 * decode.h - turning a system call into strace's text:
 *     openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC)
 * (the result, " = 3", is the caller's part).
 *
 * Decoders run on the per-call path of any thread, so everything here is
 * raw: no libc, no errno, no allocation.  Memory of the program is read
 * directly only where the kernel has just accessed it successfully (the
 * call returned success); anything else goes through process_vm_readv(),
 * which fails cleanly on a bad pointer instead of crashing the program.
 *
 * A decoder prints every argument with one of the a_*() helpers (or calls
 * arg() first for hand-made ones), so the JSON output can find where each
 * argument starts.
 */
#ifndef ZP_DECODE_H
#define ZP_DECODE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_consts.h"
#include "tracefmt.h"

#define ZP_DEC_HIDDEN __attribute__((visibility("hidden")))

/* The kernel's own codes for a call a signal cut short (include/linux/
 * errno.h, not in the UAPI headers): what strace shows as "= ? ERESTART..." */
enum {
	ZP_ERESTARTSYS = 512,
	ZP_ERESTARTNOINTR = 513,
	ZP_ERESTARTNOHAND = 514,
	ZP_ERESTART_RESTARTBLOCK = 516,
};
#define XT(name) zpx_##name, zpx_##name##_n

struct zp_dec_cfg {
	unsigned strsize; /* -s */
	unsigned char decode_fds; /* -y: 1, -yy: 2 */
	bool decode_pids; /* -Y: a process id's command name: 1234<sh> */
	/* The program put a seccomp filter in place: -yy asks the kernel no
	 * more questions (a socket() of the tracer's could kill it). */
	bool sandboxed;
	long tz_offset;   /* seconds east of UTC, for the dates strace adds */
	bool tz_known;    /* tz_offset holds at every date (a zone without DST): else no dates */
	/* -P: only calls that name one of these paths, or take a descriptor
	 * open on one; decoding sets dctx.path_hit */
	const char *tpaths[16];
	unsigned ntpaths;
	/* -e raw=: bit nr set: the call's arguments and result undecoded */
	const unsigned char *raw;
	unsigned raw_bytes;
	/* -v, -e abbrev=: bit nr set: the call's structures shown in short
	 * (strace's abbrev); NULL: every call's */
	const unsigned char *abbrev;
	unsigned abbrev_bytes;
};

/* Set by whichever thread sees the filter go in: read it atomically. */
static inline bool dec_sandboxed(const struct zp_dec_cfg *cfg)
{
	return __atomic_load_n(&cfg->sandboxed, __ATOMIC_RELAXED);
}

/* How the result is printed. */
enum zp_rstyle {
	RV_DEC = 0, /* signed decimal (default) */
	RV_HEX,     /* 0x... (addresses) */
	RV_OCT,     /* 022 (umask) */
	RV_FD,      /* a descriptor: 3, or 3</path> with -y */
	RV_NONE,    /* "?" (no return) */
	RV_UDEC,    /* unsigned decimal */
	RV_PID,     /* a process or thread id: 1234, or 1234<sh> with -Y */
};

#define ZP_DEC_MAXARGS 8
/* select/pselect6: three fd sets of 128 bytes, then the timeout (16). */
#define ZP_DEC_SNAP 400

struct dctx {
	struct tb *b;
	const struct zp_dec_cfg *cfg;
	long nr;
	long a[6];
	long ret;
	bool exiting; /* the call completed; ret is its result */
	bool ok;      /* exiting without an error */
	int pid;
	/* Bytes saved at entry for in/out arguments the kernel overwrites. */
	const unsigned char *snap;
	unsigned snaplen;
	/* Where each top-level argument starts in b (for --json). */
	unsigned argpos[ZP_DEC_MAXARGS + 1];
	int nargs;
	/* Result: style, and text that follows it, e.g. " (Timeout)". */
	int rstyle;
	struct tb rx;
	char rxbuf[1024];
	bool path_hit; /* -P: an argument or the result is one of cfg->tpaths */
	/* At entry, as strace prints a call it has not seen end: only the
	 * first entry_args arguments (-1: all), the rest being what the call
	 * returns; entry_len is where the text stops then ((size_t)-1 until
	 * that argument is reached). */
	int entry_args;
	size_t entry_len;
	bool no_peek; /* the program's memory is not read: pointers as addresses */
	/* An execve's path and arrays, which the runtime has just read itself
	 * (src/runtime/exec.c): copied with its safe copy (no system call),
	 * a page at a time, process_vm_readv only where that fails. */
	bool checked;
	/* structures in short and arrays of at most -s elements (not -v) */
	bool abbrev;
	/* the result was injected (-e inject=): the kernel touched none of
	 * the call's memory, so none of it is read directly */
	bool injected;
};

/* How many elements of an array are printed before "...": -s, or all of
 * them with -v (as strace). */
static inline unsigned long dec_elems(const struct dctx *d)
{
	return d->abbrev ? d->cfg->strsize : 1ul << 30;
}

/* ---- entry points (dtable.c) ---------------------------------------------- */
ZP_DEC_HIDDEN void zp_decode_call(struct dctx *d);
/* At entry: copy what decode will need after the kernel changed it.
 * Returns the number of bytes stored in snap. */
ZP_DEC_HIDDEN unsigned zp_decode_snapshot(long nr, const long *a, int pid, unsigned char *snap,
					  unsigned len);
/* The system call name or NULL. */
ZP_DEC_HIDDEN const char *zp_decode_name(long nr);

/* ---- helpers (dbase.c) ----------------------------------------------------- */
/* The separator before the next top-level argument, and where it starts.
 * Inline: four or five a line, each a call before. */
static inline void arg(struct dctx *d)
{
	if (d->nargs > 0)
		tb_putn(d->b, ", ", 2);
	if (__builtin_expect(d->nargs == d->entry_args, 0) && d->entry_len == (size_t)-1)
		d->entry_len = d->b->len;
	if (d->nargs < ZP_DEC_MAXARGS)
		d->argpos[d->nargs] = (unsigned)d->b->len;
	d->nargs++;
}
ZP_DEC_HIDDEN void dinit(struct dctx *d, struct tb *b, const struct zp_dec_cfg *cfg, long nr,
			 const long *args, int pid);

/* Copy n bytes of the program's memory at addr.  `trust`: the kernel has
 * just used this memory successfully, read it directly.  Returns bytes
 * copied (short if part of the range is not readable). */
ZP_DEC_HIDDEN size_t um_read(struct dctx *d, void *dst, unsigned long addr, size_t n, bool trust);
ZP_DEC_HIDDEN bool um_get(struct dctx *d, void *dst, unsigned long addr, size_t n, bool trust);
/* The n bytes a pointer argument's value addr points to, into dst: true;
 * or "NULL", or the address when they cannot be read, printed: false. */
ZP_DEC_HIDDEN bool p_struct_at(struct dctx *d, unsigned long addr, void *dst, size_t n, bool trust);
/* A NUL-terminated string of at most max bytes into dst (max+1 bytes);
 * returns its length, -1 if unreadable; *complete says a NUL was found. */
ZP_DEC_HIDDEN long um_str(struct dctx *d, char *dst, unsigned long addr, size_t max, bool trust,
			  bool *complete);

/* Print pieces (no argument separator). */
ZP_DEC_HIDDEN void p_ptr(struct dctx *d, unsigned long v);
/* ", si_pid=..., si_uid=..." (and a queued signal's value) where the
 * siginfo's code says a process sent it; false (nothing printed) if not. */
/* ", si_errno=E2BIG" when set, as strace shows it after si_code */
ZP_DEC_HIDDEN void p_siginfo_errno(struct tb *b, const siginfo_t *si);
ZP_DEC_HIDDEN bool p_siginfo_sender(struct dctx *d, const siginfo_t *si);
/* {si_signo=..., si_code=..., and the fields the code says are set} */
ZP_DEC_HIDDEN void p_siginfo_val(struct dctx *d, const siginfo_t *si);
/* strace's date comment after a time a call sets (dfile.c) */
/* makedev(0xMAJOR, 0xMINOR) of a dev_t */
ZP_DEC_HIDDEN void p_makedev(struct tb *b, unsigned long long dev);
ZP_DEC_HIDDEN void p_date_comment(struct dctx *d, long long sec, unsigned long frac, int digits);
/* " (2023-11-14T22:13:20+0000)" after a result that is a time (time()) */
ZP_DEC_HIDDEN void p_date_result(struct dctx *d, long long sec);
ZP_DEC_HIDDEN void p_fd(struct dctx *d, long fd);
/* A process or thread id, with -Y its command name: 1234<sh>. */
ZP_DEC_HIDDEN void p_pid(struct dctx *d, long pid);
/* The command name of process or thread pid (/proc/PID/comm) into buf, not
 * terminated; its length, 0 if unknown (gone, or not to be asked). */
ZP_DEC_HIDDEN size_t zp_pid_comm(const struct zp_dec_cfg *cfg, int pid, char *buf, size_t len);
/* "<name>" after an id, escaped as -y's paths; nothing for n == 0. */
ZP_DEC_HIDDEN void p_comm(struct tb *b, const char *comm, size_t n);
/* "[e, e, ...]": n elements of sz bytes (at most 64) at addr, at most -s of
 * them, "..." after those or where one cannot be read; elem prints one.
 * The caller has checked the address (NULL, the first element). */
ZP_DEC_HIDDEN void p_array(struct dctx *d, unsigned long addr, unsigned long n, size_t sz, bool trust,
			   void (*elem)(struct dctx *d, const void *e, int kind), int kind);
/* -P: is the path p (n bytes) one of cfg->tpaths?  Sets d->path_hit. */
ZP_DEC_HIDDEN void p_path_check(struct dctx *d, const char *p, size_t n);
/* The path behind fd (AT_FDCWD: the working directory) into buf, not
 * terminated; its length, 0 if none or longer than len - 1. */
ZP_DEC_HIDDEN size_t zp_fd_path(long fd, char *buf, size_t len);
ZP_DEC_HIDDEN void p_dirfd(struct dctx *d, long fd);
/* Dotted quad, and RFC 5952 text (dbase.c). */
ZP_DEC_HIDDEN void p_ipv4(struct tb *b, const unsigned char *a);
ZP_DEC_HIDDEN void p_ipv6(struct tb *b, const unsigned char *a);
/* -yy: what strace shows inside <...> for descriptor fd, whose link in
 * /proc/self/fd is link (n bytes): TCP:[127.0.0.1:80->127.0.0.1:4242],
 * UNIX-STREAM:[ino->peer,"/path"], /dev/null<char 1:3> (dfdinfo.c).
 * false: nothing more to say than the link. */
ZP_DEC_HIDDEN bool p_fd_detail(struct tb *b, const struct zp_dec_cfg *cfg, long fd, const char *link,
			       size_t n);
ZP_DEC_HIDDEN void p_flags(struct tb *b, unsigned long long v, const struct zp_xlat *t, unsigned n,
			   const char *zero);
ZP_DEC_HIDDEN void p_flags_u(struct tb *b, unsigned long long v, const struct zp_xlat *t,
			     unsigned n, const char *unknown);
ZP_DEC_HIDDEN bool p_xlat_try(struct tb *b, unsigned long long v, const struct zp_xlat *t,
			      unsigned n);
/* name, or 0xN / * PFX??? * / */
ZP_DEC_HIDDEN void p_xlat(struct tb *b, unsigned long long v, const struct zp_xlat *t, unsigned n,
			  const char *unknown);
/* name, or decimal */
ZP_DEC_HIDDEN void p_xlat_d(struct tb *b, long long v, const struct zp_xlat *t, unsigned n);
ZP_DEC_HIDDEN const char *xlat_name(unsigned long long v, const struct zp_xlat *t, unsigned n);
ZP_DEC_HIDDEN void p_open_flags(struct tb *b, unsigned long v);
ZP_DEC_HIDDEN void p_mode(struct tb *b, unsigned long mode); /* S_IFREG|0644 */
ZP_DEC_HIDDEN void p_signame(struct tb *b, long sig);
ZP_DEC_HIDDEN void p_sigset_bits(struct tb *b, const unsigned char *set, size_t bytes);
ZP_DEC_HIDDEN void p_sigset(struct dctx *d, unsigned long addr, size_t bytes, bool trust);
ZP_DEC_HIDDEN void p_timespec(struct dctx *d, unsigned long addr, bool trust);
ZP_DEC_HIDDEN void p_timespec_val(struct dctx *d, const long ts[2]);
ZP_DEC_HIDDEN void p_timeval(struct dctx *d, unsigned long addr, bool trust);
/* Quoted string of at most -s bytes, "..." when longer. */
ZP_DEC_HIDDEN void p_str(struct dctx *d, unsigned long addr, bool trust);
ZP_DEC_HIDDEN void p_path(struct dctx *d, unsigned long addr, bool trust);
ZP_DEC_HIDDEN void p_buf(struct dctx *d, unsigned long addr, size_t len, bool trust, unsigned flags);
ZP_DEC_HIDDEN void p_sockaddr(struct dctx *d, unsigned long addr, size_t len, bool trust);
ZP_DEC_HIDDEN void p_int_ptr(struct dctx *d, unsigned long addr, bool trust); /* [N] */
ZP_DEC_HIDDEN void p_struct_stat(struct dctx *d, unsigned long addr);
ZP_DEC_HIDDEN void p_errno_ret(struct tb *b, long ret); /* -1 ENOENT (No such ...) */
ZP_DEC_HIDDEN void p_sigevent(struct dctx *d, unsigned long addr); /* dproc.c */
ZP_DEC_HIDDEN void p_seccomp_fprog(struct dctx *d, unsigned long addr); /* dmisc.c */
/* Netlink (dnetlink.c).  The protocol of socket fd (NETLINK_ROUTE...),
 * ZP_NL_UNKNOWN for a netlink socket of unknown protocol, -1 for any other
 * socket, or when the tracer may not ask. */
#define ZP_NL_UNKNOWN 0x10000
ZP_DEC_HIDDEN int zp_netlink_proto(const struct dctx *d, long fd);
/* The len bytes at addr, netlink messages of protocol proto, read on
 * socket fd. */
ZP_DEC_HIDDEN void p_nlmsgs(struct dctx *d, int proto, long fd, unsigned long addr, size_t len,
			     bool trust);

/* Print one argument (with its separator). */
ZP_DEC_HIDDEN void a_int(struct dctx *d, int i);
/* A process or thread id (p_pid); the second takes -N as process group N. */
ZP_DEC_HIDDEN void a_pid(struct dctx *d, int i);
ZP_DEC_HIDDEN void a_pid_pgid(struct dctx *d, int i);
ZP_DEC_HIDDEN void a_who(struct dctx *d, int i, bool process);
ZP_DEC_HIDDEN void a_long(struct dctx *d, int i);
/* A uid_t / gid_t: unsigned, (uid_t)-1 as -1 (as strace prints them). */
ZP_DEC_HIDDEN void a_uid(struct dctx *d, int i);
ZP_DEC_HIDDEN void a_ulong(struct dctx *d, int i);
ZP_DEC_HIDDEN void a_uint(struct dctx *d, int i);
ZP_DEC_HIDDEN void a_hex(struct dctx *d, int i);
ZP_DEC_HIDDEN void a_ptr(struct dctx *d, int i);
ZP_DEC_HIDDEN void a_oct(struct dctx *d, int i);
ZP_DEC_HIDDEN void a_fd(struct dctx *d, int i);
/* A descriptor as it was at entry (the call closes, replaces or binds
 * it): from the snapshot zp_fd_snapshot() made then, else as it is now. */
ZP_DEC_HIDDEN void a_fd_entry(struct dctx *d, int i);
/* The snapshot of descriptor fd for a_fd_entry: its path, and with -yy a
 * NUL and what <...> shows of it (p_fd_detail).  Its length, 0 if none. */
ZP_DEC_HIDDEN unsigned zp_fd_snapshot(const struct zp_dec_cfg *cfg, long fd, unsigned char *snap,
				      unsigned len);
ZP_DEC_HIDDEN void a_dirfd(struct dctx *d, int i);
ZP_DEC_HIDDEN void a_path(struct dctx *d, int i);
ZP_DEC_HIDDEN void a_str(struct dctx *d, int i);
/* Input buffer a[i] of a[i+1] bytes. */
ZP_DEC_HIDDEN void a_ibuf(struct dctx *d, int i);
/* Output buffer a[i]: ret bytes once the call succeeded, else the address. */
ZP_DEC_HIDDEN void a_obuf(struct dctx *d, int i, unsigned flags);
ZP_DEC_HIDDEN void a_flags(struct dctx *d, int i, const struct zp_xlat *t, unsigned n,
			   const char *zero);
ZP_DEC_HIDDEN void a_flags_u(struct dctx *d, int i, const struct zp_xlat *t, unsigned n,
			     const char *zero, const char *unknown);
ZP_DEC_HIDDEN void a_xlat(struct dctx *d, int i, const struct zp_xlat *t, unsigned n,
			  const char *unknown);
ZP_DEC_HIDDEN void a_signo(struct dctx *d, int i);
ZP_DEC_HIDDEN void a_timespec(struct dctx *d, int i, bool out);

/* The errno message table, filled at init (strerror); NULL entries fall
 * back to "Unknown error N". */
extern ZP_DEC_HIDDEN const char *zp_errno_msg[4096];

/* Family decoders (their files). */
ZP_DEC_HIDDEN bool zp_decode_file(struct dctx *d);
ZP_DEC_HIDDEN bool zp_decode_mem(struct dctx *d);
ZP_DEC_HIDDEN bool zp_decode_proc(struct dctx *d);
ZP_DEC_HIDDEN bool zp_decode_net(struct dctx *d);
ZP_DEC_HIDDEN bool zp_decode_misc(struct dctx *d);
ZP_DEC_HIDDEN bool zp_decode_sys(struct dctx *d);
ZP_DEC_HIDDEN bool zp_decode_ptrace(struct dctx *d);

#endif
