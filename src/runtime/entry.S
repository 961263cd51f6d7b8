/*
 * entry.S - the hot path.
 *
 * A rewritten site executes `callq *%rax`; the sled at page 0 slides to the
 * tail, which jumps here.  On entry:
 *   rax    system call number (0..ZP_SLED_END)
 *   [rsp]  return address = site + 2; rsp = application rsp - 8
 *   rcx    dead (syscall clobbers it), r11 dead (used by the tail jump)
 *   every other register and RFLAGS as the application left them.
 *
 * What we owe the application when we go back: everything a real `syscall`
 * preserves (all registers but rax, rcx, r11; RFLAGS), rcx = return address,
 * r11 = RFLAGS, rax = result.
 *
 * The application stack is written only inside the 128-byte red zone below
 * its rsp, which the site classifier proved dead (sites whose function
 * addresses memory below rsp are rewritten to trap instead):
 *   app-8   return address (written by the call)
 *   app-16  RFLAGS
 *   app-24  system call number
 * The kernel skips the red zone when it builds a signal frame, so a signal
 * arriving anywhere in here leaves these slots alone.
 *
 * The syscall instructions that make the application's calls carry global
 * labels zp_app_syscall_* so tests can tell them apart (strace -i) from the
 * runtime's own calls.
 *
 * Real system calls are issued with rsp equal to the application's rsp
 * (rt_sigreturn and same-stack clone children depend on it) and we go back
 * with `jmp *%rcx`, not `ret`: after a kernel entry the return-stack
 * predictor is useless here and a `ret` costs tens of nanoseconds.
 */
#include "layout.h"
#include "sysargs.h"

/* The system call's arguments from the record at \rec (a hook may have
 * changed them). */
.macro LOAD_ARGS rec
	mov	REC_ARG0(\rec), %rdi
	mov	REC_ARG1(\rec), %rsi
	mov	REC_ARG2(\rec), %rdx
	mov	REC_ARG3(\rec), %r10
	mov	REC_ARG4(\rec), %r8
	mov	REC_ARG5(\rec), %r9
.endm

/* The application's argument registers as they were at the site. */
.macro RESTORE_ARG_REGS rec
	mov	REC_RDI(\rec), %rdi
	mov	REC_RSI(\rec), %rsi
	mov	REC_RDX(\rec), %rdx
	mov	REC_R10(\rec), %r10
	mov	REC_R8(\rec), %r8
	mov	REC_R9(\rec), %r9
.endm

/* rt_sigprocmask(SIG_SETMASK, &mem, NULL, 8); clobbers rax, rcx, rdx,
 * rsi, rdi, r10, r11. */
.macro SET_SIGMASK mem
	mov	$ZP_NR_RT_SIGPROCMASK, %eax
	mov	$2, %edi		/* SIG_SETMASK */
	lea	\mem, %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
.endm

/* RFLAGS as the program had them (\mem), without popfq, which costs 20 to
 * 30 cycles: the runtime's code changes only the arithmetic flags and DF
 * (cld), so those are what is put back.  Clobbers rax and rcx; after it
 * only instructions that leave the flags alone (mov, lea) may run. */
.macro RESTORE_FLAGS mem
	movzwl	\mem, %ecx
	bt	$10, %ecx
	jnc	.Lno_df\@
	std
.Lno_df\@:
	mov	%ecx, %eax
	shr	$4, %eax
	and	$0x80, %al		/* OF (bit 11) as the sign of al */
	add	$0x80, %al		/* overflows, setting OF, if it is set */
	mov	%cl, %ah
	sahf				/* SF ZF AF PF CF */
.endm

/* Each argument register's place in the record (REC_ARG0.., REC_RDI..). */
.Larg_rdi = 0
.Larg_rsi = 1
.Larg_rdx = 2
.Larg_r10 = 3
.Larg_r8 = 4
.Larg_r9 = 5

/* RESTORE_FLAGS from the record at \rec, a register without REX (AH
 * cannot be addressed with one): two instructions fewer.  Clobbers rax. */
.macro RESTORE_FLAGS_REC rec
	movzbl	REC_FLAGS+1(\rec), %eax	/* TF IF DF OF in bits 0-3 */
	test	$0x04, %al
	jz	.Lno_df\@
	std
.Lno_df\@:
	shl	$4, %al			/* OF as the sign of al */
	add	$0x80, %al		/* overflows, setting OF, if it is set */
	mov	REC_FLAGS(\rec), %ah
	sahf				/* SF ZF AF PF CF */
.endm

/* The lean path's call of the hook function \fn with (record = rbx,
 * zp_lean_ctx), rsp = record.  (No hook_base mark: the lean path is off
 * when vDSO functions are routed, the mark's only reader.)  rcx waits on
 * our stack and comes back in rsi. */
.macro LEAN_CALL fn, back
	sub	$16, %rsp
	mov	%rcx, (%rsp)
	mov	%rbx, %rdi
	mov	zp_lean_ctx(%rip), %rsi
	call	\fn
	.globl	\back
	.hidden	\back
\back:
	/* The return address goes: defer.c takes it for a call in progress. */
	movq	$0, -8(%rsp)
	mov	(%rsp), %rsi
	add	$16, %rsp
.endm

/* The part of the record the lean path's released call does without:
 * the callee-saved registers but rbx (C code keeps them, so they are the
 * program's until something restores them from the record) and the
 * extended-state mark.  Every other path writes it before it needs it. */
.macro RECORD_REST rec
	mov	%rbp, REC_RBP(\rec)
	mov	%r12, REC_R12(\rec)
	mov	%r13, REC_R13(\rec)
	mov	%r14, REC_R14(\rec)
	mov	%r15, REC_R15(\rec)
	movq	$0, REC_XSAVE(\rec)
.endm

/* The application's argument registers as they came (RECORD_REST's
 * companion: the lean path of a hook whose pre() keeps the call needs
 * no copy of them). */
.macro RECORD_ARG_REGS rec
	mov	%rdi, REC_RDI(\rec)
	mov	%rsi, REC_RSI(\rec)
	mov	%rdx, REC_RDX(\rec)
	mov	%r10, REC_R10(\rec)
	mov	%r8, REC_R8(\rec)
	mov	%r9, REC_R9(\rec)
.endm

/* The application's callee-saved registers but rbx. */
.macro RESTORE_CALLEE_SAVED rec
	mov	REC_RBP(\rec), %rbp
	mov	REC_R12(\rec), %r12
	mov	REC_R13(\rec), %r13
	mov	REC_R14(\rec), %r14
	mov	REC_R15(\rec), %r15
.endm

/* Everything for a released call from the record at rbx: flags, argument
 * and callee-saved registers, rax = number, ecx = the level to give back,
 * rsp = the application's.  The alignment puts the `syscall` that follows
 * at the end of a 64-byte line (60 bytes of loads, then the call): where
 * code before it moved the call to the start of a line, a pass-through
 * call took 6-8 ns more on the Ice Lake VM of docs/performance.md
 * (build/bench/percall, minima of 50 batches, interleaved builds). */
.macro RELEASE_LOAD tail
	RESTORE_FLAGS_REC %rbx
	mov	%rbx, %r11
	CFI_RECORD 11
	LOAD_ARGS %r11
	mov	REC_RBX(%r11), %rbx
	.cfi_same_value %rbx
	.p2align 6
	RESTORE_CALLEE_SAVED %r11
	.ifnb	\tail
\tail:
	.endif
	mov	REC_NR(%r11), %rax
	mov	REC_LEVEL(%r11), %ecx
	mov	REC_APPSP(%r11), %rsp
.endm

/* Unwind information for the slow path (.eh_frame).  A process is often
 * stopped or interrupted in here: blocked in a system call made from one of
 * the zp_app_syscall_* instructions, or inside a hook.  Without it gdb's
 * `bt` ends at the runtime with garbage (a program that aborts, whose last
 * rt_sigprocmask runs here, showed no frame of its own), and an unwinder
 * started from a signal handler (pthread_cancel's forced unwind, a crash
 * handler's backtrace()) stopped here too.  Each state below says where the
 * application's frame is: the unwinder then goes straight from the runtime
 * to the site's function, as if the `syscall` had been made there.
 *
 * DWARF numbers: rbx 3, rsp 7, r11 11, return address (rip) 16.  Record
 * offsets are encoded as two-byte SLEB128, which holds 64..8191. */
#define ZP_SLEB2(v) (((v) & 0x7f) | 0x80), ((v) >> 7)
#if REC_APPSP < 64 || REC_RETADDR < 64 || REC_RBX < 64 || REC_RBX > 8191
#error "the CFI below encodes record offsets in two bytes"
#endif

/* The record is at \reg (3 = rbx, 11 = r11): the application's rsp, return
 * address and rbx are in it; its other callee-saved registers are live (C
 * code called from here saves them, with unwind information of its own). */
.macro CFI_RECORD reg
	/* DW_CFA_def_cfa_expression: CFA = *(reg + REC_APPSP) */
	.cfi_escape 0x0f, 4, 0x70 + \reg, ZP_SLEB2(REC_APPSP), 0x06
	/* DW_CFA_expression: rip saved at reg + REC_RETADDR */
	.cfi_escape 0x10, 16, 3, 0x70 + \reg, ZP_SLEB2(REC_RETADDR)
	/* DW_CFA_expression: rbx saved at reg + REC_RBX */
	.cfi_escape 0x10, 3, 3, 0x70 + \reg, ZP_SLEB2(REC_RBX)
.endm

/* rsp = application rsp - \off, with the return address (site + 2) at
 * application rsp - 8 and the application's registers all in place. */
.macro CFI_APP_STACK off
	.cfi_def_cfa %rsp, \off
	.cfi_offset 16, -8
	.cfi_same_value %rbx
.endm

/* [begin, end) is one of the stub's edges of kind \kind (layout.h,
 * ZP_WIN_*): each entry holds its ends relative to itself. */
.macro STUB_WINDOW begin, end, kind
	.pushsection .rodata.zp_stub_windows, "a"
	.long	\begin - ., \end - ., \kind
	.popsection
.endm
	.section .rodata.zp_stub_windows, "a"
	.balign	4
	.globl	zp_stub_windows
	.hidden	zp_stub_windows
zp_stub_windows:

	.text

/* The fast path lives in the trampoline's second stage, not here: the
 * whole page below is copied there at start-up (trampoline.c).  On this
 * kind of machine (page-table isolation without PCID) every system call
 * flushes the TLB, and each distinct page the path touches afterwards costs
 * a page walk: keeping the code, the class bytes and the site table's
 * address in one page saves pages per call; the table's slots are the
 * only other page the lookup touches.  Everything it refers to
 * is RIP-relative within the page or reached through the pointers at the
 * top, which start-up fills in.
 *
 * Page layout (offsets are fixed by layout.h and by the tail's rel32):
 *   S2_CLASS   class byte of every number that can reach the stub (0..512)
 *   S2_TABLE   the site table's address (registry.c keeps it current)
 *   S2_SLOW    address of zp_slow_path, the slow path in this library
 *   S2_VERIFY  address of zp_verify_site (a lookup that found nothing)
 *   S2_MASK    the site table's mask
 *   S2_SHIFT   64 - log2 of the site table's size
 *   S2_ENTRY   where the tail jumps: the fast path
 */
	.section .rodata.zp_stage2, "a"
	.balign	4096
	.globl	zp_stage2_template
	.hidden	zp_stage2_template
zp_stage2_template:
	.fill	S2_TABLE, 1, 0
	.quad	0		/* S2_TABLE */
	.quad	0		/* S2_SLOW */
	.quad	0		/* S2_VERIFY */
	.quad	0		/* S2_MASK */
	.quad	0		/* S2_SHIFT */

/* Unwind information of the fast path, as an .eh_frame of its own (one
 * CIE, one FDE, a zero terminator) inside the page, so the copy at stage 2
 * carries it: its addresses are PC-relative within the page.  The assembler
 * cannot put .cfi_* output here, hence the hand-made records.  unwind.c
 * registers it with the program's unwinder (libgcc's __register_frame_info)
 * and describes it to gdb (its JIT interface).  CFA = the rsp of the libc
 * wrapper that made the call, the return address (the site + 2) below it. */
	.org	zp_stage2_template + S2_EHFRAME
.Ls2_cie:
	.long	.Ls2_cie_end - .Ls2_cie_id	/* length */
.Ls2_cie_id:
	.long	0			/* CIE id */
	.byte	1			/* version */
	.asciz	"zR"			/* augmentation: FDE pointer encoding follows */
	.byte	1			/* code alignment */
	.byte	0x78			/* data alignment: -8 */
	.byte	16			/* return address column: rip */
	.byte	1			/* augmentation data length */
	.byte	0x1b			/* FDE pointers: pcrel | sdata4 */
	.byte	0x0c, 7, 8		/* DW_CFA_def_cfa: rsp + 8 (at the landing) */
	.byte	0x90, 1			/* DW_CFA_offset: rip at CFA - 8 */
	.balign	8, 0			/* DW_CFA_nop */
.Ls2_cie_end:
.Ls2_fde:
	.long	.Ls2_fde_end - .Ls2_fde_id	/* length */
.Ls2_fde_id:
	.long	.Ls2_fde_id - .Ls2_cie	/* back to the CIE */
	.long	.Ls2_entry - .		/* initial location, pcrel */
	.long	.Ls2_end - .Ls2_entry	/* address range */
	.byte	0			/* augmentation data length */
	.byte	0x04			/* DW_CFA_advance_loc4 */
	.long	.Lnf_to_slow_pushed - .Ls2_entry
	.byte	0x0e, 16		/* DW_CFA_def_cfa_offset: flags pushed */
	.byte	0x04
	.long	.Lfirst_miss - .Lnf_to_slow_pushed
	.byte	0x0e, 8			/* not yet pushed */
	.byte	0x04
	.long	.Lfirst_miss_pushed - .Lfirst_miss
	.byte	0x0e, 16
	.byte	0x04
	.long	.Lfast_syscall - .Lfirst_miss_pushed
	.byte	0x0e, 8			/* as at the entry */
	.byte	0x04
	.long	.Ls2_jmp_at_app - .Lfast_syscall
	.byte	0x0e, 0			/* back at the wrapper's rsp... */
	.byte	0x09, 16, 2		/* ...the return address in rcx */
	.byte	0x04
	.long	zp_stage2_legacy - .Ls2_jmp_at_app
	.byte	0x0e, 8			/* as at the entry */
	.byte	0x90, 1
	.byte	0x04
	.long	.Llegacy_pushed - zp_stage2_legacy
	.byte	0x0e, 16
	.byte	0x04
	.long	.Llegacy_popped - .Llegacy_pushed
	.byte	0x0e, 8
	.balign	8, 0
.Ls2_fde_end:
/* The units' landing jumps (trampoline.c): as at the landing, the return
 * address at rsp, which the CIE says. */
.Ls2_land_fde:
	.long	.Ls2_land_fde_end - .Ls2_land_fde_id
.Ls2_land_fde_id:
	.long	.Ls2_land_fde_id - .Ls2_cie
	.long	zp_stage2_template + S2_LAND - .
	.long	S2_LAND_END - S2_LAND
	.byte	0			/* augmentation data length */
	.balign	8, 0
.Ls2_land_fde_end:
	.long	0			/* terminator */
	.globl	zp_stage2_ehframe_end
	.hidden	zp_stage2_ehframe_end
zp_stage2_ehframe_end:
	/* The units' landing jumps come next (fill_stage2): an .eh_frame
	 * grown past them stops the build here. */
	.org	zp_stage2_template + S2_LAND

	.org	zp_stage2_template + S2_ENTRY
/* On entry rsp = app-8, [rsp] = site + 2, rax = nr.  The path to the
 * kernel changes no flag (BMI2's rorx/shlx/shrx, lea, not, jrcxz), so the
 * application's RFLAGS need no pushfq/popfq (popfq is microcoded: tens of
 * cycles), and it goes back with `ret`, which
 * balances the site's `callq` on the return-stack predictor.  The system
 * call is made at rsp = app-8: only numbers no hook and not the runtime
 * wants come this way (never rt_sigreturn or clone), and the kernel builds
 * a signal frame below the red zone of app-8, clear of the application's. */
.Ls2_entry:
	mov	%rax, -16(%rsp)
.Ls2_nr_saved:
	mov	(%rsp), %rcx
	/* Is the return address a rewritten site?  Open-addressing hash set,
	 * key + ror(key, 12), first probe here; a call through a NULL or small
	 * function pointer is not a site.  The shift (64 - log2 slots) is read
	 * before the slots' address: the table only grows, and registry.c
	 * publishes the new address first, so an index never passes the slots
	 * it is used with. */
	rorx	$12, %rcx, %rax
	lea	(%rax,%rcx), %rax
	mov	zp_stage2_template + S2_SHIFT(%rip), %r11
	shlx	%r11, %rax, %rax
	shrx	%r11, %rax, %rax
	mov	zp_stage2_template + S2_TABLE(%rip), %r11
	mov	(%r11,%rax,8), %r11
	not	%r11
	lea	1(%r11,%rcx), %rcx	/* return address - slot */
	jrcxz	1f
	jmp	.Lfirst_miss
1:	mov	-16(%rsp), %rax
	lea	zp_stage2_template(%rip), %r11
	movzbl	S2_CLASS(%r11,%rax), %ecx
	jrcxz	.Lfast_syscall
	/* Falling through, not a jmp here: a pass-through call took ~1 ns
	 * less on the AMD VM (build/bench/percall, interleaved builds). */
.Lnf_to_slow:
	pushfq
.Lnf_to_slow_pushed:
	jmp	*zp_stage2_template + S2_SLOW(%rip)
/* The first probe missed: go on probing with the flags saved, as the path
 * for CPUs without BMI2 does from the start (rax = the index). */
.Lfirst_miss:
	pushfq
.Lfirst_miss_pushed:
	mov	8(%rsp), %rcx
	mov	zp_stage2_template + S2_TABLE(%rip), %r11
	jmp	.Lprobe_miss
.Lfirst_miss_end:
	STUB_WINDOW .Ls2_entry, .Ls2_nr_saved, ZP_WIN_PRE8_RAX
	STUB_WINDOW .Ls2_nr_saved, .Lnf_to_slow_pushed, ZP_WIN_PRE8
	STUB_WINDOW .Lnf_to_slow_pushed, .Lfirst_miss, ZP_WIN_PRE16
	STUB_WINDOW .Lfirst_miss, .Lfirst_miss_pushed, ZP_WIN_PRE8
	STUB_WINDOW .Lfirst_miss_pushed, .Lfirst_miss_end, ZP_WIN_PRE16

	/* The two blocks above, which end in jumps, and this padding put the
	 * `syscall` 60 bytes into a 64-byte line, its `ret` at the start of the
	 * next.  Measured here (build/bench/percall, minima of 50 batches):
	 * there, and 58 bytes in, +7.7 ns over a native getpid; at 0, 0x21,
	 * 0x30 and 0x3e, +12 (as for the released call's, RELEASE_LOAD).  The
	 * legacy path's entry must stay within a jmp rel8 of S2_ENTRY. */
	.skip	(0x3c - ((. - zp_stage2_template) & 63)) & 63, 0xcc
	.globl	zp_app_syscall_fast
	.hidden	zp_app_syscall_fast
.Lfast_syscall:
zp_app_syscall_fast:
	syscall
	mov	(%rsp), %rcx
	.globl	zp_stage2_ret
	.hidden	zp_stage2_ret
zp_stage2_ret:
	ret
	int3
/* Where a `ret` right after the kernel costs more than an indirect jump
 * (AMD here: +30-50 ns, the return-stack predictor is of no use after a
 * kernel entry), start-up turns the `ret; int3` above into a jmp rel8 to
 * this (trampoline.c). */
	.globl	zp_stage2_jmp
	.hidden	zp_stage2_jmp
zp_stage2_jmp:
	lea	8(%rsp), %rsp
.Ls2_jmp_at_app:
	jmp	*%rcx
	STUB_WINDOW zp_stage2_ret, zp_stage2_jmp, ZP_WIN_POST8
	STUB_WINDOW zp_stage2_jmp, .Ls2_jmp_at_app, ZP_WIN_POST8
	STUB_WINDOW .Ls2_jmp_at_app, zp_stage2_legacy, ZP_WIN_POST0
/* CPUs without BMI2: start-up points the entry here (a jmp rel8 over the
 * first bytes above).  The same set and the same hash, with the flags
 * pushed around the lookup. */
	.globl	zp_stage2_legacy
	.hidden	zp_stage2_legacy
zp_stage2_legacy:
	pushfq
.Llegacy_pushed:
	mov	%rax, -8(%rsp)
.Llegacy_saved:
	mov	8(%rsp), %rcx
	mov	%rcx, %rax
	ror	$12, %rax
	add	%rcx, %rax
.Lprobe:
	and	zp_stage2_template + S2_MASK(%rip), %rax
	mov	zp_stage2_template + S2_TABLE(%rip), %r11
	cmp	%rcx, (%r11,%rax,8)
	jne	.Lprobe_miss
	mov	-8(%rsp), %rax
	lea	zp_stage2_template(%rip), %r11
	cmpb	$0, S2_CLASS(%r11,%rax)
	jne	.Lto_slow
	jmp	.Llegacy_fast
.Lprobe_miss:
	cmpq	$0, (%r11,%rax,8)
	je	.Lto_verify
	inc	%rax
	jmp	.Lprobe
.Lto_slow:
	jmp	*zp_stage2_template + S2_SLOW(%rip)
	/* Not found: a NULL call, or a lookup that raced with the table
	 * growing.  zp_verify_site asks the table itself. */
.Lto_verify:
	jmp	*zp_stage2_template + S2_VERIFY(%rip)
.Llegacy_fast:
	mov	-8(%rsp), %rax
	popfq
.Llegacy_popped:
	jmp	.Lfast_syscall
.Ls2_end:
	STUB_WINDOW zp_stage2_legacy, .Llegacy_pushed, ZP_WIN_PRE8_RAX
	STUB_WINDOW .Llegacy_pushed, .Llegacy_saved, ZP_WIN_PRE16_RAX
	STUB_WINDOW .Llegacy_saved, .Llegacy_popped, ZP_WIN_PRE16
	STUB_WINDOW .Llegacy_popped, .Ls2_end, ZP_WIN_PRE8_RAX
	.globl	zp_stage2_template_end
	.hidden	zp_stage2_template_end
zp_stage2_template_end:
	.org	zp_stage2_template + 4096

	.text
/* The slow path, reached from the second stage: a hook or the runtime wants
 * this number.  rsp = app-16 ([rsp] flags, [rsp+8] return address,
 * [rsp+16..] the application's), app-24 = nr, rax = nr.  Stage 2 jumps
 * straight to zp_slow_path (S2_SLOW), one jump less a call. */
	.globl	zp_entry
	.hidden	zp_entry
	.type	zp_entry, @function
	.p2align 6
zp_entry:
	/* rsp = app-16: [rsp] flags, [rsp+8] the return address. */
	.cfi_startproc
	CFI_APP_STACK 16
	jmp	.Lslow
.Lentry_end:
	STUB_WINDOW zp_entry, .Lentry_end, ZP_WIN_PRE16

/* The second stage found no site: probe the authoritative table (its mask
 * and slots read together from one structure).  Found: take the slow path,
 * which handles the call whatever its class.  Not found: a NULL call.
 * rsp = app-16 ([rsp] flags, [rsp+8] return address), app-24 = nr,
 * rcx = return address. */
	.globl	zp_verify_site
	.hidden	zp_verify_site
zp_verify_site:
	mov	zp_site_table(%rip), %r11
	mov	%rcx, %rax
	ror	$12, %rax
	add	%rcx, %rax
1:	and	(%r11), %rax
	cmp	%rcx, 8(%r11,%rax,8)
	je	2f
	cmpq	$0, 8(%r11,%rax,8)
	je	3f
	inc	%rax
	jmp	1b
2:	mov	-8(%rsp), %rax
	jmp	.Lslow
3:	/* A copy of a rewritten site made elsewhere (an inline hook's
	 * trampoline holding the first instructions of libc's getpid, code
	 * copied out of a function): `mov $nr, %eax` right before its
	 * `call *%rax`, the number in rax.  A call, taken as one; a function
	 * pointer is not loaded so, but for a constant one: NULL's is 0 (as
	 * gcc -O0 loads it), never taken for read.  Read only within the
	 * page of the call itself (mapped: it ran). */
	lea	-7(%rcx), %r11
	lea	-1(%rcx), %rax
	xor	%r11, %rax
	shr	$12, %rax
	jnz	4f
	mov	-8(%rsp), %rax
	test	%eax, %eax
	jz	4f
	cmpw	$0xd0ff, -2(%rcx)
	jne	4f
	cmpb	$0xb8, -7(%rcx)
	jne	4f
	cmp	%eax, -6(%rcx)
	je	.Lslow
4:	mov	-8(%rsp), %rax
	popfq
.Lverify_popped:
	STUB_WINDOW zp_verify_site, .Lverify_popped, ZP_WIN_PRE16
	/* rsp = app-8: [rsp] is the caller's return address, as at the entry
	 * of any function. */
	CFI_APP_STACK 8

	/* The program called a NULL (or tiny) function pointer.
	 * Crash the way it would without us: SIGSEGV, with the caller's return
	 * address on top of the stack so a debugger shows who called. */
	.globl	zpoline_null_function_call
	.type	zpoline_null_function_call, @function
zpoline_null_function_call:
	movl	$0, 0
	ud2
	.size	zpoline_null_function_call, . - zpoline_null_function_call

	/* Named, so that a debugger's bt through a hook shows where it is
	 * (the sized symbol before it ends above). */
	.globl	zp_slow_path
	.hidden	zp_slow_path
zp_slow_path:
.Lslow:
	CFI_APP_STACK 16
	/* C code (and memcpy's rep movsb) assumes the direction flag clear; a
	 * program may make a call with it set (the flags at [rsp] are the
	 * live ones; RESTORE_FLAGS puts DF back).  An unconditional `cld`
	 * cost a pass-through call ~1.5-2 ns here, a test of the saved copy
	 * nothing measurable (build/bench/percall, interleaved builds). */
	testb	$0x04, 1(%rsp)		/* DF, bit 10 */
	jz	1f
	cld
	/* Not a block of ours: a thread not met yet (base 0), or one whose
	 * program set its own base (thread.c).  A fault of this read (nothing
	 * mapped at the program's base + TB_MAGIC) is sent to the same place
	 * by the SIGSEGV handler (signals.c).  But where base 0's read faults
	 * (page 0 execute-only with PKU, or no page 0: detour mode), a thread
	 * the runtime never met may make its first hooked call with every
	 * signal blocked (glibc's start_thread, a thread a Go library's
	 * runtime started before the constructor), and a blocked fault kills
	 * the process: there (zp_gs_check_base) base 0 is looked for first. */
	.globl	zp_gs_probe
	.hidden	zp_gs_probe
1:
	cmpb	$ZP_GS_CHECK_RDGSBASE, zp_gs_check_base(%rip)
	jb	zp_gs_probe
	ja	.Lgs_base_by_syscall
	rdgsbase %rcx
	test	%rcx, %rcx
	jz	.Lno_thread_block
zp_gs_probe:
	cmpl	$ZP_TB_MAGIC_VALUE, %gs:TB_MAGIC
	jne	.Lno_thread_block
	cmpb	$0, %gs:TB_ALTSWAP
	jne	.Lslow_altstack
.Lslow_take:
	/* Take the slot of this nesting level.  Slots are used round-robin, so a
	 * level abandoned by a longjmp out of a signal handler costs nothing.
	 * The block's fields are read through %gs, not through TB_SELF: one
	 * load fewer in the chain that ends in the record's address, which
	 * the call waits for (~2 ns less a hooked call on the AMD VM,
	 * build/bench/percall, interleaved builds). */
	mov	%gs:TB_LEVEL, %eax
	lea	1(%rax), %ecx
	mov	%ecx, %gs:TB_LEVEL
	mov	%eax, %ecx
	and	$(ZP_NSLOTS - 1), %ecx
	mov	%gs:TB_RECS(, %rcx, 8), %rcx
	mov	%rsp, %r11
	.cfi_def_cfa %r11, 16
	mov	%rcx, %rsp
.Lslow_switched:
	STUB_WINDOW zp_slow_path, .Lslow_switched, ZP_WIN_PRE16
	/* From here on we run on the slot, r11 = app-16. */
	mov	%rax, REC_LEVEL(%rcx)
	/* The call record: number, arguments, where we came from. */
	mov	%rdi, REC_ARG0(%rcx)
	mov	%rsi, REC_ARG1(%rcx)
	mov	%rdx, REC_ARG2(%rcx)
	mov	%r10, REC_ARG3(%rcx)
	mov	%r8, REC_ARG4(%rcx)
	mov	%r9, REC_ARG5(%rcx)
	mov	%rbx, REC_RBX(%rcx)
	mov	-8(%r11), %rax
	mov	%rax, REC_NR(%rcx)
	mov	(%r11), %rax
	mov	%rax, REC_FLAGS(%rcx)
	mov	8(%r11), %rax
	mov	%rax, REC_RETADDR(%rcx)
	sub	$2, %rax
	mov	%rax, REC_SITE(%rcx)
	lea	16(%r11), %rax
	mov	%rax, REC_APPSP(%rcx)
	/* The slot may hold a trapped call's record from before. */
	movl	$ZPOLINE_ORIGIN_REWRITTEN_ASM, REC_ORIGIN(%rcx)
	/* rbx holds the record (C keeps it). */
	mov	%rcx, %rbx
.Lslow_rec_in_rbx:
	STUB_WINDOW .Lslow_switched, .Lslow_rec_in_rbx, ZP_WIN_SLOT_A
	CFI_RECORD 3
	/* The program's own %gs base, if the fallback met one, goes back on
	 * the way out (0: the block is the program's base too). */
	mov	%gs:TB_GSIN, %rax
	mov	%rax, REC_GSOUT(%rbx)
	movq	$0, %gs:TB_GSIN
	cmpb	$0, zp_lean(%rip)
	jne	.Llean
.Lslow_dispatch:
	RECORD_ARG_REGS %rbx
	RECORD_REST %rbx
	call	.Lsave_xstate
.Lslow_saved:
	mov	%rbx, %rdi
	call	zp_pre
.Lslow_pre_back:
	STUB_WINDOW .Lslow_rec_in_rbx, .Lslow_saved, ZP_WIN_SLOT_B
	STUB_WINDOW .Lslow_saved, .Lslow_pre_back, ZP_WIN_SLOT_B
	jmp	.Lact

/* Detour mode: a site whose call returns into its trampoline (detour.c:
 * the displaced instructions after it, which start with `lea
 * site+2(%rip), %rcx`) has its real site only in the dispatcher's view
 * (zp_pre); a call that returns to the site itself (its return address
 * is site + 2, as here) takes the lean path.  Program code that happens
 * to hold those bytes after a site only takes the slower path. */
.Llean_detour:
	mov	REC_RETADDR(%rbx), %rax
	cmpw	$0x8d48, (%rax)
	jne	.Llean_site
	cmpb	$0x0d, 2(%rax)
	jne	.Llean_site
	jmp	.Lslow_dispatch
.Llean_detour_end:
	STUB_WINDOW .Llean_detour, .Llean_detour_end, ZP_WIN_SLOT_B

/* Into the release \tail with the record's flags and the program's rbx,
 * the call's registers loaded (both lean releases below). */
.macro TO_RELEASE tail
	.cfi_remember_state
	RESTORE_FLAGS_REC %rbx
	mov	%rbx, %r11
	CFI_RECORD 11
	mov	REC_RBX(%r11), %rbx
	.cfi_same_value %rbx
	jmp	\tail
	.cfi_restore_state
.endm

/* The lean path's release of a call pre() may have changed (below):
 * into \tail, the program's %gs base back by \gs. */
.macro LEAN_RELEASE gs, tail
	cmp	REC_NR(%rbx), %rsi
	jne	.Llean_changed
	.irp	r, rdi, rsi, rdx, r10, r8, r9
	mov	REC_ARG0 + 8 * .Larg_\r(%rbx), %\r
	cmp	REC_RDI + 8 * .Larg_\r(%rbx), %\r
	jne	.Llean_changed_arg
	.endr
	cmpq	$0, REC_GSOUT(%rbx)
	jne	\gs
	TO_RELEASE \tail
.endm

/* One hook that leaves the extended state alone (hooks.c,
 * zp_lean_decide): call its pre() and post() from here, for the numbers
 * that hook alone wants, instead of through zp_pre() and zp_post().  That
 * skips the C dispatcher's bookkeeping, a third of a pass-through call's
 * cost (docs/performance.md).  rbx = record, rsp = record, the record
 * written but for RECORD_REST. */
.Llean:
	/* The argument registers are live until the hook is called:
	 * .Lslow_dispatch records them. */
	cmpl	$ZP_MODE_DETOUR_ASM, zp_mode(%rip)
	je	.Llean_detour
.Llean_site:
	mov	REC_NR(%rbx), %rcx
	cmp	$ZP_CLASS_SIZE, %rcx
	jae	.Lslow_dispatch
	lea	zp_nr_class(%rip), %r11
	cmpb	$ZP_CLASS_HOOK, (%r11,%rcx)
	jne	.Lslow_dispatch
	mov	%gs:TB_TID, %rax	/* tid, pid: zp_pre() learns them first */
	test	%eax, %eax
	jz	.Lslow_dispatch
	cmpb	$0, %gs:TB_ALTPEND
	jne	.Lslow_dispatch
	mov	%rax, REC_TID(%rbx)
	xor	%eax, %eax
	mov	%rax, REC_RET(%rbx)
	mov	%rax, REC_COOKIE(%rbx)
	/* 1: the keeps-the-call shortcut back by ret, 2: by jmp (hooks.c). */
	cmpb	$1, zp_lean_keeps(%rip)
	je	.Llean_keeps
	ja	.Llean_keeps_jmp
	RECORD_ARG_REGS %rbx
	mov	zp_lean_pre(%rip), %rax
	test	%rax, %rax
	jz	.Llean_made
	LEAN_CALL *%rax, zp_lean_pre_back	/* rsi = the number it was made with */
	STUB_WINDOW .Llean, zp_lean_pre_back, ZP_WIN_SLOT_B
	cmp	$ZP_PRE_SKIP, %eax
	je	.Llean_skip
	cmpq	$0, zp_lean_post(%rip)
	jne	.Llean_check
	cmpb	$0, zp_return_by_ret(%rip)
	je	.Llean_release_jmp
	/* The call is released, made as it came, or the dispatcher decides (a
	 * changed call must leave the program's registers as they were, may
	 * be one the runtime wants...).  The arguments go into the registers
	 * the kernel takes them in, and each is checked against the program's
	 * on the way; the callee-saved registers are still the program's.
	 * .Lsyscall_release's other tests cannot fail here: the call came
	 * through a rewritten site, and rt_sigreturn is the runtime's (never
	 * ZP_CLASS_HOOK alone).  A jump into the release path keeps its
	 * `syscall` (zp_app_syscall_release_ret) the one signals.c knows.
	 * Against the stub's general release (callee-saved registers and the
	 * arguments through the record, then its tests), ~2-3 ns less a
	 * pass-through call (build/bench/percall, interleaved builds). */
	LEAN_RELEASE .Llean_gs, .Lrelease_ret_tail
/* The program's own %gs base goes back: the general release's, with the
 * callee-saved registers recorded (still the program's). */
.Llean_gs:
	RECORD_REST %rbx
	jmp	.Lrelease_ret_gs
.Llean_changed_arg:
	mov	REC_NR(%rbx), %rsi	/* what it was made with: unchanged */
	jmp	.Llean_changed
.Llean_skip:
	RECORD_REST %rbx
	movq	$0, REC_ALTSWAP(%rbx)
	jmp	.Lreturn_ret		/* rewritten site, no kernel entry */

/* The hook declares that its pre() keeps the call as it came
 * (ZPOLINE_HOOK_PRE_KEEPS_CALL) and it has no post() (hooks.c,
 * zp_lean_decide): nothing to compare after pre(), so no copy of the
 * argument registers either.  Measured against the general lean path
 * above, ~1-1.5 ns less a pass-through call (build/bench/percall,
 * interleaved builds). */
.macro LEAN_KEEPS gs, tail, back
	/* rsp = record: 64-byte aligned; nothing to keep across the call. */
	mov	%rbx, %rdi
	mov	zp_lean_ctx(%rip), %rsi
	call	*zp_lean_pre(%rip)
	.globl	\back
	.hidden	\back
\back:
	movq	$0, -8(%rsp)		/* as in LEAN_CALL */
	cmp	$ZP_PRE_SKIP, %eax
	je	.Llean_keeps_skip
	cmpq	$0, REC_GSOUT(%rbx)
	jne	\gs
	LOAD_ARGS %rbx
	TO_RELEASE \tail
.endm
.Llean_keeps:
	LEAN_KEEPS .Llean_gs, .Lrelease_ret_tail, zp_lean_keeps_back
	STUB_WINDOW .Llean_keeps, zp_lean_keeps_back, ZP_WIN_SLOT_B
/* The same where calls go back by jmp (AMD here): into the tail of the
 * release made at the program's rsp, whose `syscall`
 * (zp_app_syscall_release) signals.c knows, as for the general lean path
 * there.  Against that path, ~4 ns less a pass-through call on the AMD
 * VM (build/bench/percall, interleaved builds). */
.Llean_keeps_jmp:
	LEAN_KEEPS .Llean_gs_jmp, .Lrelease_at_sp_tail, zp_lean_keeps_jmp_back
	STUB_WINDOW .Llean_keeps_jmp, zp_lean_keeps_jmp_back, ZP_WIN_SLOT_B
.Llean_gs_jmp:
	RECORD_REST %rbx
	jmp	.Lrelease_at_sp_gs
/* The general lean path's release where calls go back by jmp: the same
 * checks, into the release made at the program's rsp.  Against the
 * general release there (.Llean_check, .Lsyscall_release), ~0.8 ns less
 * a call of a pre()-only hook without ZPOLINE_HOOK_PRE_KEEPS_CALL on the
 * AMD VM (build/bench/percall, 31 interleaved rounds). */
.Llean_release_jmp:
	LEAN_RELEASE .Llean_gs_jmp, .Lrelease_at_sp_tail
	/* The program's argument registers are the call's arguments (kept):
	 * .Lreturn puts them back from the copy it expects. */
.Llean_keeps_skip:
	.irp	i, 0, 1, 2, 3, 4, 5
	mov	REC_ARG0 + 8 * \i(%rbx), %rax
	mov	%rax, REC_RDI + 8 * \i(%rbx)
	.endr
	jmp	.Llean_skip
	/* With a post(): the same test in one piece.  The record's arguments and the registers they came in
	 * are in the same order. */
.Llean_check:
	mov	REC_NR(%rbx), %rax
	xor	%rsi, %rax
	.irp	i, 0, 1, 2, 3, 4, 5
	mov	REC_ARG0 + 8 * \i(%rbx), %rdx
	xor	REC_RDI + 8 * \i(%rbx), %rdx
	or	%rdx, %rax
	.endr
	jnz	.Llean_changed
.Llean_made:
	RECORD_REST %rbx
	movq	$0, REC_ALTSWAP(%rbx)
	cmpq	$0, zp_lean_post(%rip)
	je	.Lsyscall_release
	movl	$1, REC_LEAN(%rbx)
	jmp	.Lsyscall_post
.Llean_changed:
	RECORD_REST %rbx
	mov	%rbx, %rdi
	call	zp_pre_lean_changed
	jmp	.Lact

/* A program's signal came while the lean path's hook ran: defer.c made
 * the hook return here instead, and the dispatcher takes the call on
 * (eax = what pre() returned), to the edge where the signal is delivered. */
	.globl	zp_lean_pre_deferred
	.hidden	zp_lean_pre_deferred
zp_lean_pre_deferred:
	movq	$0, -8(%rsp)
	mov	(%rsp), %rsi		/* LEAN_CALL's: the number it was made with */
	add	$16, %rsp
	RECORD_REST %rbx
	mov	%rbx, %rdi
	mov	%eax, %edx
	call	zp_lean_deferred_pre
	jmp	.Lact
	/* LEAN_KEEPS's: the arguments as they came are the call's. */
	.globl	zp_lean_keeps_deferred
	.hidden	zp_lean_keeps_deferred
zp_lean_keeps_deferred:
	movq	$0, -8(%rsp)
	.irp	i, 0, 1, 2, 3, 4, 5
	mov	REC_ARG0 + 8 * \i(%rbx), %rcx
	mov	%rcx, REC_RDI + 8 * \i(%rbx)
	.endr
	RECORD_REST %rbx
	mov	%rbx, %rdi
	mov	REC_NR(%rbx), %rsi
	mov	%eax, %edx
	call	zp_lean_deferred_pre
	jmp	.Lact
	.globl	zp_lean_post_deferred
	.hidden	zp_lean_post_deferred
zp_lean_post_deferred:
	movq	$0, -8(%rsp)
	add	$16, %rsp
	mov	%rbx, %rdi
	call	zp_lean_deferred_post
	jmp	.Lact

/* The program has a signal stack: is the call made on it?  (The kernel's
 * test: lo < sp <= hi.)  Then every signal is blocked before rsp leaves it
 * (altstack.c says why); the old mask waits in the thread block for
 * zp_pre.  The syscall is made below the red zone, with the argument
 * registers kept there: a signal before the block is delivered below it. */
.Lslow_altstack:
	.cfi_remember_state
	CFI_APP_STACK 16
	mov	%gs:TB_SELF, %r11
	lea	16(%rsp), %rax
	cmp	TB_ALTLO(%r11), %rax
	jbe	.Lslow_take
	cmp	TB_ALTHI(%r11), %rax
	ja	.Lslow_take
	lea	-176(%rax), %rsp
	.cfi_def_cfa_offset 176
	mov	%rdi, (%rsp)
	mov	%rsi, 8(%rsp)
	mov	%rdx, 16(%rsp)
	mov	%r10, 24(%rsp)
	lea	TB_ALTMASK(%r11), %rdx
	mov	$ZP_NR_RT_SIGPROCMASK, %eax
	xor	%edi, %edi		/* SIG_BLOCK */
	lea	.Lall_signals(%rip), %rsi
	mov	$8, %r10d
	syscall
	mov	(%rsp), %rdi
	mov	8(%rsp), %rsi
	mov	16(%rsp), %rdx
	mov	24(%rsp), %r10
	lea	160(%rsp), %rsp
	.cfi_def_cfa_offset 16
	mov	%gs:TB_SELF, %r11
	movb	$1, TB_ALTPEND(%r11)
	jmp	.Lslow_take

/* A call made on the program's signal stack that held every signal
 * (altstack.c, ZP_ALT_HELD_MAKE) is made there, the program's mask put
 * back first, from below the red zone and the return address: a signal
 * from then on is delivered below, as natively.  The slot stays ours until
 * the release path writes TB_LEVEL; nothing of the program's below rsp is
 * written. */
.Lsyscall_release_altstack:
	.cfi_remember_state
	CFI_RECORD 3
	mov	REC_APPSP(%rbx), %rsp
	lea	-136(%rsp), %rsp
	SET_SIGMASK REC_ALTMASK(%rbx)
	jmp	.Lsyscall_release_at_sp
	.cfi_restore_state

/* The same for a call whose post() is wanted (ZP_ALT_HELD_POST): made on
 * that stack with the program's mask, and every signal blocked again
 * before the stub goes back to the slot, still from below the red zone
 * (the record's address waits at app-24); the mask the call left waits in
 * the record for the way back (.Lreturn_altstack). */
.Lsyscall_post_altstack:
	.cfi_remember_state
	CFI_RECORD 3
	mov	REC_APPSP(%rbx), %rsp
	lea	-136(%rsp), %rsp
	SET_SIGMASK REC_ALTMASK(%rbx)
	jmp	.Lsyscall_post_load
.Lpost_hold_again:
	CFI_RECORD 3
	lea	-136(%rsp), %rsp
	lea	REC_ALTMASK(%rbx), %rdx
	mov	$ZP_NR_RT_SIGPROCMASK, %eax
	xor	%edi, %edi		/* SIG_BLOCK */
	lea	.Lall_signals(%rip), %rsi
	mov	$8, %r10d
	syscall
	mov	%rbx, %rsp
	jmp	.Lpost_on_slot
	.cfi_restore_state

/* Back to a call made on the program's signal stack: zp_altstack_leave has
 * blocked every signal and re-armed the stack; the mask is restored once
 * rsp is on that stack again, so a signal is delivered below it.  Nothing
 * is written in the red zone (a trapped call's function may use it): the
 * flags wait just below it. */
.Lreturn_altstack:
	CFI_RECORD 3
	mov	REC_APPSP(%rbx), %rsp
	lea	-152(%rsp), %rsp
	mov	REC_FLAGS(%rbx), %rax
	mov	%rax, (%rsp)
	mov	REC_GSOUT(%rbx), %rax
	mov	%rax, 8(%rsp)
	mov	REC_RETADDR(%rbx), %rax
	mov	%rax, 16(%rsp)
	SET_SIGMASK REC_ALTMASK(%rbx)
	/* The slot stays ours until TB_LEVEL is written: a signal's hooked
	 * calls meanwhile take the next one. */
	RESTORE_ARG_REGS %rbx
	RESTORE_CALLEE_SAVED %rbx
	mov	REC_RET(%rbx), %rax
	mov	REC_LEVEL(%rbx), %r11d
	mov	REC_RBX(%rbx), %rbx
	/* rsp = application rsp - 152; the return address at rsp + 16. */
	.cfi_def_cfa %rsp, 152
	.cfi_offset 16, -136
	.cfi_same_value %rbx
	mov	%r11d, %gs:TB_LEVEL
	mov	8(%rsp), %rcx
	jrcxz	1f
	wrgsbase %rcx
1:	mov	16(%rsp), %rcx
	.cfi_register 16, %rcx
	mov	(%rsp), %r11
	popfq
	.cfi_def_cfa_offset 144
	lea	144(%rsp), %rsp
	.cfi_def_cfa_offset 0
	jmp	*%rcx
	.cfi_restore_state

	.section .rodata
	.balign	8
.Lall_signals:
	.quad	-1
	.text

/* Extended state, saved below the record when a hook that may touch it is
 * about to run.  Called with rbx = record; leaves rsp pointing at the area
 * (the return address is moved below it). */
.Lsave_xstate:
	pop	%r11
	mov	REC_NR(%rbx), %rax
	cmp	$ZP_CLASS_SIZE, %rax
	jae	1f
	lea	zp_nr_class(%rip), %rcx
	testb	$ZP_CLASS_HOOK, (%rcx,%rax)
	jz	2f
1:	movzbl	zp_xsave_kind(%rip), %eax
	test	%eax, %eax
	jz	2f
	mov	zp_xsave_size(%rip), %rcx
	sub	%rcx, %rsp
	and	$-64, %rsp
	movq	$1, REC_XSAVE(%rbx)
	cmp	$1, %eax
	jne	3f
	/* XSAVEC: bytes 512..575 are the header; XRSTOR insists the reserved
	 * part is zero and XSAVEC does not write all of it. */
	xor	%ecx, %ecx
	mov	%rcx, 512(%rsp)
	mov	%rcx, 520(%rsp)
	mov	%rcx, 528(%rsp)
	mov	%rcx, 536(%rsp)
	mov	%rcx, 544(%rsp)
	mov	%rcx, 552(%rsp)
	mov	%rcx, 560(%rsp)
	mov	%rcx, 568(%rsp)
	mov	$-1, %eax
	mov	$-1, %edx
	xsavec	(%rsp)
	jmp	2f
3:	cmp	$2, %eax
	jne	4f
	xor	%ecx, %ecx
	mov	%rcx, 512(%rsp)
	mov	%rcx, 520(%rsp)
	mov	%rcx, 528(%rsp)
	mov	%rcx, 536(%rsp)
	mov	%rcx, 544(%rsp)
	mov	%rcx, 552(%rsp)
	mov	%rcx, 560(%rsp)
	mov	%rcx, 568(%rsp)
	mov	$-1, %eax
	mov	$-1, %edx
	xsave	(%rsp)
	jmp	2f
4:	fxsave64 (%rsp)
	/* Back with a `ret` from the new rsp: a call left unreturned would
	 * put every later `ret` up the program's stack one entry off on the
	 * return-stack predictor. */
2:	push	%r11
	ret

/* Restore what .Lsave_xstate saved; rsp must be as it left it. */
.Lrestore_xstate:
	cmpq	$0, REC_XSAVE(%rbx)
	je	1f
	movzbl	zp_xsave_kind(%rip), %eax
	cmp	$3, %eax
	je	2f
	mov	$-1, %eax
	mov	$-1, %edx
	xrstor	8(%rsp)
	jmp	1f
2:	fxrstor64 8(%rsp)
1:	ret

/* Do what the C side asked (eax).  rbx = record, rsp = xstate area/record. */
.Lact:
	call	.Lrestore_xstate
	mov	REC_ACTION(%rbx), %eax
	cmp	$ZP_ACT_RETURN, %eax
	je	.Lreturn
	cmp	$ZP_ACT_SYSCALL, %eax
	je	.Lsyscall_release
	cmp	$ZP_ACT_SYSCALL_POST, %eax
	je	.Lsyscall_post
	cmp	$ZP_ACT_CLONE, %eax
	je	.Lclone
	cmp	$ZP_ACT_EXIT_THREAD, %eax
	je	.Lexit_thread
	cmp	$ZP_ACT_DEFER, %eax
	je	zp_defer_trap
	cmp	$ZP_ACT_SELF_SIGNAL, %eax
	jne	.Lbad_action
	/* A signal to the calling thread: the SIGTRAP handler recognises this
	 * address, makes the call from there with rbx = record, and returns to
	 * the site through the kernel's sigreturn (signals.c).  int3, not ud2:
	 * a #UD exits to the hypervisor in a KVM guest (build/bench/machine-costs:
	 * a handled ud2 11-13 us here, an int3 ~2 us). */
	.globl	zp_self_signal_trap
	.hidden	zp_self_signal_trap
zp_self_signal_trap:
	int3
	/* Here only if no handler ran: a debugger that attached since the
	 * runtime last looked (thread.c) kept the SIGTRAP.  The stub makes
	 * the call, as it does for other calls. */
	cmpl	$0, REC_SELFPOST(%rbx)
	jne	.Lsyscall_post
	jmp	.Lsyscall_release
/* A program's signal waited for the hooks (defer.c): the SIGTRAP handler
 * sends the call on to the edge where the kernel delivers it. */
	.globl	zp_defer_trap
	.hidden	zp_defer_trap
zp_defer_trap:
	int3
	/* Here only if no handler ran (a debugger kept the SIGTRAP). */
	mov	%rbx, %rdi
	call	zp_defer_undo
	jmp	.Lact
.Lbad_action:
	ud2

/* Make the call with nothing held: the slot is released first, so a call
 * that never comes back (rt_sigreturn, exit, execve) leaks nothing.  The
 * flags are restored on the slot stack: nothing here writes below the
 * application's rsp (for trapped calls nothing may).  Trapped calls come
 * here only for calls that do not return. */
.Lsyscall_release:
	cmpq	$ZP_ALT_HELD_MAKE, REC_ALTSWAP(%rbx)
	je	.Lsyscall_release_altstack
	/* A call from a rewritten site that returns is made from app-8, below
	 * its return address, and comes back with `ret`, which balances the
	 * site's `callq` on the return-stack predictor.  rt_sigreturn needs
	 * rsp on its frame; trapped calls have no return address at app-8. */
	.cfi_remember_state
	cmpb	$0, zp_return_by_ret(%rip)
	je	.Lsyscall_release_at_sp
	cmpq	$ZP_NR_RT_SIGRETURN, REC_NR(%rbx)
	je	.Lsyscall_release_at_sp
	cmpl	$ZPOLINE_ORIGIN_REWRITTEN_ASM, REC_ORIGIN(%rbx)
	jne	.Lsyscall_release_at_sp
	cmpq	$0, REC_GSOUT(%rbx)
	jne	.Lrelease_ret_gs
	RELEASE_LOAD .Lrelease_ret_tail
.Lrelease_ret_at_app:
	lea	-8(%rsp), %rsp
	CFI_APP_STACK 8
	mov	%ecx, %gs:TB_LEVEL
	.globl	zp_app_syscall_release_ret
	.hidden	zp_app_syscall_release_ret
zp_app_syscall_release_ret:
	syscall
	mov	(%rsp), %rcx
.Lrelease_ret_ret:
	ret
.Lrelease_ret_end:
	STUB_WINDOW .Lrelease_ret_at_app, zp_app_syscall_release_ret, ZP_WIN_PRE_R11
	STUB_WINDOW .Lrelease_ret_ret, .Lrelease_ret_end, ZP_WIN_POST8

.Lsyscall_release_at_sp:
	.cfi_restore_state
	cmpq	$0, REC_GSOUT(%rbx)
	jne	.Lrelease_at_sp_gs
	RELEASE_LOAD .Lrelease_at_sp_tail
	/* A trapped call has no return address at app-8, but it comes here
	 * only for calls that do not return. */
	CFI_APP_STACK 0
.Lrelease_at_app:
	mov	%ecx, %gs:TB_LEVEL
	.globl	zp_app_syscall_release
	.hidden	zp_app_syscall_release
zp_app_syscall_release:
	syscall
	mov	-8(%rsp), %rcx
.Lrelease_jmp:
	jmp	*%rcx
.Lrelease_end:
	STUB_WINDOW .Lrelease_at_app, zp_app_syscall_release, ZP_WIN_PRE_R11
	STUB_WINDOW .Lrelease_jmp, .Lrelease_end, ZP_WIN_POST0

/* The same two for a call whose program set its own %gs base (thread.c):
 * it goes back once nothing more is read through the block's (wrgsbase
 * leaves the program's flags alone).  Apart, so that the common calls'
 * `syscall` keeps its place at the end of a line (RELEASE_LOAD). */
.Lrelease_ret_gs:
	CFI_RECORD 3
	RELEASE_LOAD
	lea	-8(%rsp), %rsp
	CFI_APP_STACK 8
	mov	REC_GSOUT(%r11), %r11
	mov	%ecx, %gs:TB_LEVEL
	wrgsbase %r11
	jmp	zp_app_syscall_release_ret
.Lrelease_at_sp_gs:
	CFI_RECORD 3
	RELEASE_LOAD
	CFI_APP_STACK 0
	mov	REC_GSOUT(%r11), %r11
	mov	%ecx, %gs:TB_LEVEL
	wrgsbase %r11
	jmp	zp_app_syscall_release

/* Make the call holding the slot, then let the C side see the result.  For
 * a rewritten site the application's registers are all back in place during
 * the call (a garbage collector scanning a signal context must find them)
 * and the record pointer waits in the red zone slot app-24; a trapped call
 * may not touch the red zone, so rbx keeps the record instead. */
.Lsyscall_post:
	CFI_RECORD 3
	cmpq	$ZP_ALT_HELD_POST, REC_ALTSWAP(%rbx)
	je	.Lsyscall_post_altstack
.Lsyscall_post_load:
	mov	%rbx, %r11
	LOAD_ARGS %r11
	RESTORE_CALLEE_SAVED %r11
	/* zp_app_syscall_post1 60 bytes into a 64-byte line, as for the
	 * other calls (RELEASE_LOAD): 4-5 ns less a call with a post() here. */
	.p2align 6
	.nops	7
	mov	REC_NR(%r11), %rax
	cmpl	$ZPOLINE_ORIGIN_REWRITTEN_ASM, REC_ORIGIN(%r11)
	jne	1f
	mov	REC_RBX(%r11), %rbx
	CFI_RECORD 11
	.cfi_same_value %rbx
	RESTORE_FLAGS REC_FLAGS(%r11)
	mov	REC_NR(%r11), %rax
	mov	REC_APPSP(%r11), %rsp
	CFI_APP_STACK 0
.Lpost1_at_app:
	mov	%r11, -24(%rsp)
	.globl	zp_app_syscall_post1
	.hidden	zp_app_syscall_post1
zp_app_syscall_post1:
	syscall
	mov	-24(%rsp), %rbx
	CFI_RECORD 3
.Lpost1_jmp:
	jmp	.Lafter_post_syscall
.Lpost1_end:
	STUB_WINDOW .Lpost1_at_app, zp_app_syscall_post1, ZP_WIN_PRE_R11
	STUB_WINDOW .Lpost1_jmp, .Lpost1_end, ZP_WIN_POST_REC
	/* A trapped call: rbx keeps the record throughout. */
1:	CFI_RECORD 3
	pushq	REC_FLAGS(%r11)
	popfq
	mov	REC_APPSP(%r11), %rsp
	.globl	zp_app_syscall_post2
	.hidden	zp_app_syscall_post2
zp_app_syscall_post2:
	syscall
.Lafter_post_syscall:
	/* The call ran with the program's flags (or, clone's parent, with DF
	 * clear), DF included; C needs it clear.  The flags are free here. */
	testb	$0x04, REC_FLAGS+1(%rbx)
	jz	1f
	cld
1:
	mov	%rax, REC_RET(%rbx)
	cmpq	$ZP_ALT_HELD_POST, REC_ALTSWAP(%rbx)
	je	.Lpost_hold_again
	mov	%rbx, %rsp
.Lpost_on_slot:
	STUB_WINDOW .Lafter_post_syscall, .Lpost_on_slot, ZP_WIN_POST_REC
	cmpl	$0, REC_LEAN(%rbx)
	jne	.Llean_post
	movq	$0, REC_XSAVE(%rbx)
	call	.Lsave_xstate
	mov	%rbx, %rdi
	call	zp_post
	jmp	.Lact

/* The lean path's call is made: the hook's post(), as zp_post() would run
 * it, then back to the program. */
.Llean_post:
	LEAN_CALL *zp_lean_post(%rip), zp_lean_post_back
	cmpb	$0, %gs:TB_VRELEASE
	je	.Lreturn
.Llean_post_end:
	STUB_WINDOW zp_lean_post_back, .Llean_post_end, ZP_WIN_SLOT_BACK
	mov	%rbx, %rdi
	call	zp_lean_after_post
	jmp	.Lreturn

/* .Lreturn's last part, back by \how (ret or jmp). */
.macro RETURN_TAIL how
	mov	%rbx, %r11
	CFI_RECORD 11
	RESTORE_FLAGS REC_FLAGS(%r11)
	RESTORE_ARG_REGS %r11
	mov	REC_RBX(%r11), %rbx
	.cfi_same_value %rbx
	RESTORE_CALLEE_SAVED %r11
	/* The return address and flags come from the record: after vfork the
	 * child has reused the red zone slots of the shared stack.  They are
	 * staged, and everything else read, before the level is given back
	 * (a signal's call may then take the slot).  Nothing below changes a
	 * flag. */
	mov	REC_APPSP(%r11), %rax
	lea	-16(%rax), %rax
	mov	REC_RETADDR(%r11), %rcx
	mov	%rcx, 8(%rax)
	mov	REC_FLAGS(%r11), %rcx
	mov	%rcx, (%rax)
	.cfi_def_cfa %rax, 16
	.cfi_offset 16, -8
	mov	REC_LEVEL(%r11), %ecx
.Ltail_\how\()_leave:
	lea	8(%rax), %rsp
	.cfi_def_cfa %rsp, 8
.Ltail_\how\()_app:
	mov	REC_GSOUT(%r11), %rax
	mov	REC_RET(%r11), %r11
.Ltail_\how\()_result:
	mov	%ecx, %gs:TB_LEVEL
	mov	%rax, %rcx
	jrcxz	1f
	wrgsbase %rcx
1:	mov	%r11, %rax
.Ltail_\how\()_rax:
	mov	(%rsp), %rcx
	mov	-8(%rsp), %r11
	.ifc	\how,ret
	/* A balanced `ret` keeps the return-stack predictor in step. */
	ret
.Ltail_\how\()_end:
	STUB_WINDOW .Ltail_\how\()_rax, .Ltail_\how\()_end, ZP_WIN_POST8
	.else
	lea	8(%rsp), %rsp
	.cfi_def_cfa %rsp, 0
	.cfi_register 16, %rcx
.Ltail_\how\()_jmp:
	jmp	*%rcx
.Ltail_\how\()_end:
	STUB_WINDOW .Ltail_\how\()_rax, .Ltail_\how\()_jmp, ZP_WIN_POST8
	STUB_WINDOW .Ltail_\how\()_jmp, .Ltail_\how\()_end, ZP_WIN_POST0
	.endif
	STUB_WINDOW .Ltail_\how\()_app, .Ltail_\how\()_result, ZP_WIN_POST_R11
	STUB_WINDOW .Ltail_\how\()_result, .Ltail_\how\()_rax, ZP_WIN_POST8_R11
.endm

/* Back to the application with REC_RET; the application's registers come
 * from the record (a hook may have changed the arguments it passed on). */
.Lreturn:
	cmpq	$0, REC_ALTSWAP(%rbx)
	jne	.Lreturn_altstack
	cmpl	$ZPOLINE_ORIGIN_REWRITTEN_ASM, REC_ORIGIN(%rbx)
	jne	.Lreturn_trapped
	/* Where calls go back by jmp, so does a call that entered the
	 * kernel here (a post(), the dispatcher): a `ret` after a kernel entry
	 * costs tens of nanoseconds there (AMD, trampoline.c); a call
	 * skipped on the lean path entered none and keeps the balanced
	 * `ret`. */
	cmpb	$0, zp_return_by_ret(%rip)
	je	.Lreturn_jmp
.Lreturn_ret:
	.cfi_remember_state
	RETURN_TAIL ret
	.cfi_restore_state
.Lreturn_jmp:
	RETURN_TAIL jmp
	STUB_WINDOW .Lreturn, .Ltail_ret_leave, ZP_WIN_SLOT_BACK
	STUB_WINDOW .Lreturn_jmp, .Ltail_jmp_leave, ZP_WIN_SLOT_BACK

/* The same for a trapped call, without writing below the application's
 * rsp.  The last values are staged low in our own slot (TB_STAGE): once
 * the level is released a signal may start a new record at the slot's top,
 * but its frames grow down from there and do not reach the bottom of the
 * slot. */
.Lreturn_trapped:
	CFI_RECORD 3
	mov	%rbx, %r11
	CFI_RECORD 11
	RESTORE_ARG_REGS %r11
	RESTORE_CALLEE_SAVED %r11
	mov	%gs:TB_STAGE, %rcx
	add	%r11, %rcx
	mov	%rcx, %rsp
	pushq	REC_GSOUT(%r11)
	pushq	REC_RET(%r11)
	pushq	REC_RETADDR(%r11)
	pushq	REC_APPSP(%r11)
	pushq	REC_FLAGS(%r11)
	mov	REC_RBX(%r11), %rbx
	.cfi_same_value %rbx
	/* Staged: [rsp] flags, [rsp+8] application rsp, [rsp+16] return
	 * address.  DW_CFA_def_cfa_expression: CFA = *(rsp + 8);
	 * DW_CFA_expression: rip saved at rsp + 16. */
	.cfi_escape 0x0f, 3, 0x77, 8, 0x06
	.cfi_escape 0x10, 16, 2, 0x77, 16
	mov	REC_LEVEL(%r11), %eax
	mov	%eax, %gs:TB_LEVEL
	mov	32(%rsp), %rcx
	jrcxz	1f
	wrgsbase %rcx
1:	mov	(%rsp), %r11
	mov	16(%rsp), %rcx
	mov	24(%rsp), %rax
	popfq
	.cfi_escape 0x0f, 3, 0x77, 0, 0x06
	.cfi_escape 0x10, 16, 2, 0x77, 8
	mov	(%rsp), %rsp
	.cfi_def_cfa %rsp, 0
	.cfi_register 16, %rcx
.Ltrapped_jmp:
	jmp	*%rcx
.Ltrapped_end:
	STUB_WINDOW .Ltrapped_jmp, .Ltrapped_end, ZP_WIN_POST0

/* A trapped call (signals.c) resumes here: the signal handler filled a
 * record in this thread's slot, pointed rsp and rbx at it and returned, so
 * the kernel has put back the application's registers and signal mask.
 * From here on it is the slow path, as for a rewritten site. */
	.globl	zp_trap_resume
	.hidden	zp_trap_resume
	.type	zp_trap_resume, @function
zp_trap_resume:
	CFI_RECORD 3
	call	.Lsave_xstate
	mov	%rbx, %rdi
	call	zp_pre
	jmp	.Lact
	.size	zp_trap_resume, . - zp_trap_resume

/* clone / clone3 / vfork whose child needs its own thread block (REC_CHILD):
 * the child gets it in r9 and starts from the image the C side left there,
 * never touching the parent's stack or slot. */
.Lclone:
	mov	REC_ARG0(%rbx), %rdi
	mov	REC_ARG1(%rbx), %rsi
	mov	REC_ARG2(%rbx), %rdx
	mov	REC_ARG3(%rbx), %r10
	mov	REC_ARG4(%rbx), %r8
	mov	REC_CHILD(%rbx), %r9
	mov	REC_NR(%rbx), %rax
	mov	REC_APPSP(%rbx), %rsp
	.globl	zp_app_syscall_clone
	.hidden	zp_app_syscall_clone
zp_app_syscall_clone:
	syscall
	test	%rax, %rax
	jnz	.Lafter_post_syscall
	/* The child: rsp is its new stack (or the shared one), r9 its block.
	 * It has no caller to show until it jumps to its return address. */
	.cfi_undefined 16
	/* Its own block: the %gs base the child inherited is the parent's.
	 * WRGSBASE where the kernel allows it: no system call, so nothing a
	 * seccomp filter installed before this thread existed can refuse
	 * (Chromium's allows arch_prctl(ARCH_SET_FS) only). */
	cmpb	$0, zp_wrgsbase(%rip)
	je	2f
	wrgsbase %r9
	jmp	3f
2:	mov	$ZP_NR_ARCH_PRCTL, %eax
	mov	$ZP_ARCH_SET_GS, %edi
	mov	%r9, %rsi
	syscall
	/* Where a program's seccomp filter lets this call through (sud.c,
	 * zp_seccomp_install_widened): the address after the `syscall`. */
	.globl	zp_own_gs_ret
	.hidden	zp_own_gs_ret
zp_own_gs_ret:
	/* Refused (a seccomp filter, answered by signals.c): the child would
	 * run on its parent's block, both threads in the same slots. */
	test	%eax, %eax
	jz	3f
	and	$-16, %rsp
	call	zp_thread_gs_refused
3:
	/* Syscall User Dispatch is not inherited: arm it for this thread.  A
	 * seccomp filter may refuse it (SIGSYS, which the C side left
	 * unblocked: the runtime answers its own call with an error, see
	 * signals.c); the thread then runs without it. */
	cmpb	$0, zp_sud_armed(%rip)
	je	1f
	cmpb	$0, zp_sud_refused(%rip)	/* a filter forbids the trap path (sud.c) */
	jne	4f
	movb	$0, TB_SUDSEL(%r9)
	mov	$ZP_NR_PRCTL, %eax
	mov	$ZP_PR_SET_SYSCALL_USER_DISPATCH, %edi
	mov	$1, %esi
	mov	zp_self_lo(%rip), %rdx
	mov	zp_self_len(%rip), %r10
	lea	TB_SUDSEL(%r9), %r8
	syscall
	.globl	zp_own_sud_ret
	.hidden	zp_own_sud_ret
zp_own_sud_ret:
	test	%rax, %rax
	jnz	4f
	movb	$1, TB_SUDSEL(%r9)
	jmp	1f
	/* Refused: what this thread does to its mask may not be seen (in
	 * ZPOLINE_MODE=sud none of its calls is), so the kernel's real mask
	 * is the only one: no virtual blocks of the runtime's signals. */
4:	movb	$1, TB_SUDOFF(%r9)
	movq	$0, TB_VMASK(%r9)
1:
	/* Found by its tid while the program's own %gs base is in place
	 * (thread.c); that base, the parent's, is the child's from here on. */
	mov	$ZP_NR_GETTID, %eax
	syscall
	mov	%eax, TB_OWNER(%r9)
	cmpl	$ZP_PID_IS_TID, TB_TID + 4(%r9)	/* a new process (dispatch.c) */
	jne	6f
	mov	%eax, TB_TID + 4(%r9)
	mov	%eax, TB_TID(%r9)
6:
	mov	TB_GSIN(%r9), %rcx
	jrcxz	5f
	movq	$0, TB_GSIN(%r9)
	wrgsbase %rcx
5:
	SET_SIGMASK CH_SIGMASK(%r9)
	mov	%r9, %r11
	mov	CH_RDI(%r11), %rdi
	mov	CH_RSI(%r11), %rsi
	mov	CH_RDX(%r11), %rdx
	mov	CH_R10(%r11), %r10
	mov	CH_R8(%r11), %r8
	mov	CH_R9(%r11), %r9
	mov	CH_RBX(%r11), %rbx
	mov	CH_RBP(%r11), %rbp
	mov	CH_R12(%r11), %r12
	mov	CH_R13(%r11), %r13
	mov	CH_R14(%r11), %r14
	mov	CH_R15(%r11), %r15
	mov	CH_RETADDR(%r11), %rcx
	/* Below the child's rsp is free: a new stack, or the parent's red zone
	 * slot the call already used. */
	pushq	CH_FLAGS(%r11)
	mov	CH_FLAGS(%r11), %r11
	popfq
	mov	$0, %eax
	jmp	*%rcx

/* exit or exit_group of a thread whose block goes back to the pool.  Signals are
 * blocked (the C side did it), so nothing runs here after the block is
 * marked free. */
.Lexit_thread:
	CFI_RECORD 3
	mov	%gs:TB_SELF, %r11
	mov	REC_ARG0(%rbx), %rdi
	mov	REC_NR(%rbx), %rax
	mov	REC_APPSP(%rbx), %rsp
	movl	$0, TB_MAGIC(%r11)
	.globl	zp_app_syscall_exit
	.hidden	zp_app_syscall_exit
zp_app_syscall_exit:
	syscall
	ud2

/* Without FSGSBASE, where threads the runtime never met were running at
 * start-up (init.c): the base asked of the kernel, a system call more a
 * hooked call.  rsp = app-16, app-24 = nr; rdi and rsi wait at app-32 and
 * app-40, and the base comes back at app-48: the site's red zone, proved
 * dead. */
.Lgs_base_by_syscall:
	CFI_APP_STACK 16
	mov	%rdi, -16(%rsp)
	mov	%rsi, -24(%rsp)
	movq	$0, -32(%rsp)
	mov	$ZP_NR_ARCH_PRCTL, %eax
.Lgs_by_syscall_args:
	mov	$ZP_ARCH_GET_GS, %edi
	lea	-32(%rsp), %rsi
	syscall
	mov	-16(%rsp), %rdi
	mov	-24(%rsp), %rsi
.Lgs_by_syscall_restored:
	mov	-8(%rsp), %rax
	cmpq	$0, -32(%rsp)
	jne	zp_gs_probe
	jmp	.Lno_thread_block
.Lgs_by_syscall_end:
	/* A signal here is shown the program at its site, as one at the
	 * zp_gs_probe it leads to (without these a handler saw the runtime's
	 * pc: edgesig-split in test-detour, on a CPU without FSGSBASE). */
	STUB_WINDOW .Lgs_base_by_syscall, .Lgs_by_syscall_args, ZP_WIN_PRE16
	STUB_WINDOW .Lgs_by_syscall_args, .Lgs_by_syscall_restored, ZP_WIN_PRE16_SAVED
	STUB_WINDOW .Lgs_by_syscall_restored, .Lgs_by_syscall_end, ZP_WIN_PRE16

/* A thread we have not seen yet (%gs base 0), or whose program set its
 * own base: give it its block, on its own stack below the red zone, and
 * try again. */
	.globl	zp_gs_probe_miss
	.hidden	zp_gs_probe_miss
zp_gs_probe_miss:
.Lno_thread_block:
	/* rsp = app-16, as at .Lslow. */
	CFI_APP_STACK 16
	/* A thread met before whose program set its own base (Wine's threads
	 * enter here on every call a hook wants): its block found by tid
	 * here, lock-free, as thread.c's by_tid does, without the adoption
	 * below (its signal blocking and its lock cost two rt_sigprocmask
	 * calls a call and serialised such threads).  Blocks are never
	 * unmapped, and the pool only grows at its head.  A signal from here
	 * on finds the block or the program's base, as anywhere in the slow
	 * path (signals.c keeps TB_GSIN across its handlers). */
	cmpb	$0, zp_wrgsbase(%rip)
	je	.Ladopt
	rdgsbase %rcx
	jrcxz	.Ladopt			/* base 0: a thread not met yet */
	mov	$ZP_NR_GETTID, %eax
	syscall
	mov	zp_thread_pool(%rip), %rcx
1:	test	%rcx, %rcx
	jz	.Ladopt
	mov	(%rcx), %r11		/* pool_entry.t */
	cmpl	$ZP_TB_MAGIC_VALUE, TB_MAGIC(%r11)
	jne	2f
	cmp	%eax, TB_OWNER(%r11)
	je	3f
2:	mov	8(%rcx), %rcx		/* pool_entry.next */
	jmp	1b
3:	rdgsbase %rcx
	mov	%rcx, TB_GSIN(%r11)
	mov	%rcx, TB_APPGS(%r11)
	wrgsbase %r11
	mov	-8(%rsp), %rax
	mov	8(%rsp), %rcx
	jmp	.Lslow
.Ladopt:
	lea	-128(%rsp), %rsp
	.cfi_adjust_cfa_offset 128
	.irp	reg, rdi, rsi, rdx, r8, r9, r10, rbx
	push	%\reg
	.cfi_adjust_cfa_offset 8
	.endr
	.cfi_rel_offset %rbx, 0
	mov	%rsp, %rbx
	.cfi_def_cfa_register %rbx
	/* The C code runs on a stack of the runtime's: this thread's may be a
	 * goroutine's, with a few hundred bytes to spare (a Go library's
	 * threads start before the runtime and meet it here).  One stack for
	 * all, so signals are blocked first: a handler on this thread would
	 * come back here and wait for the stack it holds.  The old mask waits
	 * below the saved registers. */
	sub	$8, %rsp
	mov	$ZP_NR_RT_SIGPROCMASK, %eax
	xor	%edi, %edi		/* SIG_BLOCK */
	lea	.Lall_signals(%rip), %rsi
	mov	%rsp, %rdx
	mov	$8, %r10d
	syscall
1:	mov	$1, %eax
	xchg	%eax, zp_adopt_lock(%rip)
	test	%eax, %eax
	jz	2f
	pause
	jmp	1b
2:	lea	zp_adopt_stack+ZP_ADOPT_STACK_SIZE(%rip), %rsp
	lea	-8(%rbx), %rdi		/* the old mask, to go back to */
	call	zp_thread_adopt
	movl	$0, zp_adopt_lock(%rip)
	lea	-8(%rbx), %rsp
	SET_SIGMASK (%rsp)
	mov	%rbx, %rsp
	.cfi_def_cfa_register %rsp
	pop	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_same_value %rbx
	.irp	reg, r10, r9, r8, rdx, rsi, rdi
	pop	%\reg
	.cfi_adjust_cfa_offset -8
	.endr
	lea	128(%rsp), %rsp
	.cfi_adjust_cfa_offset -128
	mov	-8(%rsp), %rax
	mov	8(%rsp), %rcx
	jmp	.Lslow
	.cfi_endproc
	.size	zp_entry, . - zp_entry

/* The gates below, each with SYSCALL6_ARGS (sysargs.h): a seccomp SIGSYS
 * is told the program's or the runtime's by which `syscall` raised it
 * (signals.c). */

/* long zp_own_syscall6(long nr, long a1, ..., long a6): the runtime's
 * arch_prctl(ARCH_SET_GS) and Syscall User Dispatch prctl, the two calls a
 * program's seccomp filter lets through from here and from the clone
 * child's two above alone (sud.c, zp_seccomp_install_widened). */
	.globl	zp_own_syscall6
	.hidden	zp_own_syscall6
	.type	zp_own_syscall6, @function
zp_own_syscall6:
	.cfi_startproc
	SYSCALL6_ARGS
	syscall
	.globl	zp_own_call_ret
	.hidden	zp_own_call_ret
zp_own_call_ret:
	ret
	.cfi_endproc
	.size	zp_own_syscall6, . - zp_own_syscall6

/* long zp_app_syscall6(long nr, long a1, ..., long a6): the program's call,
 * made by the runtime on its behalf (the trap path, SUD mode, an
 * original-ABI hook's next).  A seccomp filter's SIGSYS raised here goes to
 * the program's handler; one raised by zp_syscall6 below (the runtime's and
 * the hooks' own calls) is answered by the runtime (signals.c). */
	.globl	zp_app_syscall6
	.hidden	zp_app_syscall6
	.type	zp_app_syscall6, @function
zp_app_syscall6:
	/* Unwind information (nothing is pushed): a signal handler that
	 * interrupted a call made here (in SUD mode, the program's blocking
	 * calls are made here, inside the SIGSYS handler) unwinds on through
	 * the runtime into the program. */
	.cfi_startproc
	SYSCALL6_ARGS
	.globl	zp_app_syscall_raw
	.hidden	zp_app_syscall_raw
zp_app_syscall_raw:
	syscall
	ret
	.cfi_endproc
	.size	zp_app_syscall6, . - zp_app_syscall6

/* long zp_trap_syscall(uint64_t *held, const struct zpoline_call *call): a
 * trapped call made by the trap handler (signals.c, zp_trap_enter).  First
 * the signals its hooks held (defer.c, zp_defer_trapped) are unblocked, and
 * the kernel delivers them at zp_trap_release_ret; then the call, at
 * zp_app_syscall_raw.  Every instruction from zp_trap_syscall to the
 * `syscall` is one where signals.c shows a handler the trapped call's site,
 * the call not made yet. */
	.globl	zp_trap_syscall
	.hidden	zp_trap_syscall
	.type	zp_trap_syscall, @function
	.globl	zp_trap_syscall_end
	.hidden	zp_trap_syscall_end
	.globl	zp_trap_release_ret
	.hidden	zp_trap_release_ret
zp_trap_syscall:
	.cfi_startproc
1:	xor	%eax, %eax
	xchg	%rax, (%rdi)
	test	%rax, %rax
	jz	2f
	push	%rdi
	.cfi_adjust_cfa_offset 8
	push	%rsi
	.cfi_adjust_cfa_offset 8
	push	%rax
	.cfi_adjust_cfa_offset 8
	mov	%rsp, %rsi
	mov	$1, %edi		/* SIG_UNBLOCK */
	xor	%edx, %edx
	mov	$8, %r10d
	mov	$ZP_NR_RT_SIGPROCMASK, %eax
	syscall
zp_trap_release_ret:
	pop	%rax
	.cfi_adjust_cfa_offset -8
	pop	%rsi
	.cfi_adjust_cfa_offset -8
	pop	%rdi
	.cfi_adjust_cfa_offset -8
	jmp	1b			/* one held meanwhile goes too */
2:	mov	%rsi, %r11
	mov	REC_NR(%r11), %rax
	mov	REC_ARG0(%r11), %rdi
	mov	REC_ARG1(%r11), %rsi
	mov	REC_ARG2(%r11), %rdx
	mov	REC_ARG3(%r11), %r10
	mov	REC_ARG4(%r11), %r8
	mov	REC_ARG5(%r11), %r9
	jmp	zp_app_syscall_raw
zp_trap_syscall_end:
	.cfi_endproc
	.size	zp_trap_syscall, . - zp_trap_syscall

/* long zp_syscall6(long nr, long a1, ..., long a6): a system call no hook
 * sees (this library is never rewritten): the runtime's own, and the
 * hooks' (zpoline_runtime.syscall). */
	.globl	zp_syscall6
	.hidden	zp_syscall6
	.type	zp_syscall6, @function
	/* Also exported as zpoline_raw_syscall for zpoline's own loader. */
	.globl	zpoline_raw_syscall
	.type	zpoline_raw_syscall, @function
zpoline_raw_syscall:
zp_syscall6:
	.cfi_startproc
	SYSCALL6_ARGS
	syscall
	ret
	.cfi_endproc
	.size	zp_syscall6, . - zp_syscall6

/* uint32_t zp_gs_magic(void): %gs:TB_MAGIC, or 0 where the %gs base (the
 * program's) has nothing mapped there: the SIGSEGV handler sends a fault
 * of the read to zp_gs_magic_fault (signals.c). */
	.globl	zp_gs_magic
	.hidden	zp_gs_magic
	.globl	zp_gs_magic_fault
	.hidden	zp_gs_magic_fault
	.type	zp_gs_magic, @function
zp_gs_magic:
	.cfi_startproc
	movl	%gs:TB_MAGIC, %eax
	ret
zp_gs_magic_fault:
	xor	%eax, %eax
	ret
	.cfi_endproc
	.size	zp_gs_magic, . - zp_gs_magic

/* long zp_call_on_stack(long (*fn)(void *), void *arg, void *top): fn(arg)
 * on the stack below `top` (a slot), for the trap path. */
	.globl	zp_call_on_stack
	.hidden	zp_call_on_stack
	.type	zp_call_on_stack, @function
zp_call_on_stack:
	.cfi_startproc
	push	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	mov	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	mov	%rdx, %rsp
	and	$-16, %rsp
	mov	%rdi, %rax
	mov	%rsi, %rdi
	call	*%rax
	mov	%rbp, %rsp
	.cfi_def_cfa_register %rsp
	pop	%rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	ret
	.cfi_endproc
	.size	zp_call_on_stack, . - zp_call_on_stack

/* long zp_safe_copy(void *dst, const void *src, size_t n): memcpy that
 * returns -EFAULT instead of crashing when either side is not mapped (the
 * program's pointers are not to be trusted).  A fault inside
 * [zp_safe_copy, zp_safe_copy_end) is turned into a jump to
 * zp_safe_copy_fault by the SIGSEGV handler (signals.c). */
	.globl	zp_safe_copy
	.hidden	zp_safe_copy
	.globl	zp_safe_copy_end
	.hidden	zp_safe_copy_end
	.globl	zp_safe_copy_fault
	.hidden	zp_safe_copy_fault
	.type	zp_safe_copy, @function
zp_safe_copy:
	/* Page 0 is readable here only because the trampoline lives there:
	 * for the program's pointers it is as unmapped as it would be. */
	cmp	$ZP_PAGE, %rsi
	jb	zp_safe_copy_fault
	cmp	$ZP_PAGE, %rdi
	jb	zp_safe_copy_fault
	mov	%rdx, %rcx
	rep movsb
	xor	%eax, %eax
	ret
zp_safe_copy_end:
zp_safe_copy_fault:
	mov	$-14, %rax
	ret
	.size	zp_safe_copy, . - zp_safe_copy

/* The restorer for the runtime's own signal handlers.  An unwinder started
 * in a handler the runtime calls (the program's SIGSEGV handler that
 * forward() runs, a crash handler's backtrace(), ASan's report of a fault,
 * a call made inside the SIGSYS handler in SUD mode) reaches this frame
 * after the runtime's handler: it must go on into the code the signal
 * interrupted, as it does through glibc's __restore_rt.  So, as there:
 *   - the instruction is the 7-byte `movq $15, %rax`: libgcc, LLVM's
 *     libunwind and gdb recognise `48 c7 c0 0f 00 00 00 0f 05` as the
 *     kernel's rt_sigreturn trampoline;
 *   - a signal frame (augmentation "S") describes it, starting one byte
 *     early at a nop (unwinders look up the return address minus one):
 *     rsp points at the ucontext, CFA = its saved rsp, every register is
 *     in uc_mcontext.gregs.
 * Offsets in ucontext_t: uc_mcontext.gregs at 40, REG_R8 = 0 ... REG_RIP = 16. */
#define ZP_UC_GREG(i) (40 + 8 * (i))
/* DW_CFA_expression: register \dw saved at rsp + ZP_UC_GREG(\greg) */
.macro CFI_UC_REG dw, greg
	.if ZP_UC_GREG(\greg) < 64
	.cfi_escape 0x10, \dw, 2, 0x77, ZP_UC_GREG(\greg)
	.else
	.cfi_escape 0x10, \dw, 3, 0x77, ZP_SLEB2(ZP_UC_GREG(\greg))
	.endif
.endm
/* The unwind information of a restorer: a signal frame at rsp. */
.macro SIGRETURN_CFI
	.cfi_startproc simple
	.cfi_signal_frame
	/* DW_CFA_def_cfa_expression: CFA = *(rsp + REG_RSP's offset) */
	.cfi_escape 0x0f, 4, 0x77, ZP_SLEB2(ZP_UC_GREG(15)), 0x06
	CFI_UC_REG 8, 0		/* r8 */
	CFI_UC_REG 9, 1
	CFI_UC_REG 10, 2
	CFI_UC_REG 11, 3
	CFI_UC_REG 12, 4
	CFI_UC_REG 13, 5
	CFI_UC_REG 14, 6
	CFI_UC_REG 15, 7	/* r15 */
	CFI_UC_REG 5, 8		/* rdi */
	CFI_UC_REG 4, 9		/* rsi */
	CFI_UC_REG 6, 10	/* rbp */
	CFI_UC_REG 3, 11	/* rbx */
	CFI_UC_REG 1, 12	/* rdx */
	CFI_UC_REG 0, 13	/* rax */
	CFI_UC_REG 2, 14	/* rcx */
	CFI_UC_REG 7, 15	/* rsp */
	CFI_UC_REG 16, 16	/* rip */
.endm
	.globl	zp_sigreturn
	.hidden	zp_sigreturn
	.type	zp_sigreturn, @function
	.p2align 4
	SIGRETURN_CFI
	nop
zp_sigreturn:
	.byte	0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00	/* movq $15, %rax */
	syscall
	ud2
	.cfi_endproc
	.size	zp_sigreturn, . - zp_sigreturn

/* A trapped call's handler returns here (signals.c, zp_trap_enter put it
 * in its frame): the frame's uc_link holds the thread's block, whose
 * trap_tail marks the way back until the sigreturn.  A signal of the
 * program's that comes on the way, or at one of these instructions, waits
 * for the sigreturn (defer.c, zp_defer_tail): its handler's edit of the
 * mask would go into the real mask, which the sigreturn replaces.  Not
 * the byte pattern unwinders know, but the same signal frame's CFI. */
	.globl	zp_trap_sigreturn
	.hidden	zp_trap_sigreturn
	.globl	zp_trap_sigreturn_syscall
	.hidden	zp_trap_sigreturn_syscall
	.type	zp_trap_sigreturn, @function
	.p2align 4
	SIGRETURN_CFI
	nop
zp_trap_sigreturn:
	movq	8(%rsp), %rax		/* uc_link */
	movq	$0, TB_TRAPTAIL(%rax)
	movl	$15, %eax
zp_trap_sigreturn_syscall:
	syscall
	ud2
	.cfi_endproc
	.size	zp_trap_sigreturn, . - zp_trap_sigreturn

	.section .rodata.zp_stub_windows, "a"
	.globl	zp_stub_windows_end
	.hidden	zp_stub_windows_end
zp_stub_windows_end:

	.section .note.GNU-stack, "", @progbits
