/*
 * map.c - putting an ELF image in memory the way the kernel's execve does.
 *
 * The whole span of the PT_LOAD segments is reserved first (PROT_NONE), so
 * a position-dependent image fails cleanly when its addresses are taken and
 * a position-independent one gets a base honouring the largest p_align;
 * then each segment is mapped over the reservation from the file with its
 * own protection, the tail of its last file page is zeroed and the rest of
 * its bss is fresh anonymous memory.  Gaps between segments stay reserved,
 * as ld.so leaves them, so nothing else is placed inside the image.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "loader.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static int prot_of(uint32_t flags)
{
	return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
	       (flags & PF_X ? PROT_EXEC : 0);
}

/* The alignment the image's base must have: the largest power-of-two
 * p_align of its PT_LOADs (the kernel does the same since Linux 5.10). */
static uintptr_t image_align(const struct zl_file *f)
{
	uintptr_t a = ZL_PAGE;
	for (unsigned i = 0; i < f->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];
		if (p->p_type == PT_LOAD && p->p_align > a && !(p->p_align & (p->p_align - 1)) &&
		    p->p_align <= (1ul << 30))
			a = p->p_align;
	}
	return a;
}

static void fail_map(const struct zl_file *f, const char *what, long err)
{
	zl_fail(ZL_EXIT_CANNOT_RUN, "%s: cannot map %s: %s", f->name, what, zl_strerror(err));
}

/* Reserves the span and returns the load bias. */
static uintptr_t reserve(const struct zl_file *f, uintptr_t lo, uintptr_t hi)
{
	size_t span = hi - lo;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	if (f->eh.e_type == ET_EXEC) {
		long m = zl_sys6(SYS_mmap, lo, span, PROT_NONE, flags | MAP_FIXED_NOREPLACE, -1, 0);
		if (m == -EEXIST)
			zl_fail(ZL_EXIT_CANNOT_RUN,
				"%s: its fixed addresses 0x%lx-0x%lx are already in use in the "
				"loader's process",
				f->name, (unsigned long)lo, (unsigned long)hi);
		if (m < 0)
			fail_map(f, "its address range", m);
		if ((uintptr_t)m != lo) { /* a kernel without MAP_FIXED_NOREPLACE */
			zl_sys2(SYS_munmap, m, span);
			fail_map(f, "its fixed addresses", -EEXIST);
		}
		return 0;
	}
	uintptr_t align = image_align(f);
	size_t extra = align - ZL_PAGE;
	long m = zl_sys6(SYS_mmap, 0, span + extra, PROT_NONE, flags, -1, 0);
	if (m < 0)
		fail_map(f, "its address range", m);
	uintptr_t start = ((uintptr_t)m + align - 1) & ~(align - 1);
	if (start > (uintptr_t)m)
		zl_sys2(SYS_munmap, m, start - (uintptr_t)m);
	uintptr_t end = (uintptr_t)m + span + extra;
	if (end > start + span)
		zl_sys2(SYS_munmap, start + span, end - (start + span));
	return start - lo;
}

static void map_segment(const struct zl_file *f, uintptr_t bias, unsigned i)
{
	const Elf64_Phdr *p = &f->ph[i];
	int prot = prot_of(p->p_flags);
	uintptr_t start = bias + p->p_vaddr;
	uintptr_t file_end = start + p->p_filesz;
	uintptr_t mem_end = start + p->p_memsz;
	uintptr_t page = ZL_PAGE_DOWN(start);
	char what[64];
	snprintf(what, sizeof what, "segment %u", i);

	if (p->p_filesz) {
		long m = zl_sys6(SYS_mmap, page, ZL_PAGE_UP(file_end) - page, prot,
				 MAP_PRIVATE | MAP_FIXED, f->fd, ZL_PAGE_DOWN(p->p_offset));
		if (m < 0)
			fail_map(f, what, m);
	}
	if (p->p_memsz <= p->p_filesz)
		return;
	/* bss: the rest of the last file page is zeroed to the end of the
	 * page, past the bss too, as the kernel does (ld.so's first allocations
	 * live there and count on zeroes); later pages are fresh. */
	uintptr_t zero_end = ZL_PAGE_UP(file_end);
	if (p->p_filesz && file_end < zero_end) {
		if (!(prot & PROT_WRITE))
			zl_sys3(SYS_mprotect, ZL_PAGE_DOWN(file_end), ZL_PAGE, prot | PROT_WRITE);
		memset((void *)file_end, 0, zero_end - file_end);
		if (!(prot & PROT_WRITE))
			zl_sys3(SYS_mprotect, ZL_PAGE_DOWN(file_end), ZL_PAGE, prot);
	}
	uintptr_t anon = p->p_filesz ? zero_end : page;
	if (ZL_PAGE_UP(mem_end) > anon) {
		long m = zl_sys6(SYS_mmap, anon, ZL_PAGE_UP(mem_end) - anon, prot,
				 MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
		if (m < 0)
			fail_map(f, what, m);
	}
}

/* Where the program headers are in memory (AT_PHDR): PT_PHDR if there is
 * one, else wherever a segment maps the file bytes at e_phoff, else a copy
 * (the kernel would pass a bogus address; a copy keeps libc working). */
static uintptr_t phdr_address(const struct zl_file *f, uintptr_t bias)
{
	size_t bytes = (size_t)f->eh.e_phnum * sizeof(Elf64_Phdr);
	for (unsigned i = 0; i < f->eh.e_phnum; i++)
		if (f->ph[i].p_type == PT_PHDR)
			return bias + f->ph[i].p_vaddr;
	for (unsigned i = 0; i < f->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];
		if (p->p_type == PT_LOAD && p->p_offset <= f->eh.e_phoff &&
		    f->eh.e_phoff + bytes <= p->p_offset + p->p_filesz)
			return bias + p->p_vaddr + (f->eh.e_phoff - p->p_offset);
	}
	void *copy = zl_alloc(bytes);
	memcpy(copy, f->ph, bytes);
	return (uintptr_t)copy;
}

void zl_map_image(const struct zl_file *f, struct zl_image *img)
{
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (unsigned i = 0; i < f->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];
		if (p->p_type != PT_LOAD)
			continue;
		if (ZL_PAGE_DOWN(p->p_vaddr) < lo)
			lo = ZL_PAGE_DOWN(p->p_vaddr);
		if (ZL_PAGE_UP(p->p_vaddr + p->p_memsz) > hi)
			hi = ZL_PAGE_UP(p->p_vaddr + p->p_memsz);
	}
	if (f->eh.e_type == ET_EXEC && lo < ZL_PAGE)
		zl_fail(ZL_EXIT_CANNOT_RUN, "%s: it wants page 0, where zpoline's trampoline lives",
			f->name);
	uintptr_t bias = reserve(f, lo, hi);
	for (unsigned i = 0; i < f->eh.e_phnum; i++)
		if (f->ph[i].p_type == PT_LOAD)
			map_segment(f, bias, i);
	img->bias = bias;
	img->lo = bias + lo;
	img->hi = bias + hi;
	img->entry = bias + f->eh.e_entry;
	img->phdr = phdr_address(f, bias);
	img->bss_end = 0;
	for (unsigned i = 0; i < f->eh.e_phnum; i++)
		if (f->ph[i].p_type == PT_LOAD && bias + f->ph[i].p_vaddr + f->ph[i].p_memsz > img->bss_end)
			img->bss_end = bias + f->ph[i].p_vaddr + f->ph[i].p_memsz;
}
