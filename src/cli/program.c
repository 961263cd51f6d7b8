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

#include "program.h"

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

bool program_is_static(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool is_static = false;
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > 256)
		goto out;
	Elf64_Phdr ph[256];
	size_t len = (size_t)eh.e_phnum * sizeof ph[0];
	if (pread(fd, ph, len, (off_t)eh.e_phoff) != (ssize_t)len)
		goto out;
	for (unsigned i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			goto out;
	/* ET_DYN without an interpreter is a static-pie if it has an entry;
	 * a shared library has none. */
	is_static = eh.e_type == ET_EXEC || eh.e_entry != 0;
out:
	close(fd);
	return is_static;
}

