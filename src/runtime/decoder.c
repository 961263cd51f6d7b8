/*
 * decoder.c - the x86 decoder (Zydis), loaded on first use.
 *
 * Most processes never decode anything: every object they load is in the
 * site cache.  So the decoder is not linked (ld.so would load it into every
 * process) but mapped by solib.c the first time code must be decoded, which
 * may be at start-up or deep inside a hooked mmap.  The build records where
 * the library is (ZP_ZYDIS_PATH); ZPOLINE_DECODER overrides it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "decoder.h"
#include "raw.h"

#include "rt.h"
#include "solib.h"

/* decoder.c is also linked into tools without sud.c */
#pragma weak zp_sud_armed

#ifndef ZP_ZYDIS_PATH
#error "the build must say where the Zydis library is (-DZP_ZYDIS_PATH=...)"
#endif

/* A copy of ZPOLINE_DECODER: programs may write over their environment
 * (setproctitle). */
static char override[4096] ZP_BIG_BSS;
static const char *path = ZP_ZYDIS_PATH;
static struct zp_decoder_api api;
static struct zp_solib lib;
enum { NOT_LOADED, LOADING, READY, FAILED };
static int state = NOT_LOADED;
/* The last try found no descriptor free: tried again at the next need. */
static bool starved;

__attribute__((noreturn)) static void decoder_assert(const char *expr, const char *file,
						      unsigned line, const char *fn)
{
	zp_die("zpoline: the x86 decoder failed an assertion: %s (%s:%u, %s)", expr, file, line, fn);
}

__attribute__((noreturn)) static void decoder_stack_smashed(void)
{
	zp_die("zpoline: the x86 decoder's stack was smashed");
}

void zp_decoder_configure(void)
{
	const char *p = getenv("ZPOLINE_DECODER");
	if (p && *p) {
		size_t n = strlen(p);
		if (n >= sizeof override)
			zp_die("zpoline: ZPOLINE_DECODER is too long (%zu bytes)", n);
		memcpy(override, p, n + 1);
		path = override;
	}
	if (zp_raw4(SYS_faccessat, AT_FDCWD, path, R_OK, 0) != 0)
		zp_die("zpoline: the x86 decoder library %s is missing%s", path,
		       p && *p ? " (ZPOLINE_DECODER names it)"
			       : ": apt-get install libzydis4.0, or name it in ZPOLINE_DECODER");
}

static bool load(void)
{
	static const struct zp_solib_import imports[] = {
		{"memcpy", (void *)memcpy},
		{"memset", (void *)memset},
		{"strlen", (void *)strlen},
		{"__assert_fail", (void *)decoder_assert},
		{"__stack_chk_fail", (void *)decoder_stack_smashed},
		{NULL, NULL},
	};
	char err[512];
	int e = zp_solib_load(&lib, path, imports, err, sizeof err);
	__atomic_store_n(&starved, e == -EMFILE || e == -ENFILE, __ATOMIC_RELAXED);
	/* Out of descriptors (a low `ulimit -n`) says nothing about the
	 * library, and in auto mode the calls of the code left as it was are
	 * caught by Syscall User Dispatch instead (init.c): said only when
	 * debugging.  So is a library out of reach where the process's trap
	 * phase goes on catching them (it switches to rewriting after
	 * entering a container's root, which has no libZydis: tier.c).  The
	 * rest is the installation's fault, said always. */
	bool caught = &zp_sud_armed && zp_sud_armed;
	if (e < 0 && ((!starved && !caught) || zp_debug))
		zp_log("zpoline: cannot load the x86 decoder: %s; code that must be decoded is left "
		       "as it is, and its system calls %s",
		       err, caught ? "are caught by Syscall User Dispatch instead" : "bypass the hooks");
	if (e < 0)
		return false;
	api.init = (__typeof__(api.init))zp_solib_sym(&lib, "ZydisDecoderInit");
	api.enable_mode = (__typeof__(api.enable_mode))zp_solib_sym(&lib, "ZydisDecoderEnableMode");
	api.decode = (__typeof__(api.decode))zp_solib_sym(&lib, "ZydisDecoderDecodeInstruction");
	if (!api.init || !api.enable_mode || !api.decode) {
		zp_log("zpoline: %s is not the Zydis 4 decoder (a function is missing); code that "
		       "must be decoded is left as it is, and its system calls %s",
		       path, caught ? "are caught by Syscall User Dispatch instead" : "bypass the hooks");
		return false;
	}
	return true;
}

const struct zp_decoder_api *zp_decoder(void)
{
	int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
	while (s != READY) {
		if (s == FAILED)
			return NULL;
		if (s == NOT_LOADED &&
		    __atomic_compare_exchange_n(&state, &s, LOADING, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			/* No signal handler may come in while the state says
			 * LOADING: one that decodes would wait for itself. */
			uint64_t all = ~0ull, old = 0;
			zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof all);
			bool ok = load();
			__atomic_store_n(&state, ok ? READY : starved ? NOT_LOADED : FAILED,
					 __ATOMIC_RELEASE);
			zp_raw4(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof old);
			return ok ? &api : NULL;
		}
		if (s == LOADING)
			zp_raw0(SYS_sched_yield);
		s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
	}
	return &api;
}

bool zp_decoder_unavailable(void)
{
	return __atomic_load_n(&state, __ATOMIC_ACQUIRE) == FAILED ||
	       __atomic_load_n(&starved, __ATOMIC_RELAXED);
}

bool zp_decoder_starved(void)
{
	return __atomic_load_n(&starved, __ATOMIC_RELAXED);
}

bool zp_decoder_contains(uintptr_t start, uintptr_t end)
{
	return lib.hi && start < lib.hi && end > lib.lo;
}

void zp_decoder_forked(void)
{
	int s = LOADING;
	__atomic_compare_exchange_n(&state, &s, NOT_LOADED, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
