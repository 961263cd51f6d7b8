/*
 * raw.h - system calls made directly, for code that must not go through
 * libc: the runtime (whose libc calls would be hooked, and may not be
 * reentrant) and hooks that want no dependency at all.
 * Returns the kernel's value: -errno on error.
 */
#ifndef ZP_RAW_H
#define ZP_RAW_H

#ifdef __clang_analyzer__
/* For clang's static analyzer (make lint): a call it cannot see into, so
 * that memory passed to the kernel counts as written by it, as the asm
 * statement's "memory" clobber says to the compiler. */
long zp_raw6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
#else
static inline long zp_raw6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#endif

#define zp_raw0(n) zp_raw6((n), 0, 0, 0, 0, 0, 0)
#define zp_raw1(n, a) zp_raw6((n), (long)(a), 0, 0, 0, 0, 0)
#define zp_raw2(n, a, b) zp_raw6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define zp_raw3(n, a, b, c) zp_raw6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define zp_raw4(n, a, b, c, d) zp_raw6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define zp_raw5(n, a, b, c, d, e) \
	zp_raw6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/* The runtime's fault-safe copy (zpoline_runtime.safe_copy), set by a hook
 * at init (hooklibc.c); NULL in the runtime itself.  One per object.
 * Returns 0, or -EFAULT where a side is not mapped.  Out of the runtime's
 * page of small variables, as the next one: every object file that includes
 * this header keeps room for its own weak copy. */
__attribute__((weak, visibility("hidden"), section(".lbss.zp"))) long (*zp_hook_safe_copy)(
	void *dst, const void *src, unsigned long n);

/* The runtime's zpoline_runtime.vm_readv_refused, set as zp_hook_safe_copy
 * is; NULL in the runtime itself, which never writes it: kept out of its
 * page of small variables (the runtime's ZP_BIG_BSS section). */
__attribute__((weak, visibility("hidden"), section(".lbss.zp"))) int (*zp_hook_vm_readv_refused)(void);

/* Copies up to n bytes of process pid's memory at addr into dst; returns
 * how many it could.  process_vm_readv (310): a pointer straight from a
 * program may be bad, and this fails cleanly where a load would fault.
 * A seccomp filter may refuse process_vm_readv (ENOSYS, EPERM: man-db runs
 * its children so), or kill the process for it (firejail's helpers): the
 * runtime says so beforehand (zp_hook_vm_readv_refused).  Then, the hooks
 * reading only their own process, the runtime's safe copy, a page at a
 * time (a string may end just before an unmapped page; process_vm_readv
 * returns what it could read). */
static inline unsigned long zp_peek(long pid, void *dst, unsigned long addr, unsigned long n)
{
	struct {
		void *base;
		unsigned long len;
	} local = {dst, n}, remote = {(void *)addr, n};
	long r = -38;
	if (!zp_hook_safe_copy || !zp_hook_vm_readv_refused || !zp_hook_vm_readv_refused())
		r = zp_raw6(310, pid, (long)&local, 1, (long)&remote, 1, 0);
	if ((r == -38 /* ENOSYS */ || r == -1 /* EPERM */) && n && zp_hook_safe_copy) {
		unsigned long done = 0;
		while (done < n) {
			unsigned long at = addr + done, chunk = 4096 - (at & 4095);
			if (chunk > n - done)
				chunk = n - done;
			if (zp_hook_safe_copy((char *)dst + done, (const void *)at, chunk) < 0)
				break;
			done += chunk;
		}
		return done;
	}
	return r > 0 ? (unsigned long)r : 0;
}

#endif
