/*
 * seq: a program whose system calls after start-up are exactly known:
 * 7 getppid through an inline syscall, 5 through glibc's syscall(),
 * 3 getuid() through glibc, 2 writes of "ok\n" to fd 1 via write(), then
 * exit_group(0).  The test compares the count hook's table with this.
 */
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	for (int i = 0; i < 7; i++) {
		long r;
		__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
	}
	for (int i = 0; i < 5; i++)
		syscall(SYS_getppid);
	for (int i = 0; i < 3; i++)
		(void)getuid();
	for (int i = 0; i < 2; i++)
		(void)!write(1, "ok\n", 3);
	_exit(0);
}
