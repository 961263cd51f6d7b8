/*
 * tp-sigmaskret.c - rt_sigreturn restoring masks that block the runtime's
 * own signals (SIGSEGV, SIGSYS...): after a handler run with them blocked,
 * and after one that cut short a sigsuspend made with every signal blocked
 * (a shell's `wait`), whose frame restores the mask from before it.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got++;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);
	sigaddset(&set, SIGSYS);
	sigprocmask(SIG_SETMASK, &set, NULL);
	raise(SIGUSR1);
	sigfillset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	kill(getpid(), SIGUSR1); /* pending until sigsuspend lets it in */
	sigemptyset(&set);
	sigsuspend(&set);
	sigprocmask(SIG_BLOCK, NULL, &set);
	printf("%d %d %d\n", (int)got, sigismember(&set, SIGSEGV), sigismember(&set, SIGILL));
	return 0;
}
