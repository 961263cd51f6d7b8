/*
 * tp-pipeblock - a line of the tracer's that fails with EPIPE while the
 * program has SIGPIPE blocked must not leave a SIGPIPE pending for it.
 * A shell blocks every signal around fork, and the tracer writes the fork's
 * line then: when the trace's reader had gone, the kernel's SIGPIPE for
 * that line stayed pending and killed the shell once it unblocked signals
 * (test-fifo's "stderr pipe, reader gone" failed about once in ten runs).
 *
 * Usage: tp-pipeblock CTLFIFO.  Standard error must be a pipe whose only
 * reader leaves when a line arrives on CTLFIFO.  With SIGPIPE blocked, this
 * tells the reader to leave, waits until the pipe has no reader (POLLERR),
 * makes calls (each a trace line: EPIPE), unblocks SIGPIPE and prints
 * "alive" on standard output: natively nothing is written to the pipe, so
 * nothing kills it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	sigset_t pipe_set;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, NULL);
	int ctl = open(argv[1], O_WRONLY);
	if (ctl < 0 || write(ctl, "x\n", 2) != 2)
		return 3;
	close(ctl);
	struct pollfd p = {.fd = 2, .events = POLLOUT};
	for (int i = 0; i < 1000; i++) {
		if (poll(&p, 1, 10) == 1 && (p.revents & POLLERR))
			break;
	}
	if (!(p.revents & POLLERR))
		return 4;
	for (int i = 0; i < 5; i++)
		getppid();
	sigprocmask(SIG_UNBLOCK, &pipe_set, NULL);
	printf("alive\n");
	return 0;
}
