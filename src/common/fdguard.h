/*
 * fdguard.h - a hook's own descriptors, out of the program's way (see
 * fdguard.c).  The hook says which numbers are its own and how to move one
 * away; its pre() hands the calls zp_fd_guarded() names to zp_fd_guard(),
 * its post() a getdents/getdents64 that returned entries to
 * zp_fd_guard_listing().
 */
#ifndef ZP_FDGUARD_H
#define ZP_FDGUARD_H

#include <stdbool.h>
#include <sys/syscall.h>
#include <zpoline.h>

#define ZP_FDGUARD_HIDDEN __attribute__((visibility("hidden")))

struct zp_fdguard {
	bool (*owns)(long fd);  /* is fd one of the hook's? */
	void (*evict)(long fd); /* the program dups onto fd: move the hook's elsewhere */
};

/* The calls zp_fd_guard() looks at. */
static inline bool zp_fd_guarded(long nr)
{
	switch (nr) {
	case SYS_close: case SYS_close_range: case SYS_dup2: case SYS_dup3: case SYS_fstat:
	case SYS_fcntl: case SYS_dup: case SYS_newfstatat: case SYS_statx:
		return true;
	default:
		return false;
	}
}

/* Returns ZPOLINE_SKIP with call->ret set when the call was emulated. */
ZP_FDGUARD_HIDDEN int zp_fd_guard(const struct zp_fdguard *g, struct zpoline_call *c);
/* A directory listing of a process's fd (or fdinfo) directory, without the
 * hook's numbers (call->ret adjusted). */
ZP_FDGUARD_HIDDEN void zp_fd_guard_listing(const struct zp_fdguard *g, struct zpoline_call *c);
/* The decimal number a directory entry's name spells (a pid, a tid, a
 * descriptor), or -1. */
ZP_FDGUARD_HIDDEN long zp_dirent_number(const char *name);

#endif
