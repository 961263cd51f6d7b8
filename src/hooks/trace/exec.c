/*
 * exec.c - carrying a trace across execve.
 *
 * Before the call: the "execve(...)" text waits in the control block (the
 * result is only known to the new image), our descriptors lose their
 * close-on-exec flag, and the new environment gets ZPOLINE_TRACE_FDS so
 * the new image's tracer finds them.  If the call fails, all of that is
 * undone and the line is printed with its error.  The new image prints the
 * waiting line with "= 0" (exec_announce); the very first image, started
 * by something that was not traced, prints the execve that started it as
 * strace would have seen it.
 *
 * The new environment is built in one of a few static buffers: no
 * allocation on the per-call path.  A vfork child builds it in its
 * parent's memory; the parent frees the buffer when it resumes.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "raw.h"
#include "hooklibc.h"
#include "trace_hook.h"
#include "tracesecure.h"

#define ENV_BUFS 4
#define ENV_BYTES (128 * 1024)
#define FDS_VAR "ZPOLINE_TRACE_FDS="

static char env_mem[ENV_BUFS][ENV_BYTES] __attribute__((aligned(16)));
static int env_owner[ENV_BUFS];

static int env_claim(int pid)
{
	for (int i = 0; i < ENV_BUFS; i++) {
		int zero = 0;
		if (__atomic_compare_exchange_n(&env_owner[i], &zero, pid, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return i;
	}
	return -1;
}

static void env_release(int i)
{
	if (i >= 0 && i < ENV_BUFS)
		__atomic_store_n(&env_owner[i], 0, __ATOMIC_RELEASE);
}

void exec_release_for(int pid)
{
	for (int i = 0; i < ENV_BUFS; i++) {
		int cur = pid;
		__atomic_compare_exchange_n(&env_owner[i], &cur, 0, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
	}
}

/* The first bytes of each string of a program's envp, for the names the
 * tracer looks for (the longest: VALGRIND_LAUNCHER=). */
#define ENV_HEAD 32
#define ENV_BATCH 64

/* Copies up to n bytes of this process's memory at addr into dst, a page
 * at a time, and, for a string (str), no further than the piece holding
 * its NUL; returns how many.  With the runtime's safe copy, no system call:
 * the runtime has just read every string of this execve's arrays itself
 * (src/runtime/exec.c), and these pieces never reach past the page that
 * ends a string or an array, so this faults only in a race (then it stops
 * there, as zp_peek would).  A process_vm_readv a string, ~1 us here, cost
 * a traced make (~45 variables, read 2 to 4 times an execve, and gcc's
 * driver's execve calls along $PATH) most of the tracer's time. */
static size_t env_copy(int pid, void *dst, unsigned long addr, size_t n, bool str)
{
	if (!zp_hook_safe_copy)
		return zp_peek(pid, dst, addr, n);
	size_t done = 0;
	while (done < n) {
		unsigned long a = addr + done;
		size_t piece = 4096 - (a & 4095), i = 0;
		if (piece > n - done)
			piece = n - done;
		char *p = (char *)dst + done;
		if (zp_hook_safe_copy(p, (const void *)a, piece) < 0)
			break;
		done += piece;
		while (str && i < piece && p[i])
			i++;
		if (i < piece)
			break;
	}
	return done;
}

/* Calls fn for each string of the program's envp (its address, and up to
 * its first ENV_HEAD bytes, got of them readable), in order, until fn
 * returns false or the array ends.  Returns 1 at the array's end, 0 when
 * fn stopped it, -1 when the array could not be read, or had more than
 * max entries. */
static int env_walk(int pid, unsigned long envp, size_t max,
		    bool (*fn)(void *ctx, unsigned long at, const char *head, size_t got), void *ctx)
{
	if (!envp)
		return 1;
	for (unsigned long k = 0; k < max;) {
		unsigned long chunk[ENV_BATCH], a = envp + k * 8;
		/* to the end of the page (the NULL may be its last entry) */
		size_t want = 4096 - (a & 4095);
		want = want < 8 ? 1 : want / 8;
		if (want > ENV_BATCH)
			want = ENV_BATCH;
		size_t n = env_copy(pid, chunk, a, want * 8, false) / 8;
		for (size_t i = 0; i < n; i++, k++) {
			if (!chunk[i])
				return 1;
			char head[ENV_HEAD];
			size_t got = env_copy(pid, head, chunk[i], ENV_HEAD, true);
			if (!fn(ctx, chunk[i], head, got))
				return 0;
		}
		if (n < want)
			return -1;
	}
	return -1;
}

static bool head_is(const char *head, size_t got, const char *name)
{
	size_t nl = zp_strlen(name);
	return got >= nl && memcmp(head, name, nl) == 0;
}

struct env_build {
	char **arr;
	size_t n, max;
};

static bool env_build_one(void *ctx, unsigned long at, const char *head, size_t got)
{
	struct env_build *b = ctx;
	if (head_is(head, got, FDS_VAR))
		return true;
	if (b->n == b->max)
		return false;
	b->arr[b->n++] = (char *)at;
	return true;
}

/* envp without our old variable, plus the current one.  Returns the new
 * array, or NULL to leave the call alone. */
static char **build_env(int pid, unsigned long envp, int buf)
{
	char *mem = env_mem[buf];
	char var[128];
	size_t vlen = zp_tout_env(&g.out, var, sizeof var);
	if (!vlen)
		return NULL;
	/* The string at the end of the buffer, the array from the start. */
	char *str = mem + ENV_BYTES - (vlen + 1);
	zp_memcpy(str, var, vlen + 1);
	struct env_build b = {(char **)mem, 0, (size_t)(str - mem) / sizeof(char *) - 1};
	if (env_walk(pid, envp, (size_t)-1, env_build_one, &b) != 1 || b.n == b.max)
		return NULL;
	b.arr[b.n++] = str;
	b.arr[b.n] = NULL;
	return b.arr;
}

/* Where the variables exec_pre asks about are in the program's envp: the
 * address of the first entry starting with each name, or 0. */
struct env_seen {
	unsigned long valgrind, libzphook, preload;
};

static bool env_seen_one(void *ctx, unsigned long at, const char *head, size_t got)
{
	struct env_seen *e = ctx;
	if (!e->valgrind && head_is(head, got, "VALGRIND_LAUNCHER="))
		e->valgrind = at;
	else if (!e->libzphook && head_is(head, got, "LIBZPHOOK="))
		e->libzphook = at;
	else if (!e->preload && head_is(head, got, "LD_PRELOAD="))
		e->preload = at;
	return true;
}

/* One pass over envp for all three (as many passes as names before). */
static void env_look(int pid, unsigned long envp, struct env_seen *e)
{
	*e = (struct env_seen){0, 0, 0};
	env_walk(pid, envp, 65536, env_seen_one, e);
}

/* The value of the variable whose entry is at `at` ("NAME=value"), copied
 * into buf (cut to fit); false if absent. */
static bool env_value(int pid, unsigned long at, const char *name, char *buf, size_t len)
{
	if (!at)
		return false;
	size_t n = env_copy(pid, buf, at + zp_strlen(name), len - 1, true);
	buf[n] = '\0';
	return true;
}

/* valgrind's launcher starting its tool: a static program, with
 * VALGRIND_LAUNCHER in the environment.  The runtime runs the tool as it
 * is (runtime/exec.c), so, as for a secure-execution program, no image of
 * ours prints the end of the execve. */
static bool valgrind_tool(int dirfd, const char *path, const struct env_seen *e)
{
	if (!e->valgrind)
		return false;
	int fd = (int)zp_raw4(SYS_openat, dirfd, (long)path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return false;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	bool stat = false;
	if (zp_raw4(SYS_pread64, fd, (long)&eh, sizeof eh, 0) == (long)sizeof eh &&
	    !memcmp(eh.e_ident, ELFMAG, SELFMAG) && eh.e_phentsize == sizeof(Elf64_Phdr) &&
	    eh.e_phnum > 0 && eh.e_phnum <= 64 &&
	    zp_raw4(SYS_pread64, fd, (long)ph, sizeof(Elf64_Phdr) * eh.e_phnum, (long)eh.e_phoff) ==
		    (long)(sizeof(Elf64_Phdr) * eh.e_phnum)) {
		stat = true;
		for (int i = 0; i < eh.e_phnum; i++)
			if (ph[i].p_type == PT_INTERP)
				stat = false;
	}
	zp_raw1(SYS_close, fd);
	return stat;
}

static bool has_substring(const char *s, const char *sub)
{
	for (; *s; s++) {
		size_t i = 0;
		while (sub[i] && s[i] == sub[i])
			i++;
		if (!sub[i])
			return true;
	}
	return false;
}

/* Will the new image run without this tracer?  It does when the program
 * names other hooks (a traced `zpoline run --hook pass -- PROG`, or
 * LIBZPHOOK emptied), or, outside a sticky session (`zpoline trace` makes
 * it sticky: the runtime puts missing variables back), drops LIBZPHOOK or
 * the runtime from LD_PRELOAD. */
static bool image_untraced(int pid, const struct env_seen *e)
{
	char val[4096]; /* on the runtime's 128 KiB stack: threads may exec at once */
	if (env_value(pid, e->libzphook, "LIBZPHOOK=", val, sizeof val)) {
		if (!zp_strcmp(val, g.hooks_var))
			return false;
		return !has_substring(val, "libzphook_trace.so");
	}
	return !g.sticky;
}

static bool preload_dropped(int pid, const struct env_seen *e)
{
	char val[4096];
	if (g.sticky || !g.runtime[0])
		return false;
	return !env_value(pid, e->preload, "LD_PRELOAD=", val, sizeof val) ||
	       !has_substring(val, g.runtime);
}

void exec_pre(struct zpoline_call *c, struct slot *s)
{
	int pid = c->pid;
	const long *args = s ? s->args : c->args;
	bool shown = g.o.lines && zp_set_test(&g.o.trace, c->nr);
	/* A program run in secure-execution mode never loads the runtime, so
	 * no new image prints the result: the line is printed now, unfinished,
	 * and resumed only if the call fails. */
	bool secure = c->nr == SYS_execveat
			      ? zp_secure_exec((int)args[0], (const char *)args[1], (int)args[4]) != NULL
			      : zp_secure_exec(AT_FDCWD, (const char *)args[0], 0) != NULL;
	unsigned long envp = (unsigned long)args[c->nr == SYS_execveat ? 3 : 2];
	struct env_seen seen = {0, 0, 0};
	if (!secure)
		env_look(pid, envp, &seen);
	if (!secure)
		secure = c->nr == SYS_execveat
				 ? valgrind_tool((int)args[0], (const char *)args[1], &seen)
				 : valgrind_tool(AT_FDCWD, (const char *)args[0], &seen);
	/* After chroot the runtime may be out of reach: the runtime then takes
	 * itself out of LD_PRELOAD (src/runtime/exec.c) and the program runs
	 * without it. */
	if (!secure && g.runtime[0] && zp_raw4(SYS_faccessat, AT_FDCWD, (long)g.runtime, R_OK, 0) != 0)
		secure = true;
	/* (Only for a file that can be run: execvp's tries along $PATH fail
	 * as they would anyway, and are printed whole.) */
	if (!secure && (image_untraced(pid, &seen) || preload_dropped(pid, &seen)))
		secure = c->nr == SYS_execveat
				 ? zp_raw4(SYS_faccessat, args[0], args[1], X_OK,
					   args[4] & AT_EMPTY_PATH) == 0
				 : zp_raw4(SYS_faccessat, AT_FDCWD, args[0], X_OK, 0) == 0;
	if (secure && shown && s) {
		s->kind = SK_UNFINISHED;
		line_unfinished(pid, c->tid, c->nr, args, s, call_ip(c));
		shown = false;
	}
	if (secure)
		zp_tout_proc_untraced(&g.out, pid, true);
	char text[ZP_TRACE_EXEC_LINE];
	size_t n = shown ? line_exec_text(pid, c->nr, args, text, sizeof text, call_ip(c)) : 0;
	if (shown)
		zp_tout_exec_save(&g.out, pid, text, n, s ? s->t0_real : 0, s ? s->t0_mono : 0,
				  __atomic_load_n(&g.threads, __ATOMIC_RELAXED));
	else
		zp_tout_exec_save(&g.out, pid, "", 0, 0, 0, __atomic_load_n(&g.threads, __ATOMIC_RELAXED));
	/* -Y: the new image's line names the task as it was (strace names it
	 * when the call begins) */
	if (shown && g.dcfg.decode_pids) {
		struct zp_exec_slot *es = zp_tout_exec_find(&g.out, pid);
		if (es && (dec_sandboxed(&g.dcfg) || zp_raw2(SYS_prctl, PR_GET_NAME, es->comm) != 0))
			es->comm[0] = '\0';
	}
	/* A successful execve ends the other threads: the new image prints
	 * their exit lines, as strace does. */
	if (g.o.follow && g.o.lines && __atomic_load_n(&g.threads, __ATOMIC_RELAXED) > 1) {
		struct zp_exec_slot *es = zp_tout_exec_find(&g.out, pid);
		if (es) {
			int tids[ZP_TRACE_EXEC_TIDS];
			int k = other_threads(c->tid, tids, ZP_TRACE_EXEC_TIDS), m = 0;
			for (int i = 0; i < k; i++)
				if (tids[i] != pid) /* a thread's execve takes the leader's id */
					es->tids[m++] = tids[i];
			es->ntids = m;
		}
	}
	/* No image of ours joins: the session's descriptors stay ours. */
	if (secure || !s)
		return;
	zp_tout_exec_prepare(&g.out);
	s->env_buf = env_claim(pid);
	if (s->env_buf < 0)
		return;
	int k = c->nr == SYS_execveat ? 3 : 2;
	char **env = build_env(pid, (unsigned long)c->args[k], s->env_buf);
	if (env) {
		c->args[k] = (long)env;
	} else {
		env_release(s->env_buf);
		s->env_buf = -1;
	}
}

void exec_failed(struct zpoline_call *c, struct slot *s)
{
	zp_tout_proc_untraced(&g.out, c->pid, false);
	zp_tout_exec_failed(&g.out);
	zp_tout_exec_drop(&g.out, c->pid);
	if (s)
		env_release(s->env_buf);
}

/* How many arguments the kernel put before the script's path when it ran
 * `path` through its "#!" line (interpreter, and its one optional argument;
 * for an interpreter that is a script itself, that one's too): 0 for a
 * program that is no script. */
static size_t script_prefix(const char *path)
{
	static char names[5][256];
	size_t skip = 0;
	for (int depth = 0; depth < 5; depth++) {
		char buf[256];
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t len = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (len < 2 || buf[0] != '#' || buf[1] != '!')
			return skip;
		buf[len] = '\0';
		char *nl = strchr(buf, '\n');
		if (nl)
			*nl = '\0';
		char *p = buf + 2;
		while (*p == ' ' || *p == '\t')
			p++;
		char *interp = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (p == interp)
			return skip;
		bool arg = false;
		if (*p) {
			*p++ = '\0';
			while (*p == ' ' || *p == '\t')
				p++;
			arg = *p != '\0';
		}
		skip += arg ? 2 : 1;
		size_t il = strlen(interp);
		if (il >= sizeof names[0])
			return skip;
		memcpy(names[depth], interp, il + 1);
		path = names[depth];
	}
	return skip;
}

/* The first image of the root: the execve that started it, from what the
 * kernel left us (AT_EXECFN, /proc/self/cmdline, the initial environ). */
/* Is kv ("NAME=value") one of the variables the runtime is about to take
 * out of the program's environ (ZPOLINE_STICKY_ADDED's list, or the list
 * itself)?  "LD_PRELOAD+" names a value changed, not a variable added. */
static bool name_is(const char *kv, const char *name, size_t n)
{
	size_t i = 0;
	while (i < n && kv[i] && kv[i] == name[i])
		i++;
	return i == n && kv[n] == '=';
}

static bool added_var(const char *kv, const char *list)
{
	if (name_is(kv, "ZPOLINE_STICKY_ADDED", 20))
		return true;
	for (const char *p = list; p && *p;) {
		size_t n = 0;
		while (p[n] && p[n] != ',')
			n++;
		if (name_is(kv, p, n))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

/* The environment the first image was started with, as the program will
 * see it: without the variables the command added (the runtime hides
 * them), so the line counts what a native run's would. */
static char **first_env(void)
{
	static char *v[4096];
	char **env = zp_hl_environ();
	const char *list = getenv("ZPOLINE_STICKY_ADDED");
	size_t k = 0;
	for (char **e = env; e && *e && k + 1 < sizeof v / sizeof v[0]; e++)
		if (!added_var(*e, list))
			v[k++] = *e;
	v[k] = NULL;
	return v;
}

static void announce_first(int pid)
{
	static char cmd[65536];
	static char *argv[4096];
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t len = fd >= 0 ? read(fd, cmd, sizeof cmd - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (len < 0)
		len = 0;
	cmd[len] = '\0';
	size_t n = 0;
	for (ssize_t i = 0; i < len && n + 1 < sizeof argv / sizeof argv[0]; i += (ssize_t)strlen(cmd + i) + 1)
		argv[n++] = cmd + i;
	/* No descriptor free to read it (a program started under a low
	 * `ulimit -n`, the tracer's own two taken): the vector ld.so keeps. */
	char ***dl_argv = len ? NULL : (char ***)zp_hl_program_symbol("_dl_argv");
	for (char **a = dl_argv ? *dl_argv : NULL; a && *a && n + 1 < sizeof argv / sizeof argv[0]; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	const char *fn = (const char *)getauxval(AT_EXECFN);
	char **av = argv;
	/* Started through zpoline's loader (static programs): show the
	 * program's execve, "loader [--argv0 A] -- PROG ARGS..." -> "PROG",
	 * [A or PROG, ARGS...]. */
	const char *base = fn ? strrchr(fn, '/') : NULL;
	if (base && strcmp(base + 1, "zpoline-loader") == 0) {
		const char *argv0 = NULL;
		size_t i = 1;
		while (i < n && strcmp(argv[i], "--") != 0) {
			if (strcmp(argv[i], "--argv0") == 0 && i + 1 < n)
				argv0 = argv[++i];
			i++;
		}
		if (i + 1 < n) {
			fn = argv[i + 1];
			av = &argv[i + 1];
			if (argv0)
				av[0] = (char *)argv0;
		}
	}
	/* A script: the kernel ran its interpreter as [INTERP, (ARG), PATH,
	 * ARGS...] and dropped the argv[0] it was given: shown with the
	 * script's own ARGS (strace shows the execve as made, not the
	 * interpreter's arguments), and the argv[0] the zpoline command
	 * passed (ZPOLINE_TRACE_ARGV0, "python3" for a pyenv shim found in
	 * PATH), else the script's PATH. */
	if (av == argv && fn) {
		size_t skip = script_prefix(fn);
		if (skip && skip < n && strcmp(argv[skip], fn) == 0) {
			av = &argv[skip];
			const char *given = getenv("ZPOLINE_TRACE_ARGV0");
			if (given && *given)
				av[0] = (char *)given;
		}
	}
	long args[6] = {(long)(fn ? fn : (n ? argv[0] : "")), (long)av, (long)first_env(), 0, 0, 0};
	char text[ZP_TRACE_EXEC_LINE];
	size_t tn = line_exec_text(pid, SYS_execve, args, text, sizeof text, 0);
	/* -Y: the call was made by a child of the parent, with its name (the
	 * zpoline command's, as strace's lines name strace) */
	char parent_comm[16] = "";
	if (g.dcfg.decode_pids)
		parent_comm[zp_pid_comm(&g.dcfg, (int)zp_raw0(SYS_getppid), parent_comm, sizeof parent_comm)] = '\0';
	if (tn) /* else -P leaves it out */
		line_exec_done(pid, text, tn, g.need_real ? th_now(CLOCK_REALTIME) : 0, 0, true,
			       parent_comm);
}

void exec_announce(void)
{
	int pid = getpid();
	struct zp_exec_slot *s = zp_tout_exec_find(&g.out, pid);
	if (s) {
		if (s->threads > 1)
			zp_tout_task_add(&g.out, -(s->threads - 1));
		/* the old image's threads are gone (their lines follow) */
		if (g.o.follow && g.o.lines)
			zp_tout_threads_take(&g.out, pid, NULL, 0);
		/* a thread but the leader made the call: the leader's too */
		if (g.o.follow && g.o.lines)
			pending_report(pid, pid, false);
		for (int i = 0; i < s->ntids && i < ZP_TRACE_EXEC_TIDS; i++) {
			pending_report(s->tids[i], pid, false);
			exit_line(s->tids[i], pid, 0);
		}
		if (g.o.follow && g.o.lines)
			pending_forget(pid);
		if (s->len)
			line_exec_done(pid, s->text, s->len, s->t0_ns, s->mono0, true, s->comm);
		zp_tout_exec_drop(&g.out, pid);
		if (g.o.count && zp_set_test(&g.o.trace, SYS_execve)) {
			struct zp_trace_count *k = zp_trace_counter(g.out.ctl, pid, SYS_execve);
			__atomic_fetch_add(&k->calls, 1, __ATOMIC_RELAXED);
		}
		return;
	}
	/* The execve that started the root image was made before any tracer
	 * ran; it is shown, and counted, as strace shows and counts it. */
	if (!g.out.joined && pid == g.root && zp_set_test(&g.o.trace, SYS_execve)) {
		if (g.o.lines)
			announce_first(pid);
		if (g.o.count)
			__atomic_fetch_add(&zp_trace_counter(g.out.ctl, pid, SYS_execve)->calls, 1,
					   __ATOMIC_RELAXED);
	}
}

/* A process killed by a signal while its execve's line waited for the new
 * image (Rust's Command::spawn() then kill(), Java's Process.destroy()
 * right after start(): posix_spawn returns once the exec is done, and the
 * kill lands while the new image is still being loaded, before its tracer
 * joins).  No image of ours will print the line: its reaper does, before
 * the "+++ killed by +++" line.  Whether the kill came before or after the
 * exec's point of no return cannot be told any more: the result is
 * strace's "?" for a call whose return was not seen.  Counted for -c as the
 * new image would have counted it. */
void exec_lost(int pid)
{
	struct zp_exec_slot *s = zp_tout_exec_find(&g.out, pid);
	if (!s)
		return;
	if (s->len)
		line_exec_done(pid, s->text, s->len, s->t0_ns, s->mono0, false, s->comm);
	if (g.o.count && zp_set_test(&g.o.trace, SYS_execve)) {
		struct zp_trace_count *k = zp_trace_counter(g.out.ctl, pid, SYS_execve);
		__atomic_fetch_add(&k->calls, 1, __ATOMIC_RELAXED);
	}
	zp_tout_exec_drop(&g.out, pid);
}
