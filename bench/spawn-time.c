/*
 * spawn-time - wall time of running a command to completion, repeatedly.
 *
 *   spawn-time [-n RUNS] [-w WARMUP] [-l LABEL] [-e NAME=VALUE]... [-f NAME]
 *              -- CMD [ARG...]
 *
 * Prints "LABEL,RUN,NANOSECONDS" per timed run.  The command's environment
 * is ours without LD_PRELOAD, LIBZPHOOK and ZPOLINE_* (so a "native" run is
 * native whatever the caller's shell has set), plus each -e.  -f NAME gives
 * every run, warm-up runs included, a fresh empty directory in $NAME (made
 * before the clock starts, removed after it stops): a cold site cache.
 *
 * Why not hyperfine: it sets the environment for itself, not for the
 * command, and `env VAR=... cmd` would add an exec to every measurement.
 * stdin, stdout and stderr of the command are /dev/null.  A run that exits
 * non-zero stops everything with an error: a broken run is not a timing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long parse_count(const char *opt, const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 1000000) {
		fprintf(stderr, "spawn-time: %s wants a number from 0 to 1000000, not %s\n", opt, s);
		exit(2);
	}
	return v;
}

static int usage(void)
{
	fprintf(stderr, "usage: spawn-time [-n RUNS] [-w WARMUP] [-l LABEL] [-e NAME=VALUE]... "
			"[-f NAME] -- CMD [ARG...]\n");
	return 2;
}

static int is_runtime_var(const char *kv)
{
	return !strncmp(kv, "LD_PRELOAD=", 11) || !strncmp(kv, "LIBZPHOOK=", 10) ||
	       !strncmp(kv, "ZPOLINE_", 8);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long runs = 10, warmup = 0;
	const char *label = "run";
	const char *fresh_var = NULL;
	size_t nextra = 0;
	char **extra = calloc((size_t)argc, sizeof *extra);
	if (!extra)
		return 1;

	int c;
	while ((c = getopt(argc, argv, "+n:w:l:e:f:")) != -1) {
		switch (c) {
		case 'n': runs = parse_count("-n", optarg); break;
		case 'w': warmup = parse_count("-w", optarg); break;
		case 'l': label = optarg; break;
		case 'e':
			if (!strchr(optarg, '=')) {
				fprintf(stderr, "spawn-time: -e wants NAME=VALUE, not %s\n", optarg);
				return 2;
			}
			extra[nextra++] = optarg;
			break;
		case 'f': fresh_var = optarg; break;
		default: return usage();
		}
	}
	if (optind >= argc)
		return usage();
	char **cmd = argv + optind;

	/* The command's environment: ours minus the runtime's variables, then
	 * the -e ones, then the fresh directory (filled in per run). */
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + nextra + 2, sizeof *env);
	if (!env)
		return 1;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!is_runtime_var(environ[i]))
			env[k++] = environ[i];
	for (size_t i = 0; i < nextra; i++)
		env[k++] = extra[i];
	size_t fresh_slot = k;
	char fresh_kv[8192];
	if (fresh_var)
		env[k++] = fresh_kv;
	env[k] = NULL;

	const char *tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";

	posix_spawn_file_actions_t fa;
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		perror("spawn-time: /dev/null");
		return 1;
	}
	posix_spawn_file_actions_init(&fa);
	for (int fd = 0; fd <= 2; fd++)
		posix_spawn_file_actions_adddup2(&fa, devnull, fd);

	for (long r = -warmup; r < runs; r++) {
		char dir[4096];
		if (fresh_var) {
			snprintf(dir, sizeof dir, "%s/zp-bench-fresh.XXXXXX", tmpdir);
			if (!mkdtemp(dir)) {
				fprintf(stderr, "spawn-time: cannot make a directory in %s: %s\n", tmpdir,
					strerror(errno));
				return 1;
			}
			snprintf(fresh_kv, sizeof fresh_kv, "%s=%s", fresh_var, dir);
			env[fresh_slot] = fresh_kv;
		}
		pid_t pid;
		double t0 = now_ns();
		int e = posix_spawnp(&pid, cmd[0], &fa, NULL, cmd, env);
		if (e) {
			fprintf(stderr, "spawn-time: cannot run %s: %s\n", cmd[0], strerror(e));
			return 1;
		}
		int status;
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				perror("spawn-time: waitpid");
				return 1;
			}
		}
		double t1 = now_ns();
		if (fresh_var && nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
			fprintf(stderr, "spawn-time: could not remove %s\n", dir);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "spawn-time: %s (%s) %s %d on run %ld\n", cmd[0], label,
				WIFEXITED(status) ? "exited with status" : "was killed by signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), r);
			return 1;
		}
		if (r >= 0)
			printf("%s,%ld,%.0f\n", label, r, t1 - t0);
	}
	return 0;
}
