/*
 * tp-threadtab - the session's table of traced threads (traceout.c), by
 * itself: a creator enters each new thread after clone returned, which
 * may be before or after the thread's own exit took it out; two threads
 * here play the two sides of ROUNDS threads at once, in both orders and
 * racing, and then the table must be empty (no thread of a process killed
 * later would get a line it should not).  Then the reaper's view: live
 * threads of one process come back from zp_tout_threads_take, once; and
 * the table's count of entries (threads_used) says how many there are.
 * Usage: tp-threadtab [ROUNDS]   Exit: 0 fine, 1 with a message.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traceout.h"

static struct zp_tout t;
static int rounds;
static volatile int go[2];

static void *side(void *arg)
{
	int end = arg != NULL;
	for (int i = 0; i < rounds; i++) {
		/* both sides of thread i at about the same moment */
		__atomic_store_n(&go[end], i + 1, __ATOMIC_SEQ_CST);
		for (int spin = 0; __atomic_load_n(&go[!end], __ATOMIC_SEQ_CST) < i + 1; spin++)
			if (spin > 200000)
				sched_yield(); /* the other side is not running */
		int tid = 1000 + i % 5000, pid = 7 + i % 3;
		if (end)
			zp_tout_thread_end(&t, tid, pid);
		else
			zp_tout_thread_begin(&t, tid, pid);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	rounds = argc > 1 ? atoi(argv[1]) : 200000;
	t.ctl = calloc(1, sizeof *t.ctl);
	if (!t.ctl)
		return 1;
	pthread_t a, b;
	pthread_create(&a, NULL, side, NULL);
	pthread_create(&b, NULL, side, (void *)1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	int left = 0;
	for (int i = 0; i < ZP_TRACE_THREAD_SLOTS; i++)
		left += t.ctl->threads[i] != 0;
	if (left || t.ctl->threads_ended || t.ctl->threads_used) {
		printf("after %d racing begin/end pairs: %d entries left, %llu ended, %llu counted\n",
		       rounds, left, (unsigned long long)t.ctl->threads_ended,
		       (unsigned long long)t.ctl->threads_used);
		return 1;
	}
	/* one order, then the other, without a race */
	zp_tout_thread_end(&t, 50, 40);
	zp_tout_thread_begin(&t, 50, 40);
	zp_tout_thread_begin(&t, 51, 40);
	zp_tout_thread_begin(&t, 52, 40);
	zp_tout_thread_begin(&t, 61, 60);
	zp_tout_thread_end(&t, 52, 40);
	zp_tout_thread_end(&t, 99, 40); /* its creator never entered it */
	int tids[8];
	int n = zp_tout_threads_take(&t, 40, tids, 8);
	if (n != 1 || tids[0] != 51 || zp_tout_threads_take(&t, 40, tids, 8) != 0 ||
	    t.ctl->threads_ended != 0) {
		printf("take: %d threads (first %d), %llu ended\n", n, n ? tids[0] : 0,
		       (unsigned long long)t.ctl->threads_ended);
		return 1;
	}
	n = zp_tout_threads_take(&t, 60, tids, 8);
	if (n != 1 || tids[0] != 61) {
		printf("take of another process: %d threads\n", n);
		return 1;
	}
	/* The count of entries, which lets a search of an empty table stop
	 * at once (every process start and end makes one). */
	if (t.ctl->threads_used != 0) {
		printf("empty table, %llu entries counted\n", (unsigned long long)t.ctl->threads_used);
		return 1;
	}
	zp_tout_thread_begin(&t, 70, 69);
	if (t.ctl->threads_used != 1 || zp_tout_threads_take(&t, 69, tids, 8) != 1 ||
	    t.ctl->threads_used != 0) {
		printf("one entry: %llu counted\n", (unsigned long long)t.ctl->threads_used);
		return 1;
	}
	printf("ok\n");
	return 0;
}
