/*
 * The trampoline at page 0 (trampoline.c), as the runtime builds it in this
 * process (the test re-executes itself under LD_PRELOAD, once with page 0
 * as jmp rel32 units, once as the rel8 sled), executed in simulation with a
 * full decoder: from every landing address up to the sled's end, execution
 * reaches the second stage's entry through jumps and nops only (no memory
 * access, no register but rip touched); the second stage's pointers lead
 * back into the runtime; every address after the last jump traps.  Page 0
 * is read through /proc/self/mem: with PKU it is execute-only, and a plain
 * read of it must fault (checked too).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <Zydis/Zydis.h>

#include "layout.h"
#include <sys/platform/x86.h>
#include "t.h"

static ZydisDecoder dec;

static int decode(const uint8_t *p, size_t len, ZydisDecodedInstruction *in,
		  ZydisDecodedOperand *ops)
{
	return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, p, len, in, ops)) ? 0 : -1;
}

/* Follows execution from `start` (page 0 as copied to `page`, the second
 * stage at s2, readable); returns the number of jumps taken to reach the
 * second stage's entry, or -1 if something else than a jmp/nop is met. */
static int walk(const uint8_t *page, uintptr_t s2, uintptr_t start, int *nops)
{
	uintptr_t pc = start;
	int jumps = 0;
	*nops = 0;
	while (pc != s2 + S2_ENTRY) {
		const uint8_t *at;
		size_t left;
		if (pc < ZP_PAGE) {
			at = page + pc;
			left = ZP_PAGE - pc;
		} else if (pc - s2 < ZP_PAGE) {
			at = (const uint8_t *)pc;
			left = ZP_PAGE - (pc - s2);
		} else {
			return -1;
		}
		if (jumps > 64)
			return -1;
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		if (decode(at, left, &in, ops) < 0)
			return -1;
		if (in.mnemonic == ZYDIS_MNEMONIC_NOP && in.operand_count == 0) {
			pc += in.length;
			(*nops)++;
		} else if (in.mnemonic == ZYDIS_MNEMONIC_JMP && ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
			   ops[0].imm.is_relative) {
			pc = pc + in.length + (uintptr_t)ops[0].imm.value.s;
			jumps++;
		} else {
			return -1;
		}
	}
	return jumps;
}

/* The mapping that holds addr, from /proc/self/maps: "r-xp" etc. */
static int mapping_of(uintptr_t addr, char perms[5], char *path, size_t plen)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char p[5], file[400] = "";
		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %399s", &lo, &hi, p, file) >= 3 &&
		    addr >= lo && addr < hi) {
			memcpy(perms, p, 5);
			snprintf(path, plen, "%s", file);
			found = 1;
		}
	}
	if (f)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	(void)argc;
	const char *layout = getenv("ZP_TEST_UNDER_RUNTIME");
	if (!layout) {
		const char *b = getenv("ZP_BUILD");
		char lib[4096];
		snprintf(lib, sizeof lib, "%s/libzpoline.so", b ? b : "build");
		setenv("LD_PRELOAD", lib, 1);
		setenv("ZPOLINE_MODE", "zpoline", 1);
		int failed = 0;
		/* the third: units, page 0 left readable as without PKU */
		static const char *const layouts[] = {"units", "sled", "units"};
		size_t runs = CPU_FEATURE_ACTIVE(PKU) ? 3 : 2;
		for (size_t i = 0; i < runs; i++) {
			printf("page 0 as %s%s:\n", layouts[i], i == 2 ? ", ZPOLINE_PKU=0" : "");
			fflush(stdout);
			pid_t c = fork();
			if (c == 0) {
				setenv("ZP_TEST_UNDER_RUNTIME", layouts[i], 1);
				if (i == 1)
					setenv("ZPOLINE_STAGE2", "sled", 1);
				if (i == 2)
					setenv("ZPOLINE_PKU", "0", 1);
				execv("/proc/self/exe", argv);
				printf("FAIL: cannot re-execute under the runtime\n");
				_exit(1);
			}
			int st;
			failed |= waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0;
		}
		return failed;
	}
	bool units = !strcmp(layout, "units");
	char perms[5], path[400];
	T_CHECK(mapping_of(0, perms, path, sizeof path) && perms[2] == 'x' && perms[1] == '-',
		"page 0 is mapped executable and not writable (%s)", perms);
	const uint8_t *zero = (const uint8_t *)0;
	__asm__("" : "+r"(zero));
	/* Decode a copy (the decoder refuses a NULL buffer pointer), taken
	 * through /proc/self/mem: the kernel's access for it ignores
	 * protection keys, so it reads an execute-only page 0 too. */
	static uint8_t page[ZP_PAGE];
	int mem = open("/proc/self/mem", O_RDONLY);
	T_CHECK(mem >= 0 && pread(mem, page, ZP_PAGE, 0) == ZP_PAGE,
		"page 0 can be read through /proc/self/mem");
	if (mem >= 0)
		close(mem);

	/* Execute-only where the CPU and kernel have protection keys (the
	 * runtime's claim: ZPOLINE_DEBUG, zpoline doctor); readable elsewhere,
	 * as x86 page tables cannot say executable but not readable. */
	pid_t reader = fork();
	if (reader == 0)
		_exit(memcmp((const void *)zero, page, 64) == 0 ? 0 : 3);
	int rst;
	waitpid(reader, &rst, 0);
	const char *pku = getenv("ZPOLINE_PKU");
	bool xonly = CPU_FEATURE_ACTIVE(PKU) && !(pku && !strcmp(pku, "0"));
	if (xonly)
		T_CHECK(WIFSIGNALED(rst) && WTERMSIG(rst) == SIGSEGV,
			"with PKU a read of page 0 faults (execute-only)");
	else
		T_CHECK(WIFEXITED(rst) && WEXITSTATUS(rst) == 0,
			"without PKU page 0 is readable, and reads as /proc/self/mem does");

	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	int ok = decode(page + ZP_SLED_END, 16, &in, ops) == 0 && in.mnemonic == ZYDIS_MNEMONIC_JMP &&
		 in.length == 5;
	T_CHECK(ok, "the last jump at the sled's end is a jmp rel32");
	if (ok) {
		uintptr_t target = ZP_SLED_END + 5 + (uintptr_t)(int64_t)ops[0].imm.value.s;
		uintptr_t s2 = target & ~(uintptr_t)(ZP_PAGE - 1);
		if (units)
			T_CHECK((s2 & 0xffff) == ZP_UNITS_S2_LOW && target - s2 >= S2_LAND &&
					target - s2 < S2_LAND_END,
				"it lands on the second stage's landing jumps (0x%lx)", (unsigned long)target);
		else
			T_CHECK((target & (ZP_PAGE - 1)) == S2_ENTRY,
				"it lands at the second stage's entry");
		int worst = 0, worst_nops = 0, bad = -1;
		for (uintptr_t r = 0; r <= ZP_SLED_END; r++) {
			int nops;
			int j = walk(page, s2, r, &nops);
			if (j < 0) {
				bad = (int)r;
				break;
			}
			if (j > worst)
				worst = j;
			if (nops > worst_nops)
				worst_nops = nops;
		}
		T_CHECK(bad < 0,
			"every landing point 0..%d reaches the second stage's entry by jmp/nop only "
			"(first bad: %d)",
			ZP_SLED_END, bad);
		/* units: one jump to the landing, one to the entry; the sled:
		 * its jumps, then the tail's */
		int most = units ? 2 : 9;
		T_CHECK(worst <= most, "at most %d jumps on the way (worst %d, worst nops %d)", most,
			worst, worst_nops);
		int nops;
		int j0 = walk(page, s2, 0, &nops);
		T_CHECK(j0 >= 0 && j0 <= (units ? 2 : 7), "read(2) (number 0) takes at most %d jumps (%d)",
			units ? 2 : 7, j0);
		T_CHECK(mapping_of(s2, perms, path, sizeof path) && !strcmp(perms, "r-xp"),
			"the second stage is read+execute only (%s)", perms);
		uint64_t slow, nul, tab, mask;
		memcpy(&slow, (void *)(s2 + S2_SLOW), 8);
		memcpy(&nul, (void *)(s2 + S2_VERIFY), 8);
		memcpy(&tab, (void *)(s2 + S2_TABLE), 8);
		memcpy(&mask, (void *)(s2 + S2_MASK), 8);
		char p2[400] = "";
		T_CHECK(mapping_of(slow, perms, p2, sizeof p2) && strstr(p2, "libzpoline.so") &&
				perms[2] == 'x',
			"the slow-path pointer leads into libzpoline.so's code");
		T_CHECK(mapping_of(nul, perms, p2, sizeof p2) && strstr(p2, "libzpoline.so"),
			"the verifier pointer leads into libzpoline.so");
		T_CHECK(tab && mapping_of(tab, perms, p2, sizeof p2) && perms[0] == 'r' &&
				mapping_of(tab + 8 * mask, perms, p2, sizeof p2),
			"the site table's slots are set and readable up to the mask (%lu)",
			(unsigned long)mask);
		ZydisDecodedInstruction first;
		/* With BMI2 the lookup changes no flag and stores the number
		 * first; without, the entry jumps to the path that pushes them. */
		ZydisMnemonic want = CPU_FEATURE_ACTIVE(BMI2) ? ZYDIS_MNEMONIC_MOV : ZYDIS_MNEMONIC_JMP;
		T_CHECK(decode((const uint8_t *)s2 + S2_ENTRY, 16, &first, ops) == 0 &&
				first.mnemonic == want,
			"the second stage's entry starts the fast path (%s)",
			CPU_FEATURE_ACTIVE(BMI2) ? "mov, BMI2" : "jmp to the pushfq path");
	}
	int trapping = 1;
	for (size_t r = ZP_SLED_END + 1; r < ZP_PAGE; r++) {
		if (decode(page + r, ZP_PAGE - r, &in, ops) < 0 || in.mnemonic != ZYDIS_MNEMONIC_INT3) {
			trapping = 0;
			printf("  offset %zu does not trap\n", r);
			break;
		}
	}
	T_CHECK(trapping, "every address past the tail executes int3");

	pid_t p = fork();
	if (p == 0) {
		*(volatile int *)(uintptr_t)zero = 1;
		_exit(0);
	}
	int st;
	waitpid(p, &st, 0);
	T_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "a write to address 0 still faults");
	T_DONE();
}
