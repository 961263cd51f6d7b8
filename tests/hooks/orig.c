/*
 * A hook written for the original zpoline's ABI: __hook_init swaps the
 * function that makes system calls for its own, which counts getppid calls
 * and refuses unlinkat with -EPERM (the way such hooks emulate calls), and
 * otherwise calls the function it replaced.  The count is printed at exit.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef long (*syscall_fn_t)(long, long, long, long, long, long, long);
static syscall_fn_t next_sys_call;
static long getppids;

static long hook_function(long a1, long a2, long a3, long a4, long a5, long a6, long a7)
{
	if (a1 == SYS_getppid)
		getppids++;
	if (a1 == SYS_unlinkat)
		return -EPERM;
	if (a1 == SYS_exit_group) {
		char buf[64];
		int n = snprintf(buf, sizeof buf, "orig hook: getppid %ld\n", getppids);
		(void)!write(2, buf, (size_t)n);
	}
	return next_sys_call(a1, a2, a3, a4, a5, a6, a7);
}

int __hook_init(long placeholder __attribute__((unused)), void *sys_call_hook_ptr)
{
	next_sys_call = *((syscall_fn_t *)sys_call_hook_ptr);
	*((syscall_fn_t *)sys_call_hook_ptr) = hook_function;
	return 0;
}
