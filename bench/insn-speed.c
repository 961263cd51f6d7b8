/*
 * insn-speed - how fast the site finder reads instructions (docs/design.md,
 * "The quick walker"): the code sections of an ELF file walked from start
 * to end, once by the finder's way (the generated tables, Zydis for what
 * they leave: src/runtime/insn.c) and once by Zydis alone, interleaved
 * over several rounds; the median ns per instruction of each, and the
 * share of instructions the tables answered.
 *
 *   insn-speed [FILE [MAX_MIB]]   (default: libc, 16 MiB of code at most)
 * Prints key,value CSV lines.  Exit status 2 on bad arguments or a file
 * that is not a 64-bit ELF object with code.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "insn.h"
#include "timing.h"

#define ROUNDS 7

struct walk {
	unsigned long insns, quick;
};

/* One pass over [code, code+len); quick: as the finder reads. */
static struct walk walk(const uint8_t *code, size_t len, bool quick)
{
	struct walk w = {0, 0};
	struct zp_insn in;
	for (size_t off = 0; off < len;) {
		bool q = quick && zp_insn_quick(code + off, len - off, &in);
		if (q || zp_insn_zydis(code + off, len - off, &in)) {
			w.insns++;
			w.quick += q;
			off += in.length;
		} else {
			off++;
		}
	}
	return w;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/lib/x86_64-linux-gnu/libc.so.6";
	long max_mib = argc > 2 ? strtol(argv[2], NULL, 10) : 16;
	if (argc > 3 || max_mib <= 0) {
		fprintf(stderr, "usage: insn-speed [FILE [MAX_MIB]]\n");
		return 2;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "insn-speed: %s: cannot open\n", path);
		return 2;
	}
	const uint8_t *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	const Elf64_Ehdr *eh = (const void *)m;
	if (m == MAP_FAILED || (size_t)st.st_size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > (uint64_t)st.st_size) {
		fprintf(stderr, "insn-speed: %s is not a 64-bit ELF file with section headers\n", path);
		return 2;
	}
	/* The largest code section, cut at MAX_MIB. */
	const Elf64_Shdr *sh = (const void *)(m + eh->e_shoff), *text = NULL;
	for (int i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_PROGBITS && (sh[i].sh_flags & SHF_EXECINSTR) &&
		    sh[i].sh_offset + sh[i].sh_size <= (uint64_t)st.st_size &&
		    (!text || sh[i].sh_size > text->sh_size))
			text = &sh[i];
	if (!text) {
		fprintf(stderr, "insn-speed: %s has no code section\n", path);
		return 2;
	}
	size_t len = text->sh_size;
	if (len > (size_t)max_mib << 20)
		len = (size_t)max_mib << 20;
	const uint8_t *code = m + text->sh_offset;

	double t_quick[ROUNDS], t_zydis[ROUNDS];
	struct walk wq = {0, 0}, wz = {0, 0};
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();
		wq = walk(code, len, true);
		double t1 = now_ns();
		wz = walk(code, len, false);
		double t2 = now_ns();
		t_quick[r] = (t1 - t0) / (double)wq.insns;
		t_zydis[r] = (t2 - t1) / (double)wz.insns;
	}

	printf("file,\"%s\"\n", path);
	printf("bytes,%zu\n", len);
	printf("instructions,%lu\n", wz.insns);
	printf("finder_ns_per_insn,%.1f\n", median_of(t_quick, ROUNDS));
	printf("zydis_ns_per_insn,%.1f\n", median_of(t_zydis, ROUNDS));
	printf("tables_answered_pct,%.1f\n", 100.0 * (double)wq.quick / (double)wq.insns);
	return wq.insns == wz.insns ? 0 : 1;
}
