/*
 * cmd_doctor.c - zpoline doctor: is this machine ready, and if not, what
 * exactly fixes it.
 *
 * Needed (exit 1 without them): the runtime library, and a way in: page 0
 * (the trampoline) or, failing that, Syscall User Dispatch (sud mode).
 * Reported but not needed: PKU/execute-only memory (page 0 then stays
 * readable), a system call table older than the kernel, the hooks.
 * Every "warn" and "FAIL" line is followed by a "fix:" line; what no
 * command can fix is "info".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli.h"
#include "page0.h"
#include "paths.h"
#include "probes.h"
#include "syscall_table.h"

enum level { OK, INFO, WARN, PROBLEM };

static int problems;
static int warnings;

__attribute__((format(printf, 3, 4)))
static void item(enum level lv, const char *label, const char *fmt, ...)
{
	static const char *const tag[] = {"ok", "info", "warn", "FAIL"};
	printf("[%-4s] %-22s ", tag[lv], label);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (lv == PROBLEM)
		problems++;
	if (lv == WARN)
		warnings++;
}

__attribute__((format(printf, 1, 2)))
static void fix(const char *fmt, ...)
{
	printf("       %-22s ", "fix:");
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void check_kernel(void)
{
	struct utsname u;
	if (uname(&u) < 0) {
		item(WARN, "kernel", "uname failed: %s", strerror(errno));
		return;
	}
	item(strcmp(u.machine, "x86_64") ? PROBLEM : OK, "kernel", "%s %s (%s)", u.sysname,
	     u.release, u.machine);
	if (strcmp(u.machine, "x86_64"))
		fix("zpoline works on x86-64 Linux only");
}

/* Returns true if page 0 can be mapped. */
static bool check_page0(void)
{
	struct page0_state s;
	page0_probe(&s);
	if (s.min_addr < 0)
		item(INFO, "vm.mmap_min_addr", "unreadable");
	else
		item(INFO, "vm.mmap_min_addr", "%ld", s.min_addr);
	if (s.selinux < 0)
		item(INFO, "SELinux", "not enabled");
	else if (s.mmap_low_allowed < 0)
		item(INFO, "SELinux", "%s; no mmap_low_allowed boolean",
		     s.selinux ? "enforcing" : "permissive");
	else
		item(INFO, "SELinux", "%s; mmap_low_allowed is %s", s.selinux ? "enforcing" : "permissive",
		     s.mmap_low_allowed ? "on" : "off");
	if (!s.map_errno) {
		item(OK, "page 0", "this process can map address 0%s%s",
		     s.cap_sys_rawio && s.min_addr > 0 ? " (CAP_SYS_RAWIO)" : "",
		     s.already_mapped ? " (it is already mapped: running under zpoline?)" : "");
		return true;
	}
	char why[256], how[256];
	page0_explain(&s, why, sizeof why, how, sizeof how);
	item(WARN, "page 0", "cannot be mapped: %s", why);
	fix("%s", how);
	if (s.min_addr > 0)
		fix("to keep it after a reboot: echo vm.mmap_min_addr=0 | sudo tee /etc/sysctl.d/60-zpoline.conf");
	return false;
}

static void check_pku(void)
{
	bool pku, ospke;
	probe_pku(&pku, &ospke);
	/* Tested whatever CPUID says: the answer is what the runtime will get. */
	char why[256], result[300];
	int r = probe_exec_only(why, sizeof why);
	if (r == 1)
		snprintf(result, sizeof result, "an execute-only page faults on read");
	else if (r == 0)
		snprintf(result, sizeof result, "an execute-only page is readable, so page 0 will "
						"be (a NULL read gives code bytes, not a fault); Java "
						"VMs, Mono and Go programs, which need that fault, run "
						"in detour mode (no page 0)");
	else
		snprintf(result, sizeof result, "execute-only test: %s", why);
	const char *cpu = !pku ? "the CPU has no protection keys"
		        : ospke ? "protection keys on (OSPKE)"
			        : "the CPU has protection keys but the kernel left them off";
	if (pku && !ospke) {
		item(WARN, "PKU", "%s; %s", cpu, result);
		fix("boot without the nopku kernel parameter");
		return;
	}
	item(r == 1 ? OK : INFO, "PKU", "%s; %s", cpu, result);
}

/* AT_HWCAP2 bit 1: the kernel lets user code write the %gs base. */
static void check_fsgsbase(void)
{
	if (getauxval(AT_HWCAP2) & 2)
		item(OK, "FSGSBASE", "threads switch %%gs bases without a system call");
	else
		item(INFO, "FSGSBASE", "not available (CPU, VM or a kernel before 5.9): a program "
				       "that sets its own %%gs base (Wine) is not supported, and a "
				       "seccomp filter refusing arch_prctl(ARCH_SET_GS) stops the "
				       "program at its next new thread");
}

/* Returns true if Syscall User Dispatch works. */
static bool check_sud(void)
{
	int e = probe_sud();
	if (!e) {
		item(OK, "syscall user dispatch", "available");
		return true;
	}
	item(INFO, "syscall user dispatch", "not available: %s%s", strerror(e),
	     e == EINVAL ? " (needs Linux 5.11+ with CONFIG_GENERIC_ENTRY)" : "");
	return false;
}

static void check_syscalls(void)
{
	int answer = 0;
	char why[256];
	long kmax = probe_max_syscall(&answer, why, sizeof why);
	long tmax = zp_syscall_max();
	if (kmax < 0) {
		item(INFO, "highest system call", "unknown: %s", why);
		return;
	}
	const char *name = zp_syscall_name(kmax);
	if (!name && answer == EPERM) {
		item(INFO, "highest system call", "%ld answers EPERM, not ENOSYS: a seccomp filter "
						   "hides the real answer", kmax);
		return;
	}
	if (kmax > tmax) {
		item(WARN, "highest system call", "%ld; the generated table stops at %ld (%s): "
						   "it is older than the kernel", kmax, tmax,
		     zp_syscall_name(tmax));
		fix("add numbers %ld..%ld to tools/syscalls-extra.txt and rebuild (make)", tmax + 1,
		    kmax);
		return;
	}
	item(OK, "highest system call", "%ld (%s); the table knows up to %ld%s", kmax,
	     name ? name : "no name", tmax, kmax < tmax ? " (newer than this kernel: fine)" : "");
}

/* How this CPU runs the fast path, as the runtime's own summary says
 * (the choice is the runtime's: trampoline.c). */
static void report_fast_path(const char *runtime)
{
	char out[4096], lookup[64] = "", back[16] = "";
	if (probe_runtime_summary(runtime, out, sizeof out) < 0)
		return;
	const char *l = strstr(out, "site lookup "), *r = strstr(out, "back to the site by ");
	if (!l || !r || sscanf(l, "site lookup %63[^;]", lookup) != 1 ||
	    sscanf(r, "back to the site by %15[^;]", back) != 1)
		return;
	item(INFO, "fast path", "site lookup %s; back to the site by %s%s", lookup, back,
	     strstr(lookup, "no BMI2") ? " (without BMI2 every call pays ~10 ns for popfq)" : "");
}

static void check_files(bool page0, bool sud)
{
	struct zp_paths p;
	if (paths_locate(&p) < 0) {
		item(PROBLEM, "runtime", "libzpoline.so not found (looked for %s and %s)", p.looked[0],
		     p.looked[1]);
		fix("build it (make) or reinstall (make install)");
		return;
	}
	item(OK, "runtime", "%s", p.runtime);
	if (p.loader[0]) {
		item(OK, "loader", "%s", p.loader);
	} else {
		item(WARN, "loader", "zpoline-loader is not next to the runtime: static programs "
				     "run unhooked, --from-start does not work");
		fix("build it (make) or reinstall (make install)");
	}
	/* The runtime maps the decoder itself when code must be decoded, so a
	 * missing one would not show in ldd. */
	const char *dec_env = getenv("ZPOLINE_DECODER");
	const char *dec = dec_env && *dec_env ? dec_env : ZP_ZYDIS_PATH;
	if (access(dec, R_OK) == 0) {
		item(OK, "decoder", "%s", dec);
	} else {
		item(PROBLEM, "decoder", "%s: %s", dec, strerror(errno));
		fix(dec == dec_env
			    ? "ZPOLINE_DECODER names a file that is not there: unset it or fix it"
			    : "apt-get install libzydis4.0");
	}
	char names[1024];
	paths_hook_names(&p, names, sizeof names);
	item(*names ? OK : WARN, "hooks", "%s (in %s)", *names ? names : "none", p.hook_dir);
	if (!*names)
		fix("build them (make) or reinstall (make install)");

	if (!page0 && !sud)
		return; /* it cannot start; the reason is already above */
	const char *mode = page0 ? NULL : "sud";
	char msg[512];
	int st = probe_runtime(p.runtime, mode, msg, sizeof msg);
	if (st == 0) {
		item(OK, "smoke test", "/bin/true runs under the runtime%s", page0 ? "" : " (sud mode)");
		if (page0)
			report_fast_path(p.runtime);
		return;
	}
	item(PROBLEM, "smoke test", "/bin/true under the runtime%s exits %d: %s",
	     page0 ? "" : " (sud mode)", st, *msg ? msg : "(no message)");
	if (!page0)
		fix("make page 0 mappable (see above): sud mode does not work here");
	else
		fix("run it with ZPOLINE_DEBUG=1 to see more");
}

int cmd_doctor(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			help_command("doctor");
			return 0;
		}
		if (argv[i][0] == '-')
			usage_error("doctor", "unknown option '%s'", argv[i]);
		usage_error("doctor", "takes no arguments, not '%s'", argv[i]);
	}
	printf("zpoline %s doctor\n", ZPOLINE_VERSION);
	check_kernel();
	bool page0 = check_page0();
	check_pku();
	check_fsgsbase();
	bool sud = check_sud();
	if (!page0 && !sud) {
		item(PROBLEM, "way in", "neither page 0 nor Syscall User Dispatch can be used");
		fix("make page 0 mappable (the fix above)");
	} else if (!page0) {
		item(WARN, "way in", "sud mode only (zpoline run switches to it, slower)");
		fix("make page 0 mappable (the fix above)");
	}
	check_syscalls();
	check_files(page0, sud);
	putchar('\n');
	if (problems)
		printf("%d problem%s: zpoline cannot work here until %s fixed.\n", problems,
		       problems > 1 ? "s" : "", problems > 1 ? "they are" : "it is");
	else if (warnings)
		printf("zpoline can work here (%d warning%s above).\n", warnings, warnings > 1 ? "s" : "");
	else
		printf("zpoline can work here.\n");
	return problems ? 1 : 0;
}
