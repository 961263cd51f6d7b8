/*
 * tiersignals: a timer every 20 us whose handler makes a call through
 * libc, while the program makes 3,000 more: with ZPOLINE_SWITCH_AFTER
 * small, the runtime rewrites the sites (src/runtime/tier.c) in the middle
 * of the storm.  Prints "ok" if it lives.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile long calls;

static void on_alarm(int sig)
{
	(void)sig;
	calls += getppid() > 0;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 20}, {0, 20}};
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < 3000; i++)
		(void)getuid();
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	puts(calls > 0 ? "ok" : "no handler ran");
	return 0;
}
