/*
 * badptr: system calls the runtime looks into (rt_sigaction, rt_sigprocmask,
 * sigaltstack, clone3, execve) given unmapped pointers: the kernel's
 * EFAULT, never a crash.  Also pointers into page 0, where the trampoline
 * is readable: natively unmapped, EFAULT too (not a mask read from the
 * trampoline's bytes).
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
 void *p0 = (void *)8;
 r = syscall(SYS_rt_sigaction, SIGUSR1, p0, NULL, 8); printf("sigaction other page 0: %ld %d\n", r, errno);
 r = syscall(SYS_rt_sigaction, SIGSEGV, p0, NULL, 8); printf("sigaction ours page 0: %ld %d\n", r, errno);
 r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, p0, NULL, 8); printf("sigprocmask page 0 set: %ld %d\n", r, errno);
 unsigned long m = 1; r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8); printf("mask after: %ld %lx\n", r, m);
 r = syscall(SYS_sigaltstack, p0, NULL); printf("sigaltstack page 0: %ld %d\n", r, errno);
 r = syscall(SYS_clone3, p0, 88); printf("clone3 page 0: %ld %d\n", r, errno);
 return 0; }
