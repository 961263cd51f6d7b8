/*
 * page0.c - probing (and, on request, allowing) a mapping at address 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "page0.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define MIN_ADDR_FILE "/proc/sys/vm/mmap_min_addr"
#define CAP_SYS_RAWIO_BIT 17

static int try_map_zero(void)
{
	/* NOREPLACE: never clobber a page 0 that is already there. */
	void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);
	if (m == MAP_FAILED)
		return errno;
	if (m != NULL) { /* a kernel that ignored the hint: it is not page 0 */
		munmap(m, 4096);
		return EPERM;
	}
	munmap(m, 4096);
	return 0;
}

/* CapEff and Seccomp from /proc/self/status. */
static void read_status(struct page0_state *s)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return;
	char line[256];
	unsigned long long caps;
	int mode;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			s->cap_sys_rawio = (caps >> CAP_SYS_RAWIO_BIT) & 1;
		else if (sscanf(line, "Seccomp: %d", &mode) == 1)
			s->seccomp_filter = mode == 2; /* SECCOMP_MODE_FILTER */
	}
	fclose(f);
}

static int read_int_file(const char *path, long *out)
{
	char buf[64];
	int r = read_small_file(path, buf, sizeof buf);
	if (r < 0)
		return r;
	char *end;
	*out = strtol(buf, &end, 10);
	return end == buf ? -EINVAL : 0;
}

bool page0_mappable(void)
{
	int e = try_map_zero();
	return e == 0 || e == EEXIST;
}

void page0_probe(struct page0_state *s)
{
	memset(s, 0, sizeof *s);
	s->map_errno = try_map_zero();
	if (s->map_errno == EEXIST) {
		s->already_mapped = true;
		s->map_errno = 0;
	}
	if (read_int_file(MIN_ADDR_FILE, &s->min_addr) < 0)
		s->min_addr = -1;
	read_status(s);
	long v;
	s->selinux = read_int_file("/sys/fs/selinux/enforce", &v) == 0 ? (int)v : -1;
	/* The boolean file holds "current pending". */
	s->mmap_low_allowed = read_int_file("/sys/fs/selinux/booleans/mmap_low_allowed", &v) == 0
				      ? (int)v
				      : -1;
}

void page0_explain(const struct page0_state *s, char *why, size_t why_size, char *fix,
		   size_t fix_size)
{
	bool sysctl_blocks = s->min_addr != 0 && !s->cap_sys_rawio;
	bool selinux_blocks = s->selinux == 1 && s->mmap_low_allowed != 1;
	if (sysctl_blocks && selinux_blocks) {
		snprintf(why, why_size,
			 "vm.mmap_min_addr is %ld and SELinux (enforcing) denies mmap_zero", s->min_addr);
		snprintf(fix, fix_size,
			 "sudo sysctl -w vm.mmap_min_addr=0 && sudo setsebool -P mmap_low_allowed 1");
	} else if (sysctl_blocks) {
		if (s->min_addr < 0)
			snprintf(why, why_size, "mapping address 0 fails (%s); vm.mmap_min_addr is unreadable",
				 strerror(s->map_errno));
		else
			snprintf(why, why_size,
				 "vm.mmap_min_addr is %ld and this process lacks CAP_SYS_RAWIO",
				 s->min_addr);
		snprintf(fix, fix_size, "sudo sysctl -w vm.mmap_min_addr=0");
	} else if (selinux_blocks || s->selinux == 1) {
		snprintf(why, why_size, "SELinux (enforcing) denies mapping address 0 (mmap_zero)");
		snprintf(fix, fix_size, "sudo setsebool -P mmap_low_allowed 1");
	} else if (s->seccomp_filter) {
		snprintf(why, why_size, "mapping address 0 fails (%s) and a seccomp filter is on "
					"this process", strerror(s->map_errno));
		snprintf(fix, fix_size, "run zpoline outside the sandbox or container that installs "
					"the filter (or allow mmap at address 0 in its profile)");
	} else {
		snprintf(why, why_size, "mapping address 0 fails: %s", strerror(s->map_errno));
		snprintf(fix, fix_size, "find the security module that refuses it: "
					"cat /sys/kernel/security/lsm");
	}
}

int page0_set_min_addr_zero(void)
{
	int fd = open(MIN_ADDR_FILE, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, "0\n", 2);
	int e = w == 2 ? 0 : (w < 0 ? -errno : -EIO);
	if (close(fd) < 0 && !e)
		e = -errno;
	return e;
}
