/* test-shebang.c - a script's "#!" line read as Linux's binfmt_script reads
 * it (src/common/shebang.h): the interpreter, the one optional argument
 * with its blanks trimmed, and the lines the kernel refuses (no
 * interpreter, one that may be cut off by the 255-byte buffer). */
#include <stdbool.h>
#include <string.h>

#include "shebang.h"
#include "t.h"

static void parsed(const char *what, const char *buf, size_t n, const char *interp, const char *arg)
{
	struct zp_shebang sb;
	memset(&sb, 'x', sizeof sb);
	bool ok = zp_shebang_parse(buf, n, &sb);
	T_CHECK(ok && !strcmp(sb.interp, interp) && !strcmp(sb.arg, arg),
		"%s: interpreter '%s', argument '%s'", what, interp, arg);
}

static void refused(const char *what, const char *buf, size_t n)
{
	struct zp_shebang sb;
	T_CHECK(!zp_shebang_parse(buf, n, &sb), "%s: not a script the kernel runs", what);
}

int main(void)
{
	static const char sh[] = "#!/bin/sh\necho hi\n";
	parsed("plain", sh, sizeof sh - 1, "/bin/sh", "");
	static const char blanks[] = "#! \t/bin/busybox \t sh -e \t\nexit\n";
	parsed("blanks around both, one argument with its inner blanks", blanks, sizeof blanks - 1,
	       "/bin/busybox", "sh -e");
	static const char noeol[] = "#!/bin/true";
	parsed("no newline, the file ends", noeol, sizeof noeol - 1, "/bin/true", "");
	static const char rel[] = "#!interp arg\n";
	parsed("a relative interpreter", rel, sizeof rel - 1, "interp", "arg");
	static const char nul[] = "#!/bin/sh\0ignored\n";
	parsed("a NUL ends the line", nul, sizeof nul - 1, "/bin/sh", "");

	refused("empty", "", 0);
	refused("ELF", "\177ELF", 4);
	refused("one '#'", "#/bin/sh\n", 9);
	refused("no interpreter", "#!\n", 3);
	refused("only blanks", "#!  \t \n", 7);

	/* 255 bytes the kernel sees (its buffer's last byte is its NUL). */
	char longbuf[400];
	memset(longbuf, 'a', sizeof longbuf);
	memcpy(longbuf, "#!/", 3);
	refused("an interpreter running past 255 bytes", longbuf, sizeof longbuf);
	longbuf[100] = ' ';
	struct zp_shebang sb;
	bool ok = zp_shebang_parse(longbuf, sizeof longbuf, &sb);
	T_CHECK(ok && strlen(sb.interp) == 98 && strlen(sb.arg) == 255 - 101,
		"an argument past 255 bytes is cut there (interpreter %zu, argument %zu bytes)",
		ok ? strlen(sb.interp) : 0, ok ? strlen(sb.arg) : 0);
	memset(longbuf, 'a', sizeof longbuf);
	memcpy(longbuf, "#!/", 3);
	longbuf[250] = '\n';
	char want[300];
	memcpy(want, longbuf + 2, 248);
	want[248] = '\0';
	parsed("a 248-byte interpreter ending its line within the buffer", longbuf, sizeof longbuf,
	       want, "");
	T_DONE();
}
