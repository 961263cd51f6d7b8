/*
 * procstatus.c - the kernel's view of this process and thread, from
 * /proc's status files, for the few decisions that need it (scan.c: may a
 * helper thread run; dispatch.c: may a signal to oneself be made from the
 * runtime's trap).  Raw calls only: both are asked on a system call's path.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>

#include "rt.h"

int zp_seccomp_seen;

long zp_proc_status(const char *path, char *buf, size_t size)
{
	int fd = (int)zp_raw3(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	size_t have = 0;
	while (have < size - 1) {
		long r = zp_raw3(SYS_read, fd, buf + have, size - 1 - have);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	zp_raw1(SYS_close, fd);
	buf[have] = 0;
	/* A filter is never removed: later questions need not open the file
	 * (a filter may kill for the open itself). */
	if (zp_status_field(buf, "Seccomp:") > 0)
		__atomic_store_n(&zp_seccomp_seen, 1, __ATOMIC_RELAXED);
	return have ? (long)have : -1;
}

long zp_status_field(const char *text, const char *key)
{
	for (const char *p = text; *p; p++) {
		if (*p != '\n')
			continue;
		size_t k = 0;
		while (key[k] && p[1 + k] == key[k])
			k++;
		if (key[k])
			continue;
		const char *q = p + 1 + k;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q < '0' || *q > '9')
			return -1;
		long v = 0;
		while (*q >= '0' && *q <= '9')
			v = v * 10 + (*q++ - '0');
		return v;
	}
	return -1;
}

/* At start-up: ZP_SELF_TRACED_OR_FILTERED if a debugger or strace is
 * attached (TracerPid) or a seccomp filter is in force (Seccomp: 2, from
 * before the runtime started); ZP_SELF_THREADS if the process has threads
 * already (Threads: above 1: a linked library's runtime started them, as
 * Go's does).  Unreadable: all of them. */
int zp_self_at_start(void)
{
	char buf[2048];
	if (zp_proc_status("/proc/self/status", buf, sizeof buf) < 0)
		return ZP_SELF_TRACED_OR_FILTERED | ZP_SELF_THREADS;
	int r = 0;
	if (zp_status_field(buf, "TracerPid:") != 0 || zp_status_field(buf, "Seccomp:") > 0)
		r |= ZP_SELF_TRACED_OR_FILTERED;
	if (zp_status_field(buf, "Threads:") != 1)
		r |= ZP_SELF_THREADS;
	return r;
}

/* What /proc/self/status last said, for zp_self_signal_ok and
 * zp_self_traced: reading it
 * costs ~20 us, ten times a raise().  A debugger that attaches is noticed
 * within STATUS_TTL; a thread the runtime sees made (clone) or adopts
 * forgets the count at once; a forked child starts afresh. */
#define STATUS_TTL_NS 100000000ull
static struct {
	uint64_t at; /* CLOCK_MONOTONIC_COARSE of the read; 0: none */
	long tracer;
	long threads; /* -1: forgotten */
} self_status;

void zp_self_status_forget(bool all)
{
	__atomic_store_n(&self_status.threads, -1, __ATOMIC_RELAXED);
	if (all)
		__atomic_store_n(&self_status.at, 0, __ATOMIC_RELAXED);
}

static void self_status_read(uint64_t now)
{
	char buf[2048];
	bool read = zp_proc_status("/proc/self/status", buf, sizeof buf) > 0;
	/* unreadable: as if traced, so the stub makes the call */
	__atomic_store_n(&self_status.tracer, read ? zp_status_field(buf, "TracerPid:") : 1,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&self_status.threads, read ? zp_status_field(buf, "Threads:") : -1,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&self_status.at, now ? now : 1, __ATOMIC_RELAXED);
}

static uint64_t coarse_now(void)
{
	struct timespec ts = {0, 0};
	zp_raw2(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool status_stale(uint64_t now)
{
	uint64_t at = __atomic_load_n(&self_status.at, __ATOMIC_RELAXED);
	return !at || now - at > STATUS_TTL_NS;
}

/* Is a debugger or strace attached (within STATUS_TTL)?  Unreadable: as
 * if one were.  One read serves a start-up's whole batch of objects. */
bool zp_self_traced(void)
{
	uint64_t now = coarse_now();
	if (status_stale(now))
		self_status_read(now);
	return __atomic_load_n(&self_status.tracer, __ATOMIC_RELAXED) != 0;
}

/* The same, read now (~20 us): for a rare event that must not be wrong
 * just after a debugger let go.  Under a seccomp filter, what was last
 * read. */
bool zp_self_traced_now(void)
{
	if (!__atomic_load_n(&zp_seccomp_seen, __ATOMIC_RELAXED))
		self_status_read(coarse_now());
	return __atomic_load_n(&self_status.tracer, __ATOMIC_RELAXED) != 0;
}

/* May a signal the caller sends itself be made from the runtime's SIGTRAP
 * trap (signals.c: self_signal)?  Not under a debugger or strace: they
 * would stop at or report the SIGTRAP.  `whole_process`: the signal goes to
 * the process, which must then have one thread, or the kernel gives it to
 * another while this one blocks it.  The kernel's count, not ours: threads
 * started before the runtime, or that never made a hooked call, have no
 * block of ours. */
bool zp_self_signal_ok(bool whole_process)
{
	/* Under a seccomp filter the open of the status file may be what it
	 * kills for. */
	if (__atomic_load_n(&zp_seccomp_seen, __ATOMIC_RELAXED))
		return false;
	uint64_t now = coarse_now();
	if (status_stale(now) ||
	    (whole_process && __atomic_load_n(&self_status.threads, __ATOMIC_RELAXED) < 0))
		self_status_read(now);
	if (__atomic_load_n(&self_status.tracer, __ATOMIC_RELAXED) != 0)
		return false;
	return !whole_process || __atomic_load_n(&self_status.threads, __ATOMIC_RELAXED) == 1;
}
