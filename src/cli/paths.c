/*
 * paths.c - finding the runtime and hooks relative to the command.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* dirname in place: "/a/b/c" -> "/a/b", "/a" -> "/". */
static void strip_last(char *path)
{
	char *s = strrchr(path, '/');
	if (!s)
		return;
	if (s == path)
		s[1] = '\0';
	else
		*s = '\0';
}

static int join(char *out, size_t size, const char *dir, const char *rest)
{
	int n = snprintf(out, size, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", rest);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* zpoline-loader next to the runtime, if it is there. */
static void find_loader(struct zp_paths *p)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", p->runtime);
	strip_last(dir);
	if (join(p->loader, sizeof p->loader, dir, "zpoline-loader") < 0 ||
	    !is_file(p->loader) || access(p->loader, X_OK) != 0)
		p->loader[0] = '\0';
}

int paths_locate(struct zp_paths *p)
{
	memset(p, 0, sizeof *p);
	ssize_t n = readlink("/proc/self/exe", p->exe, sizeof p->exe - 1);
	if (n <= 0)
		return -1;
	p->exe[n] = '\0';

	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", p->exe);
	strip_last(dir);

	/* Build tree: everything side by side. */
	if (join(p->looked[0], sizeof p->looked[0], dir, "libzpoline.so") == 0 &&
	    is_file(p->looked[0])) {
		snprintf(p->runtime, sizeof p->runtime, "%s", p->looked[0]);
		snprintf(p->hook_dir, sizeof p->hook_dir, "%s", dir);
		find_loader(p);
		return 0;
	}

	/* Installed: PREFIX/bin/zpoline. */
	char prefix[PATH_MAX];
	snprintf(prefix, sizeof prefix, "%s", dir);
	strip_last(prefix);
	char libdir[PATH_MAX];
	if (join(libdir, sizeof libdir, prefix, "lib/zpoline") == 0 &&
	    join(p->looked[1], sizeof p->looked[1], libdir, "libzpoline.so") == 0 &&
	    is_file(p->looked[1])) {
		if (join(p->hook_dir, sizeof p->hook_dir, libdir, "hooks") < 0)
			return -1;
		snprintf(p->runtime, sizeof p->runtime, "%s", p->looked[1]);
		p->installed = true;
		find_loader(p);
		return 0;
	}
	snprintf(p->hook_dir, sizeof p->hook_dir, "%s", dir);
	return -1;
}

static bool is_short_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

int paths_hook(const struct zp_paths *p, const char *spec, char *out, size_t size,
	       char *why, size_t why_size)
{
	if (is_short_name(spec)) {
		char file[NAME_MAX + 1];
		if (snprintf(file, sizeof file, "libzphook_%s.so", spec) >= (int)sizeof file ||
		    join(out, size, p->hook_dir, file) < 0) {
			snprintf(why, why_size, "hook name '%s' is too long", spec);
			return -1;
		}
		if (!is_file(out)) {
			char names[1024];
			paths_hook_names(p, names, sizeof names);
			snprintf(why, why_size, "no hook named '%s' (%s does not exist; available: %s)",
				 spec, out, *names ? names : "none");
			return -1;
		}
		return 0;
	}
	char abs[PATH_MAX];
	if (!realpath(spec, abs)) {
		snprintf(why, why_size, "hook library %s: %s", spec, strerror(errno));
		return -1;
	}
	if (!is_file(abs) || access(abs, R_OK) != 0) {
		snprintf(why, why_size, "hook library %s is not a readable file", spec);
		return -1;
	}
	/* LIBZPHOOK and LD_PRELOAD are colon lists. */
	if (strchr(abs, ':')) {
		snprintf(why, why_size, "hook library path %s contains ':', which LIBZPHOOK cannot carry", abs);
		return -1;
	}
	if (snprintf(out, size, "%s", abs) >= (int)size) {
		snprintf(why, why_size, "hook library path %s is too long", abs);
		return -1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void paths_hook_names(const struct zp_paths *p, char *out, size_t size)
{
	out[0] = '\0';
	DIR *d = opendir(p->hook_dir);
	if (!d)
		return;
	char *names[256] = {0};
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < sizeof names / sizeof names[0]) {
		size_t len = strlen(e->d_name);
		if (len <= 13 || strncmp(e->d_name, "libzphook_", 10) ||
		    strcmp(e->d_name + len - 3, ".so"))
			continue;
		char *name = strndup(e->d_name + 10, len - 13);
		if (name)
			names[n++] = name;
	}
	closedir(d);
	qsort(names, n, sizeof names[0], cmp_str);
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		if (used < size) {
			int w = snprintf(out + used, size - used, "%s%s", i ? ", " : "", names[i]);
			if (w > 0)
				used += (size_t)w;
		}
		free(names[i]);
	}
}
