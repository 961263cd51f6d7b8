/*
 * libzphook_count.so - counts calls per system call and prints a table when
 * the process ends: to stderr, or appended to $ZPOLINE_COUNT_OUTPUT.
 *
 *      calls   errors  syscall  (pid N)
 *
 * A process that replaces itself with execve would take its counts with it,
 * so with an output file the table is also printed just before every
 * execve, and the counts start again from zero; a forked child starts from
 * zero too: the tables of one process always add up to every call it made.
 * A child that shares the parent's memory (vfork, posix_spawn) counts into
 * the parent's table and prints none.
 *
 * The copy of stderr the table goes to without an output file is kept out
 * of the program's sight as the tracer's descriptors are (fdguard.c): a
 * program that lists or closes every descriptor it has does not meet it.
 *
 * The per-call work is two relaxed atomic adds and the table is printed
 * with raw system calls and this file's own formatting, so the hook never
 * touches the vector registers or libc's thread state (it declares
 * ZPOLINE_HOOK_NO_XSTATE and is built with -mgeneral-regs-only).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <stdlib.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <zpoline.h>
#include "hookflags.h"

#include "fdguard.h"
#include "hooklibc.h"
#include "raw.h"

#define SLOTS 1024 /* numbers past this are counted together */

static unsigned long calls[SLOTS + 1], errors[SLOTS + 1];
static const struct zpoline_runtime *runtime;
static char output[4096]; /* ZPOLINE_COUNT_OUTPUT, read at start-up */
static int err_fd = 2;    /* a copy of stderr: programs close theirs before exit */
static int counted_pid;   /* whose counts these are (a vfork child's are its parent's) */
/* The output, opened ahead once the program installs a seccomp filter (a
 * sandbox may kill the process for an open at exit: sshd's, browsers') or
 * changes its identity (the new user may not be allowed to open it).
 * Otherwise it is opened when the table is printed, so that a program
 * that closes every descriptor does not take it away.  A table whose
 * output cannot be opened is lost: it never goes to the program's own
 * stderr, which the program (or its test) may be reading. */
static int sandbox_fd = -1;

static bool owns_fd(long fd)
{
	return fd >= 0 && (fd == __atomic_load_n(&err_fd, __ATOMIC_RELAXED) ||
			   fd == __atomic_load_n(&sandbox_fd, __ATOMIC_RELAXED)) && fd != 2;
}

/* The program dups onto one of ours: ours moves up first. */
static void evict_fd(long fd)
{
	long n = zp_raw3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, fd + 1);
	if (n < 0)
		return;
	if (fd == err_fd)
		__atomic_store_n(&err_fd, (int)n, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&sandbox_fd, (int)n, __ATOMIC_RELAXED);
}

static const struct zp_fdguard own_fds = {owns_fd, evict_fd};

static int open_output(void)
{
	return (int)zp_raw4(SYS_openat, AT_FDCWD, output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			    0644);
}

/* Calls after which the output may no longer open: a seccomp filter (a
 * sandbox may kill the process for an open at exit), or a change of
 * identity (the new user may not write where the old one could). */
static bool opens_ahead(const struct zpoline_call *call)
{
	switch (call->nr) {
	case SYS_seccomp:
	case SYS_setuid:
	case SYS_setreuid:
	case SYS_setresuid:
	case SYS_setfsuid:
	case SYS_setgid:
	case SYS_setregid:
	case SYS_setresgid:
	case SYS_setfsgid:
	case SYS_setgroups:
	case SYS_capset:
		return true;
	case SYS_prctl:
		return call->args[0] == PR_SET_SECCOMP;
	default:
		return false;
	}
}

static unsigned slot(long nr)
{
	return nr >= 0 && nr < SLOTS ? (unsigned)nr : SLOTS;
}

struct buf {
	char data[8192];
	size_t len;
	int fd;
	long err; /* the first write error */
};

static void flush(struct buf *b)
{
	size_t off = 0;
	while (b->fd >= 0 && off < b->len) {
		long w = zp_raw3(SYS_write, b->fd, b->data + off, b->len - off);
		if (w == -4)
			continue;
		if (w <= 0) {
			if (!b->err)
				b->err = w < 0 ? w : -5;
			break;
		}
		off += (size_t)w;
	}
	b->len = 0;
}

static void put_str(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (b->len == sizeof b->data)
			flush(b);
		b->data[b->len++] = *s;
	}
}

/* Right-aligned decimal in `width` columns. */
static void put_num(struct buf *b, unsigned long v, int width)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	char out[48];
	int k = 0;
	for (int i = n; i < width && k < 24; i++)
		out[k++] = ' ';
	while (n)
		out[k++] = tmp[--n];
	out[k] = '\0';
	put_str(b, out);
}

static void print_table(bool exiting)
{
	if ((int)zp_raw0(SYS_getpid) != counted_pid)
		return; /* a vfork child: the parent prints these */
	struct buf b;
	b.len = 0;
	b.err = 0;
	b.fd = err_fd;
	/* The table is a write the program never made: one that raises SIGXFSZ
	 * (a regular file past RLIMIT_FSIZE, which sshd's pre-authentication
	 * child sets to 0) or SIGPIPE (a pipe nobody reads any more) must not
	 * kill it.  Written with both blocked.  At exit_group the signal our
	 * write raised is left pending (the process ends with its own status;
	 * sshd's seccomp filter would kill it for rt_sigtimedwait); before an
	 * execve it is taken back, unless the program had blocked it itself. */
	uint64_t quiet = 1ull << (SIGXFSZ - 1) | 1ull << (SIGPIPE - 1), old = 0;
	bool blocked = zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &quiet, &old, 8) == 0;
	int opened = -1;
	if (sandbox_fd >= 0) {
		b.fd = sandbox_fd;
	} else if (output[0]) {
		opened = open_output();
		if (opened >= 0)
			b.fd = opened;
		else
			b.fd = -1; /* never the program's stderr (fd 2): the table is lost */
	}
	unsigned long total = 0, errs = 0;
	put_str(&b, "     calls   errors  syscall  (pid ");
	put_num(&b, (unsigned long)zp_raw0(SYS_getpid), 0);
	put_str(&b, ")\n");
	for (unsigned i = 0; i <= SLOTS; i++) {
		unsigned long c = __atomic_exchange_n(&calls[i], 0, __ATOMIC_RELAXED);
		unsigned long e = __atomic_exchange_n(&errors[i], 0, __ATOMIC_RELAXED);
		if (!c)
			continue;
		put_num(&b, c, 10);
		put_num(&b, e, 9);
		put_str(&b, "  ");
		const char *name = i < SLOTS ? runtime->syscall_name(i) : "(out_of_range)";
		if (name) {
			put_str(&b, name);
		} else {
			put_str(&b, "syscall_");
			put_num(&b, i, 0);
		}
		put_str(&b, "\n");
		total += c;
		errs += e;
	}
	put_num(&b, total, 10);
	put_num(&b, errs, 9);
	put_str(&b, "  total\n");
	flush(&b);
	if (opened >= 0)
		zp_raw1(SYS_close, opened);
	if (!blocked || exiting)
		return;
	uint64_t raised = b.err == -EFBIG ? 1ull << (SIGXFSZ - 1) : b.err == -EPIPE ? 1ull << (SIGPIPE - 1) : 0;
	if (raised & ~old) {
		struct timespec zero = {0, 0};
		zp_raw4(SYS_rt_sigtimedwait, &raised, NULL, &zero, 8);
	}
	zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
}

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	__atomic_fetch_add(&calls[slot(call->nr)], 1, __ATOMIC_RELAXED);
	if (zp_fd_guarded(call->nr) && zp_fd_guard(&own_fds, call) == ZPOLINE_SKIP) {
		/* made as on a descriptor never opened: no post() follows */
		if (call->ret < 0)
			__atomic_fetch_add(&errors[slot(call->nr)], 1, __ATOMIC_RELAXED);
		return ZPOLINE_SKIP;
	}
	/* Not in a child sharing our memory (vfork, posix_spawn: it resets
	 * its ids with setresuid): the descriptor would be the child's, the
	 * number ours. */
	if (output[0] && sandbox_fd < 0 && opens_ahead(call) &&
	    (int)zp_raw0(SYS_getpid) == counted_pid) {
		long fd = open_output();
		long high = fd >= 0 ? zp_raw3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 900) : -1;
		if (high >= 0) { /* out of the program's way, as err_fd */
			zp_raw1(SYS_close, fd);
			fd = high;
		}
		sandbox_fd = (int)fd;
	}
	/* Only into a file: on a terminal, a PATH search would print a table
	 * per attempt. */
	if ((call->nr == SYS_execve || call->nr == SYS_execveat) && output[0])
		print_table(false);
	return ZPOLINE_CONTINUE;
}

/* A forked child (not one sharing our memory) starts its own table. */
static bool forked_child(const struct zpoline_call *call)
{
	if (call->ret != 0)
		return false;
	switch (call->nr) {
	case SYS_fork:
		return true;
	case SYS_clone:
		return !(call->args[0] & (CLONE_VM | CLONE_THREAD));
	case SYS_clone3: {
		unsigned long flags = 0;
		if (call->args[0] && call->args[1] >= (long)sizeof flags)
			flags = *(const unsigned long *)call->args[0];
		return !(flags & (CLONE_VM | CLONE_THREAD));
	}
	default:
		return false;
	}
}

static void post(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	if (call->ret < 0 && call->ret >= -4095)
		__atomic_fetch_add(&errors[slot(call->nr)], 1, __ATOMIC_RELAXED);
	else if ((call->nr == SYS_getdents64 || call->nr == SYS_getdents) && call->ret > 0)
		zp_fd_guard_listing(&own_fds, call);
	else if (forked_child(call)) {
		for (unsigned i = 0; i <= SLOTS; i++)
			calls[i] = errors[i] = 0;
		counted_pid = (int)zp_raw0(SYS_getpid);
	}
}

static void fini(void *ctx)
{
	(void)ctx;
	print_table(true); /* at exit_group */
}

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	zp_hl_init(rt);
	runtime = rt;
	const char *path = getenv("ZPOLINE_COUNT_OUTPUT");
	if (path) {
		size_t n = 0;
		while (path[n] && n + 1 < sizeof output)
			n++;
		for (size_t i = 0; i < n; i++)
			output[i] = path[i];
		output[n] = '\0';
	}
	counted_pid = (int)zp_raw0(SYS_getpid);
	/* With an output file none is needed (it is opened when the table is
	 * printed).  High, out of the program's way; under a low descriptor
	 * limit (`ulimit -n 64`) as high as the limit allows. */
	long fd = output[0] ? -1 : zp_raw3(SYS_fcntl, 2, F_DUPFD_CLOEXEC, 900);
	if (fd < 0 && !output[0]) {
		struct rlimit rl = {0, 0};
		zp_raw4(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, &rl);
		long at = rl.rlim_cur > 16 && rl.rlim_cur <= 900 ? (long)rl.rlim_cur / 2 : 3;
		fd = zp_raw3(SYS_fcntl, 2, F_DUPFD_CLOEXEC, at);
	}
	if (fd >= 0)
		err_fd = (int)fd;
	hook->name = "count";
	hook->flags = ZP_SHIPPED_HOOK_FLAGS;
	hook->pre = pre;
	hook->post = post;
	hook->fini = fini;
	return 0;
}
