/*
 * stack.c - the initial stack of the new image, as execve lays it out:
 *
 *   sp -> argc
 *         argv[0] .. argv[argc-1], NULL
 *         envp[0] .. NULL
 *         auxv (type, value) pairs, AT_NULL
 *         padding
 *         16 random bytes (AT_RANDOM), platform string, AT_EXECFN string,
 *         argument strings
 *
 * It is built on the process's own stack (the caller's frame reserves the
 * room), so the program's main thread runs on the real, growable [stack]
 * mapping where libc and Go expect it.  The environment strings are the
 * ones the kernel gave the loader, left where they are, higher up the same
 * stack; the argument strings are copied, contiguous, so that
 * /proc/self/cmdline can be pointed at them.
 *
 * The auxiliary vector starts from the loader's own (so entries this file
 * does not know about, from newer kernels, are passed on) with the entries
 * that describe the image replaced.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/syscall.h>

#include "loader.h"

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

/* Entries every x86-64 process gets, appended if the loader's vector lacks
 * them (it never does on Linux, but the program must not depend on that). */
static const unsigned long required[] = {
	AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID,
	AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_HWCAP, AT_CLKTCK,
};
#define NREQUIRED (sizeof required / sizeof required[0])

static size_t auxv_len(const Elf64_auxv_t *a)
{
	size_t n = 0;
	while (a[n].a_type != AT_NULL)
		n++;
	return n;
}

static const char *aux_string(const Elf64_auxv_t *a, unsigned long type)
{
	for (; a->a_type != AT_NULL; a++)
		if (a->a_type == type)
			return (const char *)a->a_un.a_val;
	return NULL;
}

static size_t str_bytes(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

size_t zl_stack_size(const struct zl_start *s)
{
	size_t n = 0;
	for (int i = 0; i < s->argc; i++)
		n += strlen(s->argv[i]) + 1;
	size_t envc = 0;
	while (s->envp[envc])
		envc++;
	n += str_bytes(s->execfn) + str_bytes(aux_string(s->auxv, AT_PLATFORM)) +
	     str_bytes(aux_string(s->auxv, AT_BASE_PLATFORM)) + 16;
	n += 8 * (1 + (size_t)s->argc + 1 + envc + 1);
	n += 16 * (auxv_len(s->auxv) + NREQUIRED + 1);
	return n + 64; /* alignment */
}

/* Copies a string below *top; returns where it went. */
static char *push_str(char **top, const char *str)
{
	size_t len = strlen(str) + 1;
	*top -= len;
	memcpy(*top, str, len);
	return *top;
}

uintptr_t zl_stack_build(const struct zl_start *s, char *area, size_t size, uintptr_t *args_lo,
			 uintptr_t *args_hi, Elf64_auxv_t **auxv_out, size_t *auxv_bytes)
{
	char *top = area + size;
	/* Argument strings, in order, ending at the top. */
	*args_hi = (uintptr_t)top;
	size_t abytes = 0;
	for (int i = 0; i < s->argc; i++)
		abytes += strlen(s->argv[i]) + 1;
	top -= abytes;
	*args_lo = (uintptr_t)top;
	char *cursor = top; /* where the next argument string goes */

	const char *platform = aux_string(s->auxv, AT_PLATFORM);
	const char *base_platform = aux_string(s->auxv, AT_BASE_PLATFORM);
	char *execfn = push_str(&top, s->execfn);
	char *plat = platform ? push_str(&top, platform) : NULL;
	char *bplat = base_platform ? push_str(&top, base_platform) : NULL;
	top -= 16;
	unsigned char *rnd = (unsigned char *)top;
	for (size_t got = 0; got < 16;) {
		long r = zl_sys3(SYS_getrandom, rnd + got, 16 - got, 0);
		if (r == -4 /* EINTR */)
			continue;
		if (r <= 0)
			zl_fail(ZL_EXIT_USAGE, "cannot get random bytes for AT_RANDOM: %s",
				zl_strerror(r));
		got += (size_t)r;
	}

	/* The auxiliary vector, built in place below: count first. */
	size_t envc = 0;
	while (s->envp[envc])
		envc++;
	size_t max_aux = auxv_len(s->auxv) + NREQUIRED + 1;
	size_t words = 1 + (size_t)s->argc + 1 + envc + 1 + 2 * max_aux;
	uintptr_t sp = ((uintptr_t)top - words * 8) & ~(uintptr_t)15;
	if (sp < (uintptr_t)area)
		zl_fail(ZL_EXIT_USAGE, "internal error: initial stack does not fit");
	uint64_t *w = (uint64_t *)sp;
	*w++ = (uint64_t)s->argc;
	for (int i = 0; i < s->argc; i++) {
		*w++ = (uint64_t)(uintptr_t)cursor;
		size_t len = strlen(s->argv[i]) + 1;
		memcpy(cursor, s->argv[i], len);
		cursor += len;
	}
	*w++ = 0;
	for (size_t i = 0; i < envc; i++)
		*w++ = (uint64_t)(uintptr_t)s->envp[i];
	*w++ = 0;

	Elf64_auxv_t *av = (Elf64_auxv_t *)(void *)w;
	*auxv_out = av;
	size_t n = 0, appended = SIZE_MAX;
	bool have[64] = {false};
	const struct zl_image *main = s->prog;
	for (const Elf64_auxv_t *a = s->auxv;; a++) {
		unsigned long type = a->a_type;
		uint64_t val = a->a_un.a_val;
		if (type == AT_NULL) {
			/* Anything required the loader's vector lacked. */
			appended = n;
			for (size_t k = 0; k < NREQUIRED; k++)
				if (!have[required[k]])
					av[n++] = (Elf64_auxv_t){required[k], {0}};
			break;
		}
		if (type < 64)
			have[type] = true;
		av[n].a_type = type;
		av[n].a_un.a_val = val;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t *v = &av[i].a_un.a_val;
		switch (av[i].a_type) {
		case AT_PHDR: *v = main->phdr; break;
		case AT_PHENT: *v = sizeof(Elf64_Phdr); break;
		case AT_PHNUM: *v = s->phnum; break;
		case AT_PAGESZ: *v = ZL_PAGE; break;
		case AT_BASE: *v = s->interp ? s->interp->bias : 0; break;
		case AT_FLAGS: *v = 0; break;
		case AT_ENTRY: *v = main->entry; break;
		case AT_SECURE: *v = 0; break;
		case AT_RANDOM: *v = (uintptr_t)rnd; break;
		case AT_EXECFN: *v = (uintptr_t)execfn; break;
		case AT_PLATFORM: *v = (uintptr_t)(plat ? plat : ""); break;
		case AT_BASE_PLATFORM: *v = (uintptr_t)bplat; break;
		case AT_UID: if (i >= appended) *v = (uint64_t)zl_sys0(SYS_getuid); break;
		case AT_EUID: if (i >= appended) *v = (uint64_t)zl_sys0(SYS_geteuid); break;
		case AT_GID: if (i >= appended) *v = (uint64_t)zl_sys0(SYS_getgid); break;
		case AT_EGID: if (i >= appended) *v = (uint64_t)zl_sys0(SYS_getegid); break;
		case AT_CLKTCK: if (i >= appended) *v = 100; break;
		case AT_EXECFD: /* describes the loader's exec: not passed on */
		case AT_NOTELF:
			av[i].a_type = AT_IGNORE;
			*v = 0;
			break;
		default:
			break;
		}
	}
	av[n].a_type = AT_NULL;
	av[n].a_un.a_val = 0;
	n++;
	*auxv_bytes = n * sizeof *av;
	return sp;
}
