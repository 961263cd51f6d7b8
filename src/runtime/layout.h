/*
 * layout.h - numbers and structure offsets shared by entry.S and the C side
 * of the runtime.  C code checks every offset with _Static_assert
 * (thread.c, dispatch.c), so the assembly cannot drift from the structs.
 */
#ifndef ZP_LAYOUT_H
#define ZP_LAYOUT_H

/* ---- page 0 ------------------------------------------------------------ */
#define ZP_PAGE 4096
/* The sled covers [0, ZP_SLED_END); the tail jump sits at ZP_SLED_END. */
#define ZP_SLED_END 512
/* Size of the per-number class table (any rax that reaches the entry stub
 * is below this). */
#define ZP_CLASS_SIZE 576 /* >= ZP_SLED_END + 1; larger numbers count as hooked */

/* The second stage page (a copy of zp_stage2_template, entry.S). */
#define S2_CLASS 0x000 /* class bytes of numbers 0..ZP_SLED_END */
#define S2_TABLE 0x210  /* the site table's slots */
#define S2_SLOW 0x218   /* zp_slow_path (in zp_entry) */
#define S2_VERIFY 0x220 /* zp_verify_site: the lookup found nothing */
#define S2_MASK 0x228   /* the site table's mask */
#define S2_SHIFT 0x230  /* 64 - log2 of its size (the BMI2 path masks by shifting) */
#define S2_ELF 0x240     /* an ELF object describing the page, for gdb (gdbjit.c) */
#define S2_EHFRAME 0x280 /* inside it: the fast path's unwind information */
#define S2_ENTRY 0xED1 /* where the tail's jmp rel32 lands (see trampoline.c) */
/* Page 0 made of jmp rel32 units (sled.c, trampoline.c): each unit's jump
 * lands on a jmp rel32 of its own in [S2_LAND, S2_LAND_END) of the second
 * stage, which goes on to S2_ENTRY.  The stage then sits at an address
 * whose low 16 bits are ZP_UNITS_S2_LOW. */
#define S2_LAND 0x600
#define S2_LAND_END 0xE80
#define ZP_UNITS_S2_LOW 0x4000
#define ZP_UNIT 5 /* e9 and its rel32 */
#define ZP_NUNITS 103 /* at 0, 5, ..., 505, and the last at ZP_SLED_END */
#define ZP_UNITS_END (ZP_SLED_END + ZP_UNIT)

/* Class bits of a system call number (zp_nr_class[]). */
#define ZP_CLASS_HOOK 0x01    /* some hook wants it */
#define ZP_CLASS_RUNTIME 0x02 /* the runtime itself wants it */

/* ---- per-thread block (struct zp_thread), reached through %gs ------------
 * The fields the entry stub reads sit at offsets >= 0xF00 so that a thread
 * whose %gs base is still 0 reads page 0's int3 fill there (never the magic). */
#define ZP_TB_MAGIC_VALUE 0x7a70746cu /* "zptl" */
#define TB_MAGIC 0xF00
#define TB_SELF 0xF08
#define TB_LEVEL 0xF10
#define TB_SLOTS 0xF18 /* base address of slot 0 */
#define TB_TID 0xF20   /* tid, then pid: 0 until known (start-up, fork, clone; else zp_pre) */
#define ZP_PID_IS_TID (-1) /* TB_TID + 4 of a clone child that is a new process */
#define TB_SUDSEL 0xF39 /* Syscall User Dispatch selector byte */
#define TB_SUDOFF 0xF3A /* a seccomp filter refused SUD to this thread */
#define TB_VMASK 0x80   /* the program's view of the runtime's signals blocked */
#define TB_ALTSWAP 0xF3B /* the program's signal stack is set, without SS_AUTODISARM */
#define TB_ALTPEND 0xF3C /* a call from that stack blocked every signal (altstack.c) */
#define TB_ALTLO 0xF40   /* that stack: [lo, hi) */
#define TB_ALTHI 0xF48
#define TB_ALTMASK 0xF50 /* the signal mask before the block */
#define TB_VRELEASE 0xF5A /* held signals to release after the post (signals.c) */
#define TB_HOOKBASE 0x90 /* the slots' base while hook code runs, else 0 (vdso.c) */
#define TB_GSIN 0x2A8    /* the program's %gs base the slow path met, for its record */
#define TB_APPGS 0x2B0   /* the program's %gs base as last seen */
#define TB_OWNER 0x2C0   /* the tid of the thread that has the block */
#define TB_RECS 0x380    /* each slot's call record, by level & (ZP_NSLOTS - 1) */
#define TB_SPAN 0x3C0    /* the slots' size in bytes (vdso.c) */
#define TB_STAGE 0x3C8   /* a trapped call's way out stages at record + this */
#define TB_TRAPTAIL 0x3E0 /* the trap frame whose handler is on its way back (signals.c) */
#define TB_SIZE 0x1000
/* The stack a thread the runtime did not start is given its block on. */
#define ZP_ADOPT_STACK_SIZE 16384

/* Each nesting level (a signal handler making a system call while another
 * is in a hook) gets a slot: a C stack with the call record at its top.
 * The stub finds the record of a level in the block's table, so blocks may
 * differ: where the address space is limited (RLIMIT_AS, or a full one) a
 * new block has fewer, smaller slots, which the table repeats. */
#define ZP_SLOT_SIZE (128 * 1024)
#define ZP_NSLOTS 8
#define ZP_SMALL_SLOT_SIZE (96 * 1024) /* the tracer's --json lines: 63 KiB, by hand */
#define ZP_SMALL_NSLOTS 4
/* A trapped call's way out stages its last values this far above its
 * slot's bottom (entry.S, .Lreturn_trapped); a slot is at least twice it. */
#define ZP_STAGE_ROOM 16384

/* ---- call record (struct zp_record), at the top of a slot -------------- */
/* public part: struct zpoline_call */
#define REC_NR 0
#define REC_ARG0 8
#define REC_ARG1 16
#define REC_ARG2 24
#define REC_ARG3 32
#define REC_ARG4 40
#define REC_ARG5 48
#define REC_RET 56
#define REC_SITE 64
#define REC_COOKIE 72
#define REC_TID 80
#define REC_PID 84
#define REC_ORIGIN 88
#define ZPOLINE_ORIGIN_REWRITTEN_ASM 0 /* enum zpoline_origin in zpoline.h */
#define ZP_MODE_DETOUR_ASM 4 /* enum zp_mode in rt.h */
/* private part */
#define REC_APPSP 96    /* application rsp at the site (before the call) */
#define REC_FLAGS 104   /* application RFLAGS */
#define REC_RETADDR 112 /* where to resume: site + 2 */
#define REC_LEVEL 120   /* slot level to restore on the way out */
#define REC_RDI 128     /* application registers, as at the site */
#define REC_RSI 136
#define REC_RDX 144
#define REC_R10 152
#define REC_R8 160
#define REC_R9 168
#define REC_RBX 176
#define REC_RBP 184
#define REC_R12 192
#define REC_R13 200
#define REC_R14 208
#define REC_R15 216
#define REC_ACTION 224  /* what the C side asked the stub to do */
#define REC_CHILD 232   /* new thread block for a clone/vfork child */
#define REC_XSAVE 240   /* 1 if the extended state was saved below */
#define REC_COOKIES 256 /* per-hook cookies, ZP_MAX_HOOKS of them */
#define ZP_MAX_HOOKS 8
#define REC_SCRATCH 320 /* room for arguments the runtime rewrites */
#define REC_ALTMASK 424 /* a call made on the program's signal stack: its mask, */
#define REC_ALTSWAP 432 /* restored by the stub after it is back on that stack */
/* REC_ALTSWAP's values (altstack.c): the program's signal stack disarmed
 * for the call; left armed with every signal held; held, and the call is
 * made on that stack with the mask put back first (entry.S); the same,
 * and every signal held again after it, for post(). */
#define ZP_ALT_SWAPPED 1
#define ZP_ALT_HELD 2
#define ZP_ALT_HELD_MAKE 3
#define ZP_ALT_HELD_POST 4
#define REC_SELFPOST 440 /* ZP_ACT_SELF_SIGNAL: post() wanted */
#define REC_LEAN 444     /* the lean path's call: the stub runs post() (entry.S) */
#define REC_GSOUT 448   /* the program's %gs base to put back on the way out, 0: ours */
#define REC_SIZE 512    /* multiple of 64 */

/* Actions (REC_ACTION) returned by zp_pre()/zp_post(). */
#define ZP_ACT_SYSCALL 0      /* make the call with the record's nr/args, no post */
#define ZP_ACT_SYSCALL_POST 1 /* make the call, keep the slot, then zp_post() */
#define ZP_ACT_RETURN 2       /* return REC_RET to the application */
#define ZP_ACT_CLONE 3        /* clone family with a child thread block in REC_CHILD */
#define ZP_ACT_EXIT_THREAD 4  /* exit(2) of a thread whose block must be freed */
#define ZP_ACT_SELF_SIGNAL 5  /* a signal to the caller: made from a handler (signals.c) */
#define ZP_ACT_DEFER 6        /* a program's signal waits for the call's edge (defer.c) */

/* What a hook's pre() returns to complete the call (ZPOLINE_SKIP). */
#define ZP_PRE_SKIP 1

/* ---- child start image (struct zp_child), at offset 0 of a thread block - */
#define CH_RDI 0
#define CH_RSI 8
#define CH_RDX 16
#define CH_R10 24
#define CH_R8 32
#define CH_R9 40
#define CH_RBX 48
#define CH_RBP 56
#define CH_R12 64
#define CH_R13 72
#define CH_R14 80
#define CH_R15 88
#define CH_FLAGS 96
#define CH_RETADDR 104
#define CH_SIGMASK 112 /* the mask to restore in the child */

#define ZP_NR_RT_SIGPROCMASK 14
#define ZP_NR_RT_SIGRETURN 15
#define ZP_NR_ARCH_PRCTL 158
#define ZP_NR_PRCTL 157
#define ZP_PR_SET_SYSCALL_USER_DISPATCH 59
#define ZP_SI_SYS_USER_DISPATCH 2 /* SIGSYS si_code of a dispatched call */
/* The entry stub's edges, where it runs on the program's stack (entry.S's
 * STUB_WINDOW table; signals.c shows a handler the program's registers):
 * before the call is made (PRE) or after (POST); rsp = the program's rsp
 * less 0, 8 or 16; the number in rax, else at app-24; the flags at [rsp]
 * (16); R11: the record in r11, REC: in rbx. */
#define ZP_WIN_PRE8 1      /* [rsp] return address */
#define ZP_WIN_PRE8_RAX 2  /* the same, the number still in rax */
#define ZP_WIN_PRE16 3     /* [rsp] flags, [rsp+8] return address */
#define ZP_WIN_PRE16_RAX 4 /* the same, the number still in rax */
/* PRE16 with rdi and rsi kept at app-32 and app-40 (the %gs base asked of
 * the kernel, without FSGSBASE) */
#define ZP_WIN_PRE16_SAVED 5
#define ZP_WIN_PRE_R11 6   /* rsp = app or app-8, registers loaded from the record, rax = number */
/* from here on: after the call */
#define ZP_WIN_POST8 7     /* [rsp] return address, rax = result */
#define ZP_WIN_POST0 8     /* rcx = return address, rax = result */
#define ZP_WIN_POST_REC 9  /* rsp = app, rbx = record, rax = result */
#define ZP_WIN_POST_R11 10 /* rsp = app-8, r11 = record, its post() done */
#define ZP_WIN_POST8_R11 11 /* [rsp] return address, r11 = result */
/* On the slot before any hook or the dispatcher ran (defer.c): the call
 * can be made again from its site. */
#define ZP_WIN_SLOT_A 12 /* r11 = app-16, the argument registers and rbx live */
#define ZP_WIN_SLOT_B 13 /* rbx = record, every field the stub writes written */
/* On the slot on the way back, every hook done: the call can be finished. */
#define ZP_WIN_SLOT_BACK 14
#define ZP_ARCH_SET_GS 0x1001
#define ZP_ARCH_GET_GS 0x1004
/* zp_gs_check_base: how a hooked call learns its %gs base is 0 (a thread
 * not met) before reading through it, where that read would fault */
#define ZP_GS_CHECK_NONE 0
#define ZP_GS_CHECK_RDGSBASE 1
#define ZP_GS_CHECK_SYSCALL 2 /* no FSGSBASE: arch_prctl(ARCH_GET_GS) */
#define ZP_NR_GETTID 186

#endif
