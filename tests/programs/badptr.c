/*
 * badptr: system calls the runtime looks into (rt_sigaction, rt_sigprocmask,
 * clone3, execve) given unmapped pointers: the kernel's EFAULT, never a crash.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
/* An address nothing is mapped at (not page 0: the trampoline lives there,
 * and the kernel can read it). */
#define BAD ((void *)0x10000)
int main(){ long r;
 r = syscall(SYS_rt_sigaction, SIGSEGV, BAD, BAD, 8); printf("sigaction ours bad: %ld %d\n", r, errno);
 r = syscall(SYS_rt_sigaction, SIGUSR1, BAD, NULL, 8); printf("sigaction other bad: %ld %d\n", r, errno);
 r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD, NULL, 8); printf("sigprocmask bad set: %ld %d\n", r, errno);
 r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, BAD, 8); printf("sigprocmask bad old: %ld %d\n", r, errno);
 r = syscall(SYS_clone3, BAD, 88); printf("clone3 bad: %ld %d\n", r, errno);
 r = syscall(SYS_execve, BAD, NULL, NULL); printf("execve bad path: %ld %d\n", r, errno);
 char *argv[] = {"true", (char*)BAD, 0}; r = syscall(SYS_execve, "/bin/true", argv, NULL); printf("execve bad argv: %ld %d\n", r, errno);
 return 0; }
