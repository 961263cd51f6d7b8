/*
 * tp-killme - makes ITER known calls (lseek(fd, k, SEEK_SET), k = 1..ITER),
 * says "ready" on stdout and waits to be killed.  A test SIGKILLs it and
 * checks that every one of those calls is in the trace.
 * Usage: tp-killme [ITER]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 500;
	int fd = open("/proc/self/exe", O_RDONLY);
	if (fd < 0)
		return 1;
	for (int k = 1; k <= iters; k++)
		if (lseek(fd, k, SEEK_SET) != k)
			return 1;
	if (write(1, "ready\n", 6) != 6)
		return 1;
	for (;;)
		pause();
}
