/*
 * tp-signals - signals delivered to handlers, one of each kind strace
 * decodes differently (test-signals.sh): kill (SI_USER), tgkill
 * (SI_TKILL), sigqueue with an int and a pointer (SI_QUEUE), a POSIX timer
 * (SI_TIMER), an interval timer (SI_KERNEL), a child's exit and a child
 * killed (SIGCHLD: CLD_EXITED, CLD_KILLED), SIGIO for a pipe with F_SETSIG
 * (POLL_IN, si_band, si_fd), and a fault the program handles (SIGSEGV,
 * SEGV_MAPERR, si_addr).  Each is waited for before the next, so the
 * order is fixed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static sigjmp_buf back;

static void on_signal(int sig)
{
	got = sig;
}

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(back, 1);
}

static void wait_for(int sig)
{
	while (got != sig)
		usleep(1000);
	got = 0;
}

int main(void)
{
	int sigs[] = {SIGUSR1, SIGUSR2, SIGRTMIN + 1, SIGALRM, SIGCHLD, SIGIO, SIGRTMIN + 2};
	for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], on_signal);
	signal(SIGSEGV, on_segv);

	kill(getpid(), SIGUSR1);
	wait_for(SIGUSR1);
	syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
	wait_for(SIGUSR2);
	union sigval v = {.sival_int = 42};
	sigqueue(getpid(), SIGRTMIN + 1, v);
	wait_for(SIGRTMIN + 1);
	v.sival_ptr = NULL;
	sigqueue(getpid(), SIGRTMIN + 1, v);
	wait_for(SIGRTMIN + 1);

	timer_t t;
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 2};
	ev.sigev_value.sival_int = 7;
	timer_create(CLOCK_MONOTONIC, &ev, &t);
	struct itimerspec its = {{0, 0}, {0, 1000000}};
	timer_settime(t, 0, &its, NULL);
	wait_for(SIGRTMIN + 2);
	struct itimerval it = {{0, 0}, {0, 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
	wait_for(SIGALRM);

	pid_t c = fork();
	if (c == 0)
		_exit(3);
	wait_for(SIGCHLD);
	waitpid(c, NULL, 0);
	c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	kill(c, SIGKILL);
	wait_for(SIGCHLD);
	waitpid(c, NULL, 0);

	int p[2];
	if (pipe(p) == 0) {
		fcntl(p[0], F_SETOWN, getpid());
		fcntl(p[0], F_SETSIG, SIGIO);
		fcntl(p[0], F_SETFL, O_ASYNC);
		(void)!write(p[1], "x", 1);
		wait_for(SIGIO);
	}

	if (!sigsetjmp(back, 1)) {
		volatile int *wild = (volatile int *)0x1234560;
		return *wild;
	}
	return 0;
}
