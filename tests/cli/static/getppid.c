/*
 * getppid (built with -static) - prints getppid().  LD_PRELOAD cannot reach
 * it: it is hooked only if the command sends it through zpoline-loader.
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("%d\n", (int)getppid());
	return 0;
}
