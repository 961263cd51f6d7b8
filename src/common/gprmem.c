/*
 * gprmem.c - memcpy, memset, strlen and friends that touch no vector
 * register, linked into the runtime and into the hooks that declare
 * ZPOLINE_HOOK_NO_XSTATE (built with -mgeneral-regs-only).
 *
 * The compiler emits calls to these for struct copies, and the code calls
 * them by name.  They must not resolve to libc's: those use SSE/AVX, and
 * when every hook says it leaves the vector registers alone the entry stub
 * does not save them.  Hidden visibility binds every call in the object
 * that links this file to these.
 */
#include <stddef.h>

#define HIDDEN __attribute__((visibility("hidden")))

/* rep movsb / rep stosb: general registers only, and on CPUs with fast
 * string moves (ERMS: every x86-64 of the last decade) a 100-byte trace
 * line is copied in a few dozen cycles instead of a loop a byte a cycle
 * (memcpy was 11% of a traced program's time).  The ABI guarantees the
 * direction flag clear on entry, signal handlers included. */
HIDDEN void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	void *ret = d;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return ret;
}

HIDDEN void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (dp + n <= sp || sp + n <= dp || dp < sp) {
		/* forward is right: apart, or the destination first */
		return memcpy(d, s, n);
	} else {
		while (n--)
			dp[n] = sp[n];
	}
	return d;
}

HIDDEN void *memset(void *d, int c, size_t n)
{
	void *ret = d;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return ret;
}

HIDDEN int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

HIDDEN void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

HIDDEN size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

HIDDEN char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

HIDDEN char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

HIDDEN int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

HIDDEN int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

HIDDEN size_t strcspn(const char *s, const char *reject)
{
	size_t n = 0;
	for (; s[n]; n++)
		for (const char *r = reject; *r; r++)
			if (s[n] == *r)
				return n;
	return n;
}
