/* A thread's stack made executable while the thread lives, as glibc does
 * to every stack when dlopen loads a library that needs an executable
 * stack (its PT_GNU_STACK says RWX; nptl/tst-execstack): the runtime must
 * not take the stack's data for code.  The thread keeps bytes that decode
 * as `syscall` from any starting offset (0f 05 repeated) in a local
 * buffer; after the mprotect they must be unchanged.
 * Prints "PASS: stack data intact" and exits 0, or says what changed. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define PAIRS 32

static pthread_barrier_t ready, done;
static volatile unsigned char *data;

static void *thread(void *arg)
{
	volatile unsigned char buf[2 * PAIRS];
	for (int i = 0; i < PAIRS; i++) {
		buf[2 * i] = 0x0f;
		buf[2 * i + 1] = 0x05;
	}
	data = buf;
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&done);
	for (int i = 0; i < PAIRS; i++)
		if (buf[2 * i] != 0x0f || buf[2 * i + 1] != 0x05)
			return (void *)1;
	return NULL;
}

int main(void)
{
	pthread_t t;
	pthread_attr_t attr;
	void *stack;
	size_t size;
	pthread_barrier_init(&ready, NULL, 2);
	pthread_barrier_init(&done, NULL, 2);
	if (pthread_create(&t, NULL, thread, NULL)) {
		fprintf(stderr, "pthread_create failed\n");
		return 2;
	}
	pthread_barrier_wait(&ready);
	if (pthread_getattr_np(t, &attr) || pthread_attr_getstack(&attr, &stack, &size)) {
		fprintf(stderr, "cannot find the thread's stack\n");
		return 2;
	}
	if (mprotect(stack, size, PROT_READ | PROT_WRITE | PROT_EXEC)) {
		perror("mprotect");
		return 2;
	}
	int changed = 0;
	unsigned char first[4];
	for (int i = 0; i < 2 * PAIRS; i++)
		changed += data[i] != (i % 2 ? 0x05 : 0x0f);
	for (int i = 0; i < 4; i++)
		first[i] = data[i];
	pthread_barrier_wait(&done);
	void *bad;
	pthread_join(t, &bad);
	if (changed || bad) {
		printf("FAIL: %d bytes of the thread's stack data changed: %02x %02x %02x %02x\n",
		       changed, first[0], first[1], first[2], first[3]);
		return 1;
	}
	puts("PASS: stack data intact");
	return 0;
}
