/*
 * pending.c - the tracer's side of src/common/tracepending.h: which calls
 * keep their line's start in the control block while they run, and the
 * unfinished lines of threads that died in one.
 *
 * Only calls that can block keep one: a thread dies in a call it sits in,
 * and writing an entry costs a formatting of the arguments at entry on top
 * of the line at the end (`bench/trace-speed.sh`'s find and threads-io make
 * none of these calls but a few writes; `make -j2` some reads and waits).  A
 * thread killed in any other call, in the few microseconds it runs, has no
 * line for it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/file.h>
#include <linux/futex.h>

#include "trace_hook.h"

#define ALL 6

/* Calls that may wait for something another thread or process does: on a
 * pipe, socket or terminal, a lock, a child, a signal, a timer.  For each,
 * how many arguments strace prints before the call ends (the rest are
 * what it returns); -1 for the others. */
static int entry_args(const struct zpoline_call *c)
{
	switch (c->nr) {
	case SYS_read:
	case SYS_readv:
	case SYS_recvfrom:
	case SYS_recvmsg:
	case SYS_recvmmsg:
	case SYS_accept:
	case SYS_accept4:
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
	case SYS_wait4:
	case SYS_nanosleep:
	case SYS_rt_sigtimedwait:
	case SYS_msgrcv:
	case SYS_mq_timedreceive:
		return 1;
	case SYS_waitid:
		return 2;
	case SYS_clock_nanosleep:
	case SYS_io_getevents:
	case SYS_io_pgetevents:
		return 3;
	case SYS_write:
	case SYS_writev:
	case SYS_sendto:
	case SYS_sendmsg:
	case SYS_sendmmsg:
	case SYS_connect:
	case SYS_poll:
	case SYS_ppoll:
	case SYS_select:
	case SYS_pselect6:
	case SYS_futex_waitv:
	case SYS_pause:
	case SYS_rt_sigsuspend:
	case SYS_msgsnd:
	case SYS_semop:
	case SYS_semtimedop:
	case SYS_mq_timedsend:
	case SYS_io_uring_enter:
	case SYS_splice:
	case SYS_tee:
	case SYS_vmsplice:
	case SYS_sendfile:
		return ALL;
	case SYS_futex:
		switch ((int)c->args[1] & 127) { /* without FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME */
		case FUTEX_WAIT:
		case FUTEX_WAIT_BITSET:
		case FUTEX_LOCK_PI:
		case FUTEX_LOCK_PI2:
		case FUTEX_WAIT_REQUEUE_PI:
			return ALL;
		default:
			return -1;
		}
	case SYS_flock:
		return c->args[1] & LOCK_NB ? -1 : ALL;
	case SYS_fcntl:
		return c->args[1] == F_SETLKW || c->args[1] == F_OFD_SETLKW ? ALL : -1;
	default:
		return -1;
	}
}

/* Calls that are made by the hundred thousand where they do not block (a
 * write to a file), whose arguments' memory would cost a system call to
 * read before the kernel has (process_vm_readv, ~0.6 us a write here):
 * kept unread, with their raw arguments (pending_report). */
static bool hot_output(long nr)
{
	return nr == SYS_write || nr == SYS_writev || nr == SYS_sendto || nr == SYS_sendmsg ||
	       nr == SYS_sendmmsg;
}

bool pending_may(long nr)
{
	/* the calls whose answer depends on their arguments */
	if (nr == SYS_futex || nr == SYS_flock || nr == SYS_fcntl)
		return true;
	struct zpoline_call c = {.nr = nr};
	return entry_args(&c) >= 0;
}

bool pending_wanted(const struct zpoline_call *c)
{
	if (g.o.status && !(g.o.status & ZP_STATUS_UNFINISHED))
		return false;
	return entry_args(c) >= 0;
}

void pending_begin(const struct zpoline_call *c, struct slot *s)
{
	struct zp_trace_ctl *ctl = g.out.ctl;
	s->pending = -1;
	if (line_ended_by_group_exit())
		return;
	int i = zp_pending_open(ctl, c->tid, c->pid);
	if (i < 0)
		return;
	struct zp_pending *p = zp_pending_at(ctl, i);
	int ea = entry_args(c);
	bool unread = hot_output(c->nr);
	size_t n = line_pending_text(c->pid, c->nr, s->args, s, ea, !unread, call_ip(c), p->text,
				     sizeof p->text);
	if (!n) {
		zp_pending_release(ctl, i);
		return;
	}
	p->len = (uint32_t)n;
	p->unread = unread;
	if (unread) {
		p->nr = c->nr;
		for (int k = 0; k < 6; k++)
			p->args[k] = s->args[k];
		p->t0_real = s->t0_real;
		p->t0_mono = s->t0_mono;
		p->ip = call_ip(c);
		p->entry_args = ea;
	}
	p->shown_pid = shown_id(c->pid);
	p->shown_tid = shown_id(c->tid);
	zp_pending_publish(ctl, i, c->tid, c->pid);
	s->pending = i;
	/* exit_group printed this thread's end and forgot the process's
	 * entries since: the entry goes (the finishing command no longer
	 * prints a process's entries after its exit_group, for a thread
	 * stopped before it got here).  Looked at after the publish, as
	 * exit_group marks a thread ended before it forgets: one of the two
	 * sees the other. */
	if (line_ended_by_group_exit() && pending_end(c, s))
		pending_done(c, s);
}

bool pending_end(const struct zpoline_call *c, struct slot *s)
{
	if (s->pending < 0)
		return true;
	if (zp_pending_close(g.out.ctl, s->pending, c->tid, c->pid))
		return true;
	s->pending = -1;
	return false;
}

void pending_done(const struct zpoline_call *c, struct slot *s)
{
	if (s->pending < 0)
		return;
	zp_pending_done(g.out.ctl, s->pending, c->tid, c->pid);
	s->pending = -1;
}

void pending_report(int tid, int pid, bool alive)
{
	struct zp_trace_ctl *ctl = g.out.ctl;
	int i = zp_pending_claim(ctl, tid, pid, alive);
	if (i < 0)
		return;
	char prefix[96], line[ZP_TRACE_PENDING_TEXT + 224];
	struct zp_pending *p = zp_pending_at(ctl, i);
	if (alive && p->unread) {
		/* Its memory is ours to read: the text as strace shows it. */
		struct slot t;
		t.comm[0] = '\0';
		t.t0_real = p->t0_real;
		t.t0_mono = p->t0_mono;
		t.snaplen = 0;
		long a[6];
		for (int k = 0; k < 6; k++)
			a[k] = (long)p->args[k];
		size_t n = line_pending_text(pid, (long)p->nr, a, &t, p->entry_args, true,
					     (uintptr_t)p->ip, p->text, sizeof p->text);
		if (n)
			p->len = (uint32_t)n;
	}
	size_t pn = line_prefix(p->shown_tid, tid, prefix, sizeof prefix);
	size_t n = zp_pending_compose(ctl, i, prefix, pn, line, sizeof line);
	if (n)
		zp_tout_line(&g.out, tid, line, n);
	zp_pending_release(ctl, i);
}

void pending_forget(int pid)
{
	zp_pending_forget(g.out.ctl, pid);
}
