/*
 * liblowres - what Chromium's PartitionAlloc does before anything else
 * runs: reserve the low 4 GiB (from 64 KiB up, PROT_NONE), from a
 * constructor that runs before the runtime's (LD_PRELOAD="libzpoline.so
 * liblowres.so": later preloads are initialised first).  Every address the
 * trampoline's second stage may take with a jump from page 0 is then
 * taken.  LOWRES_FROM=0x1000 starts the reservation lower, over the pages
 * the runtime's fallback keeps a pointer to the second stage in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

__attribute__((constructor)) static void reserve(void)
{
	const char *from = getenv("LOWRES_FROM");
	unsigned long at = from ? strtoul(from, NULL, 0) : 0x10000;
	/* A hint below 64 KiB is not taken without MAP_FIXED_NOREPLACE. */
	void *p = mmap((void *)at, 0x100000000ul, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (from ? 0x100000 : 0), -1, 0);
	if (p != (void *)at)
		fprintf(stderr, "liblowres: the reservation landed at %p\n", p);
}
