/*
 * latecode: system calls in code that appears after start-up.
 *   dlopen LIB  - calls inline_getppid() from a library loaded with dlopen
 *   jit         - writes code into an anonymous buffer, mprotects it to
 *                 PROT_EXEC, runs it
 *   rwx         - maps a buffer RWX first, then writes the code and runs it
 *                 (only the safety net can see these)
 *   mremap      - moves a JIT buffer with mremap and runs it again
 *   jitpages    - as Ruby's YJIT: a 128 MiB buffer made PROT_READ|PROT_EXEC
 *                 whole after each write, each write to one page made
 *                 writable alone; fresh code (a getppid) each time, over
 *                 code that ran before too.  N rounds of one call each.
 *   jitscatter  - the same buffer, 24 pages far apart written in each round
 *                 (each made writable alone) before it is made executable
 *                 whole: N rounds of 24 calls.
 * Each makes getppid N times (argv[2], default 5) and prints "calls N".
 *   nosite      - what a JIT does that holds no system call: maps 256 KiB
 *                 RWX (between two getppid markers, for strace), writes
 *                 code without a syscall into another buffer, mprotects it
 *                 to PROT_EXEC and runs it N times; prints "calls N bad B
 *                 decoder D", D the decoder's mappings (none need it).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* mov $110,%eax; syscall; ret */
static const unsigned char code[] = {0xb8, 0x6e, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3};

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int n = argc > 3 ? atoi(argv[3]) : 5;
	long (*fn)(void) = NULL;
	if (!strcmp(argv[1], "nosite")) {
		/* mov $42,%eax; ret */
		static const unsigned char ret42[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};
		getppid();
		void *arena = mmap(NULL, 256 << 10, PROT_READ | PROT_WRITE | PROT_EXEC,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		getppid();
		unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (arena == MAP_FAILED || p == MAP_FAILED)
			return 1;
		memcpy(p + 64, ret42, sizeof ret42);
		if (mprotect(p, 4096, PROT_READ | PROT_EXEC))
			return 1;
		long (*f42)(void) = (long (*)(void))(p + 64);
		long bad = 0;
		for (int i = 0; i < n; i++)
			bad += f42() != 42;
		int dec = 0;
		char line[4096];
		FILE *m = fopen("/proc/self/maps", "r");
		while (m && fgets(line, sizeof line, m))
			dec += strstr(line, "libZydis") != NULL;
		if (m)
			fclose(m);
		printf("calls %d bad %ld decoder %d\n", n, bad, dec);
		return bad != 0;
	}
	if (!strcmp(argv[1], "jitscatter")) {
		const size_t size = (size_t)128 << 20;
		unsigned char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED || mprotect(buf, size, PROT_READ | PROT_EXEC))
			return 1;
		long want = getppid(), bad = 0;
		for (int i = 0; i < n; i++) {
			unsigned char *at[24];
			for (int k = 0; k < 24; k++) {
				unsigned char *page = buf + (size_t)(k * 1300 + i % 5) * 4096;
				at[k] = page + (i * 24) % 4000;
				if (mprotect(page, 4096, PROT_READ | PROT_WRITE))
					return 1;
				memcpy(at[k], code, sizeof code);
			}
			if (mprotect(buf, size, PROT_READ | PROT_EXEC))
				return 1;
			for (int k = 0; k < 24; k++)
				bad += ((long (*)(void))at[k])() != want;
		}
		printf("calls %d bad %ld\n", n * 24, bad);
		return bad != 0;
	}
	if (!strcmp(argv[1], "jitpages")) {
		const size_t size = (size_t)128 << 20;
		unsigned char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED || mprotect(buf, size, PROT_READ | PROT_EXEC))
			return 1;
		long want = getppid(), bad = 0;
		for (int i = 0; i < n; i++) {
			/* pages 0..7 in turn, each also the last page of the
			 * buffer's first half: written again and again */
			unsigned char *page = buf + (i % 8) * 4096 + (i % 16 >= 8 ? size / 2 : 0);
			unsigned char *at = page + (i * 24) % 4000;
			if (mprotect(page, 4096, PROT_READ | PROT_WRITE))
				return 1;
			memcpy(at, code, sizeof code);
			if (mprotect(buf, size, PROT_READ | PROT_EXEC))
				return 1;
			bad += ((long (*)(void))at)() != want;
		}
		printf("calls %d bad %ld\n", n, bad);
		return bad != 0;
	}
	if (!strcmp(argv[1], "dlopen")) {
		void *h = dlopen(argv[2], RTLD_NOW);
		if (!h) {
			fprintf(stderr, "%s\n", dlerror());
			return 1;
		}
		fn = (long (*)(void))dlsym(h, "inline_getppid");
	} else {
		int rwx = !strcmp(argv[1], "rwx");
		unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | (rwx ? PROT_EXEC : 0),
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1;
		memcpy(p + 64, code, sizeof code);
		if (!rwx && mprotect(p, 4096, PROT_READ | PROT_EXEC))
			return 1;
		if (!strcmp(argv[1], "mremap")) {
			/* move it: reserve a new place, then mremap onto it */
			void *dst = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			p = mremap(p, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, (char *)dst + 4096);
			if (p == MAP_FAILED)
				return 1;
		}
		fn = (long (*)(void))(p + 64);
	}
	long want = getppid(), bad = 0;
	for (int i = 0; i < n; i++)
		bad += fn() != want;
	printf("calls %d bad %ld\n", n, bad);
	return bad != 0;
}
