/*
 * sigheld: the signals the runtime keeps for itself (SIGILL, SIGTRAP,
 * SIGSEGV, SIGSYS) behave as natively when the program blocks them, though
 * the runtime never blocks them for real:
 *   - one sent with kill/tgkill while blocked stays pending (sigpending
 *     shows it, sigwait takes it, unblocking delivers it once); it used to
 *     kill the program at once (perl -MPOSIX: block SIGSEGV, kill SEGV);
 *   - the block survives a handler of another signal (rt_sigreturn used
 *     to take the frame's mask, which never holds them, and unblock them);
 *   - sigsuspend/pselect with a mask that blocks them: a handler's calls
 *     work (in SUD mode the kernel got SIGSYS blocked and killed the
 *     program on the handler's first call), and a held one the mask lets
 *     through is delivered during the call;
 *   - execve keeps the block, the pending signal and SIG_IGN.
 * PASS/FAIL lines; passes natively too.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got[65];

static void on_sig(int sig)
{
	got[sig]++;
	/* A few calls from the handler (in SUD mode each one traps). */
	char c = 0;
	if (getpid() < 0 || write(-1, &c, 1) != -1)
		got[0]++;
}

static void set_handler(int sig, void (*h)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	sigaction(sig, &sa, NULL);
}

static int blocked(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, sig);
}

static int pending(int sig)
{
	sigset_t p;
	sigpending(&p);
	return sigismember(&p, sig);
}

static int fails;
static void check(int ok, const char *what, int sig)
{
	printf("%s: %s (signal %d)\n", ok ? "PASS" : "FAIL", what, sig);
	fails += !ok;
}

/* After execve: what the parent image set must still be there. */
static int after_exec(void)
{
	struct sigaction old;
	sigaction(SIGTRAP, NULL, &old);
	int ok = blocked(SIGSEGV) && pending(SIGSEGV) && old.sa_handler == SIG_IGN;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGSEGV);
	int sig = 0;
	ok = ok && sigwait(&s, &sig) == 0 && sig == SIGSEGV && !pending(SIGSEGV);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "after-exec"))
		return after_exec();
	const int ours[] = {SIGILL, SIGTRAP, SIGSEGV, SIGSYS};
	for (int i = 0; i < 4; i++) {
		int sig = ours[i];
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, sig);
		set_handler(sig, SIG_DFL);
		sigprocmask(SIG_BLOCK, &s, NULL);
		kill(getpid(), sig); /* the default action would kill: pending */
		check(pending(sig), "blocked and sent with kill: still alive, pending", sig);
		set_handler(sig, on_sig);
		got[sig] = 0;
		sigprocmask(SIG_UNBLOCK, &s, NULL);
		check(got[sig] == 1 && !pending(sig), "unblocked: delivered once", sig);

		sigprocmask(SIG_BLOCK, &s, NULL);
		syscall(SYS_tgkill, getpid(), gettid(), sig);
		int w = 0;
		check(sigwait(&s, &w) == 0 && w == sig && !pending(sig) && got[sig] == 1,
		      "blocked and sent with tgkill: sigwait takes it", sig);

		/* A handler of another signal leaves the block as it was. */
		set_handler(SIGUSR1, on_sig);
		raise(SIGUSR1);
		check(blocked(sig), "still blocked after a SIGUSR1 handler returned", sig);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
	}

	/* sigsuspend with everything but SIGUSR1 blocked; the handler makes calls. */
	sigset_t u, all;
	sigemptyset(&u);
	sigaddset(&u, SIGUSR1);
	sigprocmask(SIG_BLOCK, &u, NULL);
	got[SIGUSR1] = 0;
	kill(getpid(), SIGUSR1);
	sigfillset(&all);
	sigdelset(&all, SIGUSR1);
	int r = sigsuspend(&all);
	check(r == -1 && got[SIGUSR1] == 1 && got[0] == 0,
	      "sigsuspend blocking SIGSYS and the others: the handler's calls work", SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &u, NULL);

	/* pselect whose mask lets a held SIGSEGV through delivers it. */
	sigset_t segv, none;
	sigemptyset(&segv);
	sigaddset(&segv, SIGSEGV);
	sigemptyset(&none);
	set_handler(SIGSEGV, on_sig);
	sigprocmask(SIG_BLOCK, &segv, NULL);
	got[SIGSEGV] = 0;
	kill(getpid(), SIGSEGV);
	struct timespec ts = {5, 0};
	r = pselect(0, NULL, NULL, NULL, &ts, &none);
	check(r == -1 && got[SIGSEGV] == 1 && blocked(SIGSEGV) && !pending(SIGSEGV),
	      "pselect with a mask without it: delivered during the call", SIGSEGV);

	/* execve: blocked, pending and ignored carry over. */
	pid_t pid = fork();
	if (pid == 0) {
		set_handler(SIGTRAP, SIG_IGN);
		kill(getpid(), SIGSEGV);
		execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "execve keeps the block, the pending SIGSEGV and SIG_IGN", SIGSEGV);
	return fails ? 1 : 0;
}
