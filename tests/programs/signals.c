/*
 * signals N: raises SIGUSR1 N times; the handler, on an alternate stack,
 * makes system calls (getppid, a pipe round trip).  Deterministic, for the
 * coverage oracle.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int p[2];
static volatile int handled;

static void on_usr1(int sig)
{
	(void)sig;
	char c = 'x';
	syscall(SYS_getppid);
	if (write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1)
		abort();
	handled++;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50;
	static char alt[64 * 1024];
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
	if (pipe(p) || sigaltstack(&ss, NULL))
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	for (int i = 0; i < n; i++)
		raise(SIGUSR1);
	printf("handled %d\n", handled);
	return handled != n;
}
