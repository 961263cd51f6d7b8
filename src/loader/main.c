/*
 * main.c - zpoline-loader: run a program under zpoline from its first
 * instruction.
 *
 *   LD_PRELOAD=libzpoline.so [LIBZPHOOK=...] \
 *       zpoline-loader [--from-start] [--argv0 NAME] [--comm NAME] [--close-fd N]
 *                      PROGRAM [ARG...]
 *
 * A static program (no PT_INTERP) is mapped, rewritten and started here.
 * A dynamic one is mapped together with its interpreter (ld.so) when
 * --from-start is given, so that ld.so's own system calls and those of every
 * constructor are hooked; without it, it is simply executed (the preloaded
 * runtime takes over in it as usual), and so is a "#!" script.
 * docs/loader.md has the details and the interface other tools rely on.
 */
#define _GNU_SOURCE
#include <alloca.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "loader.h"

/* For the runtime (dlsym in the loader's namespace): the absolute path of
 * the program this process runs, set before the hand-over.  /proc/self/exe
 * names the loader when the kernel refused to change it, and an execve of
 * /proc/self/exe by the program means this file. */
__attribute__((visibility("default"))) const char *zpoline_loader_program;

static const char usage[] =
	"usage: LD_PRELOAD=libzpoline.so zpoline-loader [--from-start] [--argv0 NAME] [--comm NAME]\n"
	"                                               [--close-fd N] PROGRAM [ARG...]\n"
	"Runs PROGRAM with its system calls hooked from its first instruction:\n"
	"static executables (which LD_PRELOAD cannot reach) and, with\n"
	"--from-start, dynamic ones including their ld.so and constructors.\n"
	"  --from-start   load a dynamic program's interpreter here too\n"
	"                 (without it a dynamic program is simply executed)\n"
	"  --argv0 NAME   the program's argv[0] (default: PROGRAM as given)\n"
	"  --comm NAME    the program's name in /proc (default: PROGRAM's file name)\n"
	"  --close-fd N   close descriptor N once PROGRAM is open (PROGRAM /dev/fd/N:\n"
	"                 fexecve of a close-on-exec descriptor)\n"
	"PROGRAM without a '/' is looked up in $PATH.\n";

static void write_usage(int fd)
{
	zl_sys3(SYS_write, fd, usage, sizeof usage - 1);
}

/* $PATH lookup as execvp does it: the first executable regular file. */
static const char *resolve(const char *name)
{
	if (strchr(name, '/'))
		return name;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	size_t nlen = strlen(name);
	for (const char *p = path;;) {
		const char *colon = strchr(p, ':');
		size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
		char *cand = zl_alloc(dlen + nlen + 3);
		if (dlen)
			memcpy(cand, p, dlen);
		else
			cand[dlen++] = '.'; /* an empty entry is the current directory */
		cand[dlen] = '/';
		memcpy(cand + dlen + 1, name, nlen + 1);
		struct stat st;
		if (zl_sys2(SYS_stat, cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    zl_sys2(SYS_access, cand, X_OK) == 0)
			return cand;
		zl_free(cand, dlen + nlen + 3);
		if (!colon)
			break;
		p = colon + 1;
	}
	zl_fail(ZL_EXIT_NOT_FOUND, "%s: command not found", name);
}

/* The file's absolute path, as the kernel resolves the open descriptor. */
static const char *absolute_path(const struct zl_file *f)
{
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", f->fd);
	char *buf = zl_alloc(4096);
	long n = zl_sys4(SYS_readlinkat, AT_FDCWD, link, buf, 4095);
	if (n <= 0 || buf[0] != '/')
		return f->path;
	buf[n] = '\0';
	return buf;
}

/* Leaves the program to the kernel (and to the preloaded runtime). */
__attribute__((noreturn)) static void exec_directly(const char *path, const char *name, int argc,
						    char **argv, char **envp)
{
	if (zl_debug)
		zl_msg("%s: dynamic program or script: executing it directly", name);
	/* Through the runtime, which puts back what its start-up took out of
	 * the environment (src/runtime/exec.c). */
	typedef long (*exec_fn)(const char *, char *const[], char *const[]);
	exec_fn ex = (exec_fn)dlsym(RTLD_DEFAULT, "zpoline_loader_execve");
	long e = ex ? ex(path, argv, envp) : zl_sys3(SYS_execve, path, argv, envp);
	(void)argc;
	zl_fail(e == -ENOENT ? ZL_EXIT_NOT_FOUND : ZL_EXIT_CANNOT_RUN, "%s: %s", name,
		zl_strerror(e));
}

int main(int argc, char **argv, char **envp)
{
	zl_sys_init();
	const char *dbg = getenv("ZPOLINE_DEBUG");
	zl_debug = dbg && *dbg ? atoi(dbg) : 0;

	const char *argv0 = NULL, *comm = NULL;
	bool from_start = false;
	long close_fd = -1;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--from-start")) {
			from_start = true;
		} else if (!strcmp(a, "--argv0")) {
			if (i + 1 >= argc)
				zl_fail(ZL_EXIT_USAGE, "--argv0 needs a value");
			argv0 = argv[++i];
		} else if (!strncmp(a, "--argv0=", 8)) {
			argv0 = a + 8;
		} else if (!strcmp(a, "--comm")) {
			if (i + 1 >= argc)
				zl_fail(ZL_EXIT_USAGE, "--comm needs a value");
			comm = argv[++i];
		} else if (!strcmp(a, "--close-fd")) {
			char *end = NULL;
			if (i + 1 >= argc)
				zl_fail(ZL_EXIT_USAGE, "--close-fd needs a value");
			errno = 0;
			close_fd = strtol(argv[++i], &end, 10);
			if (errno || !*argv[i] || *end || close_fd < 0 || close_fd > INT_MAX)
				zl_fail(ZL_EXIT_USAGE, "--close-fd: not a descriptor number: '%s'",
					argv[i]);
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			write_usage(1);
			return 0;
		} else {
			zl_msg("unknown option %s", a);
			write_usage(2);
			return ZL_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		write_usage(2);
		return ZL_EXIT_USAGE;
	}
	/* In place: the kernel's array, which the auxiliary vector follows. */
	zl_env_unhold(envp);
	const char *given = argv[i];
	if (!*given)
		zl_fail(ZL_EXIT_NOT_FOUND, "'': %s", zl_strerror(ENOENT));
	/* The program's argv: argv0 and the arguments, in the loader's argv
	 * array (the loader's own arguments before it are no longer needed). */
	char **pargv = &argv[i];
	int pargc = argc - i;
	if (argv0)
		pargv[0] = (char *)argv0;

	if (!zl_runtime_present())
		zl_fail(ZL_EXIT_USAGE, "the zpoline runtime is not loaded; run me as "
				       "LD_PRELOAD=/path/to/libzpoline.so zpoline-loader ...");

	const char *path = resolve(given);
	const char *name = strchr(given, '/') ? given : path;
	struct zl_file prog;
	int kind = zl_file_open(&prog, path, name);
	const char *interp_path;
	if (kind == ZL_FILE_SCRIPT &&
	    zl_script(&prog, path, &pargc, &pargv, &interp_path, from_start)) {
		/* Its interpreter is the program; the process is still named
		 * after the script (path: comm, AT_EXECFN). */
		zl_sys1(SYS_close, prog.fd);
		size_t len = strlen(name) + strlen(interp_path) + 16;
		char *iname = zl_alloc(len);
		snprintf(iname, len, "%s: interpreter %s", name, interp_path);
		kind = zl_file_open(&prog, interp_path, iname);
	}
	if (kind == ZL_FILE_SCRIPT || (prog.interp && !from_start)) {
		if (close_fd >= 0) /* closed by this execve, as by the program's */
			zl_sys3(SYS_fcntl, close_fd, F_SETFD, FD_CLOEXEC);
		exec_directly(path, name, pargc, pargv, envp);
	}
	/* Open now through a descriptor of its own: the one it came by goes,
	 * as execve would have closed it. */
	if (close_fd >= 0 && close_fd != prog.fd)
		zl_sys1(SYS_close, close_fd);

	zpoline_loader_program = absolute_path(&prog);

	struct zl_image pimg, iimg;
	struct zl_file interp;
	bool have_interp = prog.interp != NULL;
	zl_map_image(&prog, &pimg);
	if (have_interp) {
		size_t len = strlen(name) + strlen(prog.interp_path) + 16;
		char *iname = zl_alloc(len);
		snprintf(iname, len, "%s: interpreter %s", name, prog.interp_path);
		if (zl_file_open(&interp, prog.interp_path, iname) != ZL_FILE_ELF)
			zl_fail(ZL_EXIT_CANNOT_RUN, "%s: not an ELF file", iname);
		if (interp.interp)
			zl_fail(ZL_EXIT_CANNOT_RUN, "%s: has an interpreter itself", iname);
		zl_map_image(&interp, &iimg);
	}
	if (zl_debug) {
		zl_msg("%s: %s, mapped at 0x%lx-0x%lx, entry 0x%lx", name,
		       have_interp ? "dynamic" : "static", (unsigned long)pimg.lo,
		       (unsigned long)pimg.hi, (unsigned long)pimg.entry);
		if (have_interp)
			zl_msg("%s: mapped at 0x%lx-0x%lx, entry 0x%lx", interp.name,
			       (unsigned long)iimg.lo, (unsigned long)iimg.hi,
			       (unsigned long)iimg.entry);
	}
	if (zl_rewrite(&prog, &pimg) < 0)
		zl_fail(ZL_EXIT_CANNOT_RUN, "%s: the runtime could not rewrite it", name);
	if (have_interp && zl_rewrite(&interp, &iimg) < 0)
		zl_fail(ZL_EXIT_CANNOT_RUN, "%s: the runtime could not rewrite its interpreter", name);

	/* The kernel's auxv follows the NULL that ended envp at exec.  The
	 * runtime's start-up may have unsetenv()ed variables since (the
	 * sticky ones, ZPOLINE_STICKY_ADDED): glibc's unsetenv shifts the
	 * entries down in place, so envp now ends early, followed by one stale
	 * NULL per removed entry.  A real vector never starts with AT_NULL (the
	 * kernel always passes entries): skip those NULLs, or the program would
	 * get an empty vector (no AT_SYSINFO_EHDR: no vDSO, every clock_gettime
	 * a system call; no AT_HWCAP2, AT_MINSIGSTKSZ, AT_RSEQ_*). */
	Elf64_auxv_t *auxv_in = NULL;
	char **e = envp;
	while (*e)
		e++;
	while (!*e)
		e++;
	auxv_in = (Elf64_auxv_t *)(void *)e;
	struct zl_start st = {
		.argc = pargc,
		.argv = pargv,
		.envp = have_interp ? zl_env_for_interp(envp) : envp,
		.auxv = auxv_in,
		.execfn = path,
		.prog = &pimg,
		.interp = have_interp ? &iimg : NULL,
		.phnum = prog.eh.e_phnum,
	};
	/* The stack image goes into this frame's own stack: nothing the loader
	 * calls from here on reaches up into it. */
	size_t size = zl_stack_size(&st);
	// cppcheck-suppress allocaCalled ; a VLA would be the same, and read as less deliberate
	char *area = alloca(size);
	struct zl_identity id = {.file = &prog, .exec_path = path, .comm = comm, .prog = &pimg};
	uintptr_t sp = zl_stack_build(&st, area, size, &id.args_lo, &id.args_hi, &id.auxv,
				      &id.auxv_bytes);
	id.sp = sp;
	/* Tell a runtime that wants to know: from here on %fs is the program's,
	 * and this thread's (the loader's) thread pointer is the one code in the
	 * hooks' namespace needs when it uses libc (hook fini(), for one). */
	void (*handover)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "zpoline_loader_handover");
	if (handover)
		handover();
	zl_release_thread();
	if (have_interp)
		zl_sys1(SYS_close, interp.fd);
	zl_become(&id); /* closes the program's file; the loader's last system call */
	zl_enter(have_interp ? iimg.entry : pimg.entry, sp);
}
