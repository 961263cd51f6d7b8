/*
 * nullfault.c - programs that need a read through NULL to fault.
 *
 * Without protection keys (PKU) page 0 cannot be execute-only: the
 * trampoline there is readable, and a read through a NULL pointer (at a
 * small offset) returns sled bytes instead of faulting.  Most programs
 * never notice, since such a read is a bug that crashes either way.  A Java
 * VM does: its compiled code checks for null by reading through the pointer
 * and catching SIGSEGV (javac crashed, and a.length of a null array
 * returned 0x64eb64eb).  So when the mode is left to the runtime (auto), a
 * program that loads a Java VM at start-up (libjli.so or libjvm.so, as
 * every `java`/`javac` launcher does) gets no page 0: every call goes
 * through Syscall User Dispatch, slower but as natively.  A VM loaded later
 * (JNI embedding with dlopen) cannot be helped any more: watch.c says so.
 *
 * Go turns the same fault into a nil-pointer panic, but Go programs keep
 * page 0: a Go thread makes its last call, exit, on a stack it has already
 * handed back (runtime.exitThread: "we may not even have a stack any
 * more"), and under Syscall User Dispatch the kernel writes a signal frame
 * there while another thread may be reusing it (run by hand here, a
 * program ending 64 threads crashed about one run in a hundred).  With
 * page 0 only the few bytes `callq` and the trampoline push are exposed,
 * for a few instructions.
 * docs/design.md weighs the two.
 */
#define _GNU_SOURCE
#include <link.h>
#include <string.h>
#include <sys/platform/x86.h>

#include "rt.h"

/* A Java launcher or VM library, by file name. */
static bool is_java_vm(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return !strncmp(base, "libjli.so", 9) || !strncmp(base, "libjvm.so", 9);
}

static int scan_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	if (info->dlpi_name && is_java_vm(info->dlpi_name)) {
		*(const char **)data = "a Java VM";
		return 1;
	}
	return 0;
}

bool zp_null_reads_fault(void)
{
	return CPU_FEATURE_ACTIVE(PKU);
}

const char *zp_needs_null_faults(void)
{
	if (zp_null_reads_fault())
		return NULL; /* page 0 can be execute-only: reads fault anyway */
	const char *why = NULL;
	dl_iterate_phdr(scan_object, &why);
	return why;
}

bool zp_is_java_vm(const char *path)
{
	return is_java_vm(path);
}
