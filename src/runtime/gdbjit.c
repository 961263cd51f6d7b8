/*
 * gdbjit.c - gdb sees the fast path as a function with unwind information.
 *
 * A thread blocked in a call no hook wants sits in the trampoline's second
 * stage, an anonymous page: gdb showed `?? ()` as its frame 0 and lost the
 * libc wrapper's frame above it.  gdb learns about code outside any file
 * through its JIT interface (gdb manual, "JIT Compilation Interface"): an
 * in-memory ELF object listed in __jit_debug_descriptor, announced by a
 * call to __jit_debug_register_code (gdb keeps a breakpoint there, and reads
 * the list when it attaches).  The object here has no bytes of code, only
 * section addresses: .text (the stage 2 page), .eh_frame (the page's own,
 * entry.S: the same bytes libgcc is given by unwind.c) and one symbol for
 * the fast path.  It is written into the stage 2 page itself, next to the
 * .eh_frame it contains, so it costs no page of its own.
 *
 * The two symbols are hidden: gdb finds them in this library's symbol
 * table, and a program with a JIT of its own (V8, LLVM) keeps its own
 * descriptor, which gdb reads too.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <string.h>

#include "rt.h"

struct jit_code_entry {
	struct jit_code_entry *next_entry;
	struct jit_code_entry *prev_entry;
	const char *symfile_addr;
	uint64_t symfile_size;
};

struct jit_descriptor {
	uint32_t version;
	uint32_t action_flag; /* 1: register relevant_entry */
	struct jit_code_entry *relevant_entry;
	struct jit_code_entry *first_entry;
};

/* In .bss (version set at registration): no .data page written. */
ZP_HIDDEN struct jit_descriptor __jit_debug_descriptor;
static struct jit_code_entry stage2_entry;

ZP_HIDDEN __attribute__((noinline, used)) void __jit_debug_register_code(void)
{
	__asm__ volatile("" ::: "memory");
}

extern const unsigned char zp_stage2_ehframe_end[] __attribute__((visibility("hidden")));

enum { SEC_NULL, SEC_TEXT, SEC_EHFRAME, SEC_SYMTAB, SEC_STRTAB, SEC_SHSTRTAB, NSECS };

static const char shstrtab[] = "\0.text\0.eh_frame\0.symtab\0.strtab\0.shstrtab";
static const char strtab[] = "\0zpoline_fast_path";

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

size_t zp_gdbjit_image(unsigned char *img, size_t cap, uintptr_t stage2)
{
	size_t eh_len = (size_t)(zp_stage2_ehframe_end - (zp_stage2_template + S2_EHFRAME));
	size_t off_eh = S2_EHFRAME - S2_ELF;
	size_t off_sym = align8(off_eh + eh_len);
	size_t off_str = off_sym + 2 * sizeof(Elf64_Sym);
	size_t off_shstr = off_str + sizeof strtab;
	size_t off_sh = align8(off_shstr + sizeof shstrtab);
	size_t total = off_sh + NSECS * sizeof(Elf64_Shdr);
	if (total > cap)
		return 0;
	memset(img, 0, total);

	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_REL; /* as JIT objects are: sections carry their addresses */
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_shoff = off_sh;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = NSECS;
	eh->e_shstrndx = SEC_SHSTRTAB;

	memcpy(img + off_eh, zp_stage2_template + S2_EHFRAME, eh_len);

	Elf64_Sym *sym = (Elf64_Sym *)(img + off_sym);
	sym[1].st_name = 1;
	sym[1].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
	sym[1].st_shndx = SEC_TEXT;
	sym[1].st_value = S2_ENTRY; /* relocatable object: relative to .text */
	sym[1].st_size = ZP_PAGE - S2_ENTRY;
	memcpy(img + off_str, strtab, sizeof strtab);
	memcpy(img + off_shstr, shstrtab, sizeof shstrtab);

	Elf64_Shdr *sh = (Elf64_Shdr *)(img + off_sh);
	sh[SEC_TEXT] = (Elf64_Shdr){.sh_name = 1, .sh_type = SHT_NOBITS,
				    .sh_flags = SHF_ALLOC | SHF_EXECINSTR, .sh_addr = stage2,
				    .sh_size = ZP_PAGE, .sh_addralign = 16};
	sh[SEC_EHFRAME] = (Elf64_Shdr){.sh_name = 7, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
				       .sh_addr = stage2 + S2_EHFRAME, .sh_offset = off_eh,
				       .sh_size = eh_len, .sh_addralign = 8};
	sh[SEC_SYMTAB] = (Elf64_Shdr){.sh_name = 17, .sh_type = SHT_SYMTAB, .sh_offset = off_sym,
				      .sh_size = 2 * sizeof(Elf64_Sym), .sh_link = SEC_STRTAB,
				      .sh_info = 1, .sh_addralign = 8,
				      .sh_entsize = sizeof(Elf64_Sym)};
	sh[SEC_STRTAB] = (Elf64_Shdr){.sh_name = 25, .sh_type = SHT_STRTAB, .sh_offset = off_str,
				      .sh_size = sizeof strtab, .sh_addralign = 1};
	sh[SEC_SHSTRTAB] = (Elf64_Shdr){.sh_name = 33, .sh_type = SHT_STRTAB,
					.sh_offset = off_shstr, .sh_size = sizeof shstrtab,
					.sh_addralign = 1};
	return total;
}

void zp_gdbjit_register(const void *image, size_t len)
{
	stage2_entry.symfile_addr = image;
	stage2_entry.symfile_size = len;
	__jit_debug_descriptor.version = 1;
	__jit_debug_descriptor.first_entry = &stage2_entry;
	__jit_debug_descriptor.relevant_entry = &stage2_entry;
	__jit_debug_descriptor.action_flag = 1;
	__jit_debug_register_code();
}
