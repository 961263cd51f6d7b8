/* pollwait: waits on its standard input with poll() early in its life (a
 * few dozen calls in), then makes a known number of getppid calls and says
 * so.  Lets a test attach a tracer (strace -p) while it waits.
 * Usage: pollwait N  (prints "waiting" to stdout before the wait) */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5;
	printf("waiting\n");
	fflush(stdout);
	struct pollfd p = {.fd = 0, .events = POLLIN};
	if (poll(&p, 1, -1) != 1)
		return 1;
	char c;
	if (read(0, &c, 1) != 1)
		return 1;
	for (int i = 0; i < n; i++)
		(void)getppid();
	printf("done\n");
	return 0;
}
