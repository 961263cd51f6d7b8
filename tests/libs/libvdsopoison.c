/*
 * libvdsopoison.so - preloaded after libzpoline.so, its initializer runs
 * before the runtime's and rewrites the vDSO's `syscall` instructions into
 * `callq *%rax`, as another copy of the runtime did before copies knew of
 * each other: the runtime then finds no site in the vDSO.  That list must
 * not be taken by a later process whose vDSO is as the kernel made it
 * (test-cache.sh).  Prints how many it rewrote.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/mman.h>

__attribute__((constructor)) static void poison_vdso(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)getauxval(AT_SYSINFO_EHDR);
	if (!eh)
		return;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)eh + eh->e_phoff);
	int n = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		uint8_t *lo = (uint8_t *)eh, *hi = lo + ph[i].p_memsz;
		uintptr_t plo = (uintptr_t)lo & ~(uintptr_t)4095;
		uintptr_t phi = ((uintptr_t)hi + 4095) & ~(uintptr_t)4095;
		if (mprotect((void *)plo, phi - plo, PROT_READ | PROT_WRITE | PROT_EXEC))
			break;
		for (uint8_t *p = lo; p + 1 < hi; p++)
			if (p[0] == 0x0f && p[1] == 0x05) {
				p[0] = 0xff;
				p[1] = 0xd0;
				n++;
			}
		mprotect((void *)plo, phi - plo, PROT_READ | PROT_EXEC);
	}
	fprintf(stderr, "vdso sites rewritten: %d\n", n);
}
