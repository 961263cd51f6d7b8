/*
 * earlythread: a thread started before the runtime's constructor (by
 * libearly.so's initializer) makes hooked calls with every signal blocked.
 * Prints "early thread: 100 calls" and exits 0 when it survives.
 */
#include <stdio.h>

int early_finish(void);

int main(void)
{
	printf("early thread: %d calls\n", early_finish());
	return 0;
}
