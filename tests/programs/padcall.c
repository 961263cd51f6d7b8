/*
 * padcall: system calls whose detour goes through the padding between
 * functions (detour.c, "Padding slots"): the `syscall` becomes a 2-byte
 * `jmp rel8` to a `jmp rel32` written into the int3 or nop bytes after
 * or before its function.  Each function below is its own unwind entry,
 * with padding laid out by hand:
 *   pad_after   a jump table's indirect jmp (no detour plan fits), 10
 *               int3 bytes after it: its slot is after it
 *   pad_before  the same shape, nothing after it but the next function,
 *               nops before it: its slot is before it
 *   pad_two     two such calls, 10 bytes of nops after: a slot each
 *   pad_fall    the same shape, but its last instruction is a
 *               conditional jump: the nops after it may run, so no slot
 *               (a trap site)
 *   pad_small   the same shape with 4 bytes of padding after it and
 *               none before: no room for a slot (a trap site)
 *   pad_next    `syscall` then instructions a plan would displace: a
 *               plain detour, but while a thread the runtime did not
 *               start runs (built as padcall-early, linked to
 *               libearly.so) that plan is refused, and the slot after it
 *               serves instead; the thread, every signal blocked, makes
 *               its 100 calls through it (a trap would kill it)
 *   split_call  `syscall` after a 3-byte instruction, before a 6-byte
 *               one, with no padding within reach: while such a thread
 *               runs, the site is split around that instruction
 *               (detour.c, "Split around the call"); padcall-early's
 *               thread is inside the call (a read) when the runtime
 *               patches the site, and returns through the trampoline's
 *               test, then makes 100 more calls through it.  Each call
 *               stores the rcx it leaves (split_rcx): site + 2 natively.
 * Each takes the system call number in %rdi (getppid here) and returns
 * the call's result.  Prints each site's two bytes and where a rel8 jmp
 * lands relative to the function, for test-detour to check.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#ifdef EARLY
int early_finish(void);
#endif

long pad_after(long nr), pad_before(long nr), pad_two(long nr, long which), pad_fall(long nr),
	pad_small(long nr), pad_next(long nr);
extern const unsigned char pad_after_site[], pad_before_site[], pad_two_site1[], pad_two_site2[],
	pad_fall_site[], pad_small_site[], pad_next_site[];
long split_call(long nr, long a1, long a2, long a3);
extern const unsigned char split_call_site[];
volatile unsigned long split_rcx;

/* The jump-table shape: an indirect jmp anywhere makes the planner
 * refuse every site of the function (its targets are unknown). */
#define TABLE_JMP                                                                          \
	"lea 1f(%rip), %rcx\n"                                                             \
	"jmp *%rcx\n"                                                                      \
	"1:\n"

__asm__(".text\n"
	".p2align 6\n"
	".globl pad_after, pad_after_site\n"
	".type pad_after, @function\n"
	"pad_after:\n"
	".cfi_startproc\n" TABLE_JMP
	"mov %rdi, %rax\n"
	"pad_after_site:\n"
	"syscall\n"
	"ret\n"
	".cfi_endproc\n"
	".size pad_after, . - pad_after\n"
	".fill 10, 1, 0xcc\n"

	/* pad_before: 8 nops (one `nopl 0(%rax,%rax)` form, three `nop`s)
	 * before it, after a function whose path ends */
	".globl pad_filler1\n"
	"pad_filler1:\n"
	".cfi_startproc\n"
	"ret\n"
	".cfi_endproc\n"
	".byte 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x90, 0x90, 0x90\n"
	".globl pad_before, pad_before_site\n"
	".type pad_before, @function\n"
	"pad_before:\n"
	".cfi_startproc\n" TABLE_JMP
	"mov %rdi, %rax\n"
	"pad_before_site:\n"
	"syscall\n"
	"ret\n"
	".cfi_endproc\n"
	".size pad_before, . - pad_before\n"

	/* pad_two: right after pad_before (no padding there) */
	".globl pad_two, pad_two_site1, pad_two_site2\n"
	".type pad_two, @function\n"
	"pad_two:\n"
	".cfi_startproc\n" TABLE_JMP
	"mov %rdi, %rax\n"
	"test %rsi, %rsi\n"
	"jnz 2f\n"
	"pad_two_site1:\n"
	"syscall\n"
	"ret\n"
	"2:\n"
	"pad_two_site2:\n"
	"syscall\n"
	"ret\n"
	".cfi_endproc\n"
	".size pad_two, . - pad_two\n"
	".byte 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x0f, 0x1f, 0x40, 0x00\n"
	"pad_filler2:\n"
	".cfi_startproc\n"
	"ret\n"
	".cfi_endproc\n"

	/* pad_fall: its path runs on into the nops after it (and nothing
	 * lies before it) */
	".globl pad_fall, pad_fall_site\n"
	".type pad_fall, @function\n"
	"pad_fall:\n"
	".cfi_startproc\n" TABLE_JMP
	"mov %rdi, %rax\n"
	"pad_fall_site:\n"
	"syscall\n"
	"test %rax, %rax\n"
	"jnz pad_fall_end\n"
	".cfi_endproc\n"
	".size pad_fall, . - pad_fall\n"
	".byte 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x90, 0x90, 0x90\n"
	"pad_fall_end:\n"
	".cfi_startproc\n"
	"ret\n"
	".cfi_endproc\n"
	".fill 8, 1, 0xcc\n"

	/* pad_next: the instructions after the call can be displaced */
	".globl pad_next, pad_next_site\n"
	".type pad_next, @function\n"
	"pad_next:\n"
	".cfi_startproc\n"
	"mov %edi, %eax\n"
	"pad_next_site:\n"
	"syscall\n"
	"mov %rax, %rdx\n"
	"mov %rdx, %rax\n"
	"ret\n"
	".cfi_endproc\n"
	".size pad_next, . - pad_next\n"
	".fill 8, 1, 0xcc\n"
	"pad_filler3:\n"
	".cfi_startproc\n"
	"ret\n"
	".cfi_endproc\n"

	/* pad_small: 4 bytes of padding after it, none before */
	".globl pad_small, pad_small_site\n"
	".type pad_small, @function\n"
	"pad_small:\n"
	".cfi_startproc\n" TABLE_JMP
	"mov %rdi, %rax\n"
	"pad_small_site:\n"
	"syscall\n"
	"ret\n"
	".cfi_endproc\n"
	".size pad_small, . - pad_small\n"
	".fill 4, 1, 0xcc\n"
	"pad_filler4:\n"
	".cfi_startproc\n"
	"ret\n"
	".cfi_endproc\n"

	/* split_call: 131 nops before the call and 130 after it keep the
	 * padding out of reach; the site lies 143 bytes past a 64-byte
	 * boundary: its `mov` straddles two 8-byte words (two bytes within
	 * a cache line go in with one store all the same) */
	".p2align 6\n"
	".globl split_call, split_call_site\n"
	".type split_call, @function\n"
	"split_call:\n"
	".cfi_startproc\n"
	".fill 131, 1, 0x90\n"
	"mov %rdi, %rax\n"
	"mov %rsi, %rdi\n"
	"mov %rdx, %rsi\n"
	"mov %rcx, %rdx\n"
	"split_call_site:\n"
	"syscall\n"
	"cmp $-4096, %rax\n"
	"mov %rcx, split_rcx(%rip)\n"
	".fill 130, 1, 0x90\n"
	"ret\n"
	".cfi_endproc\n"
	".size split_call, . - split_call\n");

/* "NAME b0 b1 [jmp to FUNC+OFF]" for the site's current bytes */
static void show(const char *name, const unsigned char *site, const void *fn)
{
	printf("site %s %02x %02x", name, site[0], site[1]);
	if (site[0] == 0xeb) {
		const unsigned char *to = site + 2 + (int8_t)site[1];
		printf(" slot %+ld %02x", (long)(to - (const unsigned char *)fn), to[0]);
	}
	if (site[0] == 0xb1) /* split: the key, what follows */
		printf(" key %02x next %02x", (unsigned)(uint8_t)((uintptr_t)site + 2) ^ 0x80u,
		       site[2]);
	printf("\n");
}

/* Each call through split_call leaves rcx as the kernel does. */
static int split_ok(long got, long want)
{
	return got == want && split_rcx == (uintptr_t)split_call_site + 2;
}

#ifdef EARLY
/* Called by libearly.so's thread (every signal blocked) instead of getppid. */
long early_call(void)
{
	long want = getppid();
	return pad_next(SYS_getppid) == want && split_ok(split_call(SYS_getppid, 0, 0, 0), want)
		       ? want
		       : -1;
}

/* Called by libearly.so's thread before the runtime starts, which waits
 * until the thread sleeps in this read. */
static int block_pipe[2];
static volatile long blocked_result = -1000;
static volatile unsigned long blocked_rcx;
void early_block(void)
{
	char c;
	if (pipe(block_pipe) < 0)
		return;
	long r = split_call(SYS_read, block_pipe[0], (long)&c, 1);
	blocked_rcx = split_rcx;
	__atomic_store_n(&blocked_result, r, __ATOMIC_RELEASE);
}

/* The call the thread was inside of when its site was patched: it
 * returns (the byte main writes now) through the split site's jmp. */
static void check_blocked(void)
{
	show("split-blocked", split_call_site, (const void *)split_call);
	CHECK(write(block_pipe[1], "x", 1) == 1, "a byte for the blocked read");
	for (int i = 0; i < 5000 && __atomic_load_n(&blocked_result, __ATOMIC_ACQUIRE) == -1000;
	     i++) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	CHECK(blocked_result == 1 && blocked_rcx == (uintptr_t)split_call_site + 2,
	      "the read the early thread was inside of when its site was split returns 1, "
	      "rcx the site + 2");
}
#endif

int main(void)
{
	long want = getppid();
#ifdef EARLY
	check_blocked();
#endif
	CHECK(pad_after(110) == want, "pad_after: the call returns getppid()");
	CHECK(pad_before(110) == want, "pad_before: the call returns getppid()");
	CHECK(pad_two(110, 0) == want && pad_two(110, 1) == want,
	      "pad_two: both calls return getppid()");
	CHECK(pad_fall(110) == want, "pad_fall: the call returns getppid()");
	CHECK(pad_small(110) == want, "pad_small: the call returns getppid()");
	CHECK(pad_next(110) == want, "pad_next: the call returns getppid()");
	CHECK(split_ok(split_call(SYS_getppid, 0, 0, 0), want),
	      "split_call: the call returns getppid(), rcx the site + 2");
#ifdef EARLY
	CHECK(early_finish() == 100, "the thread started before the runtime made its 100 calls");
#endif
	show("after", pad_after_site, (const void *)pad_after);
	show("before", pad_before_site, (const void *)pad_before);
	show("two1", pad_two_site1, (const void *)pad_two);
	show("two2", pad_two_site2, (const void *)pad_two);
	show("fall", pad_fall_site, (const void *)pad_fall);
	show("small", pad_small_site, (const void *)pad_small);
	show("next", pad_next_site, (const void *)pad_next);
	show("split", split_call_site, (const void *)split_call);
	return fails != 0;
}
