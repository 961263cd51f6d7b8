/*
 * tp-reapnull - children killed by a signal, reaped without asking how
 * they ended: wait4(pid, NULL, 0, NULL) (Chromium's zygote does this) and
 * waitid(P_PID, pid, NULL, WEXITED); a third with waitid and a siginfo.
 * Each child blocks in pause() until killed with SIGTERM.  Then the program
 * writes "done" and exits 0.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child(void)
{
	pid_t p = fork();
	if (p == 0) {
		for (;;)
			pause();
	}
	return p;
}

int main(void)
{
	pid_t a = child(), b = child(), c = child();
	if (a < 0 || b < 0 || c < 0)
		return 2;
	kill(a, SIGTERM);
	kill(b, SIGTERM);
	kill(c, SIGKILL);
	if (syscall(SYS_wait4, a, NULL, 0, NULL) != a)
		return 3;
	if (syscall(SYS_waitid, P_PID, b, NULL, WEXITED, NULL) != 0)
		return 4;
	siginfo_t si = {0};
	if (waitid(P_PID, c, &si, WEXITED) != 0 || si.si_code != CLD_KILLED)
		return 5;
	(void)!write(1, "done\n", 5);
	return 0;
}
