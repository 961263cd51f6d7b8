/* tp-sleepreq.c - sleeps interrupted by a handler, with the time left
 * written over the request (glibc's sleep() and usleep() pass one
 * timespec as both): the trace must show the request as it was given. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void on_alarm(int sig) { (void)sig; }

static void arm(void)
{
	struct itimerval it = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm; /* no SA_RESTART: the sleeps end with EINTR */
	sigaction(SIGALRM, &sa, NULL);

	struct timespec ts = {7, 250000000};
	arm();
	long r1 = syscall(SYS_nanosleep, &ts, &ts);
	struct timespec t2 = {8, 125000000};
	arm();
	long r2 = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &t2, &t2);
	struct timespec t3 = {9, 0}, rem = {0, 0};
	arm();
	long r3 = syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &t3, &rem);
	arm();
	unsigned r4 = sleep(6);
	/* 1 where the kernel wrote the time left */
	printf("%ld %ld %ld %d %d %d %d\n", r1, r2, r3, ts.tv_nsec != 250000000,
	       t2.tv_nsec != 125000000, rem.tv_sec != 0 || rem.tv_nsec != 0, r4 > 0);
	return 0;
}
