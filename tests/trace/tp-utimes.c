/*
 * tp-utimes - utimensat with the times tar, touch and cp -p set: strace
 * follows each time with its date as a comment (nanoseconds only when
 * there are some; none for the epoch itself, UTIME_NOW/UTIME_OMIT or an
 * invalid tv_nsec).  Dates before 1970, around a leap day and past 2038
 * check the calendar.  Then time(2), with and without a place to store
 * it: strace dates the time stored and the result.  test-strace-utimes.sh
 * compares the lines with strace's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	static const struct timespec t[][2] = {
		{{1700000000, 5}, {0, UTIME_OMIT}},
		{{0, 0}, {-1, 0}},
		{{1700000000, 5000}, {1700000001, 0}},
		{{951782400, 0}, {951868799, 999999999}}, /* 2000-02-29, 2000-02-29 23:59:59 */
		{{-315619200, 0}, {4102444800, 1}},       /* 1960-01-01, 2100-01-01 */
		{{-86400 * 366, 7}, {0, UTIME_NOW}},
		{{1234567890, 1000000000}, {1234567890, -1}},
	};
	int fd = open("tp-utimes.f", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 2;
	for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++)
		utimensat(AT_FDCWD, "tp-utimes.f", t[i], 0);
	futimens(fd, t[0]);
	close(fd);
	long now;
	syscall(SYS_time, &now);
	syscall(SYS_time, NULL);
	return 0;
}
