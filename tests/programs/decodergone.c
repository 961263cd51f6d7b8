/*
 * decodergone PATH: removes the file PATH (the x86 decoder library a test
 * named in ZPOLINE_DECODER), then makes 400 calls, past the trap phase's
 * 200: the switch to rewriting finds no decoder, as a process that entered
 * a container's root does.  Prints how many getppid calls returned.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2 || unlink(argv[1]) != 0) {
		perror("decodergone: unlink");
		return 2;
	}
	long n = 0;
	for (int i = 0; i < 400; i++)
		n += syscall(SYS_getppid) > 0;
	printf("%ld\n", n);
	return 0;
}
