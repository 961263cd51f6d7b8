/*
 * restarts: system calls that the kernel makes a second time after a
 * signal cut them short.  strace shows such a call twice (`= ? ERESTART...`,
 * then the call again), while the program made it once and the hooks see
 * it once (the coverage oracle, tests/integration/test-coverage.sh).
 *
 * A forked child makes the calls; the parent sends each signal only once
 * the child sleeps in the call (/proc/PID/stat, /proc/PID/syscall), and
 * the data the call waits for only after that, so every run interrupts
 * them:
 * - a read of an empty pipe, cut short by SIGUSR1 whose handler has
 *   SA_RESTART: the kernel makes the read again after the handler;
 * - a poll with a timeout, cut short by SIGSTOP and continued with
 *   SIGCONT: no handler runs, and the kernel resumes the poll as
 *   restart_syscall.
 * Exit status 0 when both calls returned the data.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int ack[2];

static void on_usr1(int sig)
{
	(void)sig;
	(void)!write(ack[1], "h", 1);
}

/* The state letter of /proc/PID/stat (after the parenthesised name). */
static char state_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* The number of the call PID is in, -1 when running or unknown. */
static long call_of(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static void pause_1ms(void)
{
	struct timespec ts = {0, 1000000};
	nanosleep(&ts, NULL);
}

/* Waits (up to ~20 s) until PID sleeps in call NR, or (NR < 0) until it
 * is stopped (T; t under a tracer).  0 once it does. */
static int wait_for(pid_t pid, long nr)
{
	for (int i = 0; i < 20000; i++) {
		char s = state_of(pid);
		if (nr >= 0 ? s == 'S' && call_of(pid) == nr : s == 'T' || s == 't')
			return 0;
		pause_1ms();
	}
	fprintf(stderr, "restarts: the child never %s\n", nr >= 0 ? "slept in its call" : "stopped");
	return -1;
}

static int child(int rd_pipe, int poll_pipe)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR1, &sa, NULL))
		return 2;
	char c = 0;
	ssize_t n = read(rd_pipe, &c, 1);
	if (n != 1 || c != 'r') {
		fprintf(stderr, "restarts: read returned %zd (%s)\n", n, n < 0 ? strerror(errno) : "");
		return 1;
	}
	struct pollfd pfd = {poll_pipe, POLLIN, 0};
	int r = poll(&pfd, 1, 60000);
	if (r != 1) {
		fprintf(stderr, "restarts: poll returned %d (%s)\n", r, r < 0 ? strerror(errno) : "");
		return 1;
	}
	return 0;
}

int main(void)
{
	int rd[2], pl[2];
	if (pipe(rd) || pipe(pl) || pipe(ack)) {
		perror("restarts: pipe");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("restarts: fork");
		return 2;
	}
	if (pid == 0)
		_exit(child(rd[0], pl[0]));
	int bad = 0;
	char h = 0;
	/* The read: SIGUSR1 while it sleeps, the data once the handler ran. */
	if (wait_for(pid, SYS_read) || kill(pid, SIGUSR1) || read(ack[0], &h, 1) != 1)
		bad = 1;
	(void)!write(rd[1], "r", 1);
	/* The poll: stopped while it sleeps, continued, then the data. */
	if (!bad && (wait_for(pid, SYS_poll) || kill(pid, SIGSTOP) || wait_for(pid, -1)))
		bad = 1;
	kill(pid, SIGCONT);
	(void)!write(pl[1], "p", 1);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return bad || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}
