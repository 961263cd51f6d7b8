/*
 * runopts.c - --hook, --mode, --set-mmap-min-addr, and the page-0 decision.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "page0.h"
#include "program.h"
#include "runopts.h"
#include "tracesecure.h"

/* As the runtime reads ZPOLINE_MODE (src/runtime/init.c). */
static const char *const modes[] = {"auto", "zpoline", "net", "sud", "detour"};

bool runopts_take(struct runopts *r, const char *cmd, int id, const char *arg)
{
	switch (id) {
	case RUNOPT_HOOK:
		if (!*arg)
			usage_error(cmd, "--hook needs a hook name or a library path");
		if (r->nhooks == RUNOPTS_MAX_HOOKS)
			usage_error(cmd, "at most %d --hook options", RUNOPTS_MAX_HOOKS);
		r->hooks[r->nhooks++] = arg;
		return true;
	case RUNOPT_MODE:
		for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
			if (!strcmp(arg, modes[i])) {
				r->mode = modes[i];
				return true;
			}
		usage_error(cmd, "unknown mode '%s' (auto, zpoline, net, sud or detour)", arg);
	case RUNOPT_SET_MIN_ADDR:
		r->set_min_addr = true;
		return true;
	case RUNOPT_FROM_START:
		r->from_start = true;
		return true;
	}
	return false;
}

/* Decides ZPOLINE_MODE from what page 0 allows.  Returns the mode to set
 * (NULL: leave the environment's). */
static const char *check_page0(const struct runopts *r)
{
	if (r->mode && (!strcmp(r->mode, "sud") || !strcmp(r->mode, "detour")))
		return r->mode; /* page 0 is not used */
	if (page0_mappable())
		return r->mode;
	struct page0_state s;
	page0_probe(&s);
	if (s.map_errno && r->set_min_addr) {
		if (geteuid() != 0) {
			say("--set-mmap-min-addr needs root; vm.mmap_min_addr stays %ld", s.min_addr);
		} else {
			int e = page0_set_min_addr_zero();
			if (e < 0)
				say("cannot write /proc/sys/vm/mmap_min_addr: %s", strerror(-e));
			else
				say("set vm.mmap_min_addr to 0 (it was %ld)", s.min_addr);
			page0_probe(&s);
		}
	}
	if (!s.map_errno)
		return r->mode;
	char why[256], fix[256];
	page0_explain(&s, why, sizeof why, fix, sizeof fix);
	say("page 0 cannot be mapped: %s; fix: %s", why, fix);
	if (!r->mode) {
		say("continuing with ZPOLINE_MODE=sud (Syscall User Dispatch, slower)");
		return "sud";
	}
	if (strcmp(r->mode, "auto"))
		say("--mode %s needs page 0: the runtime will refuse to start", r->mode);
	return r->mode;
}

/* LD_PRELOAD cannot reach a static program: zpoline-loader can. */
static void choose_loader(const struct runopts *r, const struct zp_paths *p, struct launch *l)
{
	char file[PATH_MAX];
	bool found = program_find(l->argv[0], file, sizeof file) == 0;
	const char *secure = found ? zp_secure_exec(AT_FDCWD, file, 0) : NULL;
	if (secure) {
		/* zpoline-loader would run it without its privileges: run it as
		 * the kernel would, and say so. */
		say("%s is %s: the kernel runs it in secure-execution mode, where LD_PRELOAD is "
		    "ignored, so it runs unhooked (zpoline started by the user the program runs "
		    "as, root for a set-user-ID root program, can hook it)",
		    file, secure);
		return;
	}
	bool is_static = found && program_is_static(file);
	if (!r->from_start && !is_static)
		return;
	if (!p->loader[0]) {
		if (r->from_start)
			die(EXIT_USAGE, "--from-start needs zpoline-loader next to %s", p->runtime);
		say("%s is statically linked and zpoline-loader is not next to %s: "
		    "it runs unhooked", file, p->runtime);
		return;
	}
	if (!found)
		return; /* execvp says "not found" better than the loader */
	l->loader = p->loader;
	l->from_start = r->from_start && !is_static;
	/* and for every program it executes (src/runtime/exec.c) */
	if (r->from_start)
		launch_setenv(l, "ZPOLINE_FROM_START", "1");
	/* found in $PATH: the loader gets the path (an empty entry gives a
	 * bare name, which the loader looks up the same way itself) */
	if (!strchr(l->argv[0], '/') && strchr(file, '/') && !(l->loader_prog = strdup(file)))
		die(EXIT_USAGE, "out of memory");
}

void runopts_prepare(const struct runopts *r, const char *const *lead_hooks, int nlead,
		     char **argv, struct launch *l, struct zp_paths *p)
{
	memset(l, 0, sizeof *l);
	if (paths_locate(p) < 0) {
		if (p->looked[0][0])
			die(EXIT_USAGE, "cannot find the runtime: neither %s nor %s exists", p->looked[0],
			    p->looked[1]);
		die(EXIT_USAGE, "cannot find the runtime: /proc/self/exe is unreadable");
	}
	if (strchr(p->runtime, ':') || strchr(p->runtime, ' '))
		die(EXIT_USAGE, "the runtime's path %s contains ':' or ' ', which LD_PRELOAD cannot carry",
		    p->runtime);
	l->runtime = p->runtime;

	int total = nlead + r->nhooks;
	if (total > 0) {
		size_t size = (size_t)total * (PATH_MAX + 1) + 1;
		char *list = malloc(size);
		if (!list)
			die(EXIT_USAGE, "out of memory");
		list[0] = '\0';
		for (int i = 0; i < total; i++) {
			const char *spec = i < nlead ? lead_hooks[i] : r->hooks[i - nlead];
			char path[PATH_MAX], why[PATH_MAX + 256];
			if (paths_hook(p, spec, path, sizeof path, why, sizeof why) < 0)
				die(EXIT_USAGE, "%s", why);
			if (i)
				strcat(list, ":");
			strcat(list, path);
		}
		l->hooks = l->owned = list;
	}
	l->mode = check_page0(r);
	l->argv = argv;
	choose_loader(r, p, l);
}
