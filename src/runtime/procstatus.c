/*
 * procstatus.c - the kernel's view of this process and thread, from
 * /proc's status files, for the few decisions that need it (scan.c: may a
 * helper thread run; thread.c: may a signal to oneself be made from the
 * runtime's trap).  Raw calls only: both are asked on a system call's path.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>

#include "rt.h"

int zp_seccomp_seen;

long zp_proc_status(const char *path, char *buf, size_t size)
{
	int fd = (int)zp_raw3(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	size_t have = 0;
	while (have < size - 1) {
		long r = zp_raw3(SYS_read, fd, buf + have, size - 1 - have);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	zp_raw1(SYS_close, fd);
	buf[have] = 0;
	/* A filter is never removed: later questions need not open the file
	 * (a filter may kill for the open itself). */
	if (zp_status_field(buf, "Seccomp:") > 0)
		__atomic_store_n(&zp_seccomp_seen, 1, __ATOMIC_RELAXED);
	return have ? (long)have : -1;
}

long zp_status_field(const char *text, const char *key)
{
	for (const char *p = text; *p; p++) {
		if (*p != '\n')
			continue;
		size_t k = 0;
		while (key[k] && p[1 + k] == key[k])
			k++;
		if (key[k])
			continue;
		const char *q = p + 1 + k;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q < '0' || *q > '9')
			return -1;
		long v = 0;
		while (*q >= '0' && *q <= '9')
			v = v * 10 + (*q++ - '0');
		return v;
	}
	return -1;
}
