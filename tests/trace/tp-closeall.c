/*
 * tp-closeall - a program that closes every descriptor it did not open
 * (the way daemons start), takes over high descriptor numbers with dup2,
 * then keeps making calls.  The calls after the massacre are
 * lseek(fd, k, SEEK_SET) for k = 1..20 on a fresh descriptor.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1;
	int fd = open("/proc/self/exe", O_RDONLY);
	/* take every number up to the limit (or 4096) */
	int top = rl.rlim_cur > 4096 ? 4096 : (int)rl.rlim_cur;
	for (int i = 3; i < top; i++)
		if (i != fd)
			dup2(fd, i);
	/* and close them all, ours included, two ways */
	for (int i = 3; i < top; i++)
		close(i);
	syscall(SYS_close_range, 0, ~0U, 0);
	fd = open("/proc/self/exe", O_RDONLY);
	for (int k = 1; k <= 20; k++)
		if (lseek(fd, k, SEEK_SET) != k)
			return 1;
	return 0;
}
