/*
 * vdso.c - ZPOLINE_VDSO=1: clock_gettime, gettimeofday, time and getcpu
 * through the vDSO never enter the kernel, so no hook would see them.  With
 * this setting each of those vDSO functions is replaced by
 *
 *     mov  %rsp, %rax            called from hook code?  Hooks run on the
 *     sub  %gs:TB_HOOKBASE, %rax thread's slots of the runtime's stack,
 *     cmp  %gs:TB_SPAN, %rax     which TB_HOOKBASE holds while they run
 *     mov  $nr, %eax             (TB_SPAN: their size, per thread)
 *     jb   1f
 *     syscall                    rewritten to callq *%rax: the hooks see it
 *     ret
 *  1: syscall                    left alone: hooks calling the vDSO (the
 *     ret                        tracer's clocks) must not hook themselves
 *
 * so a hook can virtualise time.  Off by default and then costs nothing.
 * Both the stack and the mark set around hook code tell: a program's
 * signal handler that left a hook with siglongjmp left the mark set (with
 * a flag alone every later call of that thread went past the hooks), and
 * one that interrupted the stub outside the hook runs on a slot too.  One
 * that interrupted the hook itself runs on the slot with the mark set
 * (unless on its own signal stack), and its calls go past the hooks.
 * A thread the runtime does not know reads page 0's int3 fill through a
 * %gs base of 0 and takes the rewritten path, where the runtime meets it
 * as any call of such a thread; one whose program set its own %gs base
 * reads the program's memory there, or faults, which the SIGSEGV handler
 * turns into the rewritten path too (zp_vdso_mark_skip).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "finder.h"
#include "maps.h"
#include "rewrite.h"

struct routed {
	const char *name;
	long nr;
};

static const struct routed routed[] = {
	{"__vdso_clock_gettime", SYS_clock_gettime},
	{"__vdso_gettimeofday", SYS_gettimeofday},
	{"__vdso_time", SYS_time},
	{"__vdso_getcpu", SYS_getcpu},
};

#define STUB_LEN 34
#define MARK_AT 3    /* sub %gs:TB_HOOKBASE, %rax */
#define SPAN_AT 12   /* cmp %gs:TB_SPAN, %rax */
#define MARK_END 21
#define STUB_SITE (STUB_LEN - 6) /* the first syscall: two syscall; ret follow */

static size_t put32(uint8_t *p, size_t n, uint32_t v)
{
	memcpy(p + n, &v, 4);
	return n + 4;
}

static uintptr_t zp_vdso_lo, zp_vdso_hi; /* the vDSO, once a function is routed */

static size_t build_stub(uint8_t *p, long nr)
{
	size_t n = 0;
	const uint8_t mov_sp[] = {0x48, 0x89, 0xe0}; /* mov %rsp, %rax */
	memcpy(p + n, mov_sp, sizeof mov_sp);
	n += sizeof mov_sp;
	/* sub %gs:TB_HOOKBASE, %rax (absolute disp32, no base) */
	const uint8_t sub[] = {0x65, 0x48, 0x2b, 0x04, 0x25};
	memcpy(p + n, sub, sizeof sub);
	n = put32(p, n + sizeof sub, TB_HOOKBASE);
	/* cmp %gs:TB_SPAN, %rax */
	const uint8_t cmp[] = {0x65, 0x48, 0x3b, 0x04, 0x25};
	memcpy(p + n, cmp, sizeof cmp);
	n = put32(p, n + sizeof cmp, TB_SPAN);
	p[n++] = 0xb8; /* mov $nr, %eax */
	n = put32(p, n, (uint32_t)nr);
	p[n++] = 0x72; /* jb +3 */
	p[n++] = 0x03;
	p[n++] = 0x0f; /* syscall (to be rewritten) */
	p[n++] = 0x05;
	p[n++] = 0xc3; /* ret */
	p[n++] = 0x0f; /* syscall (the hooks' own) */
	p[n++] = 0x05;
	p[n++] = 0xc3;
	return n;
}

/* Is ip a routed function's `sub %gs:TB_HOOKBASE, %rax` or its
 * `cmp %gs:TB_SPAN, %rax`?  Read through a program's own %gs base either
 * may fault (signals.c), and then the function takes the hooked call: the
 * bytes to skip to its `mov $nr, %eax`, after which the caller clears the
 * carry; else 0. */
size_t zp_vdso_mark_skip(uintptr_t ip)
{
	if (!zp_vdso_lo || ip < zp_vdso_lo + MARK_AT || ip + MARK_END > zp_vdso_hi)
		return 0;
	uint8_t want[STUB_LEN];
	build_stub(want, 0);
	size_t at = 0;
	if (memcmp((const void *)(ip - MARK_AT), want, MARK_END) == 0)
		at = MARK_AT;
	else if (ip >= zp_vdso_lo + SPAN_AT && memcmp((const void *)(ip - SPAN_AT), want, MARK_END) == 0)
		at = SPAN_AT;
	return at ? MARK_END - at : 0;
}

/* Returns how many functions were routed, or -1. */
int zp_vdso_route(void)
{
	uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	if (!base)
		return -1;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_shentsize != sizeof(Elf64_Shdr))
		return -1;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh->e_shoff);
	const Elf64_Sym *syms = NULL;
	const char *str = NULL;
	size_t nsyms = 0;
	for (int i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_DYNSYM && sh[i].sh_link < eh->e_shnum) {
			syms = (const Elf64_Sym *)(base + sh[i].sh_offset);
			nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
			str = (const char *)(base + sh[sh[i].sh_link].sh_offset);
		}
	if (!syms)
		return -1;
	struct zp_maps maps;
	if (zp_maps_read(&maps) < 0)
		return -1;
	const struct zp_map *m = zp_maps_find(&maps, base);
	struct zp_sites sites = {0};
	int done = 0;
	for (size_t r = 0; m && r < sizeof routed / sizeof routed[0]; r++) {
		for (size_t i = 0; i < nsyms; i++) {
			if (strcmp(str + syms[i].st_name, routed[r].name) ||
			    ELF64_ST_TYPE(syms[i].st_info) != STT_FUNC || syms[i].st_size < STUB_LEN)
				continue;
			uintptr_t fn = base + syms[i].st_value;
			/* The vDSO is one special mapping the kernel will not split:
			 * change the protection of all of it. */
			uintptr_t p0 = m->start, p1 = m->end;
			if (fn < p0 || fn + STUB_LEN > p1 ||
			    zp_raw3(SYS_mprotect, p0, p1 - p0, PROT_READ | PROT_WRITE | PROT_EXEC) < 0)
				continue;
			uint8_t stub[STUB_LEN];
			size_t n = build_stub(stub, routed[r].nr);
			if (n != STUB_LEN || stub[STUB_SITE] != 0x0f || stub[STUB_SITE + 1] != 0x05)
				zp_die("zpoline: the vDSO stub is not what vdso.c says");
			memcpy((void *)fn, stub, n);
			zp_raw3(SYS_mprotect, p0, p1 - p0, m->prot);
			zp_vdso_lo = p0;
			zp_vdso_hi = p1;
			if (zp_mode != ZP_MODE_SUD) /* there, the call traps anyway */
				zp_sites_push(&sites, fn + STUB_SITE, ZP_SITE_FAST);
			done++;
		}
	}
	zp_patch_sites(&maps, &sites);
	zp_sites_free(&sites);
	zp_maps_free(&maps);
	return done;
}
