/*
 * altcost N - raises SIGUSR1 N times; its handler runs on a sigaltstack and
 * makes one system call.  test-sigcost counts, with strace, the system
 * calls the runtime adds per signal on such a stack (altstack.c: a hooked
 * call made there holds every signal, or disarms the stack where a post()
 * is wanted; rt_sigreturn leaves it armed).
 * Exit 1 if a handler ran off the stack or not N times.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALT_SIZE (64 * 1024)

static char *alt;
static volatile long hits, off_stack;

static void handler(int sig)
{
	(void)sig;
	char here;
	if ((uintptr_t)&here < (uintptr_t)alt || (uintptr_t)&here >= (uintptr_t)alt + ALT_SIZE)
		off_stack++;
	hits++;
	getppid();
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	if (n <= 0) {
		fprintf(stderr, "usage: altcost N (N > 0 signals)\n");
		return 2;
	}
	alt = malloc(ALT_SIZE);
	stack_t ss = {.ss_sp = alt, .ss_size = ALT_SIZE};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_ONSTACK;
	if (!alt || sigaltstack(&ss, NULL) || sigaction(SIGUSR1, &sa, NULL)) {
		perror("altcost: setup");
		return 1;
	}
	for (long i = 0; i < n; i++)
		raise(SIGUSR1);
	if (hits != n || off_stack) {
		fprintf(stderr, "altcost: %ld of %ld handlers ran, %ld off the stack\n", hits, n,
			off_stack);
		return 1;
	}
	return 0;
}
