/*
 * exec.c - keeping the runtime across execve.
 *
 * LD_PRELOAD is all that carries the runtime into a new program image, and
 * it does not reach every image:
 *   - programs clear or rebuild their environment (`env -i`, sanitising
 *     launchers, sudo-like tools).  With ZPOLINE_STICKY=1 (set by `zpoline
 *     run`) the runtime puts LD_PRELOAD, LIBZPHOOK and every ZPOLINE_*
 *     variable it started with back into the new environment, and names
 *     what it put back in ZPOLINE_STICKY_ADDED; the new image's runtime
 *     takes those out of its environ once it has started, so the program
 *     sees the environment it was given (`env -i env` prints nothing);
 *   - static executables ignore LD_PRELOAD.  When zpoline's loader is
 *     installed next to this library, execve of a static x86-64 executable
 *     becomes execve of the loader with the program as its argument, so the
 *     program starts hooked (docs/loader.md).
 * The rewritten call needs new argument arrays; they live in a mapping of
 * their own, released if execve fails (on success the image is gone).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "elfstatic.h"
#include "ldheld.h"
#include "rt.h"
#include "shebang.h"
#include "tracesecure.h"

extern char **environ;

static bool sticky;
/* ZPOLINE_FROM_START=1 (`zpoline run --from-start`): dynamic programs
 * go through the loader too, so that their ld.so's calls are seen. */
static bool from_start;
/* This library's absolute path: ld.so's own string when it is absolute
 * (it lives as long as the library: always), else resolved into
 * self_buf (a page of its own, touched only then). */
static const char *self_path = "";
static char self_buf[PATH_MAX] ZP_BIG_BSS;
static char loader_path[PATH_MAX] ZP_BIG_BSS;
/* The variables to carry: "NAME=value" strings copied at start-up. */
#define MAX_CARRY 32
static char *carry[MAX_CARRY];
static int ncarry;

/* Names what sticky_env put back, for the new image to take out again:
 * NAME,NAME,... where "LD_PRELOAD+" means the runtime went in front of the
 * program's own LD_PRELOAD. */
#define ADDED_VAR "ZPOLINE_STICKY_ADDED="

/* Is NAME in the comma-separated list? */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

/* Did the command (or a sticky execve) add NAME to the environment, rather
 * than the user set it? */
bool zp_exec_added(const char *name)
{
	return listed(getenv("ZPOLINE_STICKY_ADDED"), name);
}

/* ASAN_OPTIONS too when the command added it (its link-order switch,
 * launch.c): hidden from the program, it must still reach a child built
 * with ASan. */
static bool carried_name(const char *kv)
{
	if (!strncmp(kv, ADDED_VAR, sizeof ADDED_VAR - 1) ||
	    !strncmp(kv, ZP_LD_HELD_PREFIX, sizeof ZP_LD_HELD_PREFIX - 1))
		return false;
	if (!strncmp(kv, "ASAN_OPTIONS=", 13))
		return listed(getenv("ZPOLINE_STICKY_ADDED"), "ASAN_OPTIONS");
	return !strncmp(kv, "ZPOLINE_", 8) || !strncmp(kv, "LIBZPHOOK=", 10);
}

/* Whether the loader next to this library can be run: asked at the first
 * execve, not at start-up (most processes never exec; the check is a
 * system call).  0 not asked yet, 1 yes, -1 no. */
static int loader_ok;

static bool loader_usable(void)
{
	if (!loader_ok) {
		/* zpoline-loader, next to this library. */
		char *slash = strrchr(self_path, '/');
		size_t dir = slash ? (size_t)(slash - self_path) : 0;
		loader_ok = -1;
		if (slash && dir + sizeof "/zpoline-loader" <= sizeof loader_path) {
			memcpy(loader_path, self_path, dir);
			memcpy(loader_path + dir, "/zpoline-loader", sizeof "/zpoline-loader");
			if (zp_raw4(SYS_faccessat, AT_FDCWD, loader_path, X_OK, 0) == 0)
				loader_ok = 1;
		}
	}
	return loader_ok > 0;
}

void zp_exec_init(void)
{
	/* The name ld.so opened this library by; it only needs resolving when
	 * relative (the program may change directory before it execs). */
	Dl_info di;
	if (dladdr((void *)zp_entry, &di) && di.dli_fname) {
		if (di.dli_fname[0] == '/' && strlen(di.dli_fname) < PATH_MAX)
			self_path = di.dli_fname;
		else if (realpath(di.dli_fname, self_buf))
			self_path = self_buf;
	}
	sticky = zp_env_bool("ZPOLINE_STICKY", false) && self_path[0];
	from_start = zp_env_bool("ZPOLINE_FROM_START", false);
	if (zp_debug >= 2)
		zp_log("zpoline: runtime %s; loader %s; sticky %s", self_path[0] ? self_path : "?",
		       loader_usable() ? loader_path : "(none)", sticky ? "yes" : "no");
	for (char **e = environ; e && *e && ncarry < MAX_CARRY; e++)
		if (carried_name(*e) && !(carry[ncarry++] = strdup(*e)))
			ncarry--;
}

/* environ is edited in place, not with unsetenv()/setenv(): the program may
 * define its own, which ld.so binds our calls to (bash's work on its shell
 * variables, which do not exist before main: they did nothing, and bash,
 * which builds its variables from main's envp, exported LD_PRELOAD and the
 * ZPOLINE_* variables to its scripts).  In place, the array main's envp
 * points to loses them too.  Start-up runs in one thread. */
static char **env_entry(const char *name)
{
	size_t n = strlen(name);
	for (char **e = environ; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return e;
	return NULL;
}

static void env_remove(const char *name)
{
	char **e;
	while ((e = env_entry(name)) != NULL)
		do
			e[0] = e[1];
		while (*e++);
}

/* The variables a sticky execve put back (ZPOLINE_STICKY_ADDED) were not
 * in the environment the program gave execve: take them out of environ,
 * as the last step of start-up (the runtime and the hooks have read theirs;
 * carry[] keeps them for the next execve).  /proc/self/environ, which
 * nothing can change, still shows them. */
void zp_exec_hide_added(void)
{
	const char *list = getenv("ZPOLINE_STICKY_ADDED");
	if (!list)
		return;
	char names[512];
	if ((size_t)zp_snprintf(names, sizeof names, "%s", list) >= sizeof names)
		names[0] = '\0';
	env_remove("ZPOLINE_STICKY_ADDED");
	for (char *p = names; *p;) {
		size_t len = strcspn(p, ",");
		bool more = p[len] != '\0';
		p[len] = '\0';
		if (!strcmp(p, "LD_PRELOAD+")) {
			/* Our path went in front of the program's own list. */
			char **e = env_entry("LD_PRELOAD");
			const char *v = e ? *e + sizeof "LD_PRELOAD=" - 1 : NULL;
			size_t n = strlen(self_path);
			char *kv;
			if (v && n && !strncmp(v, self_path, n) && v[n] == ':' &&
			    /* v + n + 1: the list after our path and its ':' */
			    (kv = malloc(sizeof "LD_PRELOAD=" + strlen(v + n + 1))) != NULL) { // NOLINT
				strcpy(kv, "LD_PRELOAD=");
				strcat(kv, v + n + 1);
				*e = kv;
			}
		} else if (*p && strchr(p, '=') == NULL) {
			env_remove(p);
		}
		p += len + more;
	}
}

/* ---- scratch memory for the new arrays ------------------------------------ */

struct scratch {
	char *base;
	size_t size, used;
};

static void *take(struct scratch *s, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (s->used + n > s->size)
		return NULL;
	void *p = s->base + s->used;
	s->used += n;
	return p;
}

static char *copy_str(struct scratch *s, const char *a, const char *b)
{
	size_t la = strlen(a), lb = b ? strlen(b) : 0;
	char *p = take(s, la + lb + 1);
	if (!p)
		return NULL;
	memcpy(p, a, la);
	if (b)
		memcpy(p + la, b, lb);
	p[la + lb] = '\0';
	return p;
}

static size_t count(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static bool preload_has_self(const char *kv)
{
	const char *list = kv + strlen("LD_PRELOAD=");
	size_t n = strlen(self_path);
	for (const char *p = list; *p;) {
		const char *end = p + strcspn(p, ": ");
		if ((size_t)(end - p) == n && !strncmp(p, self_path, n))
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

/* envp with this library taken out of LD_PRELOAD (the variable dropped if
 * nothing else is left in it); NULL if it is not there or there is no
 * room. */
static char **env_without_self(struct scratch *s, char *const *envp)
{
	size_t n = count(envp), self = strlen(self_path);
	char **out = take(s, sizeof(char *) * (n + 1));
	if (!out)
		return NULL;
	size_t k = 0;
	bool changed = false;
	for (size_t i = 0; i < n; i++) {
		const char *e = envp[i];
		if (strncmp(e, "LD_PRELOAD=", 11) || !preload_has_self(e)) {
			out[k++] = (char *)e;
			continue;
		}
		changed = true;
		char *kept = copy_str(s, "LD_PRELOAD=", NULL);
		if (!kept || !take(s, strlen(e)))
			return NULL; /* room for the rest, right after the name */
		size_t m = 11;
		for (const char *p = e + 11; *p;) {
			size_t len = strcspn(p, ": ");
			if (len && !(len == self && !strncmp(p, self_path, self))) {
				if (m > 11)
					kept[m++] = ':';
				memcpy(kept + m, p, len);
				m += len;
			}
			p += len;
			if (*p)
				p++;
		}
		kept[m] = '\0';
		if (m > 11)
			out[k++] = kept;
	}
	out[k] = NULL;
	return changed ? out : NULL;
}

/* A new environment with the runtime's variables back in; NULL if nothing
 * needed changing or there is no room. */
static char **sticky_env(struct scratch *s, char *const *envp)
{
	size_t n = count(envp);
	bool have_preload = false;
	for (size_t i = 0; i < n; i++)
		if (!strncmp(envp[i], "LD_PRELOAD=", 11) && preload_has_self(envp[i]))
			have_preload = true;
	bool missing = !have_preload;
	for (int c = 0; c < ncarry && !missing; c++) {
		size_t nl = strcspn(carry[c], "=") + 1;
		bool found = false;
		for (size_t i = 0; i < n && !found; i++)
			found = !strncmp(envp[i], carry[c], nl);
		missing = !found;
	}
	if (!missing)
		return NULL;
	char **out = take(s, sizeof(char *) * (n + (size_t)ncarry + 3));
	/* ZPOLINE_STICKY_ADDED=, then the names put back */
	char *added = take(s, sizeof ADDED_VAR + 16 + (size_t)ncarry * 64);
	if (!out || !added)
		return NULL;
	size_t alen = sizeof ADDED_VAR - 1, acap = sizeof ADDED_VAR + 16 + (size_t)ncarry * 64;
	memcpy(added, ADDED_VAR, alen);
	size_t k = 0;
	const char *old_preload = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *e = envp[i];
		if (!strncmp(e, "LD_PRELOAD=", 11)) {
			old_preload = e + 11;
			continue;
		}
		out[k++] = (char *)e;
	}
	/* Put back what is missing; a variable the program (or a hook, such as
	 * the tracer handing its session over) set to a new value stays. */
	for (int c = 0; c < ncarry; c++) {
		size_t nl = strcspn(carry[c], "=") + 1;
		bool present = false;
		for (size_t i = 0; i < n && !present; i++)
			present = !strncmp(envp[i], carry[c], nl);
		if (!present) {
			out[k++] = carry[c];
			if (alen + nl + 1 < acap) {
				if (alen > sizeof ADDED_VAR - 1)
					added[alen++] = ',';
				memcpy(added + alen, carry[c], nl - 1);
				alen += nl - 1;
			}
		}
	}
	char *pre = old_preload && *old_preload ? copy_str(s, "LD_PRELOAD=", self_path) : NULL;
	if (pre) {
		char *full = take(s, strlen(pre) + strlen(old_preload) + 2);
		if (!full)
			return NULL;
		zp_snprintf(full, strlen(pre) + strlen(old_preload) + 2, "%s:%s", pre, old_preload);
		pre = full;
	} else {
		pre = copy_str(s, "LD_PRELOAD=", self_path);
	}
	if (!pre)
		return NULL;
	out[k++] = pre;
	const char *what = old_preload && *old_preload ? "LD_PRELOAD+" : "LD_PRELOAD";
	if (alen + strlen(what) + 2 < acap) {
		if (alen > sizeof ADDED_VAR - 1)
			added[alen++] = ',';
		memcpy(added + alen, what, strlen(what));
		alen += strlen(what);
	}
	added[alen] = '\0';
	out[k++] = added;
	out[k] = NULL;
	return out;
}

/* The program's strings and arrays, checked before they are read: a bad
 * pointer is left for the kernel to refuse with EFAULT.  Read in pieces
 * that never cross a page (a page is readable whole or not at all): a
 * call a byte took ~10 ns, ~25 us for an environment of make's size at
 * every execve, failed ones along $PATH included. */
enum { PIECE = 256 };

/* Bytes from a to the end of its page, at most PIECE. */
static size_t piece_at(uintptr_t a)
{
	size_t n = ZP_PAGE - (a & (ZP_PAGE - 1));
	return n < PIECE ? n : PIECE;
}

static bool readable_str(const char *p)
{
	char buf[PIECE];
	for (size_t i = 0; i < (1u << 20);) {
		size_t n = piece_at((uintptr_t)p + i);
		if (zp_safe_copy(buf, p + i, n) < 0)
			return false;
		if (memchr(buf, 0, n))
			return true;
		i += n;
	}
	return false;
}

static bool readable_vec(char *const *v)
{
	if (!v)
		return true;
	char *e[PIECE / sizeof(char *)];
	for (size_t i = 0; i < (1u << 16);) {
		size_t n = piece_at((uintptr_t)&v[i]) / sizeof(char *);
		if (!n) /* an array not aligned to its pointers, a pointer across a page */
			n = 1;
		if (zp_safe_copy(e, &v[i], n * sizeof(char *)) < 0)
			return false;
		for (size_t k = 0; k < n; k++) {
			if (!e[k])
				return true;
			if (!readable_str(e[k]))
				return false;
		}
		i += n;
	}
	return false;
}

/* Is `path` a static x86-64 executable (no PT_INTERP)? */
/* valgrind's launcher starts its tool (a static program) with
 * VALGRIND_LAUNCHER in the environment.  The tool must run as it is: it maps
 * the guest program's code into its own process to translate it, and the
 * runtime, hooking the tool, rewrote that code as code mapped later, which
 * valgrind then ran as calls into a page 0 the guest does not have (SIGSEGV
 * at address 0xc, brk's number).  The guest itself loads the runtime from
 * LD_PRELOAD and steps aside under valgrind (init.c). */
static bool valgrind_tool(char *const *envp)
{
	static const char var[] = "VALGRIND_LAUNCHER=";
	for (size_t i = 0; envp && envp[i]; i++)
		if (readable_str(envp[i]) && !strncmp(envp[i], var, sizeof var - 1))
			return true;
	return false;
}

static long raw_pread(int fd, void *buf, size_t len, long off)
{
	return zp_raw4(SYS_pread64, fd, buf, len, off);
}

/* What program would the kernel run for this file: ZP_ELF_STATIC for a
 * static executable or a "#!" script whose interpreter is one
 * (`#!/bin/busybox sh`, which ran unhooked), ZP_ELF_DYNAMIC for a
 * dynamic one or a script whose interpreter is one, else ZP_ELF_NONE.
 * The loader runs the static ones, and with --from-start the others. */
static int exe_kind(int dirfd, const char *path, int flags)
{
	/* fexecve: execveat(fd, "", ..., AT_EMPTY_PATH) runs the open file. */
	bool given = !path[0] && (flags & AT_EMPTY_PATH);
	int fd = given ? dirfd
		       : (int)zp_raw4(SYS_openat, dirfd, path,
				      O_RDONLY | O_CLOEXEC |
					      (flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0),
				      0);
	if (fd < 0)
		return ZP_ELF_NONE;
	int kind = zp_elf_program(fd, raw_pread);
	char head[ZP_SHEBANG_BUF];
	struct zp_shebang sb;
	long n = kind != ZP_ELF_NONE ? 0 : raw_pread(fd, head, sizeof head, 0);
	if (n > 0 && zp_shebang_parse(head, (size_t)n, &sb)) {
		/* The kernel opens the interpreter from the working directory. */
		int ifd = (int)zp_raw4(SYS_openat, AT_FDCWD, sb.interp, O_RDONLY | O_CLOEXEC, 0);
		if (ifd >= 0) {
			kind = zp_elf_program(ifd, raw_pread);
			zp_raw1(SYS_close, ifd);
		}
	}
	if (!given)
		zp_raw1(SYS_close, fd);
	return kind;
}

/* The descriptor of this process a path names ("/dev/fd/N",
 * "/proc/self/fd/N", "/proc/thread-self/fd/N", "/proc/PID/fd/N" with PID
 * ours), or -1.  In the loader, which keeps the pid, it names the same
 * file if the descriptor is inherited. */
static int fd_named(const char *path)
{
	static const char *const dirs[] = {"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"};
	const char *rest = NULL;
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0] && !rest; i++)
		if (!strncmp(path, dirs[i], strlen(dirs[i])))
			rest = path + strlen(dirs[i]);
	if (!rest && !strncmp(path, "/proc/", 6)) {
		const char *p = path + 6;
		long pid = 0;
		while (*p >= '0' && *p <= '9')
			pid = pid * 10 + (*p++ - '0');
		if (p > path + 6 && pid == zp_raw0(SYS_getpid) && !strncmp(p, "/fd/", 4))
			rest = p + 4;
	}
	if (!rest || !*rest)
		return -1;
	long fd = 0;
	for (; *rest; rest++) {
		if (*rest < '0' || *rest > '9' || fd > 1 << 20)
			return -1;
		fd = fd * 10 + (*rest - '0');
	}
	return (int)fd;
}

/* Is a debugger or strace tracing this process?  gdb's inferior asks to be
 * traced, then execs the program: gdb then reads the new image's symbols
 * and plants its breakpoints in it.  Given the loader instead, it planted
 * them where the program was not mapped yet and gave up (`break main` then
 * `run` on a static program: "Cannot insert breakpoint"; the Go runtime's
 * gdb tests).  A traced process's static program runs as the tracer
 * expects: itself, without the runtime.  Read now (an exec is rare and
 * the static ones rarer): the tracer may have come since start-up.  Under
 * a seccomp filter the open of the status file may be what it kills for:
 * not traced, as before. */
static bool traced_now(void)
{
	if (__atomic_load_n(&zp_seccomp_seen, __ATOMIC_RELAXED))
		return false;
	char buf[2048];
	return zp_proc_status("/proc/self/status", buf, sizeof buf) > 0 &&
	       zp_status_field(buf, "TracerPid:") != 0;
}

/* The scratch a rewritten execve needs: the new arrays (pointers into the
 * program's own strings), the LD_PRELOAD values rebuilt, the carried
 * variables' names, the program's path for the loader; with room to
 * spare.  Sized to the call, not a fixed MiB: a process right at its
 * RLIMIT_AS (Dovecot gives each of its processes 256 MiB) could not map a
 * MiB, and its new image lost the runtime where it needed putting back. */
/* The variables that steer ld.so.  The loader is a dynamic program: its
 * own ld.so acts on them before the loader runs (LD_TRACE_LOADED_OBJECTS,
 * which ldd sets to run `ld.so PROGRAM`: ld.so, a static program to the
 * runtime, went through the loader, and ldd printed the loader's libraries
 * instead of the program's; LD_DEBUG and LD_SHOW_AUXV printed the loader's
 * start too).  They reach the loader renamed, and it gives them back to the
 * program (src/loader/env.c). */
static const char *const ld_held[] = {
	"LD_TRACE_LOADED_OBJECTS=", "LD_TRACE_PRELINKING=", "LD_WARN=",	     "LD_VERBOSE=",
	"LD_DEBUG=",		    "LD_DEBUG_OUTPUT=",	    "LD_SHOW_AUXV=", "LD_AUDIT=",
	"LD_PROFILE=",		    "LD_PROFILE_OUTPUT=",   "LD_BIND_NOW=",  "LD_BIND_NOT=",
	"LD_DYNAMIC_WEAK=",	    "LD_LIBRARY_PATH=",
};

static bool env_has(char *const *envp, const char *name_eq)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], name_eq, strlen(name_eq)))
			return true;
	return false;
}

static bool ld_held_name(const char *kv)
{
	for (size_t k = 0; k < sizeof ld_held / sizeof ld_held[0]; k++)
		if (!strncmp(kv, ld_held[k], strlen(ld_held[k])))
			return true;
	return false;
}

/* An LD_PRELOAD with entries besides the runtime: the loader's own ld.so
 * would load them into the loader (their constructors run twice, and a
 * bare name is not found there: LD_LIBRARY_PATH is held, so ld.so printed
 * "cannot be preloaded" for a library the program then got all the same). */
static bool preload_beyond_self(const char *kv)
{
	return !strncmp(kv, "LD_PRELOAD=", 11) && strcmp(kv + 11, self_path) != 0;
}

/* env with ld_held's variables renamed for the loader, and LD_PRELOAD too
 * when it names more than the runtime (the loader's ld.so then gets the
 * runtime alone); env itself if it has none; NULL if out of room. */
static char **hold_ld_vars(struct scratch *s, char **env)
{
	size_t n = count(env), held = 0;
	for (size_t i = 0; i < n; i++)
		held += ld_held_name(env[i]) || preload_beyond_self(env[i]);
	if (!held)
		return env;
	char **out = take(s, sizeof(char *) * (n + 2));
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (preload_beyond_self(env[i]) &&
		    !(out[k++] = copy_str(s, "LD_PRELOAD=", self_path))) /* the loader's */
			return NULL;
		bool hold = ld_held_name(env[i]) || preload_beyond_self(env[i]);
		if (!(out[k++] = hold ? copy_str(s, ZP_LD_HELD_PREFIX, env[i]) : env[i]))
			return NULL;
	}
	out[k] = NULL;
	return out;
}

static size_t scratch_size(char *const *argv, char *const *envp)
{
	size_t preload = 0;
	for (size_t i = 0; envp && envp[i]; i++) {
		if (!strncmp(envp[i], "LD_PRELOAD=", 11))
			preload += strlen(envp[i]) + 16;
		if (ld_held_name(envp[i])) /* renamed copies (hold_ld_vars) */
			preload += strlen(envp[i]) + sizeof ZP_LD_HELD_PREFIX + 16;
	}
	size_t n = sizeof(char *) * (count(argv) + 2 * count(envp) + (size_t)ncarry + 32) +
		   2 * preload + 2 * strlen(self_path) + (size_t)ncarry * 64 + 3 * PATH_MAX + 4096;
	return (n + ZP_PAGE - 1) & ~(size_t)(ZP_PAGE - 1);
}

/* execve(path, argv, envp) / execveat(dirfd, path, argv, envp, flags):
 * rewrite the arguments if the new image would escape the runtime. */
static void exec_pre(void *arg)
{
	struct zp_record *r = arg;
	bool at = r->call.nr == SYS_execveat;
	long *a = r->call.args;
	int dirfd = at ? (int)a[0] : AT_FDCWD;
	const char *path = (const char *)(at ? a[1] : a[0]);
	char *const *argv = (char *const *)(at ? a[2] : a[1]);
	char *const *envp = (char *const *)(at ? a[3] : a[2]);
	int flags = at ? (int)a[4] : 0;
	if (!path || !readable_str(path) || !readable_vec(argv) || !readable_vec(envp))
		return;
	/* After chroot (or in another mount namespace) this library may not be
	 * where LD_PRELOAD says: ld.so would print an error and run the program
	 * without it.  It runs without it either way: take the runtime out of
	 * LD_PRELOAD, so that what the program prints is its own. */
	bool reachable = !self_path[0] || zp_raw4(SYS_faccessat, AT_FDCWD, self_path, R_OK, 0) == 0;
	bool by_fd = at && !path[0] && (flags & AT_EMPTY_PATH); /* fexecve */
	/* With LD_TRACE_LOADED_OBJECTS set (whatever its value) a dynamic
	 * program's ld.so only lists the libraries and exits: nothing to
	 * hook, and the runtime put back into LD_PRELOAD would be listed
	 * (`LD_TRACE_LOADED_OBJECTS=1 prog`, as some build scripts use ldd). */
	bool listing = env_has(envp, "LD_TRACE_LOADED_OBJECTS=");
	int kind = reachable && (path[0] || by_fd) && loader_usable() && !valgrind_tool(envp)
			   ? exe_kind(dirfd, path, flags)
			   : ZP_ELF_NONE;
	/* A set-user-ID program (or one with file capabilities) runs
	 * unhooked natively too; the loader would run it without its
	 * privileges. */
	bool redirect = (kind == ZP_ELF_STATIC || (kind == ZP_ELF_DYNAMIC && from_start && !listing)) &&
			!traced_now() && !zp_secure_exec(dirfd, path, flags);
	bool listing_only = !redirect && listing;
	if (reachable && (!sticky || listing_only) && !redirect)
		return;

	size_t size = scratch_size(argv, envp);
	long m = zp_raw6(SYS_mmap, 0, (long)size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0)
		return;
	struct scratch s = {(char *)m, size, 0};
	char **env2 = !reachable ? env_without_self(&s, envp) : sticky ? sticky_env(&s, envp) : NULL;
	char **argv2 = NULL;
	int via_fd = -1; /* the program comes by this descriptor (fexecve, /dev/fd/N) */
	char *path2 = NULL;
	if (redirect) {
		size_t n = count(argv);
		argv2 = take(&s, sizeof(char *) * (n + 10));
		/* The loader needs the program's path from our working directory
		 * even for execveat with a directory descriptor. */
		char *prog = NULL, *comm = (char *)path, fdname[32], fdnum[16];
		via_fd = by_fd ? dirfd : fd_named(path);
		if (by_fd) {
			/* The loader opens the file through the descriptor, which
			 * it inherits, by the kernel's name for it (the program's
			 * AT_EXECFN natively).  A close-on-exec one (memfd_create's
			 * MFD_CLOEXEC, Python's os.open) is kept open for the
			 * loader, which closes it (--close-fd) before the program
			 * starts.  The kernel names the process after the file
			 * (its dentry: a memfd's "memfd:NAME"). */
			zp_snprintf(fdname, sizeof fdname, "/dev/fd/%d", dirfd);
			prog = copy_str(&s, fdname, NULL);
			char link[48], target[PATH_MAX];
			zp_snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
			long l = zp_raw3(SYS_readlink, link, target, sizeof target - 1);
			static const char deleted[] = " (deleted)";
			size_t dl = sizeof deleted - 1;
			if (l > (long)dl && !memcmp(target + l - dl, deleted, dl))
				l -= (long)dl;
			if (l > 0) {
				target[l] = '\0';
				const char *base = strrchr(target, '/');
				comm = copy_str(&s, base ? base + 1 : target, NULL);
			} else {
				comm = prog;
			}
		} else if (via_fd < 0 && (!strncmp(path, "/proc/", 6) || !strncmp(path, "/dev/fd/", 8))) {
			/* /proc/self/exe and friends name a file of *this*
			 * process; in the loader they would name the loader.  (A
			 * descriptor's name is kept, below: the loader keeps the
			 * pid and inherits the descriptor.) */
			char real[PATH_MAX];
			long l = zp_raw3(SYS_readlink, path, real, sizeof real - 1);
			if (l > 0) {
				real[l] = '\0';
				prog = copy_str(&s, real, NULL);
			}
		} else if (path[0] == '/' || (dirfd == AT_FDCWD && strchr(path, '/'))) {
			prog = copy_str(&s, path, NULL);
		} else if (dirfd == AT_FDCWD) {
			/* A bare name is a file of the working directory to the
			 * kernel; the loader, like a shell, would search $PATH for
			 * it (GLib's spawn-path-search ran the wrong helper). */
			prog = copy_str(&s, "./", path);
		} else {
			char link[64], dir[PATH_MAX];
			zp_snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
			long l = zp_raw3(SYS_readlink, link, dir, sizeof dir - 1);
			if (l > 0) {
				dir[l] = '\0';
				prog = copy_str(&s, dir, "/");
				prog = prog ? copy_str(&s, prog, path) : NULL;
			}
		}
		bool close_fd = false;
		if (via_fd >= 0) {
			long fl = zp_raw3(SYS_fcntl, via_fd, F_GETFD, 0);
			close_fd = fl >= 0 && (fl & FD_CLOEXEC);
			zp_snprintf(fdnum, sizeof fdnum, "%d", via_fd);
		}
		if (argv2 && prog) {
			size_t k = 0;
			argv2[k++] = loader_path;
			if (from_start)
				argv2[k++] = (char *)"--from-start";
			argv2[k++] = (char *)"--argv0";
			argv2[k++] = n ? argv[0] : (char *)"";
			if (comm && *comm) {
				/* The kernel names the process after the path as
				 * given (/proc/self/exe: "exe", which busybox's
				 * applets then rename), not after what it resolves
				 * to. */
				argv2[k++] = (char *)"--comm";
				argv2[k++] = comm;
			}
			if (close_fd) {
				argv2[k++] = (char *)"--close-fd";
				argv2[k++] = copy_str(&s, fdnum, NULL);
			}
			argv2[k++] = (char *)"--";
			argv2[k++] = prog;
			for (size_t i = 1; i < n; i++)
				argv2[k++] = argv[i];
			argv2[k] = NULL;
			path2 = loader_path;
			if (!env2 && !sticky) {
				/* The loader must itself run under the runtime. */
				sticky = true;
				env2 = sticky_env(&s, envp);
				sticky = false;
			}
			char **held = hold_ld_vars(&s, env2 ? env2 : (char **)envp);
			if (held && held != envp)
				env2 = held;
		} else {
			argv2 = NULL;
		}
	}
	if (!env2 && !argv2) {
		zp_raw2(SYS_munmap, m, size);
		return;
	}
	r->scratch[8] = (uint64_t)m;
	r->scratch[9] = size;
	r->scratch[10] = 0;
	if (argv2 && via_fd >= 0 && zp_raw3(SYS_fcntl, via_fd, F_GETFD, 0) == FD_CLOEXEC &&
	    zp_raw3(SYS_fcntl, via_fd, F_SETFD, 0) == 0)
		r->scratch[10] = (uint64_t)via_fd + 1; /* back to close-on-exec if execve fails */
	r->rt_flags |= ZP_RTF_EXEC;
	if (argv2) {
		/* Always a plain execve of the loader. */
		r->call.nr = SYS_execve;
		a[0] = (long)path2;
		a[1] = (long)argv2;
		a[2] = (long)(env2 ? env2 : envp);
		a[3] = a[4] = a[5] = 0;
	} else if (at) {
		a[3] = (long)env2;
	} else {
		a[2] = (long)env2;
	}
}

void zp_exec_pre(struct zp_record *r)
{
	/* libc's string functions use the vector registers; if execve fails
	 * the program carries on with them. */
	if (sticky || self_path[0])
		zp_call_saving_xstate(exec_pre, r);
}

/* execve came back: it failed, so the arrays are ours to drop. */
void zp_exec_post(struct zp_record *r)
{
	if (r->scratch[8])
		zp_raw2(SYS_munmap, r->scratch[8], r->scratch[9]);
	r->scratch[8] = 0;
	if (r->scratch[10])
		zp_raw3(SYS_fcntl, (long)r->scratch[10] - 1, F_SETFD, FD_CLOEXEC);
	r->scratch[10] = 0;
}

/* For zpoline's loader, when it leaves a program to the kernel (a dynamic
 * one without --from-start, a script whose interpreter is a script): that
 * execve is the program's, so it gets what the program's own would (under
 * `zpoline run` the runtime's variables back in the environment, which the
 * loader's start-up took out of it: without them the program ran
 * unhooked).  Returns only on failure: -errno.  Not part of the hook API:
 * the loader and the runtime ship together. */
__attribute__((visibility("default"))) long zpoline_loader_execve(const char *path,
								 char *const argv[],
								 char *const envp[])
{
	struct zp_record r;
	memset(&r, 0, sizeof r);
	r.call.nr = SYS_execve;
	r.call.args[0] = (long)path;
	r.call.args[1] = (long)argv;
	r.call.args[2] = (long)envp;
	zp_exec_pre(&r);
	long e = zp_raw3(r.call.nr, r.call.args[0], r.call.args[1], r.call.args[2]);
	zp_exec_post(&r);
	return e;
}
