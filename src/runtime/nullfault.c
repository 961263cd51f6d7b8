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
 * Mono's JIT does the same (a field of a null object read 0x64eb64eb
 * where NullReferenceException was due): its runtime is linked into the
 * `mono` executable, found by the symbol every Mono runtime defines, or
 * is a libmono*-2.0 library.  .NET's CoreCLR (libcoreclr.so) relies on
 * the fault too; its hosts load it with dlopen, so only watch.c's message
 * can help there (by name: no .NET on this project's machine to try).
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
#include "solib.h"

/* What kind of VM a library of that file name is, or NULL. */
static const char *vm_library(const char *path)
{
	static const struct {
		const char *prefix, *kind;
	} libs[] = {
		{"libjli.so", "a Java VM"},
		{"libjvm.so", "a Java VM"},
		{"libmonosgen-2.0.so", "a Mono runtime"},
		{"libmono-2.0.so", "a Mono runtime"},
		{"libmonoboehm-2.0.so", "a Mono runtime"},
		{"libcoreclr.so", "a .NET runtime"},
	};
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
		if (!strncmp(base, libs[i].prefix, strlen(libs[i].prefix)))
			return libs[i].kind;
	return NULL;
}

/* A runtime linked into the object itself (the `mono` executable). */
static const char *vm_inside(const struct dl_phdr_info *info)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_DYNAMIC)
			continue;
		const ElfW(Dyn) *dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
		return zp_solib_sym_loaded(info->dlpi_addr, dyn, "mono_jit_init") ? "a Mono runtime"
										   : NULL;
	}
	return NULL;
}

static int scan_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	const char *kind = info->dlpi_name ? vm_library(info->dlpi_name) : NULL;
	/* The program itself (no name): libraries are known by name. */
	if (!kind && info->dlpi_name && !info->dlpi_name[0])
		kind = vm_inside(info);
	if (kind) {
		*(const char **)data = kind;
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

const char *zp_vm_library(const char *path)
{
	return vm_library(path);
}
