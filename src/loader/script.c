/*
 * script.c - a "#!" script whose interpreter is a static program
 * (`#!/bin/busybox sh`), or with --from-start any ELF program.  The kernel
 * runs such a script as its interpreter with the arguments [the
 * interpreter as written, its optional argument, the script's path, the
 * script's own arguments after argv[0]], names the process after the
 * script (comm, AT_EXECFN) and /proc/self/exe after the interpreter.
 * LD_PRELOAD does not reach a static interpreter, and a dynamic one
 * started by the kernel would have its ld.so's calls unseen, which
 * --from-start asks to see: so the loader does the kernel's part and loads
 * the interpreter itself.  Any other script is left to the kernel (a
 * dynamic interpreter gets the runtime through LD_PRELOAD as usual; an
 * interpreter that is itself a script, through the kernel's own
 * recursion).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>

#include "elfstatic.h"
#include "loader.h"
#include "shebang.h"

static long read_at(int fd, void *buf, size_t len, long off)
{
	return zl_sys4(SYS_pread64, fd, (long)buf, (long)len, off);
}

bool zl_script(const struct zl_file *script, const char *path, int *argc, char ***argv,
	       const char **interp, bool from_start)
{
	char head[ZP_SHEBANG_BUF];
	long n = read_at(script->fd, head, sizeof head, 0);
	struct zp_shebang *sb = zl_alloc(sizeof *sb);
	/* The kernel opens the interpreter from the working directory. */
	long fd = n > 0 && zp_shebang_parse(head, (size_t)n, sb)
			  ? zl_sys4(SYS_openat, AT_FDCWD, (long)sb->interp, O_RDONLY | O_CLOEXEC, 0)
			  : -1;
	int kind = fd >= 0 ? zp_elf_program((int)fd, read_at) : ZP_ELF_NONE;
	if (fd >= 0)
		zl_sys1(SYS_close, fd);
	if (kind != ZP_ELF_STATIC && !(kind == ZP_ELF_DYNAMIC && from_start)) {
		zl_free(sb, sizeof *sb);
		return false;
	}
	char **v = zl_alloc(sizeof *v * ((size_t)*argc + 3));
	int k = 0;
	v[k++] = sb->interp;
	if (sb->arg[0])
		v[k++] = sb->arg;
	v[k++] = (char *)path;
	for (int i = 1; i < *argc; i++)
		v[k++] = (*argv)[i];
	v[k] = NULL;
	*argc = k;
	*argv = v;
	*interp = sb->interp;
	return true;
}
