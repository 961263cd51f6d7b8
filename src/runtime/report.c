/*
 * report.c - ZPOLINE_SITES=FILE: one line per rewritten site,
 *     <object> 0x<offset> <symbol>+0x<off> <callq|trap>
 * where offset is the address objdump -d shows for that object, so the list
 * can be checked against `objdump -d | grep syscall`.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>

#include "finder.h"
#include "rewrite.h"

static int report_fd = -1;

static void report(const char *path, uintptr_t base, const struct zp_sites *s)
{
	char line[1024];
	for (size_t i = 0; i < s->n; i++) {
		uintptr_t a = s->v[i].addr;
		Dl_info di;
		const char *sym = "?";
		uintptr_t off = 0;
		if (dladdr((void *)a, &di) && di.dli_sname) {
			sym = di.dli_sname;
			off = a - (uintptr_t)di.dli_saddr;
		}
		size_t n = zp_snprintf(line, sizeof line, "%s 0x%lx %s+0x%lx %s\n",
				       path && *path ? path : "?", (unsigned long)(a - base), sym,
				       (unsigned long)off,
				       s->v[i].kind == ZP_SITE_FAST ? "callq" : "trap");
		if (n >= sizeof line)
			n = sizeof line - 1;
		zp_raw3(SYS_write, report_fd, line, n);
	}
}

void zp_sites_report_init(const char *path)
{
	if (!strcmp(path, "-"))
		report_fd = (int)zp_raw1(SYS_dup, 2);
	else
		report_fd = (int)zp_raw3(SYS_open, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
					 0644);
	if (report_fd < 0) {
		zp_log("zpoline: ZPOLINE_SITES: cannot open %s", path);
		return;
	}
	zp_sites_report = report;
}
