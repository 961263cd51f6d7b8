/*
 * detour.c - ZPOLINE_MODE=detour: sites that need no page 0.
 *
 * `callq *%rax` needs code at address rax, hence page 0, which is readable
 * on CPUs without protection keys: a NULL read returns sled bytes instead
 * of faulting, and Go, Java and Mono turn that fault into an exception.
 * Here a site becomes a 5-byte `jmp rel32` to a trampoline of its own,
 * within 2 GiB; the jmp covers the `syscall` and a neighbouring
 * instruction, which the trampoline runs in its place (the published
 * technique of pmem's syscall_intercept, which patches a syscall and its
 * neighbours with a jmp to generated code that runs the displaced
 * instructions; nothing of its code is used here).  Two shapes:
 *
 *   before:  prev; syscall; ...       (prev 3..15 bytes: glibc's and Go's
 *   patched: jmp T; [cc..] ud2        `mov $nr, %eax` is 5)
 *   T:       prev'; lea site+2(%rip),%rcx; push %rcx; jmp stage2
 *
 *   before:  syscall; next...          (next instructions up to 5 bytes)
 *   patched: jmp T; cc...
 *   T:       lea C(%rip),%rcx; push %rcx; jmp stage2
 *   C:       lea site+2(%rip),%rcx; next'...; jmp after them
 *
 * (and, before the entry, a flag-free range test that traps numbers the
 * second stage has no class for).  The trampoline enters the second
 * stage as a rewritten site would: rax = the number, [rsp] = a return
 * address registered in the site table (site + 2, or C), so the fast
 * path, the slow path, the hooks and the special cases of clone, vfork
 * and rt_sigreturn all work unchanged; the second stage goes back by an
 * indirect jmp in this mode (no call to pair a `ret` with).  A side
 * table maps C back to the real site (what hooks and signal handlers are
 * shown).  The first shape is preferred: it leaves the `syscall` itself
 * in place (made a `ud2` trap site, for anything that still reaches it),
 * so a thread that was blocked in the call when the site was patched
 * returns to untouched bytes, and the call returns to the site's own
 * code directly.  While threads the runtime did not start may run (a
 * linked Go library's), the `syscall` is kept as it is rather than made a
 * trap, and a previous instruction shorter than the jmp is not displaced
 * (zp_detour_apply); such sites go through padding, or are split around
 * the instruction after the call (below), or trap.
 *
 * A site is patchable only if the function it lies in decoded whole, no
 * direct branch of the function lands inside the patched bytes except at
 * their start, the function has no indirect jmp (jump tables' targets are
 * unknown), and the displaced instructions can be moved (rip-relative
 * operands and relative jumps re-encoded; calls, other system calls and
 * odd relative forms refused).  Other sites go through a padding slot
 * between functions where one lies within reach (below), else trap
 * (`ud2`, the SIGILL path).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "decoder.h"
#include "detour.h"
#include "finder.h"
#include "rt.h"

_Static_assert(ZP_MODE_DETOUR == ZP_MODE_DETOUR_ASM, "ZP_MODE_DETOUR_ASM (layout.h)");

unsigned long zp_detour_refused[ZP_DETOUR_NREASONS] ZP_BIG_BSS;
unsigned long zp_detour_count ZP_BIG_BSS;
unsigned long zp_detour_padded ZP_BIG_BSS;
unsigned long zp_detour_split ZP_BIG_BSS;
bool zp_detour_in_place_only ZP_BIG_BSS;

/* ---- what an instruction to displace is --------------------------------- */

enum move_kind {
	MOVE_REFUSE,
	MOVE_COPY,   /* position-independent */
	MOVE_RIPREL, /* a rip-relative memory operand: its disp32 re-aimed */
	MOVE_JMP,    /* jmp rel8/rel32: re-encoded as jmp rel32; ends the path */
	MOVE_JCC,    /* jcc rel8/rel32: re-encoded as jcc rel32 */
	MOVE_END,    /* ret, indirect jmp: copied; ends the path */
};

static bool rip_relative(const ZydisDecodedInstruction *in)
{
	return (in->attributes & ZYDIS_ATTRIB_HAS_MODRM) && in->raw.modrm.mod == 0 &&
	       in->raw.modrm.rm == 5 && in->raw.disp.size == 32;
}

static bool is_jcc(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_JB: case ZYDIS_MNEMONIC_JBE: case ZYDIS_MNEMONIC_JL:
	case ZYDIS_MNEMONIC_JLE: case ZYDIS_MNEMONIC_JNB: case ZYDIS_MNEMONIC_JNBE:
	case ZYDIS_MNEMONIC_JNL: case ZYDIS_MNEMONIC_JNLE: case ZYDIS_MNEMONIC_JNO:
	case ZYDIS_MNEMONIC_JNP: case ZYDIS_MNEMONIC_JNS: case ZYDIS_MNEMONIC_JNZ:
	case ZYDIS_MNEMONIC_JO: case ZYDIS_MNEMONIC_JP: case ZYDIS_MNEMONIC_JS:
	case ZYDIS_MNEMONIC_JZ:
		return true;
	default:
		return false;
	}
}

static enum move_kind move_kind(const ZydisDecodedInstruction *in)
{
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_SYSCALL: case ZYDIS_MNEMONIC_SYSENTER: case ZYDIS_MNEMONIC_CALL:
	case ZYDIS_MNEMONIC_INT: case ZYDIS_MNEMONIC_INT1: case ZYDIS_MNEMONIC_INT3:
	case ZYDIS_MNEMONIC_INTO: case ZYDIS_MNEMONIC_UD0: case ZYDIS_MNEMONIC_UD1:
	case ZYDIS_MNEMONIC_UD2: case ZYDIS_MNEMONIC_IRET: case ZYDIS_MNEMONIC_IRETD:
	case ZYDIS_MNEMONIC_IRETQ: case ZYDIS_MNEMONIC_SYSRET: case ZYDIS_MNEMONIC_SYSEXIT:
	case ZYDIS_MNEMONIC_HLT:
		return MOVE_REFUSE;
	case ZYDIS_MNEMONIC_RET:
		return MOVE_END;
	case ZYDIS_MNEMONIC_JMP:
		if (in->attributes & ZYDIS_ATTRIB_HAS_MODRM)
			return MOVE_END; /* indirect (its rip-relative operand re-aimed) */
		return in->raw.imm[0].is_relative ? MOVE_JMP : MOVE_REFUSE;
	default:
		break;
	}
	if (is_jcc(in->mnemonic))
		return in->raw.imm[0].is_relative && in->raw.imm[0].size >= 8 ? MOVE_JCC : MOVE_REFUSE;
	if (rip_relative(in))
		return MOVE_RIPREL;
	/* loop*, jrcxz, xbegin and any other relative form */
	if (in->attributes & ZYDIS_ATTRIB_IS_RELATIVE)
		return MOVE_REFUSE;
	return MOVE_COPY;
}

static bool fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static void put32(uint8_t *p, int32_t v)
{
	memcpy(p, &v, 4);
}

/* The instruction at src (its address `from`, *src_len its length),
 * moved to dst (address `to`, room bytes there).  Bytes written, or -1;
 * *ends: nothing after it runs. */
static int move_insn(const uint8_t *src, uintptr_t from, uint8_t *dst, uintptr_t to, size_t room,
		     bool *ends, size_t *src_len)
{
	ZydisDecodedInstruction in;
	if (!zp_decode_one(src, 15, &in))
		return -1;
	*src_len = in.length;
	enum move_kind k = move_kind(&in);
	*ends = k == MOVE_JMP || k == MOVE_END;
	int64_t target = (int64_t)from + in.length + in.raw.imm[0].value.s;
	switch (k) {
	case MOVE_REFUSE:
		return -1;
	case MOVE_JMP:
		if (room < 5 || !fits32(target - (int64_t)(to + 5)))
			return -1;
		dst[0] = 0xe9;
		put32(dst + 1, (int32_t)(target - (int64_t)(to + 5)));
		return 5;
	case MOVE_JCC: {
		if (room < 6 || !fits32(target - (int64_t)(to + 6)))
			return -1;
		/* 70+cc rel8 or 0f 80+cc rel32: the condition is the low nibble */
		dst[0] = 0x0f;
		dst[1] = (uint8_t)(0x80 | (in.opcode & 0x0f));
		put32(dst + 2, (int32_t)(target - (int64_t)(to + 6)));
		return 6;
	}
	case MOVE_COPY:
	case MOVE_RIPREL:
	case MOVE_END:
		if (room < in.length)
			return -1;
		memcpy(dst, src, in.length);
		if (rip_relative(&in)) {
			int32_t d;
			memcpy(&d, src + in.raw.disp.offset, 4);
			int64_t nd = (int64_t)d + (int64_t)from - (int64_t)to;
			if (!fits32(nd))
				return -1;
			put32(dst + in.raw.disp.offset, (int32_t)nd);
		}
		return in.length;
	}
	return -1;
}

/* ---- planning ----------------------------------------------------------- */

int zp_detour_plan(const uint8_t *fn, size_t flen, const struct zp_func_result *r, size_t k,
		   int8_t *start, uint8_t *len)
{
	if (!r->complete || k >= ZP_FUNC_MAX_SITES)
		return ZP_DETOUR_NO_FUNCTION;
	if (r->indirect_jmp || r->far_target)
		return ZP_DETOUR_INDIRECT;
	size_t s = r->sites[k];
	if (s + 2 > flen || fn[s] != 0x0f || fn[s + 1] != 0x05)
		return ZP_DETOUR_RELOC; /* sysenter: traps */
	ZydisDecodedInstruction in;
	/* The previous instruction, if the call is not itself a target. */
	size_t p = r->prev[k];
	if (p != SIZE_MAX && s - p >= 3 && !zp_func_is_target(r, s) &&
	    zp_decode_one(fn + p, s - p, &in) && in.length == s - p) {
		enum move_kind mk = move_kind(&in);
		if (mk == MOVE_COPY || mk == MOVE_RIPREL) {
			*start = (int8_t) - (int)(s - p);
			*len = (uint8_t)(s - p + 2);
			return ZP_DETOUR_OK;
		}
	}
	/* glibc's signal restorer (__restore_rt: mov $15, %rax; syscall) has
	 * an unwind entry that starts one byte early, inside the padding
	 * before it (for unwinders that look up return address - 1), so the
	 * decoding from there is out of step up to the `syscall`.  A
	 * function that is only that (its start at most one byte before a
	 * `mov $imm32, %eax` or `%rax` that ends at the call) is entered
	 * nowhere but at the mov.  It runs at every signal handler's return:
	 * a trap there would cost a signal each time. */
	static const uint8_t mov_rax[3] = {0x48, 0xc7, 0xc0};
	if (!zp_func_is_target(r, s) && s >= 7 && s <= 8 && !memcmp(fn + s - 7, mov_rax, 3)) {
		*start = -7;
		*len = 9;
		return ZP_DETOUR_OK;
	}
	if (!zp_func_is_target(r, s) && s >= 5 && s <= 6 && fn[s - 5] == 0xb8) {
		*start = -5;
		*len = 7;
		return ZP_DETOUR_OK;
	}
	/* The instructions after it, up to 5 bytes from the site: none may
	 * be a branch target, each must move, and all must lie in the
	 * function.  Nothing after one that ends the path (ret, jmp): what
	 * follows is reached only from elsewhere, and not always by a branch
	 * the decoding saw (musl's cancellation points: a signal handler
	 * sends the thread to the label after `syscall; ret`). */
	size_t e = s + 2;
	while (e - s < 5) {
		if (e >= flen)
			return ZP_DETOUR_END;
		if (zp_func_is_target(r, e))
			return ZP_DETOUR_TARGET;
		if (!zp_decode_one(fn + e, flen - e, &in))
			return ZP_DETOUR_RELOC;
		enum move_kind mk = move_kind(&in);
		if (mk == MOVE_REFUSE)
			return ZP_DETOUR_RELOC;
		e += in.length;
		if ((mk == MOVE_JMP || mk == MOVE_END) && e - s < 5)
			return ZP_DETOUR_END;
	}
	if (e > flen)
		return ZP_DETOUR_END;
	*start = 0;
	*len = (uint8_t)(e - s);
	return ZP_DETOUR_OK;
}

/* ---- split around the call ---------------------------------------------- */

/* While threads the runtime did not start may run, a jmp may not cover the
 * `syscall` and what follows it: a thread inside the call returns into
 * the jmp's middle.  Where one instruction of 5 bytes or more follows the
 * call, the jmp can take its place alone, at site + 2, where such a
 * thread returns, and the `syscall` become `mov $K', %cl`, falling into
 * it:
 *
 *   before:  syscall; next (5+ bytes)
 *   patched: mov $K', %cl; jmp T; [cc..]
 *   T:       movzbl %cl, %ecx; lea -K(%rcx), %ecx; jrcxz C
 *            (the shape above with the instructions after the call)
 *   C:       lea site+2(%rip), %rcx; next'; jmp after it
 *
 * K is site + 2's low byte, K' another: a thread back from the kernel
 * has rcx = site + 2 (the `syscall` put its return address there; so
 * does a signal frame's return to it), a call from the site has cl = K'.
 * The returning thread goes on at C, the call into the second stage; no
 * flag changes either way, and rcx is theirs to clobber (the kernel's
 * value is set again at C).  Nothing branches to site + 2 (a branch
 * there, with any cl, would be taken for a call) and no instruction
 * boundary but site + 2 lies inside the jmp, so no thread can stand
 * anywhere in it but where the test tells the two apart. */
uint8_t zp_detour_split_plan(const uint8_t *fn, size_t flen, const struct zp_func_result *r,
			     size_t k)
{
	if (!r->complete || k >= ZP_FUNC_MAX_SITES || r->indirect_jmp || r->far_target)
		return 0;
	size_t s = r->sites[k], e = s + 2;
	uintptr_t site = (uintptr_t)fn + s;
	/* Each part goes in with one atomic store (patch_flush): the mov, and
	 * the jmp's first two bytes, within a cache line.  Load addresses
	 * keep the offsets' low bits (cached lists). */
	if (e >= flen || fn[s] != 0x0f || fn[s + 1] != 0x05 || (site & 63) == 63 ||
	    ((site + 2) & 63) == 63 || zp_func_is_target(r, e))
		return 0;
	ZydisDecodedInstruction in;
	if (!zp_decode_one(fn + e, flen - e, &in) || in.length < 5 || e + in.length > flen)
		return 0;
	enum move_kind mk = move_kind(&in);
	return mk == MOVE_COPY || mk == MOVE_RIPREL || mk == MOVE_JCC || mk == MOVE_JMP ? in.length
											   : 0;
}

/* Padding slots.  A site's `syscall` becomes `jmp rel8` (2 bytes: nothing
 * else is replaced, so neither branches into the bytes after it nor a
 * thread inside the call returning there can matter) to a `jmp rel32`
 * in the padding the linker or assembler put after the function; that
 * jumps to a trampoline of the direct shape with nothing displaced.
 * Padding is taken only where nothing can run into it: the function's
 * code from the site to its unwind entry's end decodes whole and its last
 * instruction ends the path (so not the nop alignment a conditional jump
 * falls through into the next entry, as in glibc's __memmove_chk), and
 * the padding up to the slot is nop or int3 instructions.  Slots are 5
 * bytes, from the padding's start for the function before it and from
 * its end for the one after, each in the order of its sites; a slot
 * whose bytes another site claimed is refused when applied. */
static bool ends_path(const ZydisDecodedInstruction *in)
{
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_RET: case ZYDIS_MNEMONIC_JMP: case ZYDIS_MNEMONIC_UD2:
	case ZYDIS_MNEMONIC_HLT: case ZYDIS_MNEMONIC_INT3:
		return true;
	case ZYDIS_MNEMONIC_CALL:
		/* a compiler ends a function with a call only to one that
		 * never returns (__stack_chk_fail, abort) */
		return in->raw.imm[0].is_relative;
	default:
		return false;
	}
}

int8_t zp_detour_pad_plan(const uint8_t *fn, size_t flen, size_t from, uintptr_t site,
			  const uint8_t *gap, size_t gap_len, unsigned nth, bool from_end)
{
	/* the 2-byte store must be atomic: within a cache line */
	if ((site & 63) == 63 || from >= flen || gap != fn + flen || gap_len < 5 * ((size_t)nth + 1))
		return 0;
	size_t slot = from_end ? gap_len - 5 * ((size_t)nth + 1) : 5 * (size_t)nth;
	int64_t rel = (int64_t)((uintptr_t)gap + slot) - (int64_t)(site + 2);
	if (rel < -128 || rel > 127 || rel == 0)
		return 0;
	ZydisDecodedInstruction in;
	size_t e = from;
	bool ends = false;
	while (e < flen) {
		if (!zp_decode_one(fn + e, flen - e, &in))
			return 0;
		e += in.length;
		ends = ends_path(&in);
	}
	if (e != flen || !ends)
		return 0;
	for (size_t g = 0; g < slot + 5; g += in.length)
		if (!zp_decode_one(gap + g, gap_len - g, &in) ||
		    (in.mnemonic != ZYDIS_MNEMONIC_NOP && in.mnemonic != ZYDIS_MNEMONIC_INT3))
			return 0;
	return (int8_t)rel;
}

/* ---- trampoline memory -------------------------------------------------- */

/* Blocks of trampolines, each within reach of the sites it serves. */
#define BLOCK_SIZE (64 * 1024)
#define SLOT 128
#define MAX_BLOCKS 512
static uintptr_t blocks[MAX_BLOCKS] ZP_BIG_BSS;
static size_t block_used[MAX_BLOCKS] ZP_BIG_BSS;
static size_t nblocks ZP_BIG_BSS;

/* Writing a trampoline makes its page writable and then executable
 * again: two mprotect calls a site, 1,237 calls at the start of
 * /usr/bin/go (~600 sites), each with a TLB flush.  Between
 * zp_detour_batch_begin() and zp_detour_batch_end() (one run of sites,
 * under the patching lock) a block, once opened, stays writable and
 * executable until the end; where a W^X policy refuses that the site
 * falls back to the page-at-a-time way. */
static bool batching ZP_BIG_BSS;
/* Padding slots written since the last flush: they must be seen whole
 * by every CPU before a site's jmp rel8 sends a thread there. */
static bool pads_written ZP_BIG_BSS;
static bool block_open[MAX_BLOCKS] ZP_BIG_BSS;

/* Room for a jump both ways between the site and its trampoline. */
#define REACH ((uintptr_t)1 << 31)
static bool near(uintptr_t a, uintptr_t b)
{
	uintptr_t d = a > b ? a - b : b - a;
	return d < REACH - 2 * BLOCK_SIZE;
}

static uintptr_t try_block(uintptr_t at)
{
	long m = zp_raw6(SYS_mmap, (long)at, BLOCK_SIZE, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (m < 0)
		return 0;
	if ((uintptr_t)m != at) { /* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
		zp_raw2(SYS_munmap, m, BLOCK_SIZE);
		return 0;
	}
	return at;
}

/* A slot for the site's trampoline: in a block within reach, or a new
 * block mapped near the site (below it first: above an executable lies its
 * heap, which brk grows into). */
static uintptr_t slot_near(uintptr_t site, size_t *block)
{
	for (size_t i = 0; i < nblocks; i++)
		if (block_used[i] + SLOT <= BLOCK_SIZE && near(blocks[i], site)) {
			uintptr_t t = blocks[i] + block_used[i];
			block_used[i] += SLOT;
			*block = i;
			return t;
		}
	if (nblocks == MAX_BLOCKS)
		return 0;
	uintptr_t base = site & ~(uintptr_t)(BLOCK_SIZE - 1), b = 0;
	for (uintptr_t d = 1 << 20; !b && d < REACH / 2; d <<= 1) {
		if (base > d + BLOCK_SIZE)
			b = try_block(base - d);
		if (!b && base + d < ((uintptr_t)1 << 47) - BLOCK_SIZE)
			b = try_block(base + d);
	}
	if (!b)
		return 0;
	blocks[nblocks] = b;
	block_used[nblocks] = SLOT;
	block_open[nblocks] = false;
	*block = nblocks++;
	return b;
}

void zp_detour_batch_begin(void)
{
	batching = true;
}

static void patch_flush(void);

void zp_detour_batch_end(void)
{
	patch_flush();
	for (size_t i = 0; i < nblocks; i++)
		if (block_open[i]) {
			zp_raw3(SYS_mprotect, blocks[i], BLOCK_SIZE, PROT_READ | PROT_EXEC);
			block_open[i] = false;
		}
	batching = false;
}

/* The instructions after the call moved (5 bytes from the site at most:
 * three), and the jmp back. */
#define CONT_MAX 4

/* The trampoline's own steps before the second stage, as offsets in its
 * slot, kept in the slot's last bytes before the literal: where the
 * handler of a signal that comes there is shown the program
 * (zp_detour_view_at). */
struct tramp_steps {
	uint8_t prev_len;   /* the displaced previous instruction's length, 0: none */
	uint8_t test_at;    /* after it: the range test */
	uint8_t flags_from; /* [flags_from, flags_to): pushfq's 8 bytes below (no BMI2) */
	uint8_t flags_to;
	uint8_t trap_at;    /* the ud2 and the trap's continuation, until lea_at */
	uint8_t lea_at;     /* lea ret(%rip), %rcx; push %rcx; jmp stage 2 */
	uint8_t pushed_at;  /* after the push: 8 bytes below */
	uint8_t entered_at; /* after the jmp: no longer the trampoline's */
	uint8_t split_to;   /* a split site's test [0, split_to): call or return? */
	uint8_t split_key;  /* its K: site + 2's low byte */
	/* The continuation (after entered_at; 0: none): where it sets rcx,
	 * then where each instruction it moved starts, and the jmp back,
	 * with where the program stands there, from site + 2. */
	uint8_t cont_at;
	uint8_t cont_n;
	uint8_t cont_off[CONT_MAX];
	uint8_t cont_from[CONT_MAX];
};
#define TRAMP_STEPS_AT (SLOT - 8 - sizeof(struct tramp_steps))

/* Keys of the return address map (below) with this bit, above any user
 * address, map a return address to its trampoline. */
#define TRAMP_OF (1ull << 62)
/* ... and with this bit a padding slot to its site. */
#define PAD_OF (1ull << 61)
/* ... and with this bit a split site's jmp (site + 2) to its site. */
#define SPLIT_OF (1ull << 60)
static uint64_t map_get(uintptr_t ret);

uintptr_t zp_detour_reentry(uintptr_t ret)
{
	uintptr_t t = (uintptr_t)map_get(ret | TRAMP_OF);
	if (!t)
		return 0;
	const struct tramp_steps *s = (const struct tramp_steps *)(t + TRAMP_STEPS_AT);
	return s->entered_at ? t + s->lea_at : 0;
}

/* A split site's test: at pc (its offset off), is the thread one back
 * from the kernel?  Before the movzbl cl is as it came, after it ecx, and
 * after the lea rcx is 0 for that thread. */
static bool split_returning(const struct tramp_steps *s, size_t off, uintptr_t rcx)
{
	if (off == 0)
		return (rcx & 0xff) == s->split_key;
	return off == 3 ? rcx == s->split_key : rcx == 0;
}

int zp_detour_view_at(uintptr_t pc, uintptr_t rcx, uintptr_t *shown, unsigned *below)
{
	size_t nb = __atomic_load_n(&nblocks, __ATOMIC_ACQUIRE);
	for (size_t i = 0; i < nb; i++) {
		uintptr_t b = blocks[i];
		if (pc - b >= BLOCK_SIZE)
			continue;
		uintptr_t t = b + (pc - b) / SLOT * SLOT;
		if (t + SLOT > b + __atomic_load_n(&block_used[i], __ATOMIC_ACQUIRE))
			return false;
		const struct tramp_steps *s = (const struct tramp_steps *)(t + TRAMP_STEPS_AT);
		size_t off = pc - t;
		if (!s->entered_at || (off >= s->entered_at && off < s->cont_at) ||
		    (off >= s->trap_at && off < s->lea_at))
			return ZP_DETOUR_AT_NONE;
		int32_t rel;
		memcpy(&rel, (const void *)(t + s->lea_at + 3), 4);
		uintptr_t site = zp_detour_site_of(t + s->lea_at + 7 + (uintptr_t)(intptr_t)rel);
		if (!site)
			return ZP_DETOUR_AT_NONE;
		*below = 0;
		if (off >= s->entered_at) {
			/* the continuation: the call is made; at its first
			 * instruction rcx is still to be set */
			*shown = site + 2;
			if (off == s->cont_at)
				return ZP_DETOUR_AT_RETURN;
			for (unsigned c = 0; c < s->cont_n && c < CONT_MAX; c++)
				if (off == s->cont_off[c]) {
					*shown = site + 2 + s->cont_from[c];
					return ZP_DETOUR_AT_PROGRAM;
				}
			return ZP_DETOUR_AT_NONE;
		}
		if (off < s->split_to && split_returning(s, off, rcx)) {
			*shown = site + 2;
			return ZP_DETOUR_AT_RETURN;
		}
		*shown = off < s->test_at ? site - s->prev_len : site;
		*below = (off >= s->flags_from && off < s->flags_to ? 8u : 0u) +
			 (off >= s->pushed_at ? 8u : 0u);
		return ZP_DETOUR_AT_PROGRAM;
	}
	/* a padding slot's jmp: the program is at its site */
	uint64_t site = map_get(pc | PAD_OF);
	*below = 0;
	if (site) {
		*shown = (uintptr_t)site;
		return ZP_DETOUR_AT_PROGRAM;
	}
	/* a split site's jmp, come to from its `mov` (from the kernel: the
	 * program's own place, shown as it is) */
	site = map_get(pc | SPLIT_OF);
	if (site && (rcx & 0xff) != ((site + 2) & 0xff)) {
		*shown = (uintptr_t)site;
		return ZP_DETOUR_AT_PROGRAM;
	}
	return ZP_DETOUR_AT_NONE;
}

/* Copies a trampoline into its slot t of block bi. */
static int write_slot(uintptr_t t, size_t bi, const uint8_t *buf)
{
	if (batching && !block_open[bi] &&
	    zp_raw3(SYS_mprotect, blocks[bi], BLOCK_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC) == 0)
		block_open[bi] = true;
	if (block_open[bi]) {
		memcpy((void *)t, buf, SLOT);
		return 0;
	}
	/* The slot's page may run other trampolines meanwhile: writable and
	 * executable for the moment (writable alone where a W^X policy
	 * refuses that: only at start-up, when nothing else runs). */
	uintptr_t pg = t & ~(uintptr_t)(ZP_PAGE - 1);
	if (zp_raw3(SYS_mprotect, pg, ZP_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) < 0 &&
	    zp_raw3(SYS_mprotect, pg, ZP_PAGE, PROT_READ | PROT_WRITE) < 0)
		return -1;
	memcpy((void *)t, buf, SLOT);
	zp_raw3(SYS_mprotect, pg, ZP_PAGE, PROT_READ | PROT_EXEC);
	return 0;
}

bool zp_detour_touches(uintptr_t lo, uintptr_t hi)
{
	for (size_t i = 0; i < nblocks; i++)
		if (lo < blocks[i] + BLOCK_SIZE && hi > blocks[i])
			return true;
	return false;
}

/* ---- trampoline return address -> site ---------------------------------- */

/* Open addressing, keys never removed; grown by copying into a new table
 * published with one store (readers in any thread, signal handlers
 * included, take no lock; the old table is left mapped for them).
 * Writers hold the patching lock (rewrite.c). */
struct site_map {
	size_t mask;
	struct {
		uint64_t ret, site;
	} e[];
};
static struct site_map *site_map ZP_BIG_BSS;
static size_t site_map_n ZP_BIG_BSS;

static uint64_t mix(uint64_t k)
{
	return (k ^ (k >> 17)) * 0x9e3779b97f4a7c15ull >> 20;
}

static void map_put(struct site_map *m, uint64_t ret, uint64_t site)
{
	for (size_t i = mix(ret) & m->mask;; i = (i + 1) & m->mask)
		if (!m->e[i].ret) {
			m->e[i].site = site;
			__atomic_store_n(&m->e[i].ret, ret, __ATOMIC_RELEASE);
			return;
		}
}

static int map_add(uint64_t ret, uint64_t site)
{
	struct site_map *m = site_map;
	if (!m || 2 * (site_map_n + 1) > m->mask + 1) {
		size_t slots = m ? 2 * (m->mask + 1) : 1024;
		size_t bytes = sizeof *m + slots * sizeof m->e[0];
		long a = zp_raw6(SYS_mmap, 0, (long)bytes, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a < 0)
			return (int)a;
		struct site_map *n = (struct site_map *)a;
		// cppcheck-suppress nullPointerRedundantCheck ; mmap's result, checked above: never 0 here
		n->mask = slots - 1;
		for (size_t i = 0; m && i <= m->mask; i++)
			if (m->e[i].ret)
				map_put(n, m->e[i].ret, m->e[i].site);
		__atomic_store_n(&site_map, n, __ATOMIC_RELEASE);
		m = n;
	}
	map_put(m, ret, site);
	site_map_n++;
	return 0;
}

/* In the side table's values: the trampoline's continuation only jumps
 * back to site + 2 (the previous instruction was displaced, not the next
 * ones), so a call may resume there directly. */
#define RESUMES_AFTER (1ull << 63)

static uint64_t map_get(uintptr_t ret);

uintptr_t zp_detour_site_of(uintptr_t ret)
{
	return (uintptr_t)(map_get(ret) & ~RESUMES_AFTER);
}

uintptr_t zp_detour_resume(uintptr_t ret)
{
	uint64_t v = map_get(ret);
	return v & RESUMES_AFTER ? (uintptr_t)(v & ~RESUMES_AFTER) + 2 : ret;
}

static uint64_t map_get(uintptr_t ret)
{
	struct site_map *m = __atomic_load_n(&site_map, __ATOMIC_ACQUIRE);
	if (!m || !ret)
		return 0;
	for (size_t i = mix(ret) & m->mask;; i = (i + 1) & m->mask) {
		uint64_t k = __atomic_load_n(&m->e[i].ret, __ATOMIC_ACQUIRE);
		if (k == ret)
			return (uintptr_t)m->e[i].site;
		if (!k)
			return 0;
	}
}

static uintptr_t patching_at ZP_BIG_BSS;

/* A jmp at addr into one of the trampoline blocks. */
static bool detour_at(uintptr_t addr)
{
	uint8_t b[5];
	if (zp_safe_copy(b, (const void *)addr, sizeof b) < 0 || b[0] != 0xe9)
		return false;
	int32_t rel = (int32_t)((uint32_t)b[1] | (uint32_t)b[2] << 8 | (uint32_t)b[3] << 16 |
				(uint32_t)b[4] << 24);
	uintptr_t t = addr + 5 + (uintptr_t)(intptr_t)rel;
	size_t n = __atomic_load_n(&nblocks, __ATOMIC_ACQUIRE);
	for (size_t i = 0; i < n; i++)
		if (t >= blocks[i] && t < blocks[i] + BLOCK_SIZE && (t - blocks[i]) % SLOT == 0)
			return true;
	return false;
}

/* A thread that fetched the int3 gets its SIGTRAP handled when the writer
 * may be done (patching_at cleared): the jmp is there then.  Taken for the
 * program's own int3, the trap killed the thread (a thread glibc had just
 * started, its signals blocked: the runtime held the SIGTRAP until the
 * thread unblocked them, then delivered it at its default action). */
bool zp_detour_patching(uintptr_t addr)
{
	return addr && (__atomic_load_n(&patching_at, __ATOMIC_ACQUIRE) == addr || detour_at(addr));
}

/* ---- writing ------------------------------------------------------------ */

/* Patches go in place where other threads may be running that code, without
 * a trap where it can be helped: a thread glibc has just started has every
 * signal blocked, the runtime's too (its parent's pthread_create blocked
 * them with a call not yet rewritten), and the kernel kills a thread for a
 * trap it cannot deliver (a linked Go library's threads in detour mode:
 * ~3% of runs died of an int3 written first at every site).
 *   - Within one aligned 8-byte word: one atomic store; a thread fetches
 *     the old bytes or the new.
 *   - Else (the usual case): `jmp .` over the first two bytes (one atomic
 *     store within a cache line), so that a thread arriving meanwhile
 *     waits there instead of running half-written bytes; then the rest;
 *     then the first two (HotSpot patches its call sites the same way).
 *   - Across a cache line: int3 first, and a thread arriving meanwhile
 *     traps and is sent back to run the finished jmp (signals.c).
 * A store to code another CPU is running is only sure to be seen whole
 * once that CPU has serialized (the Intel SDM's "cross-modifying code";
 * the kernel's text_poke_bp syncs every CPU between its steps): a thread
 * that had fetched the old displaced `mov $nr, %eax` up to a 16-byte
 * boundary, and the rest after the patch's middle bytes were stored, ran
 * the `syscall` with a number made of both (glibc's "rseq registration
 * failed", or a corrupt pthread_create: 3 runs in 5000 of a linked Go
 * library in detour mode).  So while threads may run, the steps of a
 * whole batch of sites are taken together, each followed by
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE), which makes
 * every thread of the process serialize before it runs user code again:
 * after the first one, none can still run a displaced instruction's old
 * bytes. */
#define PATCH_MAX 32
struct pending_patch {
	uint8_t *at;
	uint8_t len;
	uint8_t bytes[PATCH_MAX];
};
#define MAX_PENDING 512
static struct pending_patch pending[MAX_PENDING] ZP_BIG_BSS;
static size_t npending ZP_BIG_BSS;
/* Stored after all of the above (a split site's `mov`, once its jmp is
 * whole): two bytes within a cache line, one atomic store each. */
static struct pending_patch late[MAX_PENDING] ZP_BIG_BSS;
static size_t nlate ZP_BIG_BSS;
static int sync_core_state ZP_BIG_BSS; /* 0 not asked yet, 1 registered, -1 unavailable */

#define MEMBARRIER_PRIVATE_EXPEDITED_SYNC_CORE (1 << 5)
#define MEMBARRIER_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE (1 << 6)

/* true if every other thread has serialized when it returns. */
static bool sync_cores(void)
{
	if (!sync_core_state)
		sync_core_state = zp_raw3(SYS_membarrier, MEMBARRIER_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
					  0, 0) == 0 ? 1 : -1;
	return sync_core_state > 0 &&
	       zp_raw3(SYS_membarrier, MEMBARRIER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0;
}

static bool within_word(const struct pending_patch *q)
{
	return ((uintptr_t)q->at & 7) + q->len <= 8;
}

static bool across_line(const struct pending_patch *q)
{
	return ((uintptr_t)q->at & 63) == 63;
}

static void store_word(const struct pending_patch *q)
{
	uintptr_t off8 = (uintptr_t)q->at & 7;
	uint64_t *w = (uint64_t *)(void *)(q->at - off8);
	uint64_t old = __atomic_load_n(w, __ATOMIC_ACQUIRE), now;
	do {
		now = old;
		for (size_t i = 0; i < q->len; i++)
			((uint8_t *)&now)[off8 + i] = q->bytes[i];
	} while (!__atomic_compare_exchange_n(w, &old, now, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_ACQUIRE));
}

static void store_tail(const struct pending_patch *q, size_t from)
{
	for (size_t i = from; i < q->len; i++)
		__atomic_store_n(q->at + i, q->bytes[i], __ATOMIC_RELAXED);
}

static void store_head2(const struct pending_patch *q)
{
	__atomic_store_n((uint16_t *)(void *)q->at, (uint16_t)(q->bytes[0] | q->bytes[1] << 8),
			 __ATOMIC_SEQ_CST);
}

/* The pending patches, in place.  Without other threads (or without
 * membarrier) the syncs are skipped: the steps are then what a thread
 * arriving meanwhile can be given at best. */
static void patch_flush(void)
{
	bool sync = zp_detour_in_place_only;
	if (pads_written && sync)
		sync = sync_cores();
	pads_written = false;
	for (size_t k = 0; k < npending; k++) {
		const struct pending_patch *q = &pending[k];
		if (within_word(q))
			store_word(q);
		else if (!across_line(q))
			__atomic_store_n((uint16_t *)(void *)q->at, (uint16_t)(0xeb | 0xfe << 8),
					 __ATOMIC_SEQ_CST); /* jmp . */
	}
	if (sync)
		sync = sync_cores();
	for (size_t k = 0; k < npending; k++)
		if (!within_word(&pending[k]) && !across_line(&pending[k]))
			store_tail(&pending[k], 2);
	if (sync)
		sync_cores();
	for (size_t k = 0; k < npending; k++)
		if (!within_word(&pending[k]) && !across_line(&pending[k]))
			store_head2(&pending[k]);
	/* One at a time: a trap at an int3 is told apart by patching_at. */
	for (size_t k = 0; k < npending; k++) {
		const struct pending_patch *q = &pending[k];
		if (within_word(q) || !across_line(q))
			continue;
		__atomic_store_n(&patching_at, (uintptr_t)q->at, __ATOMIC_RELEASE);
		__atomic_store_n(q->at, (uint8_t)0xcc, __ATOMIC_SEQ_CST);
		if (sync)
			sync_cores();
		store_tail(q, 1);
		if (sync)
			sync_cores();
		__atomic_store_n(q->at, q->bytes[0], __ATOMIC_SEQ_CST);
		__atomic_store_n(&patching_at, 0, __ATOMIC_RELEASE);
	}
	/* Threads waiting at a `jmp .` or in the int3's handler go on now. */
	if (sync)
		sync_cores();
	npending = 0;
	for (size_t k = 0; k < nlate; k++)
		store_head2(&late[k]);
	if (sync && nlate)
		sync_cores();
	nlate = 0;
}

/* Queues a patch (late: see above, two bytes). */
static void patch_store(uint8_t *p, const uint8_t *patch, size_t len, bool is_late)
{
	if (npending == MAX_PENDING || nlate == MAX_PENDING)
		patch_flush();
	struct pending_patch *q = is_late ? &late[nlate++] : &pending[npending++];
	q->at = p;
	q->len = (uint8_t)len;
	memcpy(q->bytes, patch, len);
	if (!batching)
		patch_flush();
}

/* Bytes of the nop forms assemblers pad with, and int3: a slot holding
 * anything else is not padding (a stale plan). */
static bool padding_bytes(const uint8_t *p, size_t n)
{
	static const uint8_t ok[] = {0x90, 0xcc, 0x66, 0x2e, 0x0f, 0x1f, 0x00, 0x40, 0x44, 0x80, 0x84};
	for (size_t i = 0; i < n; i++)
		if (!memchr(ok, p[i], sizeof ok))
			return false;
	return true;
}

static int apply(uintptr_t site, int8_t start, uint8_t len, int8_t pad, uint8_t split);

int zp_detour_apply(uintptr_t site, int8_t start, uint8_t len)
{
	/* A plan that replaces the instructions after the call (cached
	 * plans too: they do not depend on the threads) would have a thread
	 * inside it return into the middle of the jmp (a linked Go library's
	 * threads in libc's clone3 crashed half the runs). */
	if (start == 0 && zp_detour_in_place_only)
		return ZP_DETOUR_THREADS;
	/* A jmp over a previous instruction of 3 or 4 bytes ends inside the
	 * `syscall`: a thread that ran that instruction just before the patch
	 * would run the jmp's last bytes as code. */
	if (start > -5 && zp_detour_in_place_only)
		return ZP_DETOUR_THREADS;
	return apply(site, start, len, 0, 0);
}

int zp_detour_apply_pad(uintptr_t site, int8_t pad)
{
	uintptr_t slot = site + 2 + (uintptr_t)(intptr_t)pad;
	if (!pad || (site & 63) == 63 || !padding_bytes((const uint8_t *)slot, 5))
		return ZP_DETOUR_RELOC;
	for (int i = 0; i < 5; i++)
		if (map_get((slot + (uintptr_t)i) | PAD_OF))
			return ZP_DETOUR_RELOC; /* another site's slot */
	return apply(site, 0, 2, pad, 0);
}

int zp_detour_apply_split(uintptr_t site, uint8_t split)
{
	if (split < 5 || split > 15 || (site & 63) == 63 || ((site + 2) & 63) == 63)
		return ZP_DETOUR_RELOC;
	return apply(site, 0, (uint8_t)(2 + split), 0, split);
}

static int apply(uintptr_t site, int8_t start, uint8_t len, int8_t pad, uint8_t split)
{
	if (!zp_stage2_addr)
		return ZP_DETOUR_NO_ROOM;
	if (len > PATCH_MAX)
		return ZP_DETOUR_RELOC;
	uintptr_t a = site + start; /* the first byte replaced */
	size_t bi = 0;
	uintptr_t t = slot_near(site, &bi);
	if (!t)
		return ZP_DETOUR_NO_ROOM;
	uint8_t buf[SLOT];
	memset(buf, 0xcc, sizeof buf);
	const size_t lit = SLOT - 8, room = TRAMP_STEPS_AT;
	struct tramp_steps steps = {0};
	size_t n = 0;
	bool ends = false;
	int w;
	/* The plan (from the decoding, or a cached list: cache.c) must fit
	 * the instructions here: the one displaced before the site ends at
	 * it, those after it end where the patched bytes do (below). */
	size_t moved;
	if (start < 0) {
		if (len != 2 - start)
			return ZP_DETOUR_RELOC;
		w = move_insn((const uint8_t *)a, a, buf, t, room, &ends, &moved);
		if (w < 0 || ends || moved != (size_t)-start)
			return ZP_DETOUR_RELOC;
		n += (size_t)w;
		steps.prev_len = (uint8_t)-start;
	}
	/* A split site's test (zp_detour_split_plan): its jrcxz's target,
	 * the continuation, is filled in once known. */
	uint8_t key = (uint8_t)(site + 2);
	if (split) {
		const uint8_t test[] = {0x0f, 0xb6, 0xc9,	     /* movzbl %cl, %ecx */
					0x8d, 0x89, 0, 0, 0, 0, /* lea -K(%rcx), %ecx */
					0xe3, 0};		     /* jrcxz C */
		memcpy(buf, test, sizeof test);
		put32(buf + 5, -(int32_t)key);
		n = sizeof test;
		steps.split_to = (uint8_t)n;
		steps.split_key = key;
	}
	steps.test_at = (uint8_t)n;
	/* Numbers the second stage has no class byte for (512 and above,
	 * negative ones) trap instead, as they do at page 0 beyond the
	 * sled: a `ud2` registered as a trap site, resuming at a jump to the
	 * common continuation.  The test changes no flag with BMI2 (shrx,
	 * jrcxz; rcx is the call's to clobber), else it pushes them. */
	/* The second stage is entered as from a rewritten site, but by
	 * `push` and `jmp` rather than `call`: in detour mode it goes back by
	 * an indirect jmp (trampoline.c), so the return-stack predictor is
	 * never out of step (measured here, a call whose return is a jmp made
	 * the caller's next `ret` cost ~10 ns).  Where the previous
	 * instruction was displaced nothing is left to run after the call
	 * but the jump back, so the return address pushed is site + 2
	 * itself: after the kernel no page but the second stage's and the
	 * site's is touched (on a machine that flushes the TLB at every
	 * system call each page costs a walk; from libc's getpid a return
	 * through the trampoline cost ~15 ns).  Else it is the trampoline's
	 * continuation, which runs the displaced instructions. */
	bool direct = start < 0 || pad;
	int64_t to_s2 = (int64_t)(zp_stage2_addr + S2_ENTRY) - (int64_t)(t + n + 40);
	size_t jmp_len = fits32(to_s2) ? 5 : 6;
	/* what the trap skips over when the number is in range */
	uint8_t skip = (uint8_t)(direct ? 2 + 5 : 2 + 2);
	size_t ud2_at, big_at = 0;
	if (zp_stage2_bmi2) {
		const uint8_t test[] = {0xb9, 0x09, 0, 0, 0,	   /* mov $9, %ecx */
					0xc4, 0xe2, 0xf3, 0xf7, 0xc8, /* shrx %rcx, %rax, %rcx */
					0xe3, skip};		   /* jrcxz in range */
		memcpy(buf + n, test, sizeof test);
		n += sizeof test;
	} else {
		/* In range: pushfq, cmp, ja, popfq, jmp; the flags are 8 bytes
		 * below from the cmp to that popfq.  Out of range, the second
		 * popfq belongs to the trap. */
		steps.flags_from = (uint8_t)(n + 1);
		steps.flags_to = (uint8_t)(n + 10);
		big_at = n + 12;
		const uint8_t test[] = {0x9c,			     /* pushfq */
					0x48, 0x3d, 0xff, 0x01, 0, 0,   /* cmp $511, %rax */
					0x77, 0x03,			     /* ja big */
					0x9d,			     /* popfq */
					0xeb, (uint8_t)(skip + 1), /* jmp in range */
					0x9d};			     /* big: popfq */
		memcpy(buf + n, test, sizeof test);
		n += sizeof test;
	}
	ud2_at = n;
	steps.trap_at = (uint8_t)(big_at ? big_at : n);
	buf[n++] = 0x0f; /* ud2 */
	buf[n++] = 0x0b;
	uintptr_t ret;
	size_t enter = 7 + 1 + jmp_len; /* lea, push, jmp */
	if (direct) {
		int64_t back = (int64_t)(site + 2) - (int64_t)(t + n + 5);
		if (!fits32(back))
			return ZP_DETOUR_NO_ROOM;
		buf[n] = 0xe9; /* the trap's continuation: jmp site + 2 */
		put32(buf + n + 1, (int32_t)back);
		n += 5;
		ret = site + 2;
	} else {
		buf[n++] = 0xeb; /* the trap's continuation: over the entry */
		buf[n++] = (uint8_t)enter;
		ret = t + n + enter;
		if (split) {
			if (ret - (t + steps.split_to) > 127)
				return ZP_DETOUR_RELOC;
			buf[steps.split_to - 1] = (uint8_t)(ret - (t + steps.split_to));
		}
	}
	int64_t rel_ret = (int64_t)ret - (int64_t)(t + n + 7);
	if (!fits32(rel_ret))
		return ZP_DETOUR_NO_ROOM;
	steps.lea_at = (uint8_t)n;
	buf[n++] = 0x48; /* lea ret(%rip), %rcx */
	buf[n++] = 0x8d;
	buf[n++] = 0x0d;
	put32(buf + n, (int32_t)rel_ret);
	n += 4;
	buf[n++] = 0x51; /* push %rcx */
	steps.pushed_at = (uint8_t)n;
	to_s2 = (int64_t)(zp_stage2_addr + S2_ENTRY) - (int64_t)(t + n + 5);
	if (jmp_len == 5 && fits32(to_s2)) {
		buf[n] = 0xe9; /* jmp stage 2 */
		put32(buf + n + 1, (int32_t)to_s2);
		n += 5;
	} else if (jmp_len == 6) {
		buf[n] = 0xff; /* jmp *lit(%rip) */
		buf[n + 1] = 0x25;
		put32(buf + n + 2, (int32_t)((int64_t)(t + lit) - (int64_t)(t + n + 6)));
		n += 6;
	} else {
		return ZP_DETOUR_NO_ROOM;
	}
	steps.entered_at = (uint8_t)n;
	if (direct)
		goto written;
	/* rcx = the address after the site's `syscall`, as the kernel
	 * leaves it (the second stage leaves the return address there). */
	int64_t after = (int64_t)(site + 2) - (int64_t)(ret + 7);
	if (!fits32(after))
		return ZP_DETOUR_NO_ROOM;
	if (n + 7 > room)
		return ZP_DETOUR_RELOC;
	steps.cont_at = (uint8_t)n;
	buf[n++] = 0x48; /* lea after(%rip), %rcx */
	buf[n++] = 0x8d;
	buf[n++] = 0x0d;
	put32(buf + n, (int32_t)after);
	n += 4;
	uintptr_t from = site + 2, end = a + len;
	ends = false;
	while (from < end && !ends) {
		if (steps.cont_n == CONT_MAX)
			return ZP_DETOUR_RELOC;
		steps.cont_off[steps.cont_n] = (uint8_t)n;
		steps.cont_from[steps.cont_n++] = (uint8_t)(from - (site + 2));
		w = move_insn((const uint8_t *)from, from, buf + n, t + n, room - n, &ends, &moved);
		if (w < 0)
			return ZP_DETOUR_RELOC;
		from += moved;
		n += (size_t)w;
	}
	if (from != end)
		return ZP_DETOUR_RELOC;
	if (!ends) {
		if (steps.cont_n == CONT_MAX)
			return ZP_DETOUR_RELOC;
		steps.cont_off[steps.cont_n] = (uint8_t)n;
		steps.cont_from[steps.cont_n++] = (uint8_t)(end - (site + 2));
		int64_t rel = (int64_t)end - (int64_t)(t + n + 5);
		if (n + 5 > room || !fits32(rel))
			return ZP_DETOUR_RELOC;
		buf[n] = 0xe9;
		put32(buf + n + 1, (int32_t)rel);
	}
written:;
	uint64_t entry = zp_stage2_addr + S2_ENTRY;
	memcpy(buf + lit, &entry, 8);
	memcpy(buf + TRAMP_STEPS_AT, &steps, sizeof steps);
	/* The jmp must reach the trampoline. */
	uintptr_t jmp_at = site + 2 + (uintptr_t)(intptr_t)pad;
	if (!pad && !split)
		jmp_at = a;
	int64_t jrel = (int64_t)t - (int64_t)(jmp_at + 5);
	if (!fits32(jrel))
		return ZP_DETOUR_NO_ROOM;

	if (write_slot(t, bi, buf) < 0)
		return ZP_DETOUR_NO_ROOM;

	/* Registered before the jump is in place: the second stage must know
	 * the return address before any thread can get there. */
	uint64_t val = site | (direct ? RESUMES_AFTER : 0);
	if (zp_set_add(&zp_site_table, (uint64_t)ret) < 0 || map_add(ret, val) < 0 ||
	    zp_set_add(&zp_trap_table, (uint64_t)(t + ud2_at)) < 0 ||
	    map_add(t + ud2_at + 2, val) < 0 || map_add(ret | TRAMP_OF, t) < 0)
		return ZP_DETOUR_NO_ROOM;
	/* What is left of the replaced bytes after the jmp: int3, but for a
	 * `syscall` wholly left (the previous instruction was 5 bytes or
	 * more), which becomes a trap site for anything still reaching it: a
	 * thread that ran the previous instruction just before the patch, or
	 * whose signal handler interrupted it there.  Not while threads the
	 * runtime did not start may be running: one of those may have every
	 * signal blocked (glibc's pthread_create blocks them around clone3,
	 * by a call made before the patch), and a trap it cannot take kills
	 * the process (a linked Go library in detour mode: 6 runs in 1200
	 * died at clone3's `ud2` on a loaded machine).  The `syscall` stays:
	 * such a thread makes that one call past the hooks. */
	uint8_t patch[PATCH_MAX];
	memset(patch, 0xcc, sizeof patch);
	patch[0] = 0xe9;
	put32(patch + 1, (int32_t)jrel);
	if (pad) {
		/* The slot is never run before the site's jmp is in place:
		 * written at once, made visible to every CPU at the flush. */
		for (uintptr_t i = 0; i < 5; i++)
			if (map_add((jmp_at + i) | PAD_OF, site) < 0)
				return ZP_DETOUR_NO_ROOM;
		memcpy((void *)jmp_at, patch, 5);
		pads_written = true;
		patch[0] = 0xeb;
		patch[1] = (uint8_t)pad;
	} else if (start <= -5 && zp_detour_in_place_only) {
		patch[-start] = 0x0f;
		patch[-start + 1] = 0x05;
	} else if (start <= -5) {
		if (zp_set_add(&zp_trap_table, (uint64_t)site) == 0) {
			patch[-start] = 0x0f;
			patch[-start + 1] = 0x0b;
		}
	}
	if (split) {
		/* The jmp first, whole, then the `mov` that leads to it (a
		 * call made from the site meanwhile returns to the jmp, and
		 * goes on at C). */
		if (map_add((site + 2) | SPLIT_OF, site) < 0)
			return ZP_DETOUR_NO_ROOM;
		patch_store((uint8_t *)site + 2, patch, split, false);
		const uint8_t mov_cl[2] = {0xb1, (uint8_t)(key ^ 0x80)}; /* mov $K', %cl */
		patch_store((uint8_t *)site, mov_cl, 2, true);
		zp_detour_split++;
	} else {
		patch_store((uint8_t *)a, patch, len, false);
	}
	zp_detour_count++;
	zp_detour_padded += pad != 0;
	return ZP_DETOUR_OK;
}
