/*
 * tp-verbose.c FILE - the calls whose structures strace shows in short
 * unless -v, for test-strace-verbose: stat (newfstatat, fstat) of FILE
 * and of /dev/null (a device: st_rdev), statx with three masks, uname,
 * getrusage, a writev of 40 buffers and an execve with 40 arguments and a small
 * environment (arrays past -s 32 elements), whose new image (this program,
 * "child") exits at once.  FILE's times are set by the test beforehand and
 * nothing here reads or changes it, so both runs see the same values.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return 0;
	if (argc < 2) {
		fprintf(stderr, "usage: tp-verbose FILE\n");
		return 2;
	}
	const char *file = argv[1];
	struct stat st;
	if (stat(file, &st) < 0 || stat("/dev/null", &st) < 0)
		return 1;
	int fd = open(file, O_RDONLY);
	if (fd < 0 || syscall(SYS_fstat, fd, &st) < 0)
		return 1;
	struct statx sx;
	if (statx(AT_FDCWD, file, 0, STATX_BASIC_STATS | STATX_BTIME, &sx) < 0 ||
	    statx(AT_FDCWD, file, AT_STATX_DONT_SYNC, STATX_SIZE, &sx) < 0 ||
	    statx(AT_FDCWD, "/dev/null", 0, STATX_TYPE | STATX_INO, &sx) < 0)
		return 1;
	struct utsname u;
	if (uname(&u) < 0)
		return 1;
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 1;
	int null = open("/dev/null", O_WRONLY);
	struct iovec v[40];
	for (int i = 0; i < 40; i++)
		v[i] = (struct iovec){(void *)"abcdefghijklmnopqrstuvwxyz0123456789ABCD" + i, 1};
	if (null < 0 || writev(null, v, 40) != 40)
		return 1;
	char *av[44] = {argv[0], "child"};
	char num[40][4];
	for (int i = 0; i < 40; i++) {
		snprintf(num[i], sizeof num[i], "%d", i);
		av[2 + i] = num[i];
	}
	av[42] = NULL;
	char *env[] = {"ONE=1", "TWO=two", "THREE=a value longer than thirty-two bytes", NULL};
	execve("/proc/self/exe", av, env);
	return 1;
}
