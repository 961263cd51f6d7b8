/*
 * libctorsay.c - a library to preload whose constructor says it ran, on
 * standard error: test-from-start counts the lines (once per process, as
 * natively; not once more in zpoline-loader's own ld.so).
 */
#include <unistd.h>

__attribute__((constructor)) static void say(void)
{
	static const char line[] = "ctorsay\n";
	ssize_t r = write(2, line, sizeof line - 1);
	(void)r;
}
