/*
 * dyn.c - a dynamically linked program for zpoline-loader --from-start.
 * A constructor makes system calls before main; main makes one marker call
 * first (getppid: neither ld.so nor libc's start-up makes it), so a trace
 * shows which calls belong to ld.so and the constructors.  It ends with
 * exit_group made from its own code, so the hooks see the end even when
 * libc's code is not rewritten.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ctor_fd = -2;

__attribute__((constructor)) static void early(void)
{
	ctor_fd = open("/proc/self/comm", O_RDONLY);
	if (ctor_fd >= 0)
		close(ctor_fd);
}

static void end(int status)
{
	fflush(stdout);
	fflush(stderr);
	__asm__ volatile("syscall" : : "a"(SYS_exit_group), "D"(status) : "rcx", "r11", "memory");
	__builtin_unreachable();
}

int main(int argc, char **argv)
{
	syscall(SYS_getppid); /* marker: main starts here */
	printf("constructor ran: %s\n", ctor_fd >= 0 ? "yes" : "no");
	printf("argv[0]: %s, %d args\n", argv[0], argc - 1);
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n < 0 ? 0 : n] = '\0';
	printf("exe: %s\n", exe);
	printf("LD_PRELOAD in environment: %s\n", getenv("LD_PRELOAD") ? "yes" : "no");
	/* A library loaded late goes through ld.so again. */
	void *h = dlopen("libm.so.6", RTLD_NOW);
	double (*cosine)(double) = h ? (double (*)(double))dlsym(h, "cos") : NULL;
	printf("dlopen libm: %s, cos(0) = %g\n", h ? "yes" : "no", cosine ? cosine(0.0) : -1.0);
	end(5);
}
