/*
 * page0.h - can programs started by this command map address 0?
 *
 * The only reliable answer is to try: vm.mmap_min_addr, CAP_SYS_RAWIO
 * (root maps page 0 whatever the sysctl says) and SELinux's mmap_zero
 * permission all take part, and the command has the credentials its child
 * will have.  The rest of the state is read only to explain a failure.
 */
#ifndef ZP_CLI_PAGE0_H
#define ZP_CLI_PAGE0_H

#include <stdbool.h>
#include <stddef.h>

struct page0_state {
	int map_errno;        /* 0: page 0 can be mapped; else why not */
	bool already_mapped;  /* something (e.g. zpoline itself) holds page 0 */
	long min_addr;        /* vm.mmap_min_addr, -1 if unreadable */
	bool cap_sys_rawio;   /* effective capability */
	int selinux;          /* -1 not enabled, 0 permissive, 1 enforcing */
	int mmap_low_allowed; /* SELinux boolean: -1 absent, else 0/1 */
	bool seccomp_filter;  /* a seccomp filter is on this process */
};

void page0_probe(struct page0_state *s);

/* Can this process map page 0 (or is it mapped already)?  The quick
 * question: page0_probe() also reads why not, which costs ~0.2 ms. */
bool page0_mappable(void);

/* Why page 0 cannot be mapped (one sentence) and the command(s) that fix it. */
void page0_explain(const struct page0_state *s, char *why, size_t why_size, char *fix,
		   size_t fix_size);

/* Writes 0 to /proc/sys/vm/mmap_min_addr.  Returns 0 or -errno. */
int page0_set_min_addr_zero(void);

#endif
