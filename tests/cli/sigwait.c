/*
 * sigwait - a program for the signal tests of the zpoline command.
 *
 * Creates the file named by argv[1] once its handlers are in place, then
 * waits.  The first of SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 or SIGINT to
 * arrive ends it with exit status 40 + the signal's number, so the test can
 * tell which signal reached it.  Gives up (exit 1) after argv[2] seconds
 * (default 60) so a broken forwarder cannot hang the tests.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static void on_signal(int sig)
{
	_exit(40 + sig);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	static const int sigs[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGINT};
	struct sigaction sa = {.sa_handler = on_signal};
	for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 3;
	close(fd);
	unsigned left = argc > 2 ? (unsigned)atoi(argv[2]) : 60;
	while (left > 0)
		left = sleep(left);
	return 1;
}
