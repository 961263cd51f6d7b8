/*
 * pidns.c - the ids a trace line shows, as strace shows them.
 *
 * strace, outside, prints each task's id as the tracer's pid namespace
 * numbers it.  A process in a pid namespace of its own (unshare -p, a
 * container's first process) sees small ids of its own: its lines said
 * pid 1 where its parent's clone() had returned 11016.  Where /proc is
 * still the outer one (unshare -p without --mount-proc, as the namespace's
 * first process always starts), /proc/self and /proc/thread-self name the
 * task as the outside does: each process looks once, each thread of a
 * process so nested the first time it prints.  Where /proc is the inner
 * one the ids stay the process's own.  Only what lines show changes: the
 * ids the hooks compare (kill's target, the traced root) stay the
 * program's, and -ff's file names are the process's own ids.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include "raw.h"
#include "trace_hook.h"

#define NS_THREADS 64

static struct {
	int for_pid; /* the process the rest was found for (0: not yet) */
	int outer;   /* its pid outside, 0 if the same or unknown */
	int n;       /* entries claimed in in[] / out[] */
	int in[NS_THREADS], out[NS_THREADS];
} ns;

/* The last number in /proc's link at path ("1234" or "1234/task/1240"). */
static int link_id(const char *path)
{
	/* not under the program's seccomp filter: a trapped call of ours
	 * could kill the process (trace.c, other_threads) */
	if (dec_sandboxed(&g.dcfg))
		return 0;
	char link[48];
	long n = zp_raw4(SYS_readlinkat, AT_FDCWD, path, link, sizeof link - 1);
	if (n <= 0)
		return 0;
	int v = 0;
	for (long i = 0; i < n; i++)
		v = link[i] >= '0' && link[i] <= '9' ? v * 10 + (link[i] - '0') : 0;
	return v;
}

int shown_id(int id)
{
	int self = g.self_pid;
	if (__builtin_expect(__atomic_load_n(&ns.for_pid, __ATOMIC_ACQUIRE) != self, 0)) {
		/* a new process (a forked child starts with one thread) */
		int out = link_id("/proc/self");
		ns.outer = out > 0 && out != self ? out : 0;
		ns.n = 0;
		__atomic_store_n(&ns.for_pid, self, __ATOMIC_RELEASE);
	}
	if (__builtin_expect(!ns.outer, 1) || id <= 0)
		return id;
	if (id == self)
		return ns.outer;
	int n = __atomic_load_n(&ns.n, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n && i < NS_THREADS; i++)
		if (__atomic_load_n(&ns.in[i], __ATOMIC_ACQUIRE) == id)
			return ns.out[i];
	/* Only a thread can ask /proc for itself (another's exit line comes
	 * from the last one: it keeps its own id). */
	if (id != (int)zp_raw0(SYS_gettid))
		return id;
	int out = link_id("/proc/thread-self");
	if (out <= 0)
		return id;
	int i = __atomic_fetch_add(&ns.n, 1, __ATOMIC_ACQ_REL);
	if (i < NS_THREADS) {
		ns.out[i] = out;
		__atomic_store_n(&ns.in[i], id, __ATOMIC_RELEASE);
	}
	return out;
}
