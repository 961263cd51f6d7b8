/*
 * tp-execenv - an execve whose environment the tracer must read with care.
 *
 *   tp-execenv run    execve itself ("child") with its environment plus
 *                     200 variables, some of whose strings (LIBZPHOOK's
 *                     among them) end on the last byte before an unmapped
 *                     page, in the middle of the array; says "passing N"
 *                     (the array's length) on stderr first
 *   tp-execenv bad    the same with a pointer to nowhere in the middle of
 *                     the array: the kernel fails the call (EFAULT), which
 *                     must not hurt the program; prints "survived"
 *   (child)           prints "child E=1 V199=x LIBZPHOOK=same N" (N: the
 *                     variables it was given)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern char **environ;

/* A copy of s whose NUL is the last byte before an unmapped page. */
static char *at_page_end(const char *s)
{
	size_t n = strlen(s) + 1;
	char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pg == MAP_FAILED || n > 4096)
		exit(3);
	munmap(pg + 4096, 4096);
	return memcpy(pg + 4096 - n, s, n);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		const char *e = getenv("E"), *v = getenv("V199"), *h = getenv("LIBZPHOOK");
		const char *want = argc > 2 ? argv[2] : "";
		size_t n = 0;
		for (char **p = environ; *p; p++)
			n++;
		printf("child E=%s V199=%s LIBZPHOOK=%s %zu\n", e ? e : "-", v ? v : "-",
		       h && strcmp(h, want) == 0 ? "same" : "different", n);
		return 0;
	}
	if (argc < 2)
		return 2;
	static char *env[4096], vars[200][16];
	size_t n = 0;
	const char *hook = getenv("LIBZPHOOK");
	for (char **p = environ; *p && n < 3000; p++)
		if (strncmp(*p, "LIBZPHOOK=", 10) != 0)
			env[n++] = *p;
	for (int i = 0; i < 200; i++) {
		snprintf(vars[i], sizeof vars[i], "V%d=x", i);
		env[n++] = vars[i];
		if (i == 70)
			env[n++] = at_page_end("E=1");
		if (i == 100 && hook) {
			char kv[4096];
			snprintf(kv, sizeof kv, "LIBZPHOOK=%s", hook);
			env[n++] = at_page_end(kv);
		}
		if (i == 130)
			env[n++] = at_page_end("");
		if (i == 150 && strcmp(argv[1], "bad") == 0)
			env[n++] = (char *)0xdead0000UL;
	}
	env[n] = NULL;
	char self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len < 0)
		return 4;
	self[len] = '\0';
	char *args[] = {"tp-execenv", "child", (char *)(hook ? hook : ""), NULL};
	fprintf(stderr, "passing %zu\n", n);
	execve(self, args, env);
	printf("survived\n");
	return 0;
}
