/*
 * liblowres - what Chromium's PartitionAlloc does before anything else
 * runs: reserve the low 4 GiB (from 64 KiB up, PROT_NONE), from a
 * constructor that runs before the runtime's (LD_PRELOAD="libzpoline.so
 * liblowres.so": later preloads are initialised first).  Every address the
 * trampoline's second stage may take is then taken.
 */
#include <stdio.h>
#include <sys/mman.h>

__attribute__((constructor)) static void reserve(void)
{
	void *p = mmap((void *)0x10000, 0x100000000ul, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p != (void *)0x10000)
		fprintf(stderr, "liblowres: the reservation landed at %p\n", p);
}
