/*
 * nullfault.c - programs that need a read through NULL to fault.
 *
 * Without protection keys (PKU) page 0 cannot be execute-only: the
 * trampoline there is readable, and a read through a NULL pointer (at a
 * small offset) returns sled bytes instead of faulting.  Most programs
 * never notice, since such a read is a bug that crashes either way.  But
 * managed runtimes turn the fault into a language-level exception: the
 * JVM's compiled code checks for null by reading through the pointer and
 * catching SIGSEGV (javac crashes, and a.length of a null array returns
 * 0x64eb64eb), and Go turns it into a nil-pointer panic that programs
 * recover from.  For those, when the mode is left to the runtime (auto),
 * the trampoline is not mapped and every call goes through Syscall User
 * Dispatch: slower, but the program behaves as it does natively.
 *
 * Recognised at start-up: a Java VM (libjli.so or libjvm.so loaded, as in
 * every `java`/`javac` launcher), a Go executable (its "Go" build-id note),
 * also when zpoline's loader is about to run one.  A VM loaded later (JNI
 * embedding with dlopen) cannot be helped any more: watch.c says so.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/platform/x86.h>
#include <sys/syscall.h>

#include "raw.h"
#include "rt.h"

#define NT_GO_BUILD_ID 4

static bool note_is_go(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	while (p + sizeof(ElfW(Nhdr)) <= end) {
		const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(const void *)p;
		const uint8_t *name = p + sizeof *nh;
		size_t namesz = (nh->n_namesz + 3) & ~3u, descsz = (nh->n_descsz + 3) & ~3u;
		if (namesz > (size_t)(end - name) || descsz > (size_t)(end - name) - namesz)
			return false;
		/* Go writes the name padded: "Go\0\0", n_namesz 4 */
		if (nh->n_type == NT_GO_BUILD_ID && (nh->n_namesz == 3 || nh->n_namesz == 4) &&
		    !memcmp(name, "Go", 3))
			return true;
		p = name + namesz + descsz;
	}
	return false;
}

/* A Java launcher or VM library, by file name. */
static bool is_java_vm(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return !strncmp(base, "libjli.so", 9) || !strncmp(base, "libjvm.so", 9);
}

struct scan {
	const char *why;
};

static int scan_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct scan *s = data;
	if (info->dlpi_name && is_java_vm(info->dlpi_name)) {
		s->why = "a Java VM";
		return 1;
	}
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_NOTE &&
		    note_is_go((const uint8_t *)(info->dlpi_addr + ph->p_vaddr), ph->p_memsz)) {
			s->why = "a Go program";
			return 1;
		}
	}
	return 0;
}

/* The program zpoline's loader was asked to run, from the loader's
 * arguments (docs/loader.md), or NULL. */
static const char *loader_program(int argc, char **argv)
{
	const char *exe = (const char *)getauxval(AT_EXECFN);
	const char *base = exe ? strrchr(exe, '/') : NULL;
	if (!base || strcmp(base + 1, "zpoline-loader") || !argv)
		return NULL;
	int i = 1;
	for (; i < argc && argv[i] && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "--argv0"))
			i++;
	}
	return i < argc ? argv[i] : NULL;
}

/* Does the ELF file at `path` carry a Go build-id note? */
static bool file_is_go(const char *path)
{
	int fd = (int)zp_raw3(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool go = false;
	ElfW(Ehdr) eh = {0};
	ElfW(Phdr) ph[32];
	if (zp_raw4(SYS_pread64, fd, &eh, sizeof eh, 0) == (long)sizeof eh &&
	    !memcmp(eh.e_ident, ELFMAG, SELFMAG) && eh.e_phentsize == sizeof(ElfW(Phdr)) &&
	    eh.e_phnum > 0 && eh.e_phnum <= 32 &&
	    zp_raw4(SYS_pread64, fd, ph, eh.e_phnum * sizeof *ph, eh.e_phoff) ==
		    (long)(eh.e_phnum * sizeof *ph)) {
		uint8_t note[512];
		for (int i = 0; i < eh.e_phnum && !go; i++) {
			if (ph[i].p_type != PT_NOTE)
				continue;
			size_t n = ph[i].p_filesz < sizeof note ? ph[i].p_filesz : sizeof note;
			go = zp_raw4(SYS_pread64, fd, note, n, ph[i].p_offset) == (long)n &&
			     note_is_go(note, n);
		}
	}
	zp_raw1(SYS_close, fd);
	return go;
}

bool zp_null_reads_fault(void)
{
	return CPU_FEATURE_ACTIVE(PKU);
}

const char *zp_needs_null_faults(int argc, char **argv)
{
	if (zp_null_reads_fault())
		return NULL; /* page 0 can be execute-only: reads fault anyway */
	struct scan s = {NULL};
	dl_iterate_phdr(scan_object, &s);
	if (s.why)
		return s.why;
	const char *prog = loader_program(argc, argv);
	if (prog && file_is_go(prog))
		return "a Go program";
	return NULL;
}

bool zp_is_java_vm(const char *path)
{
	return is_java_vm(path);
}
