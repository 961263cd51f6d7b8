/*
 * xmc-tear - can a thread fetch half of a 2-byte instruction another thread
 * replaces with one atomic store?  The runtime rewrites a live `syscall`
 * (0f 05) into `callq *%rax` (ff d0) that way when the pair lies within one
 * cache line, and through int3 when it crosses one (src/runtime/finder.c,
 * zp_patch_bytes; docs/design.md, "Finding sites").
 *
 * One thread runs an instruction at byte OFFSET of a 64-byte line over and
 * over while the main thread flips it between `xor eax,eax` (31 c0) and
 * `xchg ecx,ecx` (87 c9).  The two mixtures, `xor ecx,ecx` (31 c9) and
 * `xchg eax,eax` (87 c0), leave rax/rcx in states neither whole instruction
 * does, so every torn fetch is counted.  Offsets 15, 31 and 47 put the pair
 * across a 16-byte fetch block inside a line; 63 across two lines (there a
 * 2-byte store is not atomic, and torn fetches show that the count works).
 *
 *   xmc-tear [OFFSET [FLIPS]]   (default 15, 100000000)
 * Prints key,value CSV lines.  Exit status 2 on bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { OLD, NEW, MIX_XOR_ECX, MIX_XCHG_EAX, OUTCOMES };

static const uint8_t insn_old[2] = {0x31, 0xc0};
static const uint8_t insn_new[2] = {0x87, 0xc9};

/* rax = rcx = 0x100000001, then a jmp rel32 to the instruction. */
static const uint8_t prologue[] = {0x48, 0xb8, 1, 0, 0, 0, 1, 0, 0, 0, /* mov $.., %rax */
				   0x48, 0x89, 0xc1,                   /* mov %rax, %rcx */
				   0xe9};                              /* jmp rel32 */

/* After the instruction: its outcome in eax. */
static const uint8_t epilogue[] = {
	0x48, 0x85, 0xc0, 0x75, 0x06, 0xb8, OLD, 0, 0, 0, 0xc3,		 /* rax == 0: old */
	0x48, 0x85, 0xc9, 0x75, 0x06, 0xb8, MIX_XOR_ECX, 0, 0, 0, 0xc3,	 /* rcx == 0 */
	0x48, 0x83, 0xf8, 0x01, 0x75, 0x06, 0xb8, MIX_XCHG_EAX, 0, 0, 0, 0xc3, /* rax == 1 */
	0xb8, NEW, 0, 0, 0, 0xc3};						 /* rcx == 1 */

static uint8_t *code;
static volatile int stop;
static unsigned long outcomes[OUTCOMES];

static void *runner(void *arg)
{
	(void)arg;
	long (*f)(void) = (long (*)(void))(void *)code;
	while (!stop)
		outcomes[f()]++;
	return NULL;
}

static long parse(const char *s, const char *what, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "xmc-tear: %s must be a number from %ld to %ld, not '%s'\n", what,
			lo, hi, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc > 3) {
		fprintf(stderr, "usage: xmc-tear [OFFSET [FLIPS]]\n");
		return 2;
	}
	long off = argc > 1 ? parse(argv[1], "OFFSET", 0, 63) : 15;
	long flips = argc > 2 ? parse(argv[2], "FLIPS", 1, 1L << 40) : 100000000;
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (m == MAP_FAILED) {
		perror("xmc-tear: mmap");
		return 1;
	}
	code = m;
	memset(code, 0xcc, 4096);
	memcpy(code, prologue, sizeof prologue);
	uint8_t *at = code + 128 + off; /* the line at 128: clear of the prologue */
	int32_t rel = (int32_t)(at - (code + sizeof prologue + 4));
	memcpy(code + sizeof prologue, &rel, 4);
	memcpy(at, insn_old, 2);
	memcpy(at + 2, epilogue, sizeof epilogue);

	pthread_t t;
	if (pthread_create(&t, NULL, runner, NULL)) {
		fprintf(stderr, "xmc-tear: cannot start a thread\n");
		return 1;
	}
	uint16_t v_old, v_new;
	memcpy(&v_old, insn_old, 2);
	memcpy(&v_new, insn_new, 2);
	for (long i = 0; i < flips; i++)
		__atomic_store_n((uint16_t *)(void *)at, (i & 1) ? v_old : v_new, __ATOMIC_SEQ_CST);
	stop = 1;
	pthread_join(t, NULL);
	unsigned long runs = 0;
	for (int k = 0; k < OUTCOMES; k++)
		runs += outcomes[k];
	printf("offset,%ld\nflips,%ld\nruns,%lu\nold,%lu\nnew,%lu\ntorn,%lu\n", off, flips, runs,
	       outcomes[OLD], outcomes[NEW], outcomes[MIX_XOR_ECX] + outcomes[MIX_XCHG_EAX]);
	return 0;
}
