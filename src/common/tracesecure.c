/*
 * tracesecure.c - programs the kernel runs in secure-execution mode (the
 * kernel's rule: the new credentials differ from the caller's).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "raw.h"
#include "tracesecure.h"

#ifndef ST_NOSUID
#define ST_NOSUID 2
#endif

const char *zp_secure_exec(int dirfd, const char *path, int at_flags)
{
	struct stat st;
	if (!path || zp_raw4(SYS_newfstatat, dirfd, path, &st,
			     at_flags & (AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) < 0 ||
	    !S_ISREG(st.st_mode))
		return NULL;
	unsigned int uid, euid, suid, gid, egid, sgid;
	if (zp_raw3(SYS_getresuid, &uid, &euid, &suid) < 0 || zp_raw3(SYS_getresgid, &gid, &egid, &sgid) < 0)
		return NULL;
	const char *why = NULL;
	if ((st.st_mode & S_ISUID) && st.st_uid != uid)
		why = "set-user-ID";
	else if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && st.st_gid != gid)
		why = "set-group-ID";
	/* The kernel's rule is about the new effective IDs against the
	 * caller's real ones: without a set-ID bit, a caller whose effective
	 * ID is not its real one (squid's master: real uid proxy, effective
	 * root) starts every program so. */
	else if (!(st.st_mode & S_ISUID) && euid != uid)
		return "started with an effective user ID other than its real one";
	else if (!((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP)) && egid != gid)
		return "started with an effective group ID other than its real one";
	/* File capabilities: root keeps its own anyway, anyone else gains
	 * some.  So for root, one stat per program. */
	if (!why && uid == 0)
		return NULL;
	/* A name getxattr and statfs can take: the path, or for a path
	 * relative to a directory descriptor, the file's own descriptor. */
	char name[64];
	const char *p = path;
	long fd = -1;
	if (!*path || (path[0] != '/' && dirfd != AT_FDCWD)) {
		fd = *path ? zp_raw4(SYS_openat, dirfd, path, O_PATH | O_CLOEXEC, 0)
			   : zp_raw3(SYS_fcntl, dirfd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return why;
		snprintf(name, sizeof name, "/proc/self/fd/%ld", fd);
		p = name;
	}
	if (!why && zp_raw4(SYS_getxattr, p, "security.capability", 0, 0) > 0)
		why = "given file capabilities";
	/* A nosuid mount ignores both; the program then keeps the caller's
	 * effective IDs. */
	struct statfs fs;
	if (why && zp_raw2(SYS_statfs, p, &fs) == 0 && (fs.f_flags & ST_NOSUID))
		why = euid != uid   ? "started with an effective user ID other than its real one"
		      : egid != gid ? "started with an effective group ID other than its real one"
				    : NULL;
	if (fd >= 0)
		zp_raw1(SYS_close, fd);
	return why;
}
