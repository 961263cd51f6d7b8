/*
 * tp-decode - calls whose lines differed from strace 6.1's in small ways:
 * sendfile with an offset ("[0] => [6]"), sched_getaffinity ("[0 1]"),
 * prlimit64 of 1024 ("1024", not "1*1024"), epoll_ctl EPOLL_CTL_DEL with
 * an event (an address), and waitid's siginfo for a killed child
 * ("si_code=CLD_KILLED ... si_status=SIGKILL, si_utime=0, si_stime=0}").
 * test-strace-exact.sh compares these lines with strace's, one by one.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fd = open("tp-decode.in", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "hello\n", 6) != 6)
		return 2;
	int out = open("/dev/null", O_WRONLY);
	off_t off = 0;
	if (sendfile(out, fd, &off, 6) != 6)
		return 3;
	cpu_set_t set;
	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof set, &set);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = 1024;
	setrlimit(RLIMIT_NOFILE, &rl);
	syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl);
	int ep = epoll_create1(0), pfd[2];
	if (pipe(pfd) != 0)
		return 4;
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 3};
	epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &ev);
	epoll_ctl(ep, EPOLL_CTL_DEL, pfd[0], &ev);
	pid_t p = fork();
	if (p == 0) {
		for (;;)
			pause();
	}
	kill(p, SIGKILL);
	/* waitid fills only signo, errno, code, pid, uid and status: the rest
	 * (si_utime, si_stime, which strace prints) must not be stack garbage
	 * that differs between the strace run and the tracer's. */
	siginfo_t si;
	memset(&si, 0, sizeof si);
	waitid(P_PID, p, &si, WEXITED);
	unlink("tp-decode.in");
	return 0;
}
