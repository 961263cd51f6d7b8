/*
 * hooks.c - loading and chaining the hook libraries.
 *
 * LIBZPHOOK is a colon-separated list.  All of them are loaded with dlmopen
 * into one new link namespace: they get a libc of their own whose code is
 * never rewritten, so a hook can printf, malloc and open files without
 * hooking itself or tripping over a lock the program holds.
 *
 * Two ABIs:
 *   - zpoline_hook_init() (include/zpoline.h): pre/post hooks;
 *   - the original zpoline's __hook_init(long, void *): a function
 *     long fn(long nr, long a1..a6) that calls the function it replaced to
 *     make the call; it is wrapped so it chains like any other hook.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <sys/syscall.h>

#include "rt.h"

struct zp_hook_slot zp_hooks[ZP_MAX_HOOKS];
int zp_nhooks;
/* In .bss, beside the other small variables: one page fewer to fault in
 * at start-up (it is written at start-up). */
unsigned char zp_nr_class[ZP_CLASS_SIZE] __attribute__((aligned(64)));

static Lmid_t hook_ns = LM_ID_NEWLM;

extern const char *zp_syscall_name(long nr);

/* Hooks may keep the pointer: it lives as long as the process. */
/* A handle, not RTLD_DEFAULT: that one means the namespace of dlsym's
 * caller, which a tail call would make the hook's. */
static void *program_symbol(const char *name)
{
	static void *program;
	if (!program)
		program = dlopen(NULL, RTLD_LAZY);
	return program ? dlsym(program, name) : NULL;
}

/* rt->syscall.  A hook making a call itself (the program's, emulated: it
 * may block) from a call that holds every signal on the program's signal
 * stack (altstack.c) has that stack disarmed first: natively a signal
 * would cut such a call short. */
static long hook_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	struct zp_thread *t = zp_thread_self();
	if (t && t->cur && t->cur->alt_swap == ZP_ALT_HELD)
		zp_altstack_unhold(t->cur);
	return zp_syscall6(nr, a1, a2, a3, a4, a5, a6);
}

static struct zpoline_runtime runtime_api = {
	.api_version = ZPOLINE_API_VERSION,
	.size = sizeof(struct zpoline_runtime),
	.syscall = hook_syscall,
	.syscall_name = zp_syscall_name,
	.max_nr = ZP_SLED_END - 1,
	.program_symbol = program_symbol,
	.held_signal = zp_sigpipe_held,
	.on_signal = zp_on_signal,
	.interrupted_call = zp_interrupted_call,
	.safe_copy = zp_safe_copy,
	.vm_readv_refused = zp_vm_readv_refused,
	.catch_fatal_signals = zp_catch_fatal_signals,
	.sigreturn_blocked_own = zp_sigreturn_blocked_own,
};

static int load_one(const char *path)
{
	if (zp_nhooks == ZP_MAX_HOOKS) {
		zp_log("zpoline: at most %d hook libraries; %s not loaded", ZP_MAX_HOOKS, path);
		return -1;
	}
	void *h = dlmopen(hook_ns, path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		zp_log("zpoline: cannot load hook library %s: %s", path, why ? why : "unknown error");
		return -1;
	}
	if (hook_ns == LM_ID_NEWLM && dlinfo(h, RTLD_DI_LMID, &hook_ns) != 0)
		hook_ns = LM_ID_NEWLM;
	struct zp_hook_slot *s = &zp_hooks[zp_nhooks];
	memset(s, 0, sizeof *s);
	s->path = path;
	int (*init)(const struct zpoline_runtime *, struct zpoline_hook *) =
		(int (*)(const struct zpoline_runtime *, struct zpoline_hook *))dlsym(
			h, "zpoline_hook_init");
	if (init) {
		runtime_api.max_nr = zp_max_nr;
		s->h.api_version = ZPOLINE_API_VERSION;
		int r = init(&runtime_api, &s->h);
		if (r < 0) {
			zp_log("zpoline: hook library %s: zpoline_hook_init failed (%d)", path, r);
			return -1;
		}
		if (s->h.api_version != ZPOLINE_API_VERSION) {
			zp_log("zpoline: hook library %s was built for hook API version %u; "
			       "this runtime speaks version %u",
			       path, s->h.api_version, ZPOLINE_API_VERSION);
			return -1;
		}
		if (!s->h.name)
			s->h.name = path;
		zp_nhooks++;
		return 0;
	}
	int (*orig_init)(long, void *) = (int (*)(long, void *))dlsym(h, "__hook_init");
	if (orig_init) {
		long (*fn)(long, long, long, long, long, long, long) = zp_orig_next;
		int r = orig_init(0, &fn);
		if (r < 0) {
			zp_log("zpoline: hook library %s: __hook_init failed (%d)", path, r);
			return -1;
		}
		s->orig_fn = fn;
		s->h.api_version = ZPOLINE_API_VERSION;
		s->h.name = path;
		zp_nhooks++;
		return 0;
	}
	zp_log("zpoline: hook library %s exports neither zpoline_hook_init nor __hook_init", path);
	return -1;
}

int zp_hooks_load(const char *list)
{
	static char buf[8192] ZP_BIG_BSS;
	size_t len = strlen(list);
	if (len >= sizeof buf) {
		zp_log("zpoline: LIBZPHOOK is too long");
		return -1;
	}
	memcpy(buf, list, len + 1);
	for (char *p = buf; p && *p;) {
		char *c = strchr(p, ':');
		if (c)
			*c++ = '\0';
		if (*p && load_one(p) < 0)
			return -1;
		p = c;
	}
	return 0;
}

/* zpoline's loader runs a static program in this process after the hooks
 * were loaded: from then on %fs is the program's thread pointer, not the
 * one the hooks' libc was set up with.  The loader tells us just before it
 * hands over, so fini() (which may use that libc) gets its own back. */
static unsigned long loader_fs;

__attribute__((visibility("default"))) void zpoline_loader_handover(void)
{
	zp_raw2(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &loader_fs);
}

/* Once per process, from whichever thread ends it first. */
void zp_hooks_fini(void)
{
	static int done_pid;
	/* The thread block's pid, no getpid: at the exit of a process under a
	 * seccomp filter that kills any call it did not list (strace's
	 * seccomp-filter-v), a call of ours here was its death by SIGSYS. */
	if (!zp_nhooks)
		return;
	const struct zp_thread *t = zp_thread_self_safe();
	int pid = t && t->pid ? t->pid : (int)zp_raw0(SYS_getpid);
	if (__atomic_exchange_n(&done_pid, pid, __ATOMIC_ACQ_REL) == pid)
		return;
	unsigned long app_fs = 0;
	if (loader_fs) {
		zp_raw2(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &app_fs);
		zp_raw2(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, loader_fs);
	}
	for (int i = zp_nhooks - 1; i >= 0; i--)
		if (zp_hooks[i].h.fini)
			zp_hooks[i].h.fini(zp_hooks[i].h.ctx);
	if (loader_fs)
		zp_raw2(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, app_fs);
}

static bool any_selects(long nr)
{
	for (int i = 0; i < zp_nhooks; i++) {
		const struct zp_hook_slot *h = &zp_hooks[i];
		if (h->orig_fn || !h->h.select || nr >= ZPOLINE_NR_FAST)
			return true;
		if ((h->h.select[nr / 8] >> (nr % 8)) & 1)
			return true;
	}
	return false;
}

void zp_class_rebuild(void)
{
	for (long nr = 0; nr < ZP_CLASS_SIZE; nr++) {
		unsigned char c = 0;
		if (zp_nhooks && any_selects(nr))
			c |= ZP_CLASS_HOOK;
		if (zp_runtime_wants(nr))
			c |= ZP_CLASS_RUNTIME;
		zp_nr_class[nr] = c;
	}
}

/* The chain is one hook that leaves the extended state alone: the stub
 * calls its pre() and post() itself (entry.S, .Llean), without the C
 * dispatcher, for the numbers only that hook wants.  A chain of several
 * hooks, one that wants the extended state saved or has the original ABI,
 * Syscall User Dispatch (whose selector the dispatcher switches around
 * hook code) and routed vDSO functions (which need hook_base marked around
 * hook code: not a cost every call should pay) take zp_pre() and
 * zp_post().  ZPOLINE_LEAN=0 turns it off (the tests run both). */
unsigned char zp_lean;
/* And its pre() keeps the call, no post(): nothing to compare.  1 where
 * calls go back to the site by ret, 2 by jmp (trampoline.c): the stub's
 * shortcut has a tail for each. */
unsigned char zp_lean_keeps;
int (*zp_lean_pre)(struct zpoline_call *, void *);
void (*zp_lean_post)(struct zpoline_call *, void *);
void *zp_lean_ctx;

void zp_lean_decide(bool allowed)
{
	const struct zp_hook_slot *h = &zp_hooks[0];
	bool ok = allowed && zp_nhooks == 1 && !zp_sud_armed && (h->h.pre || h->h.post) &&
		  !h->orig_fn && (h->h.flags & ZPOLINE_HOOK_NO_XSTATE);
	zp_lean_ctx = ok ? h->h.ctx : NULL;
	zp_lean_pre = ok ? h->h.pre : NULL;
	zp_lean_post = ok ? h->h.post : NULL;
	bool keeps = ok && h->h.pre && !h->h.post && (h->h.flags & ZPOLINE_HOOK_PRE_KEEPS_CALL);
	zp_lean_keeps = !keeps ? 0 : zp_return_by_ret ? 1 : 2;
	zp_lean = ok;
}

/* Does any hook need XSAVE around it? */
bool zp_hooks_need_xstate(void)
{
	for (int i = 0; i < zp_nhooks; i++)
		if (zp_hooks[i].orig_fn || !(zp_hooks[i].h.flags & ZPOLINE_HOOK_NO_XSTATE))
			return true;
	return false;
}
