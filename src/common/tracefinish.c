/*
 * tracefinish.c - zp_trace_finish(), which the zpoline command runs after
 * the traced program has gone (see traceout.h): linked into the command
 * only, not into the tracer, which loads without libc (hooklibc.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tracefmt.h"
#include "traceout.h"
#include "tracepending.h"

/* include/linux/sched.h: the task is a kernel thread */
#define PF_KTHREAD 0x00200000ul

/* The session's control block, read-only, or NULL. */
static const struct zp_trace_ctl *ctl_view(const char *ctl_path)
{
	if (!ctl_path || !*ctl_path)
		return NULL;
	int fd = open(ctl_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	const struct zp_trace_ctl *c = MAP_FAILED;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof *c)
		c = mmap(NULL, sizeof *c, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (c == MAP_FAILED)
		return NULL;
	if (c->magic != ZP_TRACE_CTL_MAGIC || c->size != sizeof *c) {
		munmap((void *)c, sizeof *c);
		return NULL;
	}
	return c;
}

/* Does the session's table say pid's exit_group or last exit ran (the
 * state traceout.c's zp_tout_proc_exit sets)? */
static bool pid_exited(const struct zp_trace_ctl *c, int pid)
{
	for (int i = 0; i < ZP_TRACE_PID_SLOTS; i++)
		if ((int)(c->pids[i] & 0xffffffffu) == pid)
			return (int)(c->pids[i] >> 32) == ZP_TRACE_PID_EXITED;
	return false;
}

/* Does the session's table say pid ran an image without the runtime?
 * (the state traceout.c's zp_tout_proc_untraced sets) */
bool zp_trace_untraced(const char *ctl_path, int pid)
{
	const struct zp_trace_ctl *c = pid > 0 ? ctl_view(ctl_path) : NULL;
	if (!c)
		return false;
	bool untraced = false;
	for (int i = 0; i < ZP_TRACE_PID_SLOTS; i++)
		if ((int)(c->pids[i] & 0xffffffffu) == pid &&
		    (int)(c->pids[i] >> 32) == ZP_TRACE_PID_UNTRACED)
			untraced = true;
	munmap((void *)c, sizeof *c);
	return untraced;
}

uint64_t zp_trace_last_line_mono(const char *ctl_path)
{
	const struct zp_trace_ctl *c = ctl_view(ctl_path);
	if (!c)
		return 0;
	uint64_t t = __atomic_load_n(&c->rel_last, __ATOMIC_ACQUIRE);
	munmap((void *)c, sizeof *c);
	return t;
}

/* Does process pid map the session's control file?  Every traced process
 * does, for its life.  Known by the file's name in /proc/PID/maps, which
 * mkstemp made unique (its device and inode there are the lower file's on
 * an overlay).  1: yes, 0: no, -1: unreadable. */
static int maps_ctl(int pid, const char *ctl_name)
{
	char path[64], line[4096 + 128];
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int found = 0;
	while (!found && fgets(line, sizeof line, f))
		found = strstr(line, ctl_name) != NULL;
	fclose(f);
	return found;
}

/* Was pid started in the session: ZPOLINE_TRACE_CTL=ctl_path in the
 * environment it was executed with?  (A process between its execve and
 * its tracer's start maps no control file yet.)  1: yes, 0: no, -1:
 * unreadable. */
static int started_in(int pid, const char *ctl_path)
{
	char path[64], want[4200], buf[8192];
	snprintf(path, sizeof path, "/proc/%d/environ", pid);
	int n = snprintf(want, sizeof want, "ZPOLINE_TRACE_CTL=%s", ctl_path);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	bool found = false;
	size_t have = 0, got;
	while (!found && (got = fread(buf + have, 1, sizeof buf - 1 - have, f)) > 0) {
		have += got;
		buf[have] = '\0';
		/* entries are NUL-separated: look at each one's start */
		size_t i = 0, last = 0;
		while (i < have && !found) {
			size_t len = strnlen(buf + i, have - i);
			if (i + len == have)
				break; /* cut: kept for the next read */
			found = len == (size_t)n && memcmp(buf + i, want, (size_t)n) == 0;
			i += len + 1;
			last = i;
		}
		memmove(buf, buf + last, have - last);
		have -= last;
		if (have >= sizeof buf - 1)
			have = 0; /* one entry longer than the buffer: not ours */
	}
	fclose(f);
	return found;
}

/* What /proc/PID/stat says of a task: false if it cannot be read. */
struct task_stat {
	char state;		 /* R, S, Z... */
	unsigned long flags;	 /* PF_* */
	unsigned long env_start; /* 0 until execve has set up the new stack */
};

static bool task_stat(int pid, struct task_stat *t)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command's name may hold ") ": field 3 follows its last ')' */
	char *p = strrchr(buf, ')'), *save = NULL;
	if (!p)
		return false;
	int field = 3;
	for (char *tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
		if (field == 3)
			t->state = tok[0];
		else if (field == 9)
			t->flags = strtoul(tok, NULL, 10);
		else if (field == 50) {
			t->env_start = strtoul(tok, NULL, 10);
			return true;
		}
	}
	return false;
}

/* Is pid one of the session's processes: 1 if it maps the control file,
 * or is on its way to (see started_in), 0 if not (an unrelated process
 * with the number: init, kthreadd, a pid namespace's 1 and 2 seen from
 * outside), -1 if nothing of it can be read. */
static int member(int pid, const char *ctl_path, const char *ctl_name)
{
	int m = maps_ctl(pid, ctl_name);
	if (m == 1)
		return 1;
	/* In the middle of its execve (env_start still 0), a process maps
	 * neither the file nor, for a while, any environment: it may be
	 * ours, so it counts (found as a traced orphan killed by SIGBUS: the
	 * file was trimmed under the window its next line went to).  A
	 * kernel thread's stack fields are 0 too, and so are those of a
	 * process we may not read (whose maps are unreadable as well). */
	struct task_stat t;
	if (m == 0 && task_stat(pid, &t) && !(t.flags & PF_KTHREAD) && t.env_start == 0)
		return 1;
	int s = started_in(pid, ctl_path);
	return s == 1 ? 1 : m < 0 && s < 0 ? -1 : 0;
}

/* A zombie is not alive for our purposes. */
static bool running(int pid)
{
	if (kill(pid, 0) < 0 && errno != EPERM)
		return false;
	struct task_stat t = {0};
	return !task_stat(pid, &t) || (t.state != 'Z' && t.state != 'X');
}

/* A traced process in a pid namespace of its own is in the table by the
 * number its parent there saw (sh's child in `unshare -p -f sh -c ...`
 * is 2): look for one among the processes of other pid namespaces, by
 * the control file it maps, the environment it started with, or its
 * execve in progress (where nothing can be read, another user's
 * container, it is not ours). */
static bool foreign_alive(const char *ctl_path, const char *ctl_name)
{
	struct stat self, ns;
	if (stat("/proc/self/ns/pid", &self) < 0)
		return false;
	DIR *d = opendir("/proc");
	if (!d)
		return false;
	bool found = false;
	int me = getpid();
	struct dirent *e;
	while (!found && (e = readdir(d)) != NULL) {
		char *end, path[64];
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == me)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/ns/pid", pid);
		found = stat(path, &ns) == 0 && ns.st_ino != self.st_ino && running((int)pid) &&
			member((int)pid, ctl_path, ctl_name) == 1;
	}
	closedir(d);
	return found;
}

/* Is any process the table lists as alive still there?  By its number, if
 * that process is one of the session's (another has the number now: a
 * kernel thread such as kthreadd for a namespace's 2, where the finishing
 * command waited for good); else, if some entry's number was not the
 * session's, among the other pid namespaces' processes. */
static bool any_alive(const struct zp_trace_ctl *c, const char *ctl_path, const char *ctl_name)
{
	bool elsewhere = false;
	for (int i = 0; i < ZP_TRACE_PID_SLOTS; i++) {
		uint64_t v = c->pids[i];
		int pid = (int)(v & 0xffffffffu);
		int state = (int)(v >> 32);
		if (pid <= 0 || state != 1)
			continue;
		if (!running(pid)) {
			elsewhere = true; /* ended, or a number in another namespace */
			continue;
		}
		if (member(pid, ctl_path, ctl_name) != 0) /* or cannot tell */
			return true;
		elsewhere = true;
	}
	return elsewhere && foreign_alive(ctl_path, ctl_name);
}

/* Remove NUL bytes from [start, len) of the file; returns the new length, or
 * -1 (errno set) if the data could not be moved.  With read and write,
 * not a mapping: reading a hole of a full tmpfs through a shared mapping
 * (lines lost for want of space leave holes) raises SIGBUS.  Holes are
 * skipped with SEEK_DATA; when writing needs space the file system does
 * not have, the pages already read past the write position are given
 * back (punched) first. */
static off_t squeeze(int fd, off_t start, off_t len)
{
	static char buf[1 << 16];
	off_t r = start, w = start;
	while (r < len) {
		off_t d = lseek(fd, r, SEEK_DATA);
		if (d < 0 && errno == ENXIO)
			break; /* only a hole is left */
		if (d > r)
			r = d;
		if (r >= len)
			break;
		size_t want = (size_t)(len - r) < sizeof buf ? (size_t)(len - r) : sizeof buf;
		ssize_t n = pread(fd, buf, want, r);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Runs between NULs moved down with memchr: a trace has no gap
		 * but where a line was lost or its writer killed, and reading
		 * it byte by byte cost ~1 ns a byte (10 ms for find's trace). */
		size_t k = 0;
		for (char *p = buf, *e = buf + n; p < e;) {
			char *z = memchr(p, 0, (size_t)(e - p));
			size_t seg = (size_t)((z ? z : e) - p);
			if (buf + k != p)
				memmove(buf + k, p, seg);
			k += seg;
			if (!z)
				break;
			for (p = z; p < e && !*p; p++)
				;
		}
		if (k && (w != r || k != (size_t)n)) {
			bool punched = false;
			for (size_t done = 0; done < k;) {
				ssize_t m = pwrite(fd, buf + done, k - done, w + (off_t)done);
				if (m > 0) {
					done += (size_t)m;
					continue;
				}
				if (m < 0 && errno == EINTR)
					continue;
				long pg = sysconf(_SC_PAGESIZE);
				off_t from = (w + (off_t)k + pg - 1) / pg * pg;
				off_t to = (r + n) / pg * pg;
				if (m < 0 && errno == ENOSPC && !punched && to > from &&
				    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, from,
					      to - from) == 0) {
					punched = true;
					continue;
				}
				if (m == 0)
					errno = ENOSPC;
				return -1;
			}
		}
		w += (off_t)k;
		r += n;
	}
	return w;
}

/* The end of the data: after the last non-zero byte. */
static off_t data_end(int fd, off_t size)
{
	char buf[65536];
	off_t pos = size;
	while (pos > 0) {
		off_t from = pos > (off_t)sizeof buf ? pos - (off_t)sizeof buf : 0;
		ssize_t n = pread(fd, buf, (size_t)(pos - from), from);
		if (n <= 0)
			return size;
		for (ssize_t i = n - 1; i >= 0; i--)
			if (buf[i])
				return from + i + 1;
		pos = from;
	}
	return 0;
}

extern const char *zp_syscall_name(long nr) __attribute__((visibility("hidden")));

/* buf at the file's end, which is `end` unless a process still tracing
 * appended a line there since (traceout.c's append_line): after it, not
 * over it.  pwrite at `end` where RWF_APPEND is unknown (before 4.16). */
static bool append_whole(int fd, const char *buf, size_t n, off_t end)
{
	struct iovec iov = {(void *)buf, n};
	ssize_t w = pwritev2(fd, &iov, 1, 0, RWF_APPEND);
	if (w < 0 && (errno == EOPNOTSUPP || errno == EINVAL || errno == ENOSYS))
		w = pwrite(fd, buf, n, end);
	return w == (ssize_t)n;
}

/* last into the -ff file of pid: output.PID. */
static int append_to_task_file(const char *output, int pid, const char *last, char *err,
			       size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof path, "%s.%d", output, pid);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	size_t n = strlen(last);
	if (fd < 0 || write(fd, last, n) != (ssize_t)n) {
		snprintf(err, errlen, "cannot write to %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The lines of the root's other threads, which its signal killed with it:
 * `last` with the thread's id where it names the process (the "PID   "
 * prefix of -f -o FILE, the "tid" of --json; "[pid TID] " on a stream),
 * as strace prints one for each thread before the process's. */
static size_t thread_line(char *buf, size_t n, const char *last, int pid, int tid, int mode)
{
	char p[32];
	if (last[0] == '{') {
		snprintf(p, sizeof p, "\"tid\":%d,", pid);
		const char *at = strstr(last, p);
		if (!at)
			return 0;
		snprintf(buf, n, "%.*s\"tid\":%d,%s", (int)(at - last), last, tid, at + strlen(p));
	} else {
		snprintf(p, sizeof p, "%-5d ", pid);
		size_t pn = strlen(p);
		if (strncmp(last, p, pn) == 0)
			snprintf(buf, n, "%-5d %s", tid, last + pn);
		else if (mode == ZP_TOUT_WRITE)
			snprintf(buf, n, "[pid %5d] %s", tid, last);
		else
			snprintf(buf, n, "%s", last);
	}
	return strlen(buf);
}

/* The line of a call claimed entry i's thread died in (tracepending.h),
 * NUL-terminated, with the prefix the tracer gives it: "PID   " with
 * -f -o FILE, "[pid  PID] " on a stream while other tasks are traced
 * (pid_prefix), none with -ff or without -f.  Its length, 0 if none. */
static size_t pending_compose_for(struct zp_trace_ctl *c, int i, bool pid_prefix, char *buf,
				  size_t n)
{
	char pfx[32] = "";
	int shown = c->pending[i].shown_tid;
	if (!c->form.json && c->form.follow == 1) {
		if (c->form.to_file)
			snprintf(pfx, sizeof pfx, "%-5d ", shown);
		else if (pid_prefix)
			snprintf(pfx, sizeof pfx, "[pid %5d] ", shown);
	}
	size_t k = zp_pending_compose(c, i, pfx, strlen(pfx), buf, n - 1);
	buf[k] = '\0';
	return k;
}

/* The line of the call task tid of process pid died in, if it was in one. */
static size_t pending_line(struct zp_trace_ctl *c, int tid, int pid, bool pid_prefix, char *buf,
			   size_t n)
{
	int i = zp_pending_claim(c, tid, pid, false);
	if (i < 0)
		return 0;
	size_t k = pending_compose_for(c, i, pid_prefix, buf, n);
	zp_pending_release(c, i);
	return k;
}

/* last, after the lines of the root's other threads (taken out of the
 * table), each after the line of the call it died in if any, and the
 * root's own such line: one buffer; with -ff (task_files: the -o name)
 * each task's lines go to its own file instead, but last.  root_prefix:
 * on a stream, the root's line will say its pid (traceout.h). */
static const char *with_threads(struct zp_trace_ctl *c, const char *last, int last_pid,
				const char *task_files, bool root_prefix, size_t *lastn, int *threads,
				int *rc, char *err, size_t errlen)
{
	static char lines[ZP_TRACE_THREAD_SLOTS * 400];
	size_t used = 0;
	char one[ZP_TRACE_PENDING_TEXT + 600];
	for (int i = 0; i < ZP_TRACE_THREAD_SLOTS; i++) {
		uint64_t v = c->threads[i];
		int tid = (int)(uint32_t)v;
		if (!v || (v >> 63) || (int)(v >> 32) != last_pid || tid <= 0)
			continue;
		c->threads[i] = 0;
		__atomic_sub_fetch(&c->threads_used, 1, __ATOMIC_SEQ_CST);
		size_t k = pending_line(c, tid, last_pid, true, one, sizeof one);
		k += thread_line(one + k, sizeof one - k, last, last_pid, tid, (int)c->mode);
		if (!k)
			continue;
		(*threads)++;
		if (task_files) {
			if (append_to_task_file(task_files, tid, one, err, errlen) < 0 && *rc == 0)
				*rc = -1;
		} else if (used + k < sizeof lines - *lastn - 1) {
			memcpy(lines + used, one, k);
			used += k;
		}
	}
	size_t k = pending_line(c, last_pid, last_pid, root_prefix, one, sizeof one);
	if (k && task_files) {
		if (append_to_task_file(task_files, last_pid, one, err, errlen) < 0 && *rc == 0)
			*rc = -1;
	} else if (k && used + k < sizeof lines - *lastn - 1) {
		memcpy(lines + used, one, k);
		used += k;
	}
	if (!used)
		return last;
	memcpy(lines + used, last, *lastn + 1);
	*lastn += used;
	return lines;
}

/* The lines of the calls the tasks of pid died in, NUL-terminated, or NULL
 * if there are none; with -ff (task_files) each goes to its task's file. */
static const char *pending_rest(struct zp_trace_ctl *c, int pid, const char *task_files)
{
	static char lines[ZP_TRACE_THREAD_SLOTS * 400];
	char one[ZP_TRACE_PENDING_TEXT + 200], err[256];
	size_t used = 0;
	int i;
	while ((i = zp_pending_claim_any(c, pid)) >= 0) {
		int tid = (int)(uint32_t)c->pending_key[i];
		size_t k = pending_compose_for(c, i, tid != pid, one, sizeof one);
		zp_pending_release(c, i);
		if (task_files && k)
			append_to_task_file(task_files, tid, one, err, sizeof err);
		else if (k && used + k < sizeof lines) {
			memcpy(lines + used, one, k);
			used += k;
		}
	}
	lines[used] = '\0';
	return used ? lines : NULL;
}

/* The root was killed and traced processes it left behind are still
 * writing: its lines go in now, where they belong in time, not when the
 * last of the others is gone (nobody would write them then: the command's
 * watcher only finishes the file).  A line takes its room as the tracer's
 * do (ctl->end); a write past the file's end only makes it longer. */
static void root_lines_now(struct zp_trace_ctl *c, const char *output, const char *last,
			   int last_pid, bool ended)
{
	const char *path = output && *output ? output : (c->out_path[0] ? c->out_path : NULL);
	bool per_task = c->mode == ZP_TOUT_FF;
	size_t n = strlen(last);
	int rc = 0;
	char err[256];
	if (per_task && !path)
		return;
	const char *root = last;
	size_t rootn = n;
	int threads = 0;
	if (ended) {
		last = with_threads(c, last, last_pid, per_task ? path : NULL, true, &n, &threads,
				    &rc, err, sizeof err);
		/* Its tasks are gone: the survivors' lines stop naming their pid
		 * once they are alone, as strace's do (nobody else counts these
		 * out). */
		__atomic_sub_fetch(&c->tasks, threads + 1, __ATOMIC_RELAXED);
	} else {
		rootn = 0; /* lines of calls only, prefixed already */
	}
	if (per_task) {
		append_to_task_file(path, last_pid, last, err, sizeof err);
		return;
	}
	if (c->mode == ZP_TOUT_MMAP || c->mode == ZP_TOUT_PWRITE) {
		int fd = path ? open(path, O_WRONLY | O_CLOEXEC) : -1;
		if (fd < 0)
			return;
		uint64_t off = __atomic_fetch_add(&c->end, n, __ATOMIC_RELAXED);
		if (pwrite(fd, last, n, (off_t)off) != (ssize_t)n) {
			/* the room stays zeros: squeezed out at the end */
		}
		close(fd);
		return;
	}
	/* A stream names the process of every line while others are traced,
	 * as strace does ("[pid  N] "): the threads' lines have it already. */
	char pfx[32] = "";
	if (root[0] != '{' && rootn)
		snprintf(pfx, sizeof pfx, "[pid %5d] ", last_pid);
	if (write(2, last, n - rootn) != (ssize_t)(n - rootn) ||
	    write(2, pfx, strlen(pfx)) != (ssize_t)strlen(pfx) ||
	    write(2, root, rootn) != (ssize_t)rootn) {
		/* nowhere else to say it */
	}
}

int zp_trace_finish(const char *output, const char *ctl_path, const char *last, int last_pid,
		    char *err, size_t errlen)
{
	struct zp_trace_ctl *c = NULL;
	int cfd = -1;
	bool synth = false;
	if (ctl_path && *ctl_path) {
		cfd = open(ctl_path, O_RDWR | O_CLOEXEC);
		struct stat st;
		if (cfd >= 0 && fstat(cfd, &st) == 0 && (size_t)st.st_size >= sizeof *c) {
			void *m = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
			if (m != MAP_FAILED)
				c = m;
			if (c && (c->magic != ZP_TRACE_CTL_MAGIC || c->size != sizeof *c)) {
				munmap(c, sizeof *c);
				c = NULL;
			}
		}
		/* Without a line for the root's end (-qq, or an end it printed
		 * itself): the lines of calls its tasks died in, alone.  Not
		 * after its exit_group, which printed its threads' ends: a
		 * thread's entry from after that was a call begun as the kernel
		 * stopped it (printed after the process's end; sweep E). */
		if (c && (!last || !*last) && last_pid > 0 && !pid_exited(c, last_pid)) {
			const char *to = output && *output ? output : c->out_path;
			last = pending_rest(c, last_pid, c->mode == ZP_TOUT_FF ? to : NULL);
			synth = last != NULL;
		}
		const char *ctl_name = strrchr(ctl_path, '/');
		if (c && any_alive(c, ctl_path, ctl_name ? ctl_name : ctl_path)) {
			if (last && *last)
				root_lines_now(c, output, last, last_pid, !synth);
			munmap(c, sizeof *c);
			close(cfd);
			return 1;
		}
	}
	int rc = 0;
	const char *path = output && *output ? output : (c && c->out_path[0] ? c->out_path : NULL);
	bool per_task = c && c->mode == ZP_TOUT_FF;
	int fd = path && !per_task ? open(path, O_RDWR | O_CLOEXEC) : -1;
	/* No traced process ever opened it (a set-user-ID program ignores
	 * LD_PRELOAD; a program that failed to start): the file strace would
	 * leave, empty, but for the lines below. */
	if (fd < 0 && errno == ENOENT && path && !per_task && (!c || !c->out_ino))
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	struct stat st;
	bool regular = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	bool ours = regular && c && c->out_ino == (uint64_t)st.st_ino && c->out_dev == (uint64_t)st.st_dev;
	if (regular && !ours && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		/* Our session never opened the file (its tracer refused it:
		 * "another trace session is still writing it", or never
		 * started) and a live session holds it: the file and its
		 * trimming are that session's.  Leave it alone. */
		close(fd);
		if (cfd >= 0) {
			close(cfd);
			unlink(ctl_path);
		}
		return 0;
	}
	if (path && !per_task && fd < 0) {
		snprintf(err, errlen, "cannot open %s to finish the trace: %s", path, strerror(errno));
		rc = -1;
	}
	off_t end = 0;
	if (regular) {
		end = c && (c->mode == ZP_TOUT_MMAP || c->mode == ZP_TOUT_PWRITE) ? (off_t)c->end
										  : data_end(fd, st.st_size);
		if (end > st.st_size)
			end = st.st_size;
		/* A process still tracing, taken for gone, writes with pwrite
		 * from here on, not into its window past the end to come; its
		 * lines go after ours once ctl->end says where that is (below). */
		if (ours && (c->mode == ZP_TOUT_MMAP || c->mode == ZP_TOUT_PWRITE))
			__atomic_store_n(&c->trimmed, 1, __ATOMIC_RELEASE);
		/* -A: what the file held before is not ours to change */
		off_t from = c && (off_t)c->data_from <= end ? (off_t)c->data_from : 0;
		off_t sq = squeeze(fd, from, end);
		if (sq < 0) {
			snprintf(err, errlen, "cannot remove the gaps from %s: %s", path,
				 strerror(errno));
			rc = -1;
		} else {
			end = sq;
		}
		if (ftruncate(fd, end) < 0 && rc == 0) {
			snprintf(err, errlen, "cannot trim %s: %s", path, strerror(errno));
			rc = -1;
		}
	}
	size_t lastn = last ? strlen(last) : 0;
	int threads = 0;
	if (lastn && c && !synth)
		last = with_threads(c, last, last_pid, per_task ? path : NULL, false, &lastn, &threads,
				    &rc, err, errlen);
	if (lastn && per_task) {
		if (append_to_task_file(path, last_pid, last, err, errlen) < 0 && rc == 0)
			rc = -1;
	} else if (lastn && regular) {
		if (!append_whole(fd, last, lastn, end) && rc == 0) {
			snprintf(err, errlen, "cannot write to %s: %s", path, strerror(errno));
			rc = -1;
		} else {
			end += (off_t)lastn;
		}
	} else if (lastn && write(fd >= 0 ? fd : 2, last, lastn) != (ssize_t)lastn && rc == 0) {
		rc = -1;
	}
	if (c && c->count && !c->finished) {
		static char table[ZP_TRACE_COUNT_SLOTS * 100 + 1024];
		size_t n = zp_trace_summary(c, cfd, table, sizeof table, zp_syscall_name);
		if (regular) {
			if (!append_whole(fd, table, n, end) && rc == 0) {
				snprintf(err, errlen, "cannot write the summary to %s", path);
				rc = -1;
			}
		} else if (fd >= 0) {
			if (write(fd, table, n) != (ssize_t)n && rc == 0)
				rc = -1;
		} else if (write(2, table, n) != (ssize_t)n && rc == 0) {
			rc = -1;
		}
		c->finished = 1;
	}
	if (c && c->lost_lines && rc == 0) {
		snprintf(err, errlen, "%llu lines (%llu bytes) of the trace could not be written: %s",
			 (unsigned long long)c->lost_lines, (unsigned long long)c->lost_bytes,
			 strerror(c->lost_errno ? c->lost_errno : EIO));
		rc = -1;
	}
	struct stat now;
	if (ours && c->trimmed && fstat(fd, &now) == 0) {
		__atomic_store_n(&c->cap, (uint64_t)now.st_size, __ATOMIC_RELEASE);
		__atomic_store_n(&c->end, (uint64_t)now.st_size, __ATOMIC_RELEASE);
	}
	if (fd >= 0)
		close(fd);
	if (c)
		munmap(c, sizeof *c);
	if (cfd >= 0) {
		close(cfd);
		unlink(ctl_path);
	}
	return rc;
}
