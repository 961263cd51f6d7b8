/*
 * libzphook_trace.so - an strace-compatible tracer as a zpoline hook.
 *
 * Configuration (set by the `zpoline` command; see docs/tracing.md):
 *   ZPOLINE_TRACE_OPTS  strace-style options: -o FILE -f -ff -c -C
 *                       -e trace=SET -e inject=SPEC -t -tt -ttt -T -s N -y
 *                       --json (src/common/traceopts.h)
 *   ZPOLINE_TRACE_ROOT  pid of the traced root process.  Without -f only
 *                       that task is traced; no other process may start a
 *                       trace session (and truncate the output).
 *   ZPOLINE_TRACE_CTL   optional file for the session's control block, so
 *                       the command can finish the trace after the program
 *                       is gone (zp_trace_finish, src/common/traceout.h).
 *   ZPOLINE_TRACE_FDS   internal: set by the tracer in the environment of
 *                       a traced execve, to hand the session over.
 *
 * How a call is traced: pre() keeps what post() will need in a slot (the
 * arguments as the program passed them, entry time, bytes the kernel will
 * overwrite); post() decodes the call and writes the whole line at once
 * (line.c, traceout.c).  Calls that do not return (exit, exit_group,
 * rt_sigreturn, a successful execve) are printed from pre().  Injected
 * calls never reach the kernel and are printed from pre() too.
 *
 * The per-call path uses no libc state: no stdio, errno, malloc, locks or
 * thread-local storage; it may run in threads libc does not know and in
 * signal handlers.  There is no libc here at all (src/common/hooklibc.c);
 * zpoline_hook_init() borrows the program's for the environment, error
 * messages and the time zone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "fdguard.h"
#include "hooklibc.h"
#include "raw.h"
#include "trace_hook.h"
#include "hookflags.h"

struct trace_state g;

/* A call's start and end for -c: TSC ticks when the session counts in
 * them (traceout.h), else CLOCK_MONOTONIC nanoseconds. */
static uint64_t th_tick(void)
{
	return g.out.ctl->tsc_ticks ? __builtin_ia32_rdtsc() : th_now(CLOCK_MONOTONIC);
}

uint64_t th_now(clockid_t clk)
{
	struct timespec ts = {0, 0};
	if (g.gettime)
		g.gettime(clk, &ts);
	else
		zp_raw2(SYS_clock_gettime, clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline bool nr_shown(long nr)
{
	if (nr >= 0 && nr < ZP_TRACE_NR_MAX)
		return zp_set_test(&g.o.trace, nr);
	return !g.o.trace_given;
}

/* Without -f only the root task is traced, as strace does. */
static inline bool task_traced(const struct zpoline_call *c)
{
	return g.o.follow || c->tid == g.root;
}

static inline bool is_error(long ret)
{
	return ret < 0 && ret >= -4095;
}

/* -c: a thread counts in a table of its own when it has one
 * (ctl->count_owner): with one writer an add needs no bus lock, two of
 * which per call (its count and its time) were half of count()'s cost.
 * This process's threads find theirs here by tid, one word an entry
 * (pid << 40 | (table + 1) << 32 | tid: read whole, never torn; table + 1
 * = 0: none was free, the shared tables), and the claim they hold it by
 * (unique in the session: ids alone may be the same in two pid
 * namespaces).  pid in the entry: a forked child inherits these, a vfork
 * child shares them.  Only its owner gives a table back, when it can count
 * no more: at its exit() or exit_group(), or before its execve (claimed
 * again if that fails).  Tables of threads a signal killed, or of the
 * other threads of a process that ended, are not given back: later
 * threads only find fewer. */
#define OWN_LOCAL 256
#define OWN_MATCH 0xffffff00ffffffffull /* pid and tid of an entry */
static uint64_t own_local[OWN_LOCAL];
static uint64_t own_claim[OWN_LOCAL];

static uint64_t own_word(int pid, int tid, unsigned table)
{
	return (uint64_t)(pid & 0xffffff) << 40 | (uint64_t)table << 32 | (uint32_t)tid;
}

/* The table thread tid of process pid counts in alone, or -1. */
static int own_table(int pid, int tid)
{
	unsigned x = (unsigned)tid % OWN_LOCAL;
	uint64_t w = __atomic_load_n(&own_local[x], __ATOMIC_RELAXED);
	if (w && (w & OWN_MATCH) == own_word(pid, tid, 0))
		return (int)(w >> 32 & 0xff) - 1;
	/* The first call, or another thread took the entry (then the table
	 * claimed before stays unused). */
	struct zp_trace_ctl *ctl = g.out.ctl;
	int table = -1;
	uint64_t id = 0;
	for (int i = 0; i < ZP_TRACE_COUNT_OWN && table < 0; i++) {
		uint64_t free = 0;
		if (__atomic_load_n(&ctl->count_owner[i], __ATOMIC_RELAXED))
			continue;
		if (!id)
			id = __atomic_add_fetch(&ctl->count_claims, 1, __ATOMIC_RELAXED);
		if (__atomic_compare_exchange_n(&ctl->count_owner[i], &free, id, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			table = i;
	}
	__atomic_store_n(&own_claim[x], id, __ATOMIC_RELAXED);
	__atomic_store_n(&own_local[x], own_word(pid, tid, (unsigned)(table + 1)), __ATOMIC_RELEASE);
	return table;
}

/* Thread tid of process pid gives its table back: it counts no more. */
static void own_release(int pid, int tid)
{
	if (!g.o.count)
		return;
	unsigned x = (unsigned)tid % OWN_LOCAL;
	uint64_t w = __atomic_load_n(&own_local[x], __ATOMIC_ACQUIRE);
	if ((w & OWN_MATCH) != own_word(pid, tid, 0))
		return;
	int table = (int)(w >> 32 & 0xff) - 1;
	uint64_t id = __atomic_load_n(&own_claim[x], __ATOMIC_RELAXED);
	__atomic_compare_exchange_n(&own_local[x], &w, 0, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	/* Another thread's claim (it took the entry meanwhile) matches no
	 * table of ours: the exchange then fails. */
	if (table >= 0 && id)
		__atomic_compare_exchange_n(&g.out.ctl->count_owner[table], &id, 0, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* One instruction: a signal's handler that counts on this thread comes
 * before or after it, never between its read and its write. */
static inline void own_add(uint64_t *p, uint64_t v)
{
	__asm__ volatile("addq %1, %0" : "+m"(*p) : "er"(v));
}

static void count(int pid, int tid, long nr, long ret, uint64_t ns)
{
	if (!g.o.count || !nr_shown(nr))
		return;
	int table = own_table(pid, tid);
	if (table >= 0) {
		long k = nr >= 0 && nr < ZP_TRACE_COUNT_SLOTS - 1 ? nr : ZP_TRACE_COUNT_SLOTS - 1;
		struct zp_trace_count *c = &g.out.ctl->counts[ZP_TRACE_COUNT_SHARDS + table][k];
		own_add(&c->calls, 1);
		if (is_error(ret))
			own_add(&c->errors, 1);
		if (ns)
			own_add(&c->ns, ns);
		return;
	}
	struct zp_trace_count *c = zp_trace_counter(g.out.ctl, tid, nr);
	__atomic_fetch_add(&c->calls, 1, __ATOMIC_RELAXED);
	if (is_error(ret))
		__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
	if (ns)
		__atomic_fetch_add(&c->ns, ns, __ATOMIC_RELAXED);
}

static bool is_clone(long nr)
{
	return nr == SYS_clone || nr == SYS_clone3 || nr == SYS_fork || nr == SYS_vfork;
}

/* Does this call send a signal to the calling process itself?  Then it
 * may never return (abort(), raise()): its line is started before. */
static bool signals_self(const struct zpoline_call *c)
{
	switch (c->nr) {
	case SYS_kill:
		return c->args[1] && (c->args[0] == c->pid || c->args[0] == 0 || c->args[0] == -1);
	case SYS_tkill:
		return c->args[1] && c->args[0] == c->tid;
	case SYS_tgkill:
		return c->args[2] && c->args[0] == c->pid;
	default:
		return false;
	}
}

/* Calls that may give their socket (a[0]) an address: -yy shows it as it
 * was before (strace prints the arguments at entry). */
static bool fd_bound_by(long nr)
{
	return nr == SYS_bind || nr == SYS_connect || nr == SYS_sendto || nr == SYS_sendmsg ||
	       nr == SYS_sendmmsg;
}

static bool needs_slot(long nr)
{
	switch (nr) {
	case SYS_kill:
	case SYS_tkill:
	case SYS_tgkill:
	case SYS_rt_sigaction:   /* the runtime rewrites their arguments */
	case SYS_rt_sigprocmask:
	case SYS_rt_sigsuspend:  /* ... and the masks these take for the call */
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
	case SYS_execve:
	case SYS_execveat:
	case SYS_clone:
	case SYS_clone3:
	case SYS_fork:
	case SYS_vfork:
	case SYS_accept: /* in/out arguments: snapshots */
	case SYS_accept4:
	case SYS_getsockname:
	case SYS_getpeername:
	case SYS_recvfrom:
	case SYS_getsockopt:
	case SYS_recvmsg:
	case SYS_sendfile:
	case SYS_copy_file_range:
	case SYS_splice:
	case SYS_ppoll:
	case SYS_nanosleep:
	case SYS_clock_nanosleep:
	case SYS_select:
	case SYS_pselect6:
	case SYS_name_to_handle_at:
	case SYS_capget:
		return true;
	case SYS_close: /* -y, -P: the path, before the call closes it */
	case SYS_dup2:
	case SYS_dup3:
		return g.dcfg.decode_fds || g.dcfg.ntpaths;
	default: /* -yy: a socket's ends before the call binds it */
		return g.dcfg.decode_fds >= 2 && fd_bound_by(nr);
	}
}

/* ---- the end of the session ------------------------------------------------ */

static void finish(void)
{
	/* Under a seccomp filter trimming (ftruncate) may kill us: the
	 * command finishes the file once we are gone (zp_trace_finish). */
	if (g.out.sandboxed)
		return;
	if (!zp_tout_finish_once(&g.out))
		return;
	if (g.o.count)
		line_summary();
	zp_tout_trim(&g.out);
}

/* This process is over (exit_group, or its last traced thread exited). */
static void process_ends(int pid, int tasks)
{
	zp_tout_task_add(&g.out, -tasks);
	if (zp_tout_proc_exit(&g.out, pid))
		finish();
}

void exit_line(int tid, int pid, long status)
{
	if (!g.o.lines)
		return;
	char text[64];
	struct tb b;
	tb_init(&b, text, sizeof text - 1);
	tb_puts(&b, "exited with ");
	tb_dec(&b, status & 0xff);
	text[b.len] = '\0';
	line_event(tid, text, status & 0xff, pid);
}

/* Threads that printed their own exit line (exit) and may still be in
 * /proc/self/task when another thread calls exit_group. */
#define EXITED_SLOTS 64
static int exited_tids[EXITED_SLOTS];
static unsigned exited_next;

static void thread_exited(int tid)
{
	unsigned i = __atomic_fetch_add(&exited_next, 1, __ATOMIC_RELAXED) % EXITED_SLOTS;
	__atomic_store_n(&exited_tids[i], tid, __ATOMIC_RELEASE);
}

static bool printed_exit(int tid)
{
	for (unsigned i = 0; i < EXITED_SLOTS; i++)
		if (__atomic_load_n(&exited_tids[i], __ATOMIC_ACQUIRE) == tid)
			return true;
	return false;
}

/* The other threads of this process (/proc/self/task), but those that
 * printed their own exit line: up to max of them into tids.  Raw. */
int other_threads(int self, int *tids, int max)
{
	/* In a pid namespace under a /proc mounted outside it (unshare -p
	 * without --mount-proc), /proc/self/task holds ids the process does
	 * not see as its own: no use here. */
	/* Under the program's seccomp filter a call of ours may trap, and
	 * here every signal is blocked: its SIGSYS would kill the process
	 * (Firefox's content processes died of SIGSYS, not of their SIGTERM).
	 * The other threads' exit lines are given up instead. */
	if (dec_sandboxed(&g.dcfg))
		return 0;
	char link[24];
	long ln = zp_raw4(SYS_readlinkat, AT_FDCWD, "/proc/self", link, sizeof link - 1);
	if (ln <= 0)
		return 0;
	link[ln] = '\0';
	if (zp_dirent_number(link) != zp_raw0(SYS_getpid))
		return 0;
	long fd = zp_raw4(SYS_openat, AT_FDCWD, "/proc/self/task",
			  O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int k = 0;
	char buf[2048] __attribute__((aligned(8)));
	for (;;) {
		long n = zp_raw3(SYS_getdents64, fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			unsigned short reclen;
			zp_memcpy(&reclen, buf + off + 16, sizeof reclen);
			long tid = zp_dirent_number(buf + off + 19);
			if (tid > 0 && tid != self && !printed_exit((int)tid) && k < max)
				tids[k++] = (int)tid;
			if (!reclen)
				break;
			off += reclen;
		}
	}
	zp_raw1(SYS_close, fd);
	return k;
}

/* exit_group ends every thread of the process: like strace, print each
 * other thread's "+++ exited with N +++" (they run no more code to say
 * it themselves). */
static void other_threads_exit(int pid, int self, long status)
{
	if (!g.o.follow || !g.o.lines)
		return;
	int tids[256];
	int n = other_threads(self, tids, 256);
	for (int i = 0; i < n; i++) {
		pending_report(tids[i], pid, true);
		line_thread_ended(tids[i]);
		exit_line(tids[i], pid, status);
	}
}

static void on_exit_group(struct zpoline_call *c)
{
	long status = c->args[0];
	if (g.o.lines && nr_shown(c->nr))
		line_call(c->pid, c->tid, c->nr, c->args, 0, LR_NORET, NULL, 0, call_ip(c));
	/* not counted: strace -c counts calls as they return */
	own_release(c->pid, c->tid);
	/* A vfork child runs on its parent's statics: it is one task.  The
	 * pid the runtime gives the call, not getpid(): under strict seccomp
	 * (SECCOMP_MODE_STRICT) that call kills. */
	bool own = c->pid == g.self_pid;
	if (own && __atomic_load_n(&g.threads, __ATOMIC_RELAXED) > 1) {
		__atomic_store_n(&g.group_exit_tid, c->tid, __ATOMIC_RELEASE);
		other_threads_exit(c->pid, c->tid, status);
	}
	if (own && g.o.follow && g.o.lines) {
		zp_tout_threads_take(&g.out, c->pid, NULL, 0);
		pending_forget(c->pid);
	}
	exit_line(c->tid, c->pid, status);
	process_ends(c->pid, own ? __atomic_load_n(&g.threads, __ATOMIC_RELAXED) : 1);
}

static void on_exit_thread(struct zpoline_call *c)
{
	if (g.o.lines && nr_shown(c->nr))
		line_call(c->pid, c->tid, c->nr, c->args, 0, LR_NORET, NULL, 0, call_ip(c));
	exit_line(c->tid, c->pid, c->args[0]);
	thread_exited(c->tid);
	own_release(c->pid, c->tid);
	if (c->tid != c->pid && g.o.follow && g.o.lines)
		zp_tout_thread_end(&g.out, c->tid, c->pid);
	if (c->pid != g.self_pid) { /* as on_exit_group: no getpid() */
		process_ends(c->pid, 1);
		return;
	}
	if (__atomic_sub_fetch(&g.threads, 1, __ATOMIC_ACQ_REL) <= 0)
		process_ends(c->pid, 1);
	else
		zp_tout_task_add(&g.out, -1);
}

/* Signals whose default action ends the process (all but SIGCHLD, SIGCONT,
 * SIGURG, SIGWINCH and the stop signals). */
static bool kills_by_default(long sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGURG:
	case SIGWINCH:
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return false;
	default:
		return sig >= 1 && sig <= 64;
	}
}

/* Will the kernel dump core for sig (the "(core dumped)" strace adds to
 * each thread's line)?  As do_coredump() decides: a signal whose default
 * action dumps, a dumpable process, and a core_pattern that is a pipe (any
 * RLIMIT_CORE but 1) or a file (RLIMIT_CORE of a page at least).  Whether
 * the file can be written is not known here: that it can is assumed. */
static bool dumps_core(long sig)
{
	switch (sig) {
	case SIGQUIT:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGSEGV:
	case SIGXCPU:
	case SIGXFSZ:
	case SIGSYS:
		break;
	default:
		return false;
	}
	if (zp_raw2(SYS_prctl, PR_GET_DUMPABLE, 0) != 1)
		return false;
	struct {
		unsigned long cur, max;
	} lim;
	if (zp_raw4(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &lim) != 0)
		return false;
	char pat[2] = "";
	long fd = zp_raw4(SYS_openat, AT_FDCWD, "/proc/sys/kernel/core_pattern", O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		if (zp_raw3(SYS_read, fd, pat, 1) != 1)
			pat[0] = '\0';
		zp_raw1(SYS_close, fd);
	}
	if (pat[0] == '|')
		return lim.cur != 1;
	return lim.cur >= 4096;
}

/* A thread sending its own process a signal that kills it (abort() is
 * tgkill to itself of SIGABRT): every thread ends without running another
 * line of code, and the reaping parent prints only the process's line
 * ("+++ killed by SIGABRT +++" for the pid).  strace prints the delivery
 * and that line for each thread; print them now (with -f, the others' but
 * the leader's too).
 * Certain only when this thread is the target and does not block it, and
 * the action is the default (the runtime's own signals never look so: their
 * real handler is the runtime's).  Found with CPython's faulthandler and
 * threading tests (abort() in a thread of a child process). */
static void threads_killed(int pid, int tid, long sig);
static bool plain_root(int pid);
static void root_killed(int pid, long sig);

/* Does c send its own process a signal that ends it (default action, not
 * blocked, this thread a target)?  Then *sig and *code are set. */
static bool self_fatal(const struct zpoline_call *c, long *sigp, int *codep)
{
	long sig;
	int code = -6; /* SI_TKILL */
	switch (c->nr) {
	case SYS_kill:
		if (c->args[0] != c->pid && c->args[0] != 0)
			return false;
		sig = c->args[1];
		code = 0; /* SI_USER */
		break;
	case SYS_tkill:
		if (c->args[0] != c->tid)
			return false;
		sig = c->args[1];
		break;
	default: /* tgkill */
		if (c->args[0] != c->pid || c->args[1] != c->tid)
			return false;
		sig = c->args[2];
		break;
	}
	/* The init of a pid namespace (the first process of `unshare -fp`,
	 * of a container) is immune to signals it sends itself whose action
	 * is the default: the kernel drops them. */
	if (!kills_by_default(sig) || c->pid == 1)
		return false;
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} act;
	uint64_t blocked = 0, none = 0;
	if (zp_raw4(SYS_rt_sigaction, sig, 0, &act, 8) != 0 || act.handler != SIG_DFL ||
	    zp_raw4(SYS_rt_sigprocmask, SIG_BLOCK, &none, &blocked, 8) != 0 ||
	    (sig != SIGKILL && (blocked & (1ull << (sig - 1)))))
		return false;
	*sigp = sig;
	*codep = code;
	return true;
}

/* After the call's line: the delivery, as strace shows it (SIGKILL is
 * never delivered: the kernel ends the process), and with -f the
 * threads' ends. */
static void self_killed(const struct zpoline_call *c, long sig, int code)
{
	if (g.o.lines && sig != SIGKILL && (g.o.signals >> (sig - 1) & 1)) {
		siginfo_t si;
		zp_memset(&si, 0, sizeof si);
		si.si_signo = (int)sig;
		si.si_code = code;
		si.si_pid = c->pid;
		si.si_uid = (uid_t)zp_raw0(SYS_getuid);
		line_signal(c->pid, c->tid, &si, c->nr, call_ip(c));
	}
	if (g.o.follow && g.o.lines)
		threads_killed(c->pid, c->tid, sig);
	root_killed(c->pid, sig);
}

/* "killed by SIG" as strace ends a task's lines, into text[96]. */
static void killed_text(char *text, long sig)
{
	struct tb b;
	tb_init(&b, text, 95);
	tb_puts(&b, "killed by ");
	p_signame(&b, (int)sig);
	if (dumps_core(sig))
		tb_puts(&b, " (core dumped)");
	text[b.len] = '\0';
}

/* The process of c's thread is about to die of sig: each thread's
 * "+++ killed by +++" line but the leader's, which its reaper prints. */
static void threads_killed(int pid, int tid, long sig)
{
	char text[96];
	killed_text(text, sig);
	if (tid != pid) {
		line_event(tid, text, sig, pid);
		thread_exited(tid);
	}
	int tids[256];
	int n = other_threads(tid, tids, 256);
	for (int i = 0; i < n; i++) {
		if (tids[i] == pid)
			continue; /* its lines are its reaper's */
		pending_report(tids[i], pid, true);
		line_event(tids[i], text, sig, pid);
		thread_exited(tids[i]);
	}
	/* their lines are printed: the reaping parent prints the leader's only */
	zp_tout_threads_take(&g.out, pid, NULL, 0);
}

/* The root of a plain LD_PRELOAD session is about to die of sig.  Its
 * reaper is not traced and no command follows it: the leader's killed
 * line and the session's end (summary, trim of -o's mapping) are its
 * own to do, now.  Under the command the command does both. */
static bool plain_root(int pid)
{
	return g.out.ctl->plain && pid == g.root;
}

static void root_killed(int pid, long sig)
{
	static int said;
	if (!plain_root(pid) || __atomic_exchange_n(&said, 1, __ATOMIC_ACQ_REL))
		return;
	if (g.o.lines) {
		char text[96];
		killed_text(text, sig);
		line_event(pid, text, sig, pid);
	}
	process_ends(pid, __atomic_load_n(&g.threads, __ATOMIC_RELAXED));
}

/* clone/fork/vfork before the call: count the task to be so that its
 * first line already has the right prefix and an early exit balances. */
static void clone_pre(struct zpoline_call *c, struct slot *s)
{
	unsigned long flags = 0;
	if (c->nr == SYS_clone) {
		flags = (unsigned long)c->args[0];
	} else if (c->nr == SYS_clone3) {
		struct clone_args ca;
		struct dctx d;
		struct tb dummy;
		char x[1];
		tb_init(&dummy, x, 0);
		dinit(&d, &dummy, &g.dcfg, c->nr, c->args, c->pid);
		if (!um_get(&d, &ca, (unsigned long)c->args[0], sizeof ca.flags, false))
			return;
		flags = ca.flags;
	} else if (c->nr == SYS_vfork) {
		flags = CLONE_VM | CLONE_VFORK;
	}
	if (!g.o.follow || !s)
		return;
	bool thread = flags & CLONE_THREAD;
	s->kind = thread ? SK_NEW_THREAD : SK_NEW_PROCESS;
	s->vm_child = !thread && (flags & CLONE_VM);
	s->vm_vfork = flags & CLONE_VFORK;
	if (s->vm_child)
		zp_tout_vm_child(&g.out, s->vm_vfork, 1);
	zp_tout_task_add(&g.out, 1);
	if (thread)
		__atomic_add_fetch(&g.threads, 1, __ATOMIC_ACQ_REL);
	else
		zp_tout_proc_add(&g.out, 1);
}

static void clone_post_parent(struct zpoline_call *c, struct slot *s)
{
	if (!s || s->kind == SK_PLAIN)
		return;
	bool thread = s->kind == SK_NEW_THREAD;
	if (s->vm_child && (c->ret < 0 || s->vm_vfork))
		zp_tout_vm_child(&g.out, s->vm_vfork, -1);
	if (c->ret < 0) {
		zp_tout_task_add(&g.out, -1);
		if (thread)
			__atomic_sub_fetch(&g.threads, 1, __ATOMIC_ACQ_REL);
		else
			zp_tout_proc_add(&g.out, -1);
		return;
	}
	if (thread && g.o.lines)
		zp_tout_thread_begin(&g.out, (int)c->ret, c->pid);
	if (!thread) {
		zp_tout_proc_started(&g.out, (int)c->ret);
		/* A vfork child that built an environment in our memory is done
		 * with it now. */
		exec_release_for((int)c->ret);
		zp_tout_vfork_done(&g.out, (int)c->ret);
	}
}

/* Calls whose line was printed when a signal came (strace shows a
 * call's end, or its "= ? ERESTARTSYS", before the signal it let in):
 * printed once however many signals come there, and an ended one's post()
 * prints nothing more (a restarted one's prints its new end).  Keyed by
 * thread and by the call's record, which stays put until post();
 * g.intr_count says whether post() need look.  A thread may have several (a
 * signal in a handler's call while the call the handler interrupted
 * waits); one whose record a new call's pre() gets is stale (its handler
 * jumped out of it) and is dropped there. */
#define INTR_SLOTS 64
static struct {
	int tid;
	bool again; /* cut short, made again: post() prints its new end */
	const struct zpoline_call *call;
} intr_shown[INTR_SLOTS];

/* In a forked child only the calling thread is left: the others' calls
 * will never reach a post() here. */
static void intr_forked(void)
{
	for (int i = 0; i < INTR_SLOTS; i++) {
		intr_shown[i].call = NULL;
		intr_shown[i].tid = 0;
	}
	g.intr_count = 0;
}

static int intr_find(int tid, const struct zpoline_call *call)
{
	for (int i = 0; i < INTR_SLOTS; i++)
		if (__atomic_load_n(&intr_shown[i].tid, __ATOMIC_ACQUIRE) == tid &&
		    __atomic_load_n(&intr_shown[i].call, __ATOMIC_ACQUIRE) == call)
			return i;
	return -1;
}

static void intr_remember(int tid, const struct zpoline_call *call, bool again)
{
	for (int i = 0; i < INTR_SLOTS; i++) {
		int free_tid = 0;
		if (__atomic_compare_exchange_n(&intr_shown[i].tid, &free_tid, tid, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			intr_shown[i].again = again;
			__atomic_store_n(&intr_shown[i].call, call, __ATOMIC_RELEASE);
			__atomic_fetch_add(&g.intr_count, 1, __ATOMIC_RELAXED);
			return;
		}
	}
}

/* Drops the call's entry; true if its line is printed already and post()
 * must not print another. */
static bool intr_forget(int tid, const struct zpoline_call *call)
{
	int i = intr_find(tid, call);
	if (i < 0)
		return false;
	bool ended = !intr_shown[i].again;
	__atomic_store_n(&intr_shown[i].call, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&intr_shown[i].tid, 0, __ATOMIC_RELEASE);
	__atomic_fetch_sub(&g.intr_count, 1, __ATOMIC_RELAXED);
	return ended;
}

/* In a forked child, which runs post() with its parent's record. */
static void clone_post_child(struct zpoline_call *c)
{
	g.self_pid = (int)zp_raw0(SYS_getpid);
	zp_tout_forked(&g.out);
	__atomic_store_n(&g.threads, 1, __ATOMIC_RELAXED);
	slots_forked(c->cookie);
	intr_forked();
	/* threads left in the table by an earlier process with this pid */
	if (g.o.follow && g.o.lines) {
		zp_tout_threads_take(&g.out, g.self_pid, NULL, 0);
		pending_forget(g.self_pid);
	}
	if (!g.o.follow) {
		/* Not traced: let go of the session, so that this child does not
		 * keep the output (and its lock) for as long as it lives. */
		g.active = false;
		zp_tout_detach(&g.out);
	}
}

static void reaped(struct zpoline_call *c, const long *args, const struct slot *s)
{
	int pid;
	int status = 0;
	bool have = false;
	if (c->nr == SYS_wait4) {
		pid = (int)c->ret;
		/* the kernel just wrote it, to the program's or to our slot */
		const int *sp = s && s->wsub ? &s->wstatus : (const int *)args[1];
		if (sp) {
			status = *sp;
			have = true;
		}
		/* WUNTRACED/WCONTINUED report a stop (low byte 0x7f) or a
		 * continue (0xffff): the child lives on, it is not reaped. */
		if (have && (status & 0xff) == 0x7f)
			return;
		if (have && status == 0xffff)
			return;
	} else { /* waitid: returns 0, the child is in the siginfo */
		const siginfo_t *si = s && s->wsub ? (const siginfo_t *)s->winfo
						   : (const siginfo_t *)args[2];
		if (!si || (args[3] & WNOWAIT))
			return;
		pid = si->si_pid;
		if (pid <= 0) /* WNOHANG and nothing yet */
			return;
		if (si->si_code == CLD_EXITED)
			status = (si->si_status & 0xff) << 8;
		else if (si->si_code == CLD_KILLED || si->si_code == CLD_DUMPED)
			status = (si->si_status & 0x7f) | (si->si_code == CLD_DUMPED ? 0x80 : 0);
		else
			return; /* stopped or continued: not reaped */
		have = true;
	}
	bool signaled = have && (status & 0x7f) != 0 && (status & 0x7f) != 0x7f;
	int r = zp_tout_proc_reaped(&g.out, pid, signaled);
	/* The threads of a process a signal killed end with it, and run no
	 * more code to say so: strace prints "+++ killed by SIG +++" for each
	 * (before the process's own), and so do we, from the table. */
	int tids[256];
	int nt = g.o.lines ? zp_tout_threads_take(&g.out, pid, tids, 256) : 0;
	if (r == 0)
		return;
	if (signaled)
		exec_lost(pid);
	zp_tout_task_add(&g.out, -1);
	if (r == 3 && !signaled) {
		if (have)
			exit_line(pid, pid, (status >> 8) & 0xff);
		return;
	}
	if (g.o.lines) {
		char text[96];
		struct tb b;
		tb_init(&b, text, sizeof text - 1);
		tb_puts(&b, "killed by ");
		p_signame(&b, status & 0x7f);
		if (status & 0x80)
			tb_puts(&b, " (core dumped)");
		text[b.len] = '\0';
		for (int i = 0; i < nt; i++) {
			pending_report(tids[i], pid, false);
			line_event(tids[i], text, status & 0x7f, pid);
		}
		zp_tout_task_add(&g.out, -nt);
		pending_report(pid, pid, false);
		line_event(pid, text, status & 0x7f, pid);
		pending_forget(pid);
	}
	if (r == 2)
		finish();
}

/* ---- the hook --------------------------------------------------------------- */

/* The output's descriptors (traceout.c owns them), out of the program's way. */
static bool owns_fd(long fd)
{
	return zp_tout_owns(&g.out, fd);
}

static void evict_fd(long fd)
{
	zp_tout_evict(&g.out, fd);
}

static const struct zp_fdguard own_fds = {owns_fd, evict_fd};

/* Numbers whose calls pre() and post() only print and count: no slot, no
 * descriptor of ours to guard, no process or session event, no fault to
 * inject, nothing to keep for a thread that dies in it (plain_build(), at
 * init).  Most calls of a busy program are such (read/write on files,
 * lseek, stat): they skip the tests of every special case, ~150
 * instructions a call. */
enum { PLAIN_NO, PLAIN, PLAIN_UNLESS_OURS };
/* PLAIN_UNLESS_OURS: plain unless its first argument is a descriptor of
 * ours (fstat, newfstatat, statx, dup, fcntl: zp_fd_guard looks at no
 * other). */
static unsigned char plain[ZPOLINE_NR_FAST];

/* A plain call, with no signal's line to look for (intr_count) and in a
 * traced task?  Then pre() and post() take their short ways. */
static inline bool plain_call(const struct zpoline_call *c)
{
	if ((unsigned long)c->nr >= ZPOLINE_NR_FAST)
		return false;
	unsigned k = plain[c->nr];
	return k && (k == PLAIN || !zp_tout_owns(&g.out, c->args[0])) && g.active &&
	       !__atomic_load_n(&g.intr_count, __ATOMIC_RELAXED) && task_traced(c);
}

/* Every call but the plain ones (pre()). */
static __attribute__((noinline)) int pre_special(struct zpoline_call *c)
{
	if (!g.active)
		return ZPOLINE_CONTINUE;
	long nr = c->nr;
	if (zp_fd_guarded(nr)) {
		if (zp_fd_guard(&own_fds, c) == ZPOLINE_SKIP) {
			if (task_traced(c)) {
				if (g.o.lines && nr_shown(nr))
					line_call(c->pid, c->tid, nr, c->args, c->ret, LR_RESULT, NULL, 0,
						  call_ip(c));
				count(c->pid, c->tid, nr, c->ret, 0);
			}
			return ZPOLINE_SKIP;
		}
	}
	if (!task_traced(c))
		return ZPOLINE_CONTINUE;
	if (__atomic_load_n(&g.intr_count, __ATOMIC_RELAXED))
		intr_forget(c->tid, c); /* a stale one: this record is a new call's */

	bool shown = g.o.lines && nr_shown(nr);
	if (g.o.inject.n) {
		long r;
		if (zp_inject_check(&g.o.inject, nr, c->args, &r) >= 0) {
			c->ret = r;
			if (shown) {
				struct slot now = {.t0_real = g.need_real ? th_now(CLOCK_REALTIME) : 0};
				line_call(c->pid, c->tid, nr, c->args, r, LR_INJECTED, &now, 0, call_ip(c));
			}
			count(c->pid, c->tid, nr, r, 0);
			return ZPOLINE_SKIP;
		}
	}

	/* A seccomp filter may kill us for the calls the tracer adds: make
	 * room for the lines, open -ff's file and look up the ids lines show
	 * before it is in place (-e may have left out every line so far). */
	if ((nr == SYS_prctl && c->args[0] == PR_SET_SECCOMP) ||
	    (nr == SYS_seccomp && (c->args[0] == SECCOMP_SET_MODE_STRICT ||
				   c->args[0] == SECCOMP_SET_MODE_FILTER))) {
		zp_tout_sandbox(&g.out, c->tid);
		(void)shown_id(c->tid);
		__atomic_store_n(&g.dcfg.sandboxed, true, __ATOMIC_RELAXED);
	}

	switch (nr) {
	case SYS_exit_group:
		on_exit_group(c);
		return ZPOLINE_CONTINUE;
	case SYS_exit:
		on_exit_thread(c);
		return ZPOLINE_CONTINUE;
	case SYS_rt_sigreturn: {
		/* It never returns: its result, as strace shows it, is the rax
		 * the frame holds (a restarted call's number, or -EINTR). */
		long a[6] = {(long)c->sp, 0, 0, 0, 0, 0}, rax = 0;
		unsigned long at = c->sp + offsetof(ucontext_t, uc_mcontext.gregs[REG_RAX]);
		bool known = c->sp && zp_peek(c->pid, &rax, at, sizeof rax) == sizeof rax;
		/* The mask it restores as the program sees it: the frame's, which
		 * never holds the runtime's own signals unless the handler wrote
		 * them there, and the blocks of those the program has (dproc.c
		 * adds a[1]).  A shell's `wait` showed them unblocked. */
		unsigned long fmask = 0, fat = c->sp + offsetof(ucontext_t, uc_sigmask);
		if (known && g.sigreturn_blocked_own &&
		    zp_peek(c->pid, &fmask, fat, sizeof fmask) == sizeof fmask &&
		    !(fmask & ZPOLINE_OWN_SIGNALS))
			a[1] = (long)(g.sigreturn_blocked_own() & ZPOLINE_OWN_SIGNALS);
		if (shown)
			line_call(c->pid, c->tid, nr, known ? a : c->args, rax,
				  known ? LR_RESULT : LR_NORET, NULL, 0, call_ip(c));
		count(c->pid, c->tid, nr, rax, 0);
		return ZPOLINE_CONTINUE;
	}
	default:
		break;
	}

	unsigned long ck = 0;
	bool waits = g.o.follow && (nr == SYS_wait4 || nr == SYS_waitid);
	bool pend = shown && pending_wanted(c);
	/* -Y: a prctl(PR_SET_NAME)'s line shows the name before it, a wait4's
	 * the child's before it is reaped */
	bool renames = g.dcfg.decode_pids && shown && nr == SYS_prctl && c->args[0] == PR_SET_NAME;
	bool names = renames || (g.dcfg.decode_pids && shown && nr == SYS_wait4);
	if (g.need_real || (g.need_mono && g.o.lines) || needs_slot(nr) || waits || pend || names)
		ck = slot_claim();
	else if (g.need_mono)
		ck = TIME_COOKIE | th_tick();
	struct slot *s = slot_get(ck);
	if (s) {
		for (int i = 0; i < 6; i++)
			s->args[i] = c->args[i];
		s->kind = SK_PLAIN;
		s->comm[0] = '\0';
		if (renames && (dec_sandboxed(&g.dcfg) || zp_raw2(SYS_prctl, PR_GET_NAME, s->comm) != 0))
			s->comm[0] = '\0';
		s->wsub = false;
		/* A child reaped without its status (Chromium's zygote does
		 * wait4(pid, NULL, ...)) may have been killed: it is counted out
		 * of the session only if we see how it ended. */
		int wa = nr == SYS_wait4 ? 1 : 2;
		if (waits && !c->args[wa]) {
			c->args[wa] = nr == SYS_wait4 ? (long)&s->wstatus : (long)s->winfo;
			s->wsub = true;
		}
		s->env_buf = -1;
		s->pending = -1;
		s->t0_real = g.need_real ? th_now(CLOCK_REALTIME) : 0;
		s->t0_mono = g.need_mono ? th_tick() : 0;
		s->snaplen = shown ? zp_decode_snapshot(nr, c->args, c->pid, s->snap, sizeof s->snap) : 0;
		/* -Y: the child a wait4 names may be reaped by its end (strace
		 * names it at entry) */
		if (shown && g.dcfg.decode_pids && nr == SYS_wait4 && (int)c->args[0] > 0)
			s->snaplen = (unsigned)zp_pid_comm(&g.dcfg, (int)c->args[0], (char *)s->snap, 17);
		if (shown && (g.dcfg.decode_fds || g.dcfg.ntpaths) &&
		    (nr == SYS_close || nr == SYS_dup2 || nr == SYS_dup3 ||
		     (g.dcfg.decode_fds >= 2 && fd_bound_by(nr)))) {
			/* -y, -P: the path of the descriptor the call closes;
			 * -yy: a socket's ends before the call binds it */
			long fd = c->args[nr == SYS_dup2 || nr == SYS_dup3 ? 1 : 0];
			s->snaplen = zp_tout_owns(&g.out, (int)fd) ? 0 :
				zp_fd_snapshot(&g.dcfg, fd, s->snap, sizeof s->snap);
		}
		/* last: published, it is a reporter's to print if we die */
		if (pend)
			pending_begin(c, s);
	}
	if (is_clone(nr))
		clone_pre(c, s);
	else if (nr == SYS_execve || nr == SYS_execveat) {
		own_release(c->pid, c->tid);
		exec_pre(c, s);
	}
	else if (signals_self(c)) {
		long sig;
		int code;
		bool fatal = (g.o.lines || plain_root(c->pid)) && self_fatal(c, &sig, &code);
		if (fatal && s && shown && !g.o.status) {
			/* It returns 0 and the process ends right after, before
			 * post(): the whole line now, as strace prints it.
			 * SIGKILL ends it inside the call, before the call's
			 * exit stop: strace prints "= ?" for it. */
			s->kind = SK_PRINTED;
			line_call(c->pid, c->tid, nr, c->args, 0, sig == SIGKILL ? LR_NORET : LR_RESULT, s,
				  g.need_mono ? th_tick() : 0, call_ip(c));
		}
		/* A handler's signal: the whole line comes from post(), which
		 * the runtime runs before the signal is delivered, or, where it
		 * cannot (a debugger, strace, a signal to a process of several
		 * threads), from the delivery's interrupted_line(), ahead of the
		 * signal's line: strace's order either way. */
		if (fatal)
			self_killed(c, sig, code);
	}
	c->cookie = ck;
	return ZPOLINE_CONTINUE;
}

/* Plain calls here, the rest out of line: this way saves and restores
 * none of the registers the special cases need. */
static int pre(struct zpoline_call *c, void *ctx)
{
	(void)ctx;
	if (!plain_call(c))
		return pre_special(c);
	c->cookie = g.need_mono ? TIME_COOKIE | th_tick() : 0;
	return ZPOLINE_CONTINUE;
}

/* How the kernel ended a call a handler's signal cut short, as its
 * -ERESTART* code (strace prints it before the signal), or -EINTR for the
 * calls that fail with it directly; rax is what the frame holds for after
 * the handler.  Found against strace on Linux 6 (tests/trace/tp-intr.c). */
static long intr_code(const struct zpoline_call *c, long rax, bool again)
{
	if (again)
		return rax == SYS_restart_syscall ? -ZP_ERESTART_RESTARTBLOCK
		       : is_clone(c->nr)	   ? -ZP_ERESTARTNOINTR
						   : -ZP_ERESTARTSYS;
	switch (c->nr) {
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
	case SYS_rt_sigtimedwait:
		return -EINTR;
	case SYS_clock_nanosleep:
		/* an absolute sleep needs no restart block: the kernel says
		 * ERESTARTNOHAND (and writes no time left) */
		if (c->args[1] & TIMER_ABSTIME)
			return -ZP_ERESTARTNOHAND;
		return -ZP_ERESTART_RESTARTBLOCK;
	case SYS_nanosleep:
	case SYS_poll:
		return -ZP_ERESTART_RESTARTBLOCK;
	case SYS_futex: {
		int op = (int)c->args[1] & 127; /* without FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME */
		bool timed = (op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET) && c->args[3];
		return timed ? -ZP_ERESTART_RESTARTBLOCK : -ZP_ERESTARTSYS;
	}
	case SYS_pause:
	case SYS_rt_sigsuspend:
	case SYS_select:
	case SYS_pselect6:
	case SYS_ppoll:
		return -ZP_ERESTARTNOHAND;
	default:
		return -ZP_ERESTARTSYS;
	}
}

/* The call the delivered signal came in gets its line now, before the
 * signal's, as strace prints it: cut short (= ? ERESTARTSYS ...), or
 * ended (a sigprocmask that let the signal in).  Cut short by a signal
 * that ends the process, it is counted here (-c): no post() follows. */
/* The argument of the calls that take a signal mask for their duration
 * that the runtime points at a mask of its own (the program's without the
 * runtime's signals: src/runtime/signals.c, zp_tempmask_pre); -1. */
static int temp_mask_arg(long nr)
{
	switch (nr) {
	case SYS_rt_sigsuspend:
		return 0;
	case SYS_ppoll:
		return 3;
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
		return 4;
	case SYS_pselect6:
		return 5;
	default:
		return -1;
	}
}

static void interrupted_line(int pid, int tid, int fatal)
{
	long rax = 0;
	int again = 0;
	const struct zpoline_call *c = g.interrupted_call ? g.interrupted_call(&rax, &again) : NULL;
	if (!c || !task_traced(c) || c->nr < 0 || !nr_shown(c->nr))
		return;
	/* execve and clone print their lines their own ways */
	if (is_clone(c->nr) || c->nr == SYS_execve || c->nr == SYS_execveat)
		return;
	if (fatal && (again || rax == -EINTR))
		count(pid, tid, c->nr, -EINTR, 0);
	if (!g.o.lines)
		return;
	/* The tracer's slot if the cookie is one of its own for this call
	 * (but for the mask the runtime gave the kernel in its place: the
	 * line showed the runtime's mask, not the program's). */
	struct slot *s = slot_get(c->cookie);
	int mask_at = temp_mask_arg(c->nr);
	for (int i = 0; s && i < 6; i++)
		if (s->args[i] != c->args[i] && i != mask_at)
			s = NULL;
	if (s && s->kind != SK_PLAIN)
		return; /* its line was started in pre() */
	if (intr_find(tid, c) >= 0)
		return; /* printed when an earlier signal came */
	/* Ended: its line is this one (a restarted one is in flight again) */
	if (s && !again && !pending_end(c, s))
		return;
	long code = again || rax == -EINTR ? intr_code(c, rax, again) : rax;
	intr_remember(tid, c, again);
	bool restart = code <= -ZP_ERESTARTSYS && code >= -ZP_ERESTART_RESTARTBLOCK;
	line_call(pid, tid, c->nr, s ? s->args : c->args, code, restart ? LR_RESTART : LR_RESULT, s,
		  g.need_mono ? th_tick() : 0, call_ip(c));
	if (s && (!again || fatal))
		pending_done(c, s); /* a fatal one: never made again, nobody else prints it */
}

/* A signal delivered to one of the program's handlers, or (fatal) a fault
 * in the program (or one of the runtime's signals sent to it) about to end
 * the process: strace shows the delivery, and for a fatal one the threads'
 * ends (the leader's comes from its reaper or the command).  Called by the
 * runtime from its signal handler, on its own stack. */
static void signal_seen(const siginfo_t *si, int fatal, void *ctx)
{
	(void)ctx;
	if (!g.active)
		return;
	int pid = (int)zp_raw0(SYS_getpid), tid = (int)zp_raw0(SYS_gettid);
	if (!fatal && !g.o.follow && tid != g.root)
		return; /* a thread not traced (no -f) */
	int sig = si->si_signo;
	/* The call it came at the end of, whole, before it (a fatal one too:
	 * kill of itself, made by the stub, then the default action). */
	interrupted_line(pid, tid, fatal);
	if (g.o.lines && sig >= 1 && sig <= 64 && (g.o.signals >> (sig - 1) & 1))
		line_signal(pid, tid, si, -1, 0);
	if (fatal && g.o.follow && g.o.lines)
		threads_killed(pid, tid, sig);
	if (fatal)
		root_killed(pid, sig);
}

/* A signal the call raised that ends the process once post() returns (a
 * write to a pipe without reader, SIGPIPE at its default action): the
 * runtime held it for us.  strace shows its delivery and every end. */
static __attribute__((noinline)) void dies_after_held(const struct zpoline_call *c)
{
	siginfo_t si;
	int sig = g.held_signal(&si);
	if (!sig)
		return;
	if (g.o.lines && (g.o.signals >> (sig - 1) & 1))
		line_signal(c->pid, c->tid, &si, c->nr, call_ip(c));
	if (g.o.follow && g.o.lines && c->pid != 1)
		threads_killed(c->pid, c->tid, sig);
	if (c->pid != 1)
		root_killed(c->pid, sig);
}

/* The common case (nothing held) without dies_after_held()'s siginfo. */
static inline void dies_after(const struct zpoline_call *c)
{
	if (g.held_signal && g.held_signal(NULL))
		dies_after_held(c);
}

/* setrlimit/prlimit64 succeeded: if it set this process's RLIMIT_FSIZE,
 * the output learns the new soft limit (zp_tout_fsize_set), read from the
 * program's own argument: asking the kernel would be one more call; if it
 * set a finite RLIMIT_AS, the output gives back its window
 * (zp_tout_as_limited). */
static void fsize_follow(const struct zpoline_call *c)
{
	bool pl = c->nr == SYS_prlimit64;
	long pid = pl ? c->args[0] : 0;
	unsigned long res = (unsigned long)c->args[pl ? 1 : 0], addr = (unsigned long)c->args[pl ? 2 : 1];
	if ((res != RLIMIT_FSIZE && res != RLIMIT_AS) || !addr || (pid != 0 && pid != c->pid))
		return;
	struct dctx d;
	struct tb dummy;
	char x[1];
	uint64_t cur;
	tb_init(&dummy, x, 0);
	dinit(&d, &dummy, &g.dcfg, c->nr, c->args, c->pid);
	bool known = um_get(&d, &cur, addr, sizeof cur, false);
	if (res == RLIMIT_FSIZE)
		zp_tout_fsize_set(known ? cur : ~0ull - 1);
	else if (known && cur != (uint64_t)RLIM_INFINITY)
		zp_tout_as_limited(&g.out, __atomic_load_n(&g.threads, __ATOMIC_RELAXED) <= 1);
}

/* Every call but the plain ones (post()). */
static __attribute__((noinline)) void post_special(struct zpoline_call *c)
{
	struct slot *s = slot_get(c->cookie);
	if (!g.active)
		return;
	long nr = c->nr;
	if (is_clone(nr) && c->ret == 0) {
		clone_post_child(c);
		slot_release(c->cookie);
		return;
	}
	if ((nr == SYS_getdents64 || nr == SYS_getdents) && c->ret > 0)
		zp_fd_guard_listing(&own_fds, c);
	if ((nr == SYS_setrlimit || nr == SYS_prlimit64) && c->ret == 0)
		fsize_follow(c); /* before this call's own line */
	if (!task_traced(c)) {
		slot_release(c->cookie);
		return;
	}
	const long *args = s ? s->args : c->args;
	uint64_t t_end = g.need_mono ? th_tick() : 0;
	/* Another thread may have printed it unfinished: this process is
	 * dying (as strace -c, such a call is not counted). */
	bool mine = !s || pending_end(c, s);
	if (is_clone(nr))
		clone_post_parent(c, s);
	else if (nr == SYS_execve || nr == SYS_execveat)
		exec_failed(c, s);
	/* The empty branches print nothing here, each for its own reason. */
	if (!mine)
		; // NOLINT(bugprone-branch-clone): another thread printed it
	else if (s && s->kind == SK_UNFINISHED) {
		if (line_resumed(c->pid, c->tid, nr, args, c->ret, s, t_end, call_ip(c)) && g.dumps)
			dump_io(c->pid, c->tid, nr, args, c->ret);
	} else if (s && s->kind == SK_PRINTED)
		; /* printed in pre(): the process was to end before this */
	else if (__atomic_load_n(&g.intr_count, __ATOMIC_RELAXED) && intr_forget(c->tid, c))
		; /* printed when the signal came */
	else if (g.o.lines && nr_shown(nr) &&
		 line_call(c->pid, c->tid, nr, args, c->ret, LR_RESULT, s, t_end, call_ip(c)) &&
		 g.dumps)
		dump_io(c->pid, c->tid, nr, args, c->ret);
	uint64_t t0 = c->cookie & TIME_COOKIE ? c->cookie & ~TIME_COOKIE : s ? s->t0_mono : 0;
	if (mine)
		count(c->pid, c->tid, nr, c->ret, t0 ? t_end - t0 : 0);
	if (s)
		pending_done(c, s);
	if (((nr == SYS_wait4 && c->ret > 0) || (nr == SYS_waitid && c->ret == 0)) && g.o.follow)
		reaped(c, args, s);
	slot_release(c->cookie);
	dies_after(c);
}

static void post(struct zpoline_call *c, void *ctx)
{
	(void)ctx;
	/* What post_special() does for a plain call, without its tests (a
	 * cookie of a slot means pre() saw it otherwise: it goes there). */
	if ((c->cookie && !(c->cookie & TIME_COOKIE)) || !plain_call(c)) {
		post_special(c);
		return;
	}
	uint64_t t_end = g.need_mono ? th_tick() : 0;
	if (g.o.lines && nr_shown(c->nr) &&
	    line_call(c->pid, c->tid, c->nr, c->args, c->ret, LR_RESULT, NULL, t_end, call_ip(c)) &&
	    g.dumps)
		dump_io(c->pid, c->tid, c->nr, c->args, c->ret);
	uint64_t t0 = c->cookie & ~TIME_COOKIE;
	count(c->pid, c->tid, c->nr, c->ret, t0 ? t_end - t0 : 0);
	dies_after(c);
}

static void fini(void *ctx)
{
	/* Everything happens at exit_group, which comes after the runtime's
	 * destructor has called this (and after stdio's last writes). */
	(void)ctx;
}

/* ---- init ------------------------------------------------------------------------ */

static void select_add(long nr)
{
	zpoline_select_set(g.select, nr);
}

static void build_select(void)
{
	for (long nr = 0; nr < ZPOLINE_NR_FAST; nr++)
		if (zp_set_test(&g.o.trace, nr))
			select_add(nr);
	struct zp_syscall_set inj;
	memset(&inj, 0, sizeof inj);
	zp_inject_union(&g.o.inject, &inj);
	for (long nr = 0; nr < ZPOLINE_NR_FAST; nr++)
		if (zp_set_test(&inj, nr))
			select_add(nr);
	static const long always[] = {SYS_close,  SYS_close_range, SYS_dup2,       SYS_dup3,
				      SYS_execve, SYS_execveat,    SYS_clone,      SYS_clone3,
				      SYS_fork,   SYS_vfork,       SYS_exit,       SYS_exit_group,
				      SYS_wait4,  SYS_waitid,      SYS_rt_sigreturn, SYS_getdents64,
				      SYS_getdents, SYS_fstat, SYS_fcntl, SYS_dup, SYS_newfstatat,
				      SYS_statx,
				      /* RLIMIT_FSIZE bounds our writes (fsize_follow) */
				      SYS_setrlimit, SYS_prlimit64,
				      /* a signal to itself may end the threads (self_fatal) */
				      SYS_kill, SYS_tkill, SYS_tgkill,
				      /* a seccomp filter or strict mode: room and files made
				       * ahead (zp_tout_sandbox) */
				      SYS_prctl, SYS_seccomp};
	for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
		select_add(always[i]);
}

/* plain[] (see there), from the options: what pre() and post() would do
 * for each number beyond printing and counting it. */
static void plain_build(void)
{
	/* every call keeps its entry time in a slot */
	if (g.need_real || (g.need_mono && g.o.lines))
		return;
	struct zp_syscall_set inj;
	memset(&inj, 0, sizeof inj);
	zp_inject_union(&g.o.inject, &inj);
	for (long nr = 0; nr < ZPOLINE_NR_FAST; nr++) {
		switch (nr) {
		case SYS_exit:
		case SYS_exit_group:
		case SYS_rt_sigreturn:
		case SYS_execve:
		case SYS_execveat:
		case SYS_kill:
		case SYS_tkill:
		case SYS_tgkill:
		case SYS_prctl:
		case SYS_seccomp:
		case SYS_wait4:
		case SYS_waitid:
		case SYS_getdents:
		case SYS_getdents64:
		case SYS_setrlimit:
		case SYS_prlimit64:
			continue;
		default:
			break;
		}
		if (needs_slot(nr) || is_clone(nr) || zp_set_test(&inj, nr) ||
		    (g.o.lines && pending_may(nr)))
			continue;
		if (!zp_fd_guarded(nr))
			plain[nr] = PLAIN;
		else if (nr == SYS_fstat || nr == SYS_newfstatat || nr == SYS_statx || nr == SYS_dup ||
			 nr == SYS_fcntl)
			plain[nr] = PLAIN_UNLESS_OURS;
	}
}

/* The program's libc words them (hooklibc.c); kept in a copy, since a
 * message for a number libc does not know lives in a buffer it reuses. */
/* strerror()'s messages into m (the session's copy, or one of this
 * process's own). */
static void errno_messages_fill(struct zp_errmsgs *m)
{
	size_t used = 0;
	unsigned k = 0;
	for (unsigned i = 0; i < zpx_errno_n && k < ZP_TRACE_ERRMSG_MAX; i++) {
		unsigned long e = (unsigned long)zpx_errno[i].val;
		bool seen = false;
		for (unsigned j = 0; j < k && !seen; j++)
			seen = m->num[j] == e;
		if (e == 0 || e >= 4096 || seen)
			continue;
		const char *msg = strerror((int)e);
		size_t n = msg ? strlen(msg) + 1 : 0;
		if (!n || used + n > sizeof m->text)
			continue;
		memcpy(m->text + used, msg, n);
		m->num[k] = (uint16_t)e;
		m->off[k++] = (uint16_t)used;
		used += n;
	}
	m->n = k;
}

/* The messages -o's lines print: the session's copy, made by the first
 * process that needed it; this process's own while another is still
 * making it (or died making it). */
static void errno_messages(void)
{
	static struct zp_errmsgs own;
	struct zp_errmsgs *m = &g.out.ctl->errmsgs;
	uint32_t st = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
	if (st == 0 && __atomic_compare_exchange_n(&m->state, &st, 1, false, __ATOMIC_ACQ_REL,
						   __ATOMIC_ACQUIRE)) {
		errno_messages_fill(m);
		__atomic_store_n(&m->state, 2, __ATOMIC_RELEASE);
		st = 2;
	}
	if (st != 2) {
		m = &own;
		errno_messages_fill(m);
	}
	unsigned n = m->n < ZP_TRACE_ERRMSG_MAX ? m->n : ZP_TRACE_ERRMSG_MAX;
	for (unsigned i = 0; i < n; i++) {
		unsigned e = m->num[i], off = m->off[i];
		/* (the block is every traced process's to write: no trust) */
		size_t end = off;
		while (end < sizeof m->text && m->text[end])
			end++;
		if (e && e < 4096 && end < sizeof m->text)
			zp_errno_msg[e] = m->text + off;
	}
}

/* The program's libc reads the time zone (hooklibc.c has none). */
static long local_offset(void)
{
	struct tm *(*local)(const time_t *, struct tm *) =
		(struct tm * (*)(const time_t *, struct tm *)) zp_hl_program_symbol("localtime_r");
	struct timespec ts;
	if (!local || zp_raw2(SYS_clock_gettime, CLOCK_REALTIME, &ts) != 0)
		return 0;
	time_t now = ts.tv_sec;
	struct tm tm;
	if (!local(&now, &tm))
		return 0;
	return tm.tm_gmtoff;
}

/* A session started without ZPOLINE_TRACE_ROOT (plain LD_PRELOAD use)
 * names its root in the program's own environment, so that descendants it
 * does not trace know they are not roots and leave the output alone.  The
 * program's libc is the base namespace's; at init it is not hooked yet. */
static void export_root(int pid)
{
	int (*set)(const char *, const char *, int) =
		(int (*)(const char *, const char *, int))zp_hl_program_symbol("setenv");
	char v[16];
	snprintf(v, sizeof v, "%d", pid);
	if (set)
		set("ZPOLINE_TRACE_ROOT", v, 0);
}

/* ZPOLINE_TRACE_FDS is ours, put into the environment of each traced
 * execve (exec.c, which replaces any copy the program passes on): once the
 * session is joined, the program must not see it (`env -i env` under the
 * tracer printed it; strace's tracees see nothing of the tracer).  Edited
 * in place: bash's own unsetenv() did nothing before main. */
static void hide_fds_var(void)
{
	zp_hl_env_remove("ZPOLINE_TRACE_FDS");
}

/* A number in the environment, within a day either side of zero. */
static bool env_long(const char *name, long *out)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return false;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || n < -86400 || n > 86400)
		return false;
	*out = n;
	return true;
}

static int env_pid(const char *name, int *out)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return 0;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || n <= 0 || n > 0x7fffffff) {
		zp_hl_say("zpoline trace: %s=%s is not a process id", name, v);
		return -1;
	}
	*out = (int)n;
	return 1;
}

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	zp_hl_init(rt);
	g.rt = rt;
	/* Older runtimes end their struct before it (rt->size says). */
	if (rt->size >= offsetof(struct zpoline_runtime, held_signal) + sizeof rt->held_signal)
		g.held_signal = rt->held_signal;
	if (rt->size >= offsetof(struct zpoline_runtime, interrupted_call) + sizeof rt->interrupted_call)
		g.interrupted_call = rt->interrupted_call;
	if (rt->size >= offsetof(struct zpoline_runtime, sigreturn_blocked_own) +
				sizeof rt->sigreturn_blocked_own)
		g.sigreturn_blocked_own = rt->sigreturn_blocked_own;
	if (rt->size >= offsetof(struct zpoline_runtime, on_signal) + sizeof rt->on_signal)
		rt->on_signal(signal_seen, NULL);
	hook->name = "trace";
	/* Built with -mgeneral-regs-only and gprmem.c: see mk/trace.mk. */
	hook->flags = ZP_SHIPPED_HOOK_FLAGS;
	hook->pre = pre;
	hook->post = post;
	hook->fini = fini;
	hook->select = g.select;

	const char *pre = getenv("LD_PRELOAD");
	if (pre && *pre == '/') {
		size_t n = 0;
		while (pre[n] && pre[n] != ':' && pre[n] != ' ')
			n++;
		if (n < sizeof g.runtime) {
			zp_memcpy(g.runtime, pre, n);
			g.runtime[n] = '\0';
		}
	}
	const char *hv = getenv("LIBZPHOOK");
	size_t hn = hv ? zp_strlen(hv) : 0;
	if (hn < sizeof g.hooks_var)
		zp_memcpy(g.hooks_var, hv ? hv : "", hn + 1);
	const char *sticky = getenv("ZPOLINE_STICKY");
	g.sticky = sticky && sticky[0] == '1' && !sticky[1];
	const char *opts = getenv("ZPOLINE_TRACE_OPTS");
	char err[600];
	if (zp_trace_opts_parse(opts, &g.o, err, sizeof err) < 0) {
		zp_hl_say("zpoline trace: bad ZPOLINE_TRACE_OPTS: %s", err);
		return -EINVAL;
	}
	int root = 0;
	int have_root = env_pid("ZPOLINE_TRACE_ROOT", &root);
	if (have_root < 0)
		return -EINVAL;
	int pid = getpid();
	g.self_pid = pid;
	g.threads = 1;
	g.dcfg.strsize = g.o.strsize;
	g.dcfg.decode_fds = g.o.decode_fds;
	g.dcfg.decode_pids = g.o.decode_pids;
	if (g.o.raw_given) {
		g.dcfg.raw = g.o.raw.bits;
		g.dcfg.raw_bytes = sizeof g.o.raw.bits;
	}
	if (g.o.abbrev_given) {
		g.dcfg.abbrev = g.o.abbrev.bits;
		g.dcfg.abbrev_bytes = sizeof g.o.abbrev.bits;
	}
	for (unsigned i = 0; i < g.o.ntpaths && i < sizeof g.dcfg.tpaths / sizeof g.dcfg.tpaths[0]; i++)
		g.dcfg.tpaths[g.dcfg.ntpaths++] = g.o.tpaths[i];

	/* Start a session only where one may start: not in a process whose
	 * traced ancestor handed one over (ZPOLINE_TRACE_FDS), and only in the
	 * root when the command named it. */
	const char *ctl_path = getenv("ZPOLINE_TRACE_CTL");
	bool handed = getenv("ZPOLINE_TRACE_FDS") != NULL;
	bool may_create = (!handed && (!have_root || pid == root)) ||
			  (g.o.follow && ctl_path && *ctl_path);
	int r = zp_tout_open(&g.out, &g.o, opts ? opts : "", have_root ? root : pid, may_create, err,
			     sizeof err);
	if (r < 0 || (r == 2 && have_root && pid == root)) {
		zp_hl_say("zpoline trace: %s", err);
		return r == 2 ? -EBUSY : -EINVAL;
	}
	if (r > 0) {
		zp_tout_close(&g.out);
		return 0; /* nothing to trace in this process: stay out of the way */
	}
	g.root = g.out.ctl->root;
	if (!have_root && !g.out.joined) {
		g.out.ctl->plain = 1;
		export_root(pid);
	}
	if (g.out.joined)
		hide_fds_var();
	if (!g.o.follow && pid != g.root) {
		zp_tout_close(&g.out);
		return 0;
	}
	if (slots_init() < 0) {
		zp_hl_say("zpoline trace: out of memory");
		return -ENOMEM;
	}
	g.need_real = g.o.tstamp || g.o.json;
	g.need_mono = g.o.durations || g.o.count || g.o.relative;
	g.dumps = g.o.dump_read.any || g.o.dump_write.any;
	tb_hex_strings = g.o.hex;
	/* Only what the output needs: the time zone file and ~130 error
	 * messages cost every traced process ~250 us here otherwise. */
	/* utimensat's dates need it as well: the command works it out once
	 * for every process (ZPOLINE_TRACE_TZ).  A plain LD_PRELOAD session
	 * asks libc only for -t: libc keeps the zone it read, so the
	 * program's own read of /etc/localtime would vanish from the trace;
	 * without it utimensat's times go without their dates. */
	if (env_long("ZPOLINE_TRACE_TZ", &g.tz_offset)) {
		const char *fixed = getenv("ZPOLINE_TRACE_TZ_FIXED");
		g.dcfg.tz_known = fixed && fixed[0] == '1' && !fixed[1];
	} else if (g.o.tstamp == 1 || g.o.tstamp == 2) {
		g.tz_offset = local_offset();
		/* localtime_r has read the zone: libc's daylight says whether
		 * the offset ever changes (then dates would need each their own). */
		const int *dst = (const int *)zp_hl_program_symbol("daylight");
		g.dcfg.tz_known = dst && *dst == 0;
	}
	g.dcfg.tz_offset = g.tz_offset;
	g.gettime = (int (*)(clockid_t, struct timespec *))zp_vdso_sym("__vdso_clock_gettime");
	if (g.o.lines)
		errno_messages();
	build_select();
	plain_build();
	/* A signal from elsewhere that ends a traced process (kill, a
	 * terminal's ^C, timeout) is caught while the action is the default:
	 * the call it cut short and the delivery get strace's lines
	 * (signal_seen), which a process killed running no code never wrote.
	 * Its reaper (a traced parent, the command) prints the killed line; a
	 * plain session's root, which has none, its own and the session's end. */
	if (rt->size >= offsetof(struct zpoline_runtime, catch_fatal_signals) +
				sizeof rt->catch_fatal_signals)
		rt->catch_fatal_signals();
	g.active = true;
	exec_announce();
	return 0;
}
