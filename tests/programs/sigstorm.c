/*
 * sigstorm SECONDS: a timer signal at high rate whose handler (on a
 * sigaltstack) makes system calls, while the main thread and two others make
 * calls too; signals interrupt blocking reads (SA_RESTART) and hook code.
 * Prints the number of handler runs and exits 0 if every check held.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char altstack[64 * 1024];
static volatile long handled;
static volatile int stop;
static int bad;

static void on_alarm(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	int saved = 0;
	__asm__ volatile("" ::: "memory");
	pid_t p = (pid_t)syscall(SYS_getpid);
	if (p != getpid())
		bad = 1;
	char here;
	if (&here < altstack || &here >= altstack + sizeof altstack)
		bad = 2; /* not on the alternate stack */
	stack_t ss;
	if (sigaltstack(NULL, &ss) != 0)
		bad = 4;
	(void)saved;
	(void)sig;
	handled++;
}

static void *spin(void *arg)
{
	(void)arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGALRM); /* the alternate stack is the main thread's */
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	while (!stop)
		syscall(SYS_getppid);
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2;
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_alarm;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	/* Threads start with SIGALRM blocked: the alternate stack is ours. */
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, spin, NULL);
	pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
	struct itimerval it = {{0, 1000}, {0, 1000}}; /* 1 kHz: slow modes must still make progress */
	setitimer(ITIMER_REAL, &it, NULL);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int p[2];
	if (pipe(p))
		return 1;
	long loops = 0;
	do {
		char c = 'a';
		if (write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1 || c != 'a')
			bad = 3;
		syscall(SYS_getppid);
		loops++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < secs);
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("handled %s loops %s bad %d\n", handled > 0 ? "some" : "none", loops > 0 ? "some" : "none",
	       bad);
	return bad;
}
