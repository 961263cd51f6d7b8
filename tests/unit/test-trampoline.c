/*
 * The trampoline at page 0 (trampoline.c), built in this process and then
 * executed in simulation with a full decoder: from every landing address
 * below the sled's end, execution reaches the tail through jumps and nops
 * only (no memory access, no register but rip touched); the tail jumps to
 * stage 2, which jumps to zp_entry; every address after the tail traps.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <Zydis/Zydis.h>

#include "rt.h"
#include "t.h"

void zp_entry(void) {}

static ZydisDecoder dec;

static int decode(const uint8_t *p, size_t len, ZydisDecodedInstruction *in,
		  ZydisDecodedOperand *ops)
{
	return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, p, len, in, ops)) ? 0 : -1;
}

/* Follows execution from `start`; returns the number of jumps taken to
 * reach ZP_SLED_END, or -1 if something else than a jmp/nop is met. */
static int walk(const uint8_t *page, size_t start, int *nops)
{
	size_t pc = start;
	int jumps = 0;
	*nops = 0;
	while (pc != ZP_SLED_END) {
		if (pc > ZP_SLED_END || jumps > 64)
			return -1;
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		if (decode(page + pc, ZP_PAGE - pc, &in, ops) < 0)
			return -1;
		if (in.mnemonic == ZYDIS_MNEMONIC_NOP && in.operand_count == 0) {
			pc += in.length;
			(*nops)++;
		} else if (in.mnemonic == ZYDIS_MNEMONIC_JMP && ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
			   ops[0].imm.is_relative) {
			pc = pc + in.length + (size_t)ops[0].imm.value.s;
			jumps++;
		} else {
			return -1;
		}
	}
	return jumps;
}

int main(void)
{
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	char err[512];
	int e = zp_trampoline_map(err, sizeof err);
	if (e < 0) {
		printf("FAIL: trampoline maps at page 0: %s\n", err);
		return 1;
	}
	T_CHECK(1, "trampoline maps at page 0");
	if (zp_exec_only) {
		printf("SKIP: sled simulation (page 0 is execute-only here, cannot read it)\n");
		T_DONE();
	}
	const uint8_t *zero = (const uint8_t *)0;
	__asm__("" : "+r"(zero));
	/* Decode a copy: the decoder refuses a NULL buffer pointer. */
	static uint8_t page[ZP_PAGE];
	memcpy(page, zero, ZP_PAGE);

	int worst = 0, worst_nops = 0, bad = -1;
	for (size_t r = 0; r < ZP_SLED_END; r++) {
		int nops;
		int j = walk(page, r, &nops);
		if (j < 0) {
			bad = (int)r;
			break;
		}
		if (j > worst)
			worst = j;
		if (nops > worst_nops)
			worst_nops = nops;
	}
	T_CHECK(bad < 0, "every landing point 0..%d reaches the tail by jmp/nop only (first bad: %d)",
		ZP_SLED_END - 1, bad);
	T_CHECK(worst <= 8, "at most %d jumps on the way (worst %d, worst nops %d)", 8, worst, worst_nops);
	int nops;
	int j0 = walk(page, 0, &nops);
	T_CHECK(j0 >= 0 && j0 <= 6, "read(2) (number 0) takes at most 6 jumps (%d)", j0);

	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	int ok = decode(page + ZP_SLED_END, 16, &in, ops) == 0 && in.mnemonic == ZYDIS_MNEMONIC_JMP &&
		 in.length == 5;
	T_CHECK(ok, "the tail is a jmp rel32");
	if (ok) {
		uintptr_t target = ZP_SLED_END + 5 + (uintptr_t)(int64_t)ops[0].imm.value.s;
		const uint8_t *s2 = (const uint8_t *)target;
		uint64_t imm;
		memcpy(&imm, s2 + 2, 8);
		T_CHECK(s2[0] == 0x49 && s2[1] == 0xbb && imm == (uint64_t)(uintptr_t)zp_entry &&
				s2[10] == 0x41 && s2[11] == 0xff && s2[12] == 0xe3,
			"stage 2 is movabs $zp_entry,%%r11; jmp *%%r11");
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
