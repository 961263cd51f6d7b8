/*
 * cmd_trace.c - zpoline trace [strace-style options] [run options] [--] PROG ARGS...
 *
 * The tracer is a hook (libzphook_trace.so) configured by variables:
 *   ZPOLINE_TRACE_OPTS  the strace-style options, as one string of words
 *                       (quoted where needed: the tracer splits it like a
 *                       shell would, see src/common/traceopts.h);
 *   ZPOLINE_TRACE_ROOT  the pid of the traced program (the child), so that
 *                       without -f its children are left alone;
 *   ZPOLINE_TRACE_CTL   a file the tracer keeps its session state in, so
 *                       that the command can finish the trace afterwards;
 *   ZPOLINE_TRACE_TZ    the local time's offset from UTC in seconds, and
 *   ZPOLINE_TRACE_TZ_FIXED=1 if it is the offset at every date (no DST).
 * -e inject=SPEC stays in the options: the tracer injects itself, counts the
 * calls once and marks them in the trace (loading the inject hook as well
 * would inject twice).
 * After the program exits, zp_trace_finish() trims the trace file (it is
 * grown ahead of the data) and prints a -c summary if the last traced
 * process was killed before it could.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "runopts.h"
#include "tracefmt.h"
#include "tracelink.h"
#include "tracesets.h"

enum {
	OPT_HELP = 1,
	OPT_OUTPUT,
	OPT_FOLLOW,
	OPT_SUMMARY,
	OPT_SUMMARY_TOO,
	OPT_EXPR,
	OPT_TIME,
	OPT_DURATION,
	OPT_STRSIZE,
	OPT_FDPATHS,
	OPT_JSON,
	OPT_SUCCESSFUL,
	OPT_FAILED,
	OPT_QUIET,
	OPT_ATTACH,
	OPT_RELATIVE,
	OPT_IP,
	OPT_NR,
	OPT_HEX,
	OPT_NOABBREV,
	OPT_CONST_STYLE,
	OPT_ABBREV_SET,
	OPT_VERBOSE_SET,
	OPT_HEX_LONG,
	OPT_COLUMN,
	OPT_APPEND,
	OPT_WALL,
	OPT_SORTBY,
	OPT_ENV,
	OPT_USER,
	OPT_SECCOMP_BPF,
	OPT_SEPARATELY,
	OPT_TRACE_SET,
	OPT_SIGNAL_SET,
	OPT_STATUS_SET,
	OPT_INJECT,
	OPT_READ_SET,
	OPT_WRITE_SET,
	OPT_TRACE_PATH,
	OPT_DECODE_PIDS,
};

static const struct opt trace_table[] = {
	{"help", 'h', false, OPT_HELP},
	{"output", 'o', true, OPT_OUTPUT},
	{"follow-forks", 'f', false, OPT_FOLLOW},
	{"summary-only", 'c', false, OPT_SUMMARY},
	{"summary", 'C', false, OPT_SUMMARY_TOO},
	{"expr", 'e', true, OPT_EXPR},
	{"absolute-timestamps", 't', OPTS_ARG_OPTIONAL, OPT_TIME},
	{"syscall-times", 'T', OPTS_ARG_OPTIONAL, OPT_DURATION},
	{"string-limit", 's', true, OPT_STRSIZE},
	{"decode-fds", 'y', OPTS_ARG_OPTIONAL, OPT_FDPATHS},
	{"decode-pids", 'Y', OPTS_ARG_OPTIONAL, OPT_DECODE_PIDS},
	{"json", 0, false, OPT_JSON},
	{"successful-only", 'z', false, OPT_SUCCESSFUL},
	{"failed-only", 'Z', false, OPT_FAILED},
	{"quiet", 'q', OPTS_ARG_OPTIONAL, OPT_QUIET},
	{"attach", 'p', true, OPT_ATTACH},
	{"relative-timestamps", 'r', OPTS_ARG_OPTIONAL, OPT_RELATIVE},
	{"instruction-pointer", 'i', false, OPT_IP},
	{"syscall-number", 'n', false, OPT_NR},
	{NULL, 'x', false, OPT_HEX},
	{"no-abbrev", 'v', false, OPT_NOABBREV},
	{"const-print-style", 'X', true, OPT_CONST_STYLE},
	{"abbrev", 0, true, OPT_ABBREV_SET},
	{"verbose", 0, true, OPT_VERBOSE_SET},
	{"strings-in-hex", 0, OPTS_ARG_OPTIONAL, OPT_HEX_LONG},
	{"columns", 'a', true, OPT_COLUMN},
	{"output-append-mode", 'A', false, OPT_APPEND},
	{"summary-wall-clock", 'w', false, OPT_WALL},
	{"summary-sort-by", 'S', true, OPT_SORTBY},
	{"env", 'E', true, OPT_ENV},
	{"user", 'u', true, OPT_USER},
	{"seccomp-bpf", 0, false, OPT_SECCOMP_BPF},
	{"output-separately", 0, false, OPT_SEPARATELY},
	{"trace", 0, true, OPT_TRACE_SET},
	{"signal", 0, true, OPT_SIGNAL_SET},
	{"status", 0, true, OPT_STATUS_SET},
	{"inject", 0, true, OPT_INJECT},
	{"read", 0, true, OPT_READ_SET},
	{"write", 0, true, OPT_WRITE_SET},
	{"trace-path", 'P', true, OPT_TRACE_PATH},
	RUNOPTS_TABLE,
	{NULL, 0, false, 0},
};

struct ended {
	pid_t pid;
	int status;       /* waitpid's */
	const char *comm; /* -Y: its name, else NULL */
};

/* How the tracer's lines start (the options that shape the command's). */
struct line_form {
	int follow, tstamp;
	bool to_file, json, relative, show_ip;
	unsigned long long since_last; /* -r */
};

/* The line strace ends a process's trace with, in the same form as the
 * tracer's own lines (src/hooks/trace/line.c): "+++ killed by SIGKILL +++"
 * or "+++ exited with 0 +++", after the pid with -f -o FILE, the time with
 * -t/-tt/-ttt, the time since the line before with -r and question marks
 * for the address with -i. */
static const char *end_line(char *buf, size_t n, const struct ended *k, const struct line_form *f)
{
	char name[48];
	int code;
	if (WIFSIGNALED(k->status)) {
		code = WTERMSIG(k->status);
		const char *abbrev = sigabbrev_np(code);
		const char *core = WCOREDUMP(k->status) ? " (core dumped)" : "";
		if (abbrev)
			snprintf(name, sizeof name, "killed by SIG%s%s", abbrev, core);
		else
			snprintf(name, sizeof name, "killed by %d%s", code, core);
	} else {
		code = WEXITSTATUS(k->status);
		snprintf(name, sizeof name, "exited with %d", code);
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (f->json) {
		snprintf(buf, n,
			 "{\"pid\":%d,\"tid\":%d,\"ts\":%lld.%06ld,\"event\":\"%s\","
			 "\"status\":%d}\n",
			 (int)k->pid, (int)k->pid, (long long)now.tv_sec, now.tv_nsec / 1000, name, code);
		return buf;
	}
	char prefix[96] = "", when[64] = "", rel[40] = "";
	if (f->to_file && f->follow == 1 && k->comm && k->comm[0]) {
		/* as the tracer's lines: no padding after a name */
		struct tb b;
		tb_init(&b, prefix, sizeof prefix - 1);
		tb_dec(&b, k->pid);
		tb_putc(&b, '<');
		tb_angled(&b, k->comm, strlen(k->comm));
		tb_puts(&b, "> ");
		prefix[b.len] = '\0';
	} else if (f->to_file && f->follow == 1) {
		snprintf(prefix, sizeof prefix, "%-5d ", (int)k->pid);
	}
	if (f->relative)
		snprintf(rel, sizeof rel, f->tstamp ? "(+%6llu.%06llu) " : "%6llu.%06llu ",
			 f->since_last / 1000000000u, f->since_last % 1000000000u / 1000);
	int tstamp = f->tstamp;
	if (tstamp == 3) {
		snprintf(when, sizeof when, "%lld.%06ld ", (long long)now.tv_sec, now.tv_nsec / 1000);
	} else if (tstamp) {
		struct tm tm;
		char hms[16] = "";
		if (localtime_r(&now.tv_sec, &tm))
			strftime(hms, sizeof hms, "%H:%M:%S", &tm);
		if (tstamp == 2)
			snprintf(when, sizeof when, "%s.%06ld ", hms, now.tv_nsec / 1000);
		else
			snprintf(when, sizeof when, "%s ", hms);
	}
	snprintf(buf, n, "%s%s%s%s+++ %s +++\n", prefix, when, rel, f->show_ip ? "[????????????????] " : "",
		 name);
	return buf;
}

/* A growing string of items, separated by sep. */
struct strbuf {
	char *s;
	size_t len, cap;
	char sep;
};

static void sb_add(struct strbuf *b, const char *text)
{
	size_t n = strlen(text);
	if (b->len + n + 2 > b->cap) {
		b->cap = (b->len + n + 2) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			die(EXIT_USAGE, "out of memory");
	}
	if (b->len)
		b->s[b->len++] = b->sep;
	memcpy(b->s + b->len, text, n + 1);
	b->len += n;
}

/* One word of ZPOLINE_TRACE_OPTS: as it is if it is plain, else in single
 * quotes, with each ' written as '\'' (the tracer splits like sh). */
static void sb_add_word(struct strbuf *b, const char *word)
{
	bool plain = *word != '\0';
	for (const char *c = word; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "%+,-./:=@_!", *c))
			plain = false;
	if (plain) {
		sb_add(b, word);
		return;
	}
	size_t n = 3;
	for (const char *c = word; *c; c++)
		n += *c == '\'' ? 4 : 1;
	char *q = malloc(n);
	if (!q)
		die(EXIT_USAGE, "out of memory");
	char *o = q;
	*o++ = '\'';
	for (const char *c = word; *c; c++) {
		if (*c == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *c;
		}
	}
	*o++ = '\'';
	*o = '\0';
	sb_add(b, q);
	free(q);
}

/* The tracer may reopen -o FILE after the program changed directory or
 * exec'd, so it gets an absolute path. */
static char *absolute_output(const char *file)
{
	if (!*file)
		usage_error("trace", "-o needs a file name");
	if (file[0] == '|' || file[0] == '!')
		usage_error("trace", "-o %s: piping the trace to a command is not supported", file);
	char *abs;
	if (file[0] == '/') {
		abs = strdup(file);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			die(EXIT_USAGE, "cannot find the current directory: %s", strerror(errno));
		if (asprintf(&abs, "%s/%s", cwd, file) < 0)
			abs = NULL;
	}
	if (!abs)
		die(EXIT_USAGE, "out of memory");
	return abs;
}

/* The tracer opens -o FILE with O_CREAT (-ff creates FILE.TID): a file
 * that exists and may be written (/dev/null, a file in a directory we may
 * not write) needs no more; anything else needs the directory. */
static void check_output(const char *file, const char *abs, bool per_process)
{
	if (!per_process && access(abs, W_OK) == 0)
		return;
	char *dir = strdup(abs);
	if (!dir)
		die(EXIT_USAGE, "out of memory");
	*strrchr(dir, '/') = '\0';
	if (access(*dir ? dir : "/", W_OK | X_OK) != 0)
		usage_error("trace", "cannot write the trace to %s: %s: %s", file, *dir ? dir : "/",
			    strerror(errno));
	free(dir);
}

static void check_strsize(const char *v)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < 0 || n > INT_MAX)
		usage_error("trace", "-s needs a number of bytes, not '%s'", v);
}

/* -e EXPR, checked here where the tracer could only say it late, with
 * /REGEX items of a system call set replaced by the names they match. */
static void add_expr(struct strbuf *topts, const char *expr)
{
	char why[768];
	if (!*expr)
		usage_error("trace", "-e needs an expression");
	if (!strncmp(expr, "inject=", 7) && tracelink_check_inject(expr + 7, why, sizeof why) < 0)
		usage_error("trace", "%s", why);
	char *expanded = NULL;
	if (tracesets_expand(expr, &expanded, why, sizeof why) < 0)
		usage_error("trace", "%s", why);
	sb_add(topts, "-e");
	sb_add_word(topts, expanded ? expanded : expr);
	free(expanded);
}

/* -P PATH, and the path it resolves to if that differs (as strace, which
 * says so). */
static void add_trace_path(struct strbuf *topts, const char *path)
{
	if (!*path)
		usage_error("trace", "-P needs a path");
	sb_add(topts, "-P");
	sb_add_word(topts, path);
	char *real = realpath(path, NULL);
	if (real && strcmp(real, path)) {
		say("requested path \"%s\" resolved into \"%s\"", path, real);
		sb_add(topts, "-P");
		sb_add_word(topts, real);
	}
	free(real);
}

/* --absolute-timestamps=[[format:]FORMAT[,[precision:]PRECISION]]: the
 * forms -t, -tt and -ttt print; returns their number of t's. */
static int absolute_timestamps(const char *v)
{
	bool unix_time = false, none = false;
	const char *precision = "s";
	char *copy = strdup(v), *save = NULL;
	if (!copy)
		die(EXIT_USAGE, "out of memory");
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strncmp(w, "format:", 7))
			w += 7;
		else if (!strncmp(w, "precision:", 10))
			w += 10;
		if (!strcmp(w, "time"))
			unix_time = false;
		else if (!strcmp(w, "unix"))
			unix_time = true;
		else if (!strcmp(w, "none"))
			none = true;
		else if (!strcmp(w, "s") || !strcmp(w, "us"))
			precision = w[0] == 's' ? "s" : "us";
		else
			usage_error("trace", "--absolute-timestamps=%s: formats are time, unix and none, "
				    "precisions s and us", v);
	}
	free(copy);
	if (none)
		return 0;
	if (unix_time && precision[0] == 's')
		usage_error("trace", "--absolute-timestamps=%s: unix time is printed with microseconds "
			    "(unix,us, or -ttt)", v);
	return unix_time ? 3 : precision[0] == 's' ? 1 : 2;
}

/* --syscall-times and --relative-timestamps take a precision; microseconds
 * are the one printed here. */
static void microseconds_only(const char *opt, const char *v)
{
	if (v && strcmp(v, "us"))
		usage_error("trace", "%s=%s: only microseconds (us) are printed", opt, v);
}

/* -E VAR=VAL sets, -E VAR removes, in the program's environment only. */
static void env_change(char ***envs, int *n, const char *v)
{
	if (!*v || *v == '=')
		usage_error("trace", "-E needs VAR=VALUE or VAR, not '%s'", v);
	char **grown = realloc(*envs, sizeof **envs * (size_t)(*n + 1));
	if (!grown)
		die(EXIT_USAGE, "out of memory");
	*envs = grown;
	(*envs)[(*n)++] = (char *)v;
}

/* Traced processes outlived the program: they finish the trace when the
 * last of them exits, unless they are killed (SIGKILL, the OOM killer), or
 * one of them was killed unseen before (an orphan killed by a signal: its
 * parent, gone, could not count it out; Erlang's inet_gethost kills its
 * helper so): then nobody would, and the file would keep its zero-filled
 * room and the control file would stay in TMPDIR.  A detached child of ours
 * waits for them to be gone and finishes it then; the command returns now.
 * The child keeps our standard error only when a -c table it may print goes
 * there (without -o, or with -ff): that is where strace prints it, and
 * /dev/null lost it. */
static void finish_later(const char *output, const char *ctl, bool keep_stderr)
{
	pid_t p = fork();
	if (p != 0) {
		if (p > 0) /* reaped at once: the watcher is the grandchild */
			waitpid(p, NULL, 0);
		return;
	}
	if (setsid() < 0 || fork() != 0)
		_exit(0);
	/* The command's handlers pass signals on to the program, gone by now
	 * (its number may be another process's): the watcher takes the
	 * default actions, so that SIGTERM ends it. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (!keep_stderr)
			dup2(null, 2);
	}
	char why[1024];
	long ms = 10;
	for (;;) {
		struct timespec ts = {ms / 1000, ms % 1000 * 1000000L};
		nanosleep(&ts, NULL);
		if (ms < 200)
			ms *= 2;
		if (tracelink_finish(output, ctl, NULL, 0, why, sizeof why) != 1)
			_exit(0);
	}
}

/* Helpers often end a moment after the program (Erlang's erl_child_setup
 * reads the end of its pipe to beam): give them ~130 ms, polled, before
 * going to the background, so that in the common case the trace is whole
 * and the -c table printed when the command returns, as strace's would be
 * (found comparing runs of `erl`: one in ten returned with the file still
 * untrimmed, its zero-filled room read by whoever looked at it first).
 * Returns zp_trace_finish's result. */
static int finish_soon(const char *output, const char *ctl, char *why, size_t n)
{
	int f = 1;
	for (long us = 1000; f == 1 && us <= 64000; us *= 2) {
		struct timespec ts = {0, us * 1000L};
		nanosleep(&ts, NULL);
		f = tracelink_finish(output, ctl, NULL, 0, why, n);
	}
	return f;
}

/* A file for ZPOLINE_TRACE_CTL, or NULL (the tracer then keeps its state
 * in memory and the command can only trim the file). */
static char *make_ctl_file(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || dir[0] != '/') /* every traced process must find it, wherever it is */
		dir = "/tmp";
	char *path;
	if (asprintf(&path, "%s/zpoline-trace.XXXXXX", dir) < 0)
		return NULL;
	int fd = mkstemp(path);
	if (fd < 0) {
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

int cmd_trace(int argc, char **argv)
{
	struct runopts r;
	memset(&r, 0, sizeof r);
	struct strbuf topts = {.sep = ' '};
	int follow = 0, timestamps = 0, quiet = 0, hex = 0, nenvs = 0;
	bool summary_only = false, summary_too = false, json = false, append = false,
	     separately = false, relative = false, show_ip = false;
	char **envs = NULL;
	char *output = NULL;
	const char *output_arg = NULL;
	struct opts o;
	opts_init(&o, "trace", argc, argv);
	const char *arg;
	int id;
	while ((id = opts_next(&o, trace_table, &arg)) > 0) {
		switch (id) {
		case OPT_HELP:
			free(topts.s);
			free(output);
			free(envs);
			help_command("trace");
			return 0;
		case OPT_OUTPUT:
			if (output)
				usage_error("trace", "-o given twice");
			output = absolute_output(arg);
			output_arg = arg;
			break;
		case OPT_FOLLOW:
			follow++;
			break;
		case OPT_SUMMARY:
			summary_only = true;
			sb_add(&topts, "-c");
			break;
		case OPT_SUMMARY_TOO:
			summary_too = true;
			sb_add(&topts, "-C");
			break;
		case OPT_TIME:
			if (arg)
				timestamps = absolute_timestamps(arg);
			else
				timestamps++;
			break;
		case OPT_DURATION:
			microseconds_only("--syscall-times", arg);
			sb_add(&topts, "-T");
			break;
		case OPT_RELATIVE:
			microseconds_only("--relative-timestamps", arg);
			relative = true;
			sb_add(&topts, "-r");
			break;
		case OPT_FDPATHS:
			if (arg && strcmp(arg, "path") && strcmp(arg, "socket") && strcmp(arg, "dev") &&
			    strcmp(arg, "all"))
				usage_error("trace", "--decode-fds=%s: path, socket, dev or all", arg);
			sb_add(&topts, "-y");
			if (arg && strcmp(arg, "path")) /* socket, dev, all: as -yy */
				sb_add(&topts, "-y");
			break;
		case OPT_DECODE_PIDS: {
			/* -Y is --decode-pids=comm */
			char *e = NULL;
			if (asprintf(&e, "decode-pids=%s", arg ? arg : "comm") < 0)
				die(EXIT_USAGE, "out of memory");
			add_expr(&topts, e);
			free(e);
			break;
		}
		case OPT_IP:
			show_ip = true;
			sb_add(&topts, "-i");
			break;
		case OPT_NR:
			sb_add(&topts, "-n");
			break;
		case OPT_HEX:
			hex = hex < 2 ? hex + 1 : 2;
			break;
		case OPT_NOABBREV:
			sb_add(&topts, "-v");
			break;
		case OPT_CONST_STYLE:
			/* strace's default style is the only one here */
			if (strcmp(arg, "abbrev") != 0)
				usage_error("trace", "-X %s: constants are printed by name (-X abbrev, "
					    "strace's default) only; raw and verbose are not supported",
					    arg);
			break;
		case OPT_ABBREV_SET:
		case OPT_VERBOSE_SET: {
			char *e = NULL;
			if (asprintf(&e, "%s=%s", id == OPT_ABBREV_SET ? "abbrev" : "verbose", arg) < 0)
				die(EXIT_USAGE, "out of memory");
			add_expr(&topts, e);
			free(e);
			break;
		}
		case OPT_HEX_LONG:
			if (!arg || !strcmp(arg, "all"))
				hex = 2;
			else if (!strcmp(arg, "non-ascii"))
				hex = hex > 1 ? hex : 1;
			else
				usage_error("trace", "--strings-in-hex=%s: use all or non-ascii", arg);
			break;
		case OPT_COLUMN:
			sb_add(&topts, "-a");
			sb_add_word(&topts, arg);
			break;
		case OPT_APPEND:
			append = true;
			break;
		case OPT_WALL:
			break; /* the summary's times are wall-clock times already */
		case OPT_SORTBY:
			sb_add(&topts, "-S");
			sb_add_word(&topts, arg);
			break;
		case OPT_ENV:
			env_change(&envs, &nenvs, arg);
			break;
		case OPT_USER:
			usage_error("trace", "-u %s: running the program as another user is not "
				    "supported; run zpoline itself as that user (runuser -u %s -- "
				    "zpoline trace ...)", arg, arg);
			break;
		case OPT_SECCOMP_BPF:
			break; /* strace's way to stop fewer times; nothing stops here */
		case OPT_SEPARATELY:
			separately = true;
			break;
		case OPT_TRACE_PATH:
			add_trace_path(&topts, arg);
			break;
		case OPT_SUCCESSFUL:
			sb_add(&topts, "-z");
			break;
		case OPT_FAILED:
			sb_add(&topts, "-Z");
			break;
		case OPT_QUIET:
			/* --quiet=SET: only the exit lines can be left out here */
			if (!arg)
				quiet++;
			else if (strstr(arg, "exit") || strstr(arg, "all"))
				quiet = 2;
			else if (!quiet)
				quiet = 1;
			break;
		case OPT_ATTACH:
			usage_error("trace", "-p %s: zpoline cannot attach to a running process: the runtime "
				    "is loaded when a program starts (strace -p can attach)", arg);
			break;
		case OPT_JSON:
			json = true;
			sb_add(&topts, "--json");
			break;
		case OPT_STRSIZE:
			check_strsize(arg);
			sb_add(&topts, "-s");
			sb_add_word(&topts, arg);
			break;
		case OPT_TRACE_SET:
		case OPT_SIGNAL_SET:
		case OPT_STATUS_SET:
		case OPT_INJECT:
		case OPT_READ_SET:
		case OPT_WRITE_SET: {
			static const char *const what[] = {"trace=", "signal=", "status=", "inject=",
							   "read=", "write="};
			char *e = NULL;
			if (asprintf(&e, "%s%s", what[id - OPT_TRACE_SET], arg) < 0)
				die(EXIT_USAGE, "out of memory");
			add_expr(&topts, e);
			free(e);
			break;
		}
		case OPT_EXPR:
			add_expr(&topts, arg);
			break;
		default:
			runopts_take(&r, "trace", id, arg);
		}
	}
	if (id == OPTS_NONOPT)
		o.index--;
	if (o.index >= argc)
		usage_error("trace", "no program given");
	if (separately) {
		if (!follow)
			usage_error("trace", "--output-separately needs -f here (every task of the "
				    "tree gets its file: -ff)");
		follow = 2;
	}
	if (follow > 2)
		usage_error("trace", "-f may be given at most twice (-ff)");
	if (timestamps > 3)
		usage_error("trace", "-t may be given at most three times (-ttt)");
	if (follow == 2 && !output)
		usage_error("trace", "-ff needs -o FILE (it writes one file per process)");
	if (output)
		check_output(output_arg, output, follow == 2);
	if (follow)
		sb_add(&topts, follow == 2 ? "-ff" : "-f");
	if (timestamps)
		sb_add(&topts, timestamps == 3 ? "-ttt" : timestamps == 2 ? "-tt" : "-t");
	if (hex)
		sb_add(&topts, hex == 2 ? "-xx" : "-x");
	if (quiet)
		sb_add(&topts, quiet >= 2 ? "-qq" : "-q");
	if (append && !output)
		say("-A has no effect without -o"); /* as strace, a warning */
	else if (append)
		sb_add(&topts, "-A");
	if (output) {
		sb_add(&topts, "-o");
		sb_add_word(&topts, output);
	}
	const char *opts_string = topts.s ? topts.s : "";
	char why[1024];
	bool decode_pids = false;
	if (tracelink_check_opts(opts_string, &decode_pids, why, sizeof why) < 0)
		usage_error("trace", "%s", why);

	struct launch l;
	struct zp_paths p;
	static const char *const lead[] = {"trace"};
	runopts_prepare(&r, lead, 1, argv + o.index, &l, &p);
	launch_setenv(&l, "ZPOLINE_TRACE_OPTS", opts_string);
	/* the root's first execve line, for a script (whose argv[0] the
	 * kernel replaces) */
	launch_setenv(&l, "ZPOLINE_TRACE_ARGV0", argv[o.index]);
	/* Sites rewritten at start-up: a call made through the trap path, as
	 * a process's first calls otherwise are (src/runtime/tier.c), shows an
	 * interrupted call after the signal, not before it as strace does. */
	const char *after = getenv("ZPOLINE_SWITCH_AFTER");
	if (!after || !*after)
		launch_setenv(&l, "ZPOLINE_SWITCH_AFTER", "0");
	/* -E: the command's own environment goes to the program (launch.c) */
	for (int i = 0; i < nenvs; i++) {
		char *eq = strchr(envs[i], '=');
		if (eq) {
			*eq = '\0';
			setenv(envs[i], eq + 1, 1);
			*eq = '=';
		} else {
			unsetenv(envs[i]);
		}
	}
	free(envs);
	/* Reading the time zone costs each traced process ~0.5 ms here: do it
	 * once for them all (-t and utimensat's dates use it). */
	time_t now = time(NULL);
	struct tm tm;
	if (localtime_r(&now, &tm)) {
		static char tz[24]; /* launch_setenv keeps the pointer */
		snprintf(tz, sizeof tz, "%ld", (long)tm.tm_gmtoff);
		launch_setenv(&l, "ZPOLINE_TRACE_TZ", tz);
		/* Dates need the offset they had: only a zone that never had
		 * summer time keeps one (strace asks localtime per date). */
		if (!daylight)
			launch_setenv(&l, "ZPOLINE_TRACE_TZ_FIXED", "1");
	}
	char *ctl = make_ctl_file();
	if (ctl)
		launch_setenv(&l, "ZPOLINE_TRACE_CTL", ctl);
	l.trace_root = true;
	char root_comm[16] = "";
	if (decode_pids)
		l.root_comm = root_comm;
	pid_t pid = 0;
	int wstatus = 0;
	int status = launch_run(&l, &pid, &wstatus);

	/* A program killed by a signal could not say so itself (a traced
	 * parent says it of its children), nor one that ended up running an
	 * image that does not load the runtime (set-user-ID, valgrind's tool:
	 * its execve line is left <unfinished ...>). */
	char last[256];
	const char *lastp = NULL;
	if (pid > 0 && (WIFSIGNALED(wstatus) || (WIFEXITED(wstatus) && tracelink_untraced(ctl, pid))) &&
	    (!summary_only || summary_too) && (quiet < 2 || WIFSIGNALED(wstatus))) {
		struct ended k = {pid, wstatus, decode_pids ? root_comm : NULL};
		struct line_form f = {follow, timestamps, output != NULL, json, relative, show_ip,
				      relative ? tracelink_since_last_line(ctl) : 0};
		lastp = end_line(last, sizeof last, &k, &f);
	}
	/* The program is gone; children it left behind with -f may not be. */
	int f = tracelink_finish(output, ctl, lastp, pid, why, sizeof why);
	if (f > 0)
		f = finish_soon(output, ctl, why, sizeof why);
	if (f < 0)
		say("finishing the trace: %s", why);
	else if (f > 0) {
		/* Only to a person: the program's stderr is often captured (a test
		 * suite run under the tracer compares it), and a line of ours in
		 * it is a difference from the native run. */
		if (isatty(2))
			say("traced processes are still running; the trace%s%s will be finished "
			    "when they are gone",
			    output ? " in " : "", output ? output : "");
		finish_later(output, ctl, (summary_only || summary_too) && (!output || follow == 2));
	}
	free(ctl);
	free(output);
	free(topts.s);
	launch_free(&l);
	/* As strace: the trace is finished, then the command dies as the
	 * program did. */
	launch_die_like(wstatus);
	return status;
}
