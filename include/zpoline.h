/*
 * zpoline.h - the hook API of zpoline, version 1.
 *
 * A hook library is a shared object that exports
 *
 *     int zpoline_hook_init(const struct zpoline_runtime *rt,
 *                           struct zpoline_hook *hook);
 *
 * The runtime (libzpoline.so, loaded with LD_PRELOAD) loads every library
 * named in LIBZPHOOK (colon separated) with dlmopen() into a link namespace
 * of its own, so a hook may call its own copy of libc freely: those calls are
 * never hooked.  zpoline_hook_init() fills in *hook and returns 0, or returns
 * a negative errno value to refuse to load (the runtime then stops the
 * program with a message naming the library).
 *
 * For every system call of the program the runtime calls, in LIBZPHOOK
 * order, each hook's pre() and then, after the system call, each hook's
 * post() in reverse order.  A hook can:
 *   - pass the call on unchanged:         return ZPOLINE_CONTINUE;
 *   - change it:  modify call->nr / call->args[], return ZPOLINE_CONTINUE;
 *   - emulate or refuse it: set call->ret (a value, or -errno) and return
 *     ZPOLINE_SKIP; the kernel is not entered, later hooks' pre() are not
 *     called, and post() runs only for the hooks whose pre() already ran.
 *
 * Results follow the kernel's convention: -4095..-1 is -errno.  A hook never
 * sees or touches the program's errno.
 *
 * Hooks are called on a stack of the runtime's own, from any thread, and
 * from signal handlers of the program: they must be reentrant and must not
 * take locks the program might hold.  They must not call back into the
 * program's code.
 *
 * Special calls: for clone/clone3/vfork with a new stack or a shared address
 * space the kernel call itself is made by the runtime's entry code; post()
 * runs in the parent only.  rt_sigreturn, exit and a successful execve never
 * return, so post() is not called for them.
 *
 * Hook libraries written for the original zpoline, exporting
 *     int __hook_init(long placeholder, void *hook_fn_ptr);
 * are also accepted; see docs/hook-api.md.
 */
#ifndef ZPOLINE_H
#define ZPOLINE_H

#include <signal.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZPOLINE_API_VERSION 1

/* Numbers below this go through the fast trampoline; larger ones (and
 * negative ones) still reach hooks through the trap path. */
#define ZPOLINE_NR_FAST 512

/* How the call reached the runtime. */
enum zpoline_origin {
	ZPOLINE_ORIGIN_REWRITTEN = 0, /* a rewritten syscall instruction */
	ZPOLINE_ORIGIN_TRAP = 1,      /* a trap: red-zone site or out-of-range number */
	ZPOLINE_ORIGIN_SUD = 2,       /* Syscall User Dispatch (safety net; sud mode; in auto
				       * mode, calls before the sites are rewritten) */
};

/* Values a pre() hook returns. */
enum zpoline_action {
	ZPOLINE_CONTINUE = 0,
	ZPOLINE_SKIP = 1,
};

struct zpoline_call {
	long nr;             /* system call number; may be changed by pre() */
	long args[6];        /* rdi, rsi, rdx, r10, r8, r9; may be changed by pre() */
	long ret;            /* result (set by pre() with ZPOLINE_SKIP; the kernel's in post()) */
	const void *site;    /* address of the syscall instruction, NULL if unknown */
	unsigned long cookie;/* private to each hook, carried from its pre() to its post() */
	int tid;             /* calling thread */
	int pid;             /* calling process */
	unsigned int origin; /* enum zpoline_origin */
	unsigned int reserved;
	unsigned long sp;    /* the program's stack pointer at the call (read-only) */
};

/* zpoline_hook.flags */
/* The hook (and everything it calls) leaves x87/SSE/AVX state alone, e.g. it
 * is compiled with -mgeneral-regs-only and calls no libc string function.
 * When every hook in the chain says so the runtime skips XSAVE/XRSTOR. */
#define ZPOLINE_HOOK_NO_XSTATE 0x1u
/* pre() never changes call->nr or call->args[]: it lets each call go on as
 * it came, or skips it (ZPOLINE_SKIP with call->ret).  The runtime may then
 * skip looking for changes: a change made anyway may reach the kernel
 * while the program's registers keep it after the call. */
#define ZPOLINE_HOOK_PRE_KEEPS_CALL 0x2u

struct zpoline_hook {
	unsigned int api_version; /* the runtime fills in ZPOLINE_API_VERSION; keep it */
	unsigned int flags;       /* ZPOLINE_HOOK_* */
	const char *name;         /* for messages */
	int (*pre)(struct zpoline_call *call, void *ctx);   /* may be NULL */
	void (*post)(struct zpoline_call *call, void *ctx); /* may be NULL */
	/* Called once when the process is about to end (exit_group, or the
	 * runtime's destructor), from the thread that ends it. May be NULL. */
	void (*fini)(void *ctx);
	void *ctx;
	/* Optional bitmap of the numbers below ZPOLINE_NR_FAST this hook wants
	 * (bit nr%8 of byte nr/8).  NULL means every call.  Numbers at or above
	 * ZPOLINE_NR_FAST always reach the hook. */
	const unsigned char *select;
};

struct zpoline_runtime {
	unsigned int api_version; /* of the runtime */
	unsigned int size;        /* sizeof(struct zpoline_runtime) of the runtime */
	/* Makes a system call that no hook sees; returns -errno on error. */
	long (*syscall)(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
	/* Name of a system call number, or NULL. */
	const char *(*syscall_name)(long nr);
	/* The highest number the running kernel implements (probed). */
	long max_nr;
	/* Added after the first release: check that rt->size covers it.  The address of a symbol of the
	 * program's own link namespace (its libc's "environ", "getenv", ...),
	 * or NULL; dlsym(RTLD_DEFAULT, name) seen from the program.  For
	 * zpoline_hook_init() only: it takes the dynamic linker's lock, and the
	 * program's libc functions it finds are not safe to call from pre() or
	 * post() (they may make hooked calls, hold locks, use vector registers). */
	void *(*program_symbol)(const char *name);
	/* Added after program_symbol: check rt->size.  From post() only: the
	 * signal the runtime holds for the calling thread until the hooks have
	 * seen this call, and raises with its default action (which ends the
	 * process) as soon as the last post() returns; 0 if none.  Today that
	 * is a SIGPIPE the call itself raised (a write to a pipe or socket
	 * whose reader is gone, SIGPIPE at its default action): natively the
	 * process dies inside the call.  info, if not NULL, gets its siginfo. */
	int (*held_signal)(siginfo_t *info);
	/* Added after held_signal: check rt->size.  Registers fn (NULL: none)
	 * to be told of signals the runtime sees delivered:
	 *   fatal == 0: to a handler of the program's, just before it runs;
	 *   fatal == 1: once, a signal about to end the process with its
	 *     default action: a fault in the program's code (a bad pointer:
	 *     SIGSEGV; ud2: SIGILL; int3: SIGTRAP) or one of those signals sent
	 *     to it while its action is the default.
	 * Signals the kernel acts on alone (ignored ones, SIGKILL, SIGTERM at
	 * its default action) are not seen.  fn runs in a signal handler, on
	 * the runtime's stack, in the receiving thread; it may make raw system
	 * calls (rt->syscall) and nothing that takes a lock.  One function for
	 * the process; the last registration wins.  Returns 0. */
	int (*on_signal)(void (*fn)(const siginfo_t *info, int fatal, void *ctx), void *ctx);
	/* Added after on_signal: check rt->size.  From an on_signal() callback
	 * with fatal == 0: the hooked call of this thread the signal came in,
	 * past its hooks' pre() and before their post(), or NULL: the pointer
	 * pre() had and post() will get once the handler has returned (unless
	 * it jumps out).  *again is 1 if the kernel cut the call short and
	 * makes it again after the handler (SA_RESTART; *rax is then the
	 * number it makes: the call's, or restart_syscall's for a sleep), 0 if
	 * the call has ended and *rax is its result (-EINTR when the signal
	 * cut it short), which post() will see. */
	const struct zpoline_call *(*interrupted_call)(long *rax, int *again);
	/* Added after interrupted_call: check rt->size.  Copies n bytes of
	 * this process's memory from src to dst; returns 0, or -EFAULT
	 * (and nothing is known of dst) where either side is not mapped,
	 * instead of a crash.  For when process_vm_readv is not allowed: a
	 * seccomp filter (man-db's sandbox) makes it fail with ENOSYS. */
	long (*safe_copy)(void *dst, const void *src, size_t n);
	/* Added after safe_copy: check rt->size.  1 when process_vm_readv
	 * may not be made: a seccomp filter in force may kill the process
	 * for it (firejail's helpers run so), or one is in force whose rules
	 * the runtime does not know (installed before this program started);
	 * read this process's memory with safe_copy instead.  0 otherwise.
	 * The first call may read /proc/self/status. */
	int (*vm_readv_refused)(void);
	/* Added after vm_readv_refused: check rt->size.  From
	 * zpoline_hook_init() only: the runtime also catches, while the
	 * program's action for them is the default, the signals that end a
	 * process without a core dump (SIGHUP, SIGINT, SIGTERM, SIGUSR1,
	 * SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSTKFLT and
	 * SIGRTMIN+2 up; never SIGKILL), so that the on_signal() callback
	 * sees them (fatal == 1, interrupted_call() giving the call they cut
	 * short) before the runtime ends the process with them.  The program
	 * is shown its own actions; /proc/PID/status shows them caught, and
	 * another thread may run on for the moment the handler takes.  A
	 * tracer prints from it what strace prints for a process killed from
	 * outside.  Returns 0. */
	int (*catch_fatal_signals)(void);
	/* Added after catch_fatal_signals: check rt->size.  From pre() of an
	 * rt_sigreturn: of the signals the runtime owns (ZPOLINE_OWN_SIGNALS),
	 * those the mask it restores blocks in the program's view, as bits
	 * sig-1 of a sigset's first word.  The runtime never blocks them for
	 * real, so the mask the signal frame holds lacks them (unless the
	 * handler wrote them there, which then count): OR this in. */
	unsigned long (*sigreturn_blocked_own)(void);
};

/* The signals the runtime traps with (blocked_own), as bits sig-1. */
#define ZPOLINE_OWN_SIGNALS                                                                      \
	((1UL << (SIGILL - 1)) | (1UL << (SIGTRAP - 1)) | (1UL << (SIGSEGV - 1)) |               \
	 (1UL << (SIGSYS - 1)))

/* The symbol a hook library exports. */
int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook);

/* Select helpers for zpoline_hook.select. */
static inline void zpoline_select_set(unsigned char *bitmap, long nr)
{
	if (nr >= 0 && nr < ZPOLINE_NR_FAST)
		bitmap[nr / 8] = (unsigned char)(bitmap[nr / 8] | (1u << (nr % 8)));
}

#ifdef __cplusplus
}
#endif

#endif /* ZPOLINE_H */
