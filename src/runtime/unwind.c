/*
 * unwind.c - unwinders find their way through the fast path.
 *
 * A call no hook wants runs in the trampoline's second stage, an anonymous
 * page that no loaded object covers.  An unwinder that meets it (backtrace()
 * in a signal handler that interrupted a call blocked there,
 * pthread_cancel's forced unwind, which runs C++ destructors) found no
 * unwind information and stopped there.  The page carries an .eh_frame of
 * its own (entry.S, S2_EHFRAME); this file hands it to libgcc's unwinder in
 * the program's namespace through __register_frame_info, the interface JIT
 * compilers use for the same problem.  Since GCC 12 the unwinder asks
 * glibc's _dl_find_object, which knows only what ld.so loaded, after the
 * registered objects: registering is the only way in.
 *
 * Registering is not free: once anything is registered, GCC 12's unwinder
 * takes a global mutex for every frame it looks up (a C++ throw looks up
 * a dozen or so).  So the runtime registers only when an unwind through a
 * blocked call becomes likely: when the program first sends a signal to
 * itself or one of its threads (pthread_cancel, pthread_kill, raise: the
 * handler that runs may unwind).  A signal from elsewhere (another
 * process, a timer) finds nothing registered until then.
 *
 * libgcc_s.so.1 may only be called once it is relocated:
 *   - at start-up, every object already loaded is (zp_unwind_loaded with
 *     relocated set, from rewrite.c);
 *   - one that ld.so maps later (glibc loads it for pthread_cancel and
 *     backtrace(), a program with dlopen) is noted when its code appears
 *     (watch.c); ld.so write-protects its RELRO segment right after
 *     relocating it, an mprotect the runtime sees (dispatch.c): that is
 *     the moment it may be called.
 * When the unwinder belongs to another link map than the runtime's
 * (--from-start: the program's own ld.so loaded it), the runtime's own
 * .eh_frame (the slow path's, entry.S) is registered with it too.
 * A program whose unwinder is linked in statically, or is not libgcc's,
 * is not reached: the README lists it among the limits.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>

#include "rt.h"
#include "solib.h"

#define UNWINDER_NAME "libgcc_s.so.1"
/* Each copy of libgcc's unwinder (one per link namespace) keeps its own
 * list of registered objects. */
#define MAX_UNWINDERS 4

uintptr_t zp_unwind_pending_lo, zp_unwind_pending_hi;
int zp_unwind_wanted;

struct unwinder {
	uintptr_t base;
	int registered;
	/* libgcc's struct object for the second stage and for this library:
	 * opaque, 6 words in GCC 12; room to spare. */
	void *objects[2][16];
};
static struct unwinder unwinders[MAX_UNWINDERS] ZP_BIG_BSS; /* touched only when used */
static int nunwinders;

extern const Elf64_Ehdr __ehdr_start __attribute__((visibility("hidden")));

bool zp_unwind_is_unwinder(const char *path)
{
	if (!path)
		return false;
	const char *slash = strrchr(path, '/');
	return !strcmp(slash ? slash + 1 : path, UNWINDER_NAME);
}

/* The address of the defined dynamic symbol `name` of the object loaded at
 * base, or 0: its dynamic section read in memory, the lookup solib.c's. */
static uintptr_t lookup(uintptr_t base, const char *name)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_phentsize != sizeof(Elf64_Phdr))
		return 0;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(base + ph[i].p_vaddr);
	return dyn ? (uintptr_t)zp_solib_sym_loaded(base, dyn, name) : 0;
}

static int is_base(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	return info->dlpi_addr == *(uintptr_t *)data;
}

/* This library's .eh_frame, from its .eh_frame_hdr. */
static const void *own_eh_frame(void)
{
	uintptr_t base = (uintptr_t)&__ehdr_start;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + __ehdr_start.e_phoff);
	for (int i = 0; i < __ehdr_start.e_phnum; i++) {
		if (ph[i].p_type != PT_GNU_EH_FRAME)
			continue;
		const uint8_t *hdr = (const uint8_t *)(base + ph[i].p_vaddr);
		int32_t rel;
		if (hdr[0] != 1 || hdr[1] != 0x1b /* pcrel | sdata4 */)
			return NULL;
		memcpy(&rel, hdr + 4, 4);
		return hdr + 4 + rel;
	}
	return NULL;
}

static void register_with(struct unwinder *u)
{
	if (__atomic_exchange_n(&u->registered, 1, __ATOMIC_ACQ_REL))
		return;
	void (*reg)(const void *, void *) =
		(void (*)(const void *, void *))lookup(u->base, "__register_frame_info");
	if (!reg)
		return;
	reg((const void *)(zp_stage2_addr + S2_EHFRAME), u->objects[0]);
	uintptr_t base = u->base;
	bool ours = dl_iterate_phdr(is_base, &base) != 0;
	const void *own = ours ? NULL : own_eh_frame();
	if (own)
		reg(own, u->objects[1]);
	if (zp_debug >= 2)
		zp_log("zpoline: unwind information registered with %s at 0x%lx: the fast path%s",
		       UNWINDER_NAME, (unsigned long)u->base, own ? "'s and the runtime's" : "'s");
}

static void add_unwinder(uintptr_t base)
{
	if (!zp_stage2_addr)
		return; /* no second stage (Syscall User Dispatch mode) */
	int n = __atomic_load_n(&nunwinders, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++)
		if (unwinders[i].base == base)
			return;
	if (n == MAX_UNWINDERS)
		return;
	unwinders[n].base = base;
	__atomic_store_n(&nunwinders, n + 1, __ATOMIC_RELEASE);
	if (__atomic_load_n(&zp_unwind_wanted, __ATOMIC_ACQUIRE))
		register_with(&unwinders[n]);
}

void zp_unwind_want(void)
{
	__atomic_store_n(&zp_unwind_wanted, 1, __ATOMIC_RELEASE);
	int n = __atomic_load_n(&nunwinders, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++)
		register_with(&unwinders[i]);
}

/* Where the object loaded at base ends (its highest segment). */
static uintptr_t object_end(uintptr_t base)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_phentsize != sizeof(Elf64_Phdr))
		return 0;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	uintptr_t end = 0;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && base + ph[i].p_vaddr + ph[i].p_memsz > end)
			end = base + ph[i].p_vaddr + ph[i].p_memsz;
	return end;
}

void zp_unwind_loaded(uintptr_t base, bool relocated)
{
	if (relocated) {
		add_unwinder(base);
		return;
	}
	uintptr_t end = object_end(base);
	if (!end)
		return;
	zp_unwind_pending_hi = end;
	zp_unwind_pending_lo = base;
}

void zp_unwind_protected(uintptr_t addr, int prot)
{
	uintptr_t lo = zp_unwind_pending_lo;
	if (prot != PROT_READ || addr < lo || addr >= zp_unwind_pending_hi)
		return;
	zp_unwind_pending_lo = zp_unwind_pending_hi = 0;
	add_unwinder(lo);
}
