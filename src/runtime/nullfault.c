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
 * every `java`/`javac` launcher does) gets no page 0: its sites are
 * detoured instead (ZPOLINE_MODE=detour, detour.c: a jmp to a trampoline
 * of their own; the program's NULL reads fault as natively, and each call
 * costs about what a page-0 site's does).  A VM loaded later (JNI
 * embedding with dlopen) cannot be helped any more: watch.c says so.
 * Mono's JIT does the same (a field of a null object read 0x64eb64eb
 * where NullReferenceException was due): its runtime is linked into the
 * `mono` executable, found by the symbol every Mono runtime defines, or
 * is a libmono*-2.0 library.  SBCL's runtime turns the fault into a Lisp
 * condition (memory-fault-error, which handler-case code catches; a read
 * of (int-sap 8) returned a sled byte): the `sbcl` executable, known by
 * the symbol its runtime exports for entering Lisp code, or libsbcl.so
 * where it is built as a library.  .NET's CoreCLR (libcoreclr.so) relies on
 * the fault too; its hosts load it with dlopen, so only watch.c's message
 * can help there (by name: no .NET on this project's machine to try).
 *
 * Wine runs Windows programs, which read through bad pointers on purpose
 * under structured exception handling (IsBadReadPtr, ReadProcessMemory,
 * a write from a bad buffer failing as it should): with page 0 readable
 * they got the sled's bytes where Windows answers "no" (its loader,
 * `wine64`, exports wine_main_preload_info).  Wine also reserves the low
 * 2 GiB of the address space for Windows once it runs (0x10000 to
 * 0x68000000, 0x7ff00000 to 0x7fff0000): the second stage is placed
 * outside them (zp_program_reserves_low, trampoline.c).
 *
 * Go turns the same fault into a nil-pointer panic (recovered from by
 * net/http's handlers, among others): a Go program (its "Go" build-ID
 * note) is detoured too.  Before detours existed the choice for the VMs
 * was Syscall User Dispatch (~5 us a call), which Go cannot use: a Go
 * thread makes its last call, exit, on a stack it has already handed back
 * (runtime.exitThread: "we may not even have a stack any more"), and
 * under Syscall User Dispatch the kernel writes a signal frame there while
 * another thread may be reusing it.  Detoured, that call writes what a
 * page-0 site's does: a return address and the number below rsp.
 * docs/design.md weighs the two.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <string.h>
#include <sys/platform/x86.h>

#include "gotab.h"
#include "rt.h"
#include "solib.h"

/* Exported by Wine's loader for its ntdll (the preloader's reservations). */
#define WINE_LOADER_SYMBOL "wine_main_preload_info"

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
		{"libsbcl.so", "an SBCL runtime"},
	};
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
		if (!strncmp(base, libs[i].prefix, strlen(libs[i].prefix)))
			return libs[i].kind;
	return NULL;
}

/* A runtime linked into the object itself (the `mono` and `sbcl`
 * executables). */
static const char *vm_inside(const struct dl_phdr_info *info)
{
	if (zp_solib_defines(info, "mono_jit_init"))
		return "a Mono runtime";
	if (zp_solib_defines(info, "call_into_lisp"))
		return "an SBCL runtime";
	if (zp_solib_defines(info, WINE_LOADER_SYMBOL))
		return "Wine";
	return NULL;
}

/* Does the program define sym?  Known from its own symbol table: no
 * dlopen and dlsym in a constructor, which would search every object's
 * table under ld.so's lock before the program has started.  The program
 * is the first object.  Asked once (*known: 0 not yet, 1 yes, -1 no). */
struct program_symbol {
	const char *sym;
	bool yes;
};

static int first_defines(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct program_symbol *q = data;
	q->yes = info->dlpi_name && !info->dlpi_name[0] && zp_solib_defines(info, q->sym);
	return 1;
}

static bool program_defines(const char *sym, signed char *known)
{
	if (!*known) {
		struct program_symbol q = {sym, false};
		dl_iterate_phdr(first_defines, &q);
		*known = q.yes ? 1 : -1;
	}
	return *known > 0;
}

/* Wine's loader. */
bool zp_program_reserves_low(void)
{
	static signed char known;
	return program_defines(WINE_LOADER_SYMBOL, &known);
}

/* zpoline-loader (how `zpoline run` starts a static program). */
bool zp_program_is_loader(void)
{
	static signed char known;
	return program_defines("zpoline_loader_program", &known);
}

/* A Go program: Go's linker writes a note "Go" of type 4 (its build ID).
 * Go turns a fault at a small address into a nil-pointer panic, which
 * programs recover from (net/http's handlers do). */
static const char *go_program(const struct dl_phdr_info *info)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		/* in the program's first, readable, segment, as every note */
		if (zp_go_note_in((const void *)(info->dlpi_addr + ph->p_vaddr), ph->p_memsz))
			return "a Go program";
	}
	return NULL;
}

static int scan_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	const char *kind = info->dlpi_name ? vm_library(info->dlpi_name) : NULL;
	/* The program itself (no name): libraries are known by name. */
	if (!kind && info->dlpi_name && !info->dlpi_name[0]) {
		kind = vm_inside(info);
	}
	if (!kind && info->dlpi_name && !info->dlpi_name[0])
		kind = go_program(info);
	if (kind) {
		*(const char **)data = kind;
		return 1;
	}
	return 0;
}

/* The VM library among those the file names in its dynamic section
 * (DT_NEEDED), or NULL: `java` links libjli.so. */
static const char *needed_vm(int fd, const Elf64_Phdr *ph, int phnum)
{
	const Elf64_Phdr *dyn = NULL;
	for (int i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = &ph[i];
	Elf64_Dyn d[128];
	long got = dyn ? zp_raw4(SYS_pread64, fd, d,
				 dyn->p_filesz < sizeof d ? dyn->p_filesz : sizeof d, dyn->p_offset)
		       : -1;
	if (got <= 0)
		return NULL;
	size_t n = (size_t)got / sizeof d[0];
	uint64_t strtab = 0, stroff = 0;
	for (size_t i = 0; i < n && d[i].d_tag != DT_NULL; i++)
		if (d[i].d_tag == DT_STRTAB)
			strtab = d[i].d_un.d_ptr;
	for (int i = 0; i < phnum; i++) /* the table's address in the file */
		if (ph[i].p_type == PT_LOAD && strtab >= ph[i].p_vaddr &&
		    strtab < ph[i].p_vaddr + ph[i].p_filesz)
			stroff = strtab - ph[i].p_vaddr + ph[i].p_offset;
	for (size_t i = 0; stroff && i < n && d[i].d_tag != DT_NULL; i++) {
		char name[64];
		if (d[i].d_tag != DT_NEEDED ||
		    zp_raw4(SYS_pread64, fd, name, sizeof name - 1, stroff + d[i].d_un.d_val) <= 0)
			continue;
		name[sizeof name - 1] = '\0';
		const char *kind = vm_library(name);
		if (kind)
			return kind;
	}
	return NULL;
}

/* A program whose NULL reads must fault, by its file: a Go program (Go's
 * build-ID note), or one that links a VM library.  Its kind, or NULL. */
static const char *file_needs_null_faults(int fd)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	if (zp_raw4(SYS_pread64, fd, &eh, sizeof eh, 0) != (long)sizeof eh ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phentsize != sizeof ph[0] ||
	    eh.e_phnum == 0 || eh.e_phnum > 64)
		return NULL;
	long want = (long)(eh.e_phnum * sizeof ph[0]);
	if (zp_raw4(SYS_pread64, fd, ph, want, eh.e_phoff) != want)
		return NULL;
	for (int i = 0; i < eh.e_phnum; i++) {
		uint8_t note[256];
		if (ph[i].p_type != PT_NOTE || ph[i].p_filesz > sizeof note)
			continue;
		long n = zp_raw4(SYS_pread64, fd, note, ph[i].p_filesz, ph[i].p_offset);
		if (n > 0 && zp_go_note_in(note, (size_t)n))
			return "a Go program";
	}
	return needed_vm(fd, ph, eh.e_phnum);
}

/* Under zpoline-loader (how `zpoline run` starts a static program, and a
 * dynamic one with --from-start) the runtime starts in the loader, before
 * the program or its libraries are mapped: the program is the first
 * argument of the loader's command line that is not one of its options.
 * (Java under --from-start got page 0: its libjli.so came "after
 * start-up", and compiled code's null checks read the sled.) */
static const char *loaded_program_needs(void)
{
	if (!zp_program_is_loader())
		return NULL;
	char cmd[4096];
	int fd = (int)zp_raw3(SYS_open, "/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	long n = zp_raw3(SYS_read, fd, cmd, sizeof cmd - 1);
	zp_raw1(SYS_close, fd);
	if (n <= 0)
		return NULL;
	cmd[n] = 0;
	const char *prog = NULL;
	for (char *a = cmd + strlen(cmd) + 1; a < cmd + n && !prog; a += strlen(a) + 1) {
		if (!strcmp(a, "--argv0") || !strcmp(a, "--comm"))
			a += strlen(a) + 1; /* and its value */
		else if (strcmp(a, "--") && strncmp(a, "--", 2))
			prog = a;
	}
	if (!prog)
		return NULL;
	/* a bare name is looked up in $PATH, as the loader does */
	char path[4096];
	const char *dirs = strchr(prog, '/') ? "" : getenv("PATH");
	for (const char *d = dirs; d;) {
		const char *colon = strchr(d, ':');
		size_t dl = colon ? (size_t)(colon - d) : strlen(d);
		if (dl + strlen(prog) + 2 <= sizeof path) {
			memcpy(path, d, dl); // NOLINT: terminated below, or by the strcpy
			path[dl] = dl ? '/' : 0;
			strcpy(path + (dl ? dl + 1 : 0), prog);
			fd = (int)zp_raw3(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
			if (fd >= 0) {
				const char *kind = file_needs_null_faults(fd);
				zp_raw1(SYS_close, fd);
				return kind;
			}
		}
		d = colon ? colon + 1 : NULL;
	}
	return NULL;
}

bool zp_null_reads_fault(void)
{
	return zp_pku_usable();
}

const char *zp_needs_null_faults(void)
{
	if (zp_null_reads_fault())
		return NULL; /* page 0 can be execute-only: reads fault anyway */
	const char *why = NULL;
	dl_iterate_phdr(scan_object, &why);
	return why ? why : loaded_program_needs();
}

const char *zp_vm_library(const char *path)
{
	return vm_library(path);
}
