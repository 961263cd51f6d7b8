/*
 * env.c - the environment a --from-start program's ld.so gets.
 *
 * The loader runs with libzpoline.so in LD_PRELOAD, and that runtime stays
 * in charge of the process.  The program's own ld.so would preload a second
 * copy into the program's namespace (with its Zydis), which can only get in
 * the way: it finds page 0 taken and has to stand down, and it costs
 * mapping and rewriting a megabyte of code the program never uses.  So that
 * one entry is taken out of LD_PRELOAD (other preloads stay; the variable
 * goes if nothing is left).  Static programs keep the environment as it is:
 * no ld.so reads it.
 *
 * The variables that steer ld.so come renamed when the runtime sent the
 * program here (src/common/ldheld.h): they get their names back, for
 * every program.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "ldheld.h"
#include "loader.h"

static const char *runtime_path(void)
{
	Dl_info info;
	void *sym = dlsym(RTLD_DEFAULT, "zpoline_rewrite_image");
	if (!sym || !dladdr(sym, &info) || !info.dli_fname)
		return NULL;
	return info.dli_fname;
}

static bool same_file(const char *a, const struct stat *b)
{
	struct stat st;
	return zl_sys2(SYS_stat, a, &st) == 0 && st.st_dev == b->st_dev && st.st_ino == b->st_ino;
}

/* LD_PRELOAD's value without the runtime; NULL if nothing is left.
 * ld.so separates entries with spaces or colons. */
static char *strip_value(const char *value, const struct stat *rt)
{
	size_t len = strlen(value);
	char *out = zl_alloc(len + sizeof "LD_PRELOAD=");
	char *w = stpcpy(out, "LD_PRELOAD=");
	char *first = w;
	char entry[4096];
	for (const char *p = value; *p;) {
		size_t n = strcspn(p, " :");
		if (n && n < sizeof entry) {
			memcpy(entry, p, n);
			entry[n] = '\0';
			if (!same_file(entry, rt)) {
				if (w != first)
					*w++ = ':';
				w = stpcpy(w, entry);
			}
		}
		p += n;
		if (*p)
			p++;
	}
	return w == first ? NULL : out;
}

void zl_env_unhold(char **envp)
{
	static const char held_preload[] = ZP_LD_HELD_PREFIX "LD_PRELOAD=";
	bool own_preload = false;
	for (size_t i = 0; envp[i]; i++)
		own_preload |= !strncmp(envp[i], held_preload, sizeof held_preload - 1);
	/* The program's LD_PRELOAD was held (src/runtime/exec.c): the one the
	 * loader's ld.so got, the runtime alone, goes.  Entries move down in
	 * place; the NULLs left at the end are skipped (main.c, auxv). */
	size_t k = 0;
	for (size_t i = 0; envp[i]; i++) {
		if (own_preload && !strncmp(envp[i], "LD_PRELOAD=", 11))
			continue;
		envp[k] = envp[i];
		if (!strncmp(envp[k], ZP_LD_HELD_PREFIX, sizeof ZP_LD_HELD_PREFIX - 1))
			envp[k] += sizeof ZP_LD_HELD_PREFIX - 1;
		k++;
	}
	for (size_t i = k; envp[i]; i++)
		envp[i] = NULL;
}

char **zl_env_for_interp(char **envp)
{
	const char *rt = runtime_path();
	struct stat rst;
	if (!rt || zl_sys2(SYS_stat, rt, &rst) < 0)
		return envp;
	size_t n = 0;
	while (envp[n])
		n++;
	char **out = zl_alloc((n + 1) * sizeof *out);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(envp[i], "LD_PRELOAD=", 11) != 0) {
			out[k++] = envp[i];
			continue;
		}
		char *v = strip_value(envp[i] + 11, &rst);
		if (v)
			out[k++] = v;
	}
	out[k] = NULL;
	return out;
}
