/*
 * stress SECONDS: for SECONDS, at the same time
 *   - 4 worker threads call getppid in a loop;
 *   - a thread creates and joins short-lived threads (each calls getppid);
 *   - a timer signal at 2 kHz whose handler calls getppid;
 *   - two threads fork children (each calls getppid 10 times, exits) and
 *     vfork+exec /bin/true, reaping them.
 * At the end prints "getppid N" (every call made by this process and its
 * forked children; the children report through a pipe) and exits 0.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static volatile int stop;
static long calls; /* atomic */

static void one(void)
{
	syscall(SYS_getppid);
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
}

static void on_alarm(int sig)
{
	(void)sig;
	one();
}

static void *worker(void *a)
{
	(void)a;
	while (!stop)
		one();
	return NULL;
}

static void *short_lived(void *a)
{
	(void)a;
	one();
	return NULL;
}

static void *churn(void *a)
{
	(void)a;
	while (!stop) {
		pthread_t t;
		if (pthread_create(&t, NULL, short_lived, NULL) == 0)
			pthread_join(t, NULL);
	}
	return NULL;
}

static void *forker(void *a)
{
	(void)a;
	while (!stop) {
		int p[2];
		if (pipe(p))
			abort();
		pid_t c = fork();
		if (c == 0) {
			for (int i = 0; i < 10; i++)
				syscall(SYS_getppid);
			_exit(0);
		}
		close(p[0]);
		close(p[1]);
		if (c > 0) {
			waitpid(c, NULL, 0);
			__atomic_fetch_add(&calls, 10, __ATOMIC_RELAXED);
		}
		pid_t s;
		char *argv[] = {"true", NULL};
		if (posix_spawn(&s, "/bin/true", NULL, NULL, argv, environ) == 0)
			waitpid(s, NULL, 0);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	pthread_t t[8];
	int n = 0;
	for (int i = 0; i < 4; i++)
		pthread_create(&t[n++], NULL, worker, NULL);
	pthread_create(&t[n++], NULL, churn, NULL);
	pthread_create(&t[n++], NULL, forker, NULL);
	pthread_create(&t[n++], NULL, forker, NULL);
	struct itimerval it = {{0, 500}, {0, 500}};
	setitimer(ITIMER_REAL, &it, NULL);
	struct timespec ts = {(time_t)secs, (long)((secs - (long)secs) * 1e9)};
	while (nanosleep(&ts, &ts))
		;
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	stop = 1;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("getppid %ld\n", __atomic_load_n(&calls, __ATOMIC_RELAXED));
	return 0;
}
