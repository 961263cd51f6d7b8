/*
 * tierfork: calls counted in three processes around the moment the
 * runtime rewrites the sites (ZPOLINE_SWITCH_AFTER, src/runtime/tier.c).
 *   parent      3 getppid, then fork
 *   fork child  30 getppid, exit: it owns its memory, it may switch itself
 *   parent      wait, then vfork
 *   vfork child 30 getppid, exit: it shares its parent's memory and must
 *               not switch, even past the count
 *   parent      wait, 30 getppid, prints the three pids, exits
 * Every getppid is an inline syscall, so the count hook's tables are known
 * exactly whatever the count at which the switch comes.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void getppids(int n)
{
	for (int i = 0; i < n; i++) {
		long r;
		__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
	}
}

static int reap(pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("FAIL: child %d ended with status %#x\n", (int)pid, st);
		return 1;
	}
	return 0;
}

int main(void)
{
	volatile int bad = 0; /* kept across vfork */
	getppids(3);
	pid_t f = fork();
	if (f == 0) {
		getppids(30);
		_exit(0);
	}
	bad = bad | (f < 0 || reap(f));
	pid_t v = vfork();
	if (v == 0) {
		getppids(30);
		_exit(0);
	}
	bad = bad | (v < 0 || reap(v));
	getppids(30);
	printf("parent %d fork %d vfork %d\n", (int)getpid(), (int)f, (int)v);
	return bad;
}
