/*
 * program.c - finding the program and telling static executables apart.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfstatic.h"
#include "program.h"
#include "shebang.h"

static bool runnable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int program_find(const char *name, char *out, size_t size)
{
	if (!*name)
		return -1;
	if (strchr(name, '/')) {
		if (snprintf(out, size, "%s", name) >= (int)size)
			return -1;
		return runnable(out) ? 0 : -1;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin"; /* as execvp's default */
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		/* An empty entry means the current directory. */
		int n = end == p ? snprintf(out, size, "%s", name)
				 : snprintf(out, size, "%.*s/%s", (int)(end - p), p, name);
		if (n > 0 && (size_t)n < size && runnable(out))
			return 0;
		if (!*end)
			return -1;
		p = end;
	}
}

static long read_at(int fd, void *buf, size_t len, long off)
{
	return pread(fd, buf, len, off);
}

static bool file_is_static(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool is_static = zp_elf_is_static(fd, read_at);
	close(fd);
	return is_static;
}

bool program_is_static(const char *path)
{
	if (file_is_static(path))
		return true;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char head[ZP_SHEBANG_BUF];
	struct zp_shebang sb;
	ssize_t n = pread(fd, head, sizeof head, 0);
	close(fd);
	return n > 0 && zp_shebang_parse(head, (size_t)n, &sb) && file_is_static(sb.interp);
}
