/*
 * tp-sigpipe.c - SIGPIPE as the program sees it, and writes it dies of.
 *
 *   tp-sigpipe die       write to a pipe without reader: killed by SIGPIPE
 *   tp-sigpipe thread    the same from a second thread while main waits
 *   tp-sigpipe kill      kill(getpid(), SIGPIPE) with the default action
 *   tp-sigpipe blocked   blocked: EPIPE, pending; unblocked: killed
 *   tp-sigpipe view      actions set and read back, a handler run, SIG_IGN
 *                        inherited through execve, a child killed: prints
 *                        what it saw (the same natively, hooked, traced)
 *   tp-sigpipe child     (run by view) prints the inherited action
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int broken_pipe(void)
{
	int p[2];
	if (pipe(p) < 0) {
		perror("pipe");
		exit(2);
	}
	close(p[0]);
	return p[1];
}

static void *writer(void *arg)
{
	int fd = *(int *)arg;
	if (write(fd, "t", 1) < 0)
		printf("thread survived: %s\n", strerror(errno));
	return NULL;
}

static volatile sig_atomic_t handled;
static void on_pipe(int sig)
{
	handled = sig;
}

static const char *name(void (*h)(int))
{
	return h == SIG_DFL ? "SIG_DFL" : h == SIG_IGN ? "SIG_IGN" : h == on_pipe ? "on_pipe" : "other";
}

/* The action as sigaction reports it: handler, SA_RESTART, SIGUSR1 in mask. */
static void show(const char *when)
{
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) < 0) {
		perror("sigaction");
		exit(2);
	}
	printf("%s: %s restart=%d usr1=%d siginfo=%d nodefer=%d\n", when, name(sa.sa_handler),
	       !!(sa.sa_flags & SA_RESTART), sigismember(&sa.sa_mask, SIGUSR1),
	       !!(sa.sa_flags & SA_SIGINFO), !!(sa.sa_flags & SA_NODEFER));
}

static int view(const char *self)
{
	show("start");
	struct sigaction sa = {.sa_handler = on_pipe, .sa_flags = SA_RESTART};
	struct sigaction old;
	sigaction(SIGPIPE, &sa, &old);
	printf("old: %s\n", name(old.sa_handler));
	int fd = broken_pipe();
	ssize_t n = write(fd, "x", 1);
	printf("handler: write=%zd errno=%s handled=%d\n", n, strerror(errno), (int)handled);

	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR1);
	sigaction(SIGPIPE, &sa, &old);
	printf("old: %s\n", name(old.sa_handler));
	show("default with flags");

	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, &old);
	show("ignored");
	printf("old: %s restart=%d usr1=%d\n", name(old.sa_handler), !!(old.sa_flags & SA_RESTART),
	       sigismember(&old.sa_mask, SIGUSR1));
	n = write(fd, "x", 1);
	printf("ignored: write=%zd errno=%s\n", n, strerror(errno));
	fflush(stdout);

	pid_t c = fork();
	if (c == 0) {
		execl(self, self, "child", (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(c, &st, 0);
	printf("exec child: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	signal(SIGPIPE, SIG_DFL);
	show("default again");
	fflush(stdout);
	c = fork();
	if (c == 0) {
		if (write(fd, "x", 1) < 0)
			printf("child survived: %s\n", strerror(errno));
		_exit(0);
	}
	waitpid(c, &st, 0);
	printf("forked writer: %s\n",
	       WIFSIGNALED(st) ? (WTERMSIG(st) == SIGPIPE ? "killed by SIGPIPE" : "killed") : "exited");
	return 0;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "die";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(how, "die")) {
		int fd = broken_pipe();
		if (write(fd, "x", 1) < 0)
			printf("survived: %s\n", strerror(errno));
		return 1;
	}
	if (!strcmp(how, "thread")) {
		int fd = broken_pipe();
		pthread_t th;
		pthread_create(&th, NULL, writer, &fd);
		pthread_join(th, NULL);
		printf("main survived\n");
		return 1;
	}
	if (!strcmp(how, "kill")) {
		kill(getpid(), SIGPIPE);
		printf("survived kill\n");
		return 1;
	}
	if (!strcmp(how, "blocked")) {
		sigset_t s, p;
		sigemptyset(&s);
		sigaddset(&s, SIGPIPE);
		sigprocmask(SIG_BLOCK, &s, NULL);
		int fd = broken_pipe();
		ssize_t n = write(fd, "x", 1);
		sigpending(&p);
		printf("blocked: write=%zd errno=%s pending=%d\n", n, strerror(errno),
		       sigismember(&p, SIGPIPE));
		sigprocmask(SIG_UNBLOCK, &s, NULL);
		printf("survived unblock\n");
		return 1;
	}
	if (!strcmp(how, "child")) {
		show("child");
		return 0;
	}
	if (!strcmp(how, "view"))
		return view(argv[0]);
	fprintf(stderr, "tp-sigpipe: unknown mode '%s'\n", how);
	return 2;
}
