/*
 * The quick instruction walker (insn.c, tables generated from Zydis at
 * build time) against Zydis itself: wherever the walker answers, its answer
 * must be Zydis's, field by field.  Three sources of instructions: golden
 * encodings (what the red-zone analysis looks at), the code sections of
 * real objects on this machine walked from start to end, and random bytes
 * behind random prefixes.  It also checks that the walker answers for most
 * real instructions: otherwise it would be correct and useless.
 *
 *   test-insn [FILE...]   (default: a list of system objects, those present)
 */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "insn.h"
#include "t.h"

static unsigned long mismatches;

static bool same(const struct zp_insn *a, const struct zp_insn *b)
{
	/* imm is read only for 81/83 (writes_rsp_imm in finder.c); Zydis keeps
	 * unsigned immediates unextended, which the finder never looks at. */
	bool imm_matters = a->has_modrm && (a->opcode == 0x81 || a->opcode == 0x83);
	return a->length == b->length && a->opcode == b->opcode && a->cls == b->cls &&
	       a->has_modrm == b->has_modrm && a->mod == b->mod && a->reg == b->reg &&
	       a->rm == b->rm && a->rex_b == b->rex_b && a->base == b->base && a->disp == b->disp &&
	       (!imm_matters || a->imm == b->imm);
}

static void show(const char *what, const uint8_t *p, size_t n, const struct zp_insn *q,
		 const struct zp_insn *z, bool zok)
{
	if (++mismatches > 10)
		return;
	printf("  %s:", what);
	for (size_t i = 0; i < n && i < 15; i++)
		printf(" %02x", p[i]);
	printf("\n    quick: len %u op %02x cls %u modrm %d %u/%u/%u rexb %d base %d disp %lld imm %lld\n",
	       q->length, q->opcode, q->cls, q->has_modrm, q->mod, q->reg, q->rm, q->rex_b, q->base,
	       (long long)q->disp, (long long)q->imm);
	if (zok)
		printf("    zydis: len %u op %02x cls %u modrm %d %u/%u/%u rexb %d base %d disp %lld imm %lld\n",
		       z->length, z->opcode, z->cls, z->has_modrm, z->mod, z->reg, z->rm, z->rex_b,
		       z->base, (long long)z->disp, (long long)z->imm);
	else
		printf("    zydis: does not decode\n");
}

/* Compares at p; returns Zydis's length (0: does not decode).  *quick tells
 * whether the walker answered. */
static size_t compare_at(const char *what, const uint8_t *p, size_t avail, bool *quick, bool *ok)
{
	struct zp_insn q, z;
	memset(&q, 0, sizeof q);
	memset(&z, 0, sizeof z);
	bool zok = zp_insn_zydis(p, avail, &z);
	*quick = zp_insn_quick(p, avail, &q);
	if (*quick && (!zok || !same(&q, &z))) {
		show(what, p, avail, &q, &z, zok);
		*ok = false;
	}
	return zok ? z.length : 0;
}

static void golden(void)
{
	static const struct {
		const char *name;
		uint8_t bytes[15];
		size_t n;
		bool quick;    /* the walker must answer */
		int cls, base; /* when it does */
		long disp, imm;
	} g[] = {
		{"syscall", {0x0f, 0x05}, 2, true, ZP_INSN_SYSCALL, -1, 0, 0},
		{"sysenter", {0x0f, 0x34}, 2, true, ZP_INSN_SYSENTER, -1, 0, 0},
		{"push %rbp", {0x55}, 1, true, ZP_INSN_PUSH, -1, 0, 0},
		{"push %r12", {0x41, 0x54}, 2, true, ZP_INSN_PUSH, -1, 0, 0},
		{"sub $0x100,%rsp", {0x48, 0x81, 0xec, 0, 1, 0, 0}, 7, true, ZP_INSN_SUB, -1, 0, 0x100},
		{"add $-8,%rsp", {0x48, 0x83, 0xc4, 0xf8}, 4, true, ZP_INSN_OTHER, -1, 0, -8},
		{"and $-16,%rsp", {0x48, 0x83, 0xe4, 0xf0}, 4, true, ZP_INSN_AND, -1, 0, -16},
		{"mov %rax,-8(%rsp)", {0x48, 0x89, 0x44, 0x24, 0xf8}, 5, true, ZP_INSN_OTHER, 4, -8, 0},
		{"mov %rax,-8(%r12)", {0x49, 0x89, 0x44, 0x24, 0xf8}, 5, true, ZP_INSN_OTHER, 12, -8, 0},
		{"mov -0x18(%rbp),%eax", {0x8b, 0x45, 0xe8}, 3, true, ZP_INSN_OTHER, 5, -0x18, 0},
		{"mov %fs:0x28,%rax", {0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0}, 9, true, ZP_INSN_OTHER,
		 -1, 0x28, 0},
		{"lea 0x10(%rip),%rdi", {0x48, 0x8d, 0x3d, 0x10, 0, 0, 0}, 7, true, ZP_INSN_OTHER, -1, 0x10,
		 0},
		{"nopw %cs:0(%rax,%rax,1), twice data16",
		 {0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0}, 11, true, ZP_INSN_OTHER, 0, 0, 0},
		{"movabs $imm64,%rax", {0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}, 10, true, ZP_INSN_OTHER, -1, 0,
		 0},
		{"enter $16,$0", {0xc8, 0x10, 0, 0}, 4, true, ZP_INSN_OTHER, -1, 0, 0},
		{"mov $0x050f,%eax (a pair inside)", {0xb8, 0x0f, 0x05, 0, 0}, 5, true, ZP_INSN_OTHER, -1, 0,
		 0},
		{"vzeroupper (VEX: Zydis's)", {0xc5, 0xf8, 0x77}, 3, false, 0, 0, 0, 0},
		{"vmovdqu64 (EVEX: Zydis's)", {0x62, 0xf1, 0xfe, 0x48, 0x6f, 0x06}, 6, false, 0, 0, 0, 0},
		{"lock cmpxchg (LOCK: Zydis's)", {0xf0, 0x0f, 0xb1, 0x17}, 4, false, 0, 0, 0, 0},
		{"3DNow! pfadd (Zydis's)", {0x0f, 0x0f, 0xc1, 0x9e}, 4, false, 0, 0, 0, 0},
		{"movabs moffs (Zydis's)", {0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8}, 10, false, 0, 0, 0, 0},
		{"truncated syscall", {0x0f}, 1, false, 0, 0, 0, 0},
	};
	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
		struct zp_insn q, z;
		bool zok = zp_insn_zydis(g[i].bytes, g[i].n, &z);
		bool qok = zp_insn_quick(g[i].bytes, g[i].n, &q);
		if (g[i].quick) {
			T_CHECK(qok && zok && same(&q, &z) && q.length == g[i].n && q.cls == g[i].cls &&
					q.base == g[i].base && q.disp == g[i].disp &&
					(!g[i].imm || q.imm == g[i].imm),
				"quick walker reads %s as Zydis does", g[i].name);
		} else {
			T_CHECK(!qok, "quick walker leaves %s to Zydis", g[i].name);
		}
	}
}

/* Every executable section of an ELF file, walked from its start. */
static void walk_file(const char *path, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return; /* not on this machine: the list names what may be */
	}
	const uint8_t *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return;
	const Elf64_Ehdr *eh = (const void *)m;
	unsigned long total = 0, quick = 0;
	bool ok = true;
	if ((size_t)st.st_size >= sizeof *eh && !memcmp(eh->e_ident, ELFMAG, SELFMAG) &&
	    eh->e_ident[EI_CLASS] == ELFCLASS64 &&
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) <= (uint64_t)st.st_size) {
		const Elf64_Shdr *sh = (const void *)(m + eh->e_shoff);
		for (int i = 0; i < eh->e_shnum; i++) {
			if (sh[i].sh_type != SHT_PROGBITS || !(sh[i].sh_flags & SHF_EXECINSTR) ||
			    sh[i].sh_offset + sh[i].sh_size > (uint64_t)st.st_size)
				continue;
			const uint8_t *code = m + sh[i].sh_offset;
			size_t len = sh[i].sh_size < cap ? sh[i].sh_size : cap;
			for (size_t off = 0; off < len;) {
				bool q;
				size_t n = compare_at(path, code + off, len - off, &q, &ok);
				total += n != 0;
				quick += q && n != 0;
				off += n ? n : 1;
			}
		}
	}
	munmap((void *)m, (size_t)st.st_size);
	if (!total)
		return;
	T_CHECK(ok, "%s: the quick walker agrees with Zydis on %lu instructions", path, total);
	/* Compiled code is nearly all plain legacy encodings. */
	T_CHECK(quick * 10 >= total * 9, "%s: the quick walker reads %lu of %lu (%.1f%%)", path, quick,
		total, 100.0 * (double)quick / (double)total);
}

/* Random bytes behind random prefixes (an xorshift sequence: the same
 * cases in every run). */
static void random_bytes(void)
{
	static const uint8_t prefixes[] = {0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26,
					   0x36, 0x64, 0x65, 0x48, 0x41, 0x4f, 0x0f, 0x0f};
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned long answered = 0;
	bool ok = true;
	for (int k = 0; k < 2000000; k++) {
		uint8_t b[15];
		for (int i = 0; i < 15; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[i] = (uint8_t)x;
		}
		int np = (int)(x >> 60) % 4;
		for (int i = 0; i < np; i++)
			b[i] = prefixes[(x >> (8 * i + 8)) & 15];
		if ((x >> 40) & 1) /* escapes at the opcode */
			b[np] = 0x0f;
		size_t avail = 1 + (size_t)((x >> 44) % 15);
		bool q;
		compare_at("random", b, avail, &q, &ok);
		answered += q;
	}
	T_CHECK(ok, "random bytes: the quick walker agrees with Zydis (%lu of 2000000 answered)",
		answered);
}

int main(int argc, char **argv)
{
	golden();
	random_bytes();
	static const char *const objects[] = {
		"/lib/x86_64-linux-gnu/libc.so.6",
		"/lib64/ld-linux-x86-64.so.2",
		"/lib/x86_64-linux-gnu/libstdc++.so.6",
		"/lib/x86_64-linux-gnu/libm.so.6",
		"/bin/bash",
		"/usr/bin/python3",
		"/lib/x86_64-linux-gnu/libcrypto.so.3",
		"/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1",
	};
	if (argc > 1)
		for (int i = 1; i < argc; i++)
			walk_file(argv[i], SIZE_MAX);
	else
		for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++)
			walk_file(objects[i], 8u << 20); /* 8 MiB of each: enough variety */
	if (mismatches > 10)
		printf("  (%lu mismatches in all)\n", mismatches);
	T_DONE();
}
