/*
 * printenv (built with -static) - prints the value of each variable named,
 * or "-" for one that is not set, on one line.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *v = getenv(argv[i]);
		printf("%s%s", i > 1 ? " " : "", v ? v : "-");
	}
	printf("\n");
	return 0;
}
