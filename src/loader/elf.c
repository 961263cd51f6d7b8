/*
 * elf.c - opening a program file and deciding whether the loader can run it.
 *
 * The checks are the ones the kernel's ELF loader makes, plus a few it
 * leaves to a later crash (segments past the end of the file).  Every
 * refusal is one line that names the file, and an exit status a shell
 * would give (127 not found, 126 cannot be run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "loader.h"

long zl_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	while (done < len) {
		long r = zl_sys4(SYS_pread64, fd, (char *)buf + done, len - done, off + done);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		if (r == 0)
			return -ENOEXEC; /* the file is shorter than its headers say */
		done += (size_t)r;
	}
	return 0;
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_386: return "i386";
	case EM_ARM: return "arm";
	case EM_AARCH64: return "aarch64";
	case EM_RISCV: return "riscv";
	case EM_PPC64: return "ppc64";
	case EM_PPC: return "ppc";
	case EM_S390: return "s390";
	case EM_MIPS: return "mips";
	case EM_SPARCV9: return "sparc64";
	case 258: return "loongarch"; /* EM_LOONGARCH: newer than some elf.h */
	default: return NULL;
	}
}

static const char *type_name(unsigned t)
{
	switch (t) {
	case ET_NONE: return "no file type";
	case ET_REL: return "a relocatable object (.o)";
	case ET_CORE: return "a core dump";
	default: return "an unknown ELF file type";
	}
}

/* A message about f, and exit. */
#define BAD(f, status, ...) zl_fail_file((f), (status), __VA_ARGS__)
__attribute__((noreturn, format(printf, 3, 4))) static void
zl_fail_file(const struct zl_file *f, int status, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	zl_fail(status, "%s: %s", f->name, why);
}

static void check_headers(struct zl_file *f)
{
	const Elf64_Ehdr *e = &f->eh;
	const unsigned char *id = e->e_ident;
	if (id[EI_CLASS] == ELFCLASS32)
		BAD(f, ZL_EXIT_CANNOT_RUN, "32-bit ELF is not supported");
	if (id[EI_CLASS] != ELFCLASS64)
		BAD(f, ZL_EXIT_CANNOT_RUN, "not a valid ELF file (class %u)", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		BAD(f, ZL_EXIT_CANNOT_RUN, "not an x86-64 executable (big-endian)");
	if (e->e_machine != EM_X86_64) {
		const char *m = machine_name(e->e_machine);
		if (m)
			BAD(f, ZL_EXIT_CANNOT_RUN, "not an x86-64 executable (%s)", m);
		BAD(f, ZL_EXIT_CANNOT_RUN, "not an x86-64 executable (machine %u)", e->e_machine);
	}
	if (e->e_type != ET_EXEC && e->e_type != ET_DYN)
		BAD(f, ZL_EXIT_CANNOT_RUN, "not an executable: %s", type_name(e->e_type));
	if (e->e_phentsize != sizeof(Elf64_Phdr))
		BAD(f, ZL_EXIT_CANNOT_RUN, "bad ELF program header size %u", e->e_phentsize);
	size_t bytes = (size_t)e->e_phnum * sizeof(Elf64_Phdr);
	if (e->e_phnum == 0 || bytes > ZL_MAX_PHDR_BYTES)
		BAD(f, ZL_EXIT_CANNOT_RUN, "bad number of ELF program headers (%u)", e->e_phnum);
	if (e->e_phoff > f->size || bytes > f->size - e->e_phoff)
		BAD(f, ZL_EXIT_CANNOT_RUN, "truncated ELF file (program headers past its end)");
}

static void check_segments(struct zl_file *f)
{
	int loads = 0;
	uint64_t prev_end = 0;
	for (unsigned i = 0; i < f->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];
		if (p->p_type == PT_INTERP) {
			if (f->interp)
				BAD(f, ZL_EXIT_CANNOT_RUN, "more than one PT_INTERP");
			f->interp = p;
		}
		if (p->p_type != PT_LOAD)
			continue;
		loads++;
		if (p->p_filesz > p->p_memsz)
			BAD(f, ZL_EXIT_CANNOT_RUN, "segment %u: file size exceeds memory size", i);
		if (p->p_offset > f->size || p->p_filesz > f->size - p->p_offset)
			BAD(f, ZL_EXIT_CANNOT_RUN, "truncated ELF file (segment %u past its end)", i);
		if ((p->p_vaddr - p->p_offset) % ZL_PAGE)
			BAD(f, ZL_EXIT_CANNOT_RUN, "segment %u: address and file offset disagree "
						   "modulo the page size", i);
		/* User space ends at 2^47 on x86-64 with 4-level paging. */
		if (p->p_vaddr >= (1ull << 47) || p->p_memsz >= (1ull << 47) - p->p_vaddr)
			BAD(f, ZL_EXIT_CANNOT_RUN, "segment %u: address out of range", i);
		if (p->p_vaddr < prev_end)
			BAD(f, ZL_EXIT_CANNOT_RUN, "PT_LOAD segments overlap or are out of order");
		prev_end = p->p_vaddr + p->p_memsz;
	}
	if (!loads)
		BAD(f, ZL_EXIT_CANNOT_RUN, "no loadable segment");
	if (f->eh.e_type == ET_DYN && !f->interp && f->eh.e_entry == 0)
		BAD(f, ZL_EXIT_CANNOT_RUN, "no entry point (a shared library?)");
	if (f->interp) {
		const Elf64_Phdr *p = f->interp;
		if (p->p_filesz < 2 || p->p_filesz > 4096 || p->p_offset > f->size ||
		    p->p_filesz > f->size - p->p_offset)
			BAD(f, ZL_EXIT_CANNOT_RUN, "bad PT_INTERP");
		f->interp_path = zl_alloc(p->p_filesz);
		long e = zl_pread_all(f->fd, f->interp_path, p->p_filesz, p->p_offset);
		if (e < 0 || f->interp_path[p->p_filesz - 1] != '\0' ||
		    strlen(f->interp_path) != p->p_filesz - 1)
			BAD(f, ZL_EXIT_CANNOT_RUN, "bad PT_INTERP");
	}
}

int zl_file_open(struct zl_file *f, const char *path, const char *name)
{
	memset(f, 0, sizeof *f);
	f->path = path;
	f->name = name ? name : path;
	f->fd = -1;
	long fd = zl_sys4(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		BAD(f, fd == -ENOENT || fd == -ENOTDIR ? ZL_EXIT_NOT_FOUND : ZL_EXIT_CANNOT_RUN,
		    "%s", zl_strerror(fd));
	f->fd = (int)fd;
	struct stat st;
	long e = zl_sys2(SYS_fstat, f->fd, &st);
	if (e < 0)
		BAD(f, ZL_EXIT_CANNOT_RUN, "%s", zl_strerror(e));
	if (S_ISDIR(st.st_mode))
		BAD(f, ZL_EXIT_CANNOT_RUN, "%s", zl_strerror(EISDIR));
	if (!S_ISREG(st.st_mode))
		BAD(f, ZL_EXIT_CANNOT_RUN, "not a regular file");
	/* As execve: the caller needs execute permission (root: some x bit). */
	e = zl_sys3(SYS_access, path, X_OK, 0);
	if (e < 0)
		BAD(f, ZL_EXIT_CANNOT_RUN, "%s", zl_strerror(e));
	f->size = (uint64_t)st.st_size;

	unsigned char head[sizeof(Elf64_Ehdr)];
	size_t got = f->size < sizeof head ? (size_t)f->size : sizeof head;
	memset(head, 0, sizeof head);
	e = zl_pread_all(f->fd, head, got, 0);
	if (e < 0)
		BAD(f, ZL_EXIT_CANNOT_RUN, "%s", zl_strerror(e));
	if (got >= 2 && head[0] == '#' && head[1] == '!')
		return ZL_FILE_SCRIPT;
	if (got < SELFMAG || memcmp(head, ELFMAG, SELFMAG) != 0)
		BAD(f, ZL_EXIT_CANNOT_RUN, "not an ELF executable");
	if (head[EI_CLASS] == ELFCLASS32)
		BAD(f, ZL_EXIT_CANNOT_RUN, "32-bit ELF is not supported");
	if (got < sizeof head)
		BAD(f, ZL_EXIT_CANNOT_RUN, "truncated ELF file");
	memcpy(&f->eh, head, sizeof f->eh);
	check_headers(f);

	size_t bytes = (size_t)f->eh.e_phnum * sizeof(Elf64_Phdr);
	f->ph = zl_alloc(bytes);
	e = zl_pread_all(f->fd, f->ph, bytes, f->eh.e_phoff);
	if (e < 0)
		BAD(f, ZL_EXIT_CANNOT_RUN, "%s", zl_strerror(e));
	check_segments(f);
	return ZL_FILE_ELF;
}
