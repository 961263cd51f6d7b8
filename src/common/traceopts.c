/*
 * traceopts.c - see traceopts.h.  Runs at init (libc is fine here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_consts.h"
#include "traceopts.h"

#define MAX_WORDS 128
#define WORDS_BYTES 16384

/* Split s into words (blanks separate; '...' and "..." group; backslash
 * escapes the next character outside single quotes). */
static int split(const char *s, char *store, size_t storelen, char **words, int *nwords,
		 char *err, size_t errlen)
{
	size_t used = 0;
	int n = 0;
	const char *p = s;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		if (n == MAX_WORDS) {
			snprintf(err, errlen, "too many words in the options");
			return -1;
		}
		words[n++] = store + used;
		char quote = 0;
		while (*p && (quote || (*p != ' ' && *p != '\t' && *p != '\n'))) {
			char c = *p++;
			if (quote == '\'' && c == '\'') {
				quote = 0;
				continue;
			}
			if (quote == '"' && c == '"') {
				quote = 0;
				continue;
			}
			if (!quote && (c == '\'' || c == '"')) {
				quote = c;
				continue;
			}
			if (c == '\\' && quote != '\'' && *p)
				c = *p++;
			if (used + 1 >= storelen) {
				snprintf(err, errlen, "options too long");
				return -1;
			}
			store[used++] = c;
		}
		if (quote) {
			snprintf(err, errlen, "unterminated %c quote in the options", quote);
			return -1;
		}
		store[used++] = '\0';
	}
	*nwords = n;
	return 0;
}

/* Is word one of the items of the comma list? */
static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; *p;) {
		size_t k = 0;
		while (p[k] && p[k] != ',')
			k++;
		if (k == n && memcmp(p, word, n) == 0)
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

/* -e status=: a comma list of result classes, ! in front negates. */
static int parse_status(const char *v, struct zp_trace_opts *o, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		unsigned bits;
	} classes[] = {
		{"successful", ZP_STATUS_SUCCESSFUL}, {"failed", ZP_STATUS_FAILED},
		{"unavailable", ZP_STATUS_UNAVAILABLE}, {"unfinished", ZP_STATUS_UNFINISHED}, {"detached", 0},
		{"all", ZP_STATUS_ALL}, {"none", 0},
	};
	bool negate = *v == '!';
	if (negate)
		v++;
	unsigned bits = 0;
	if (!*v) {
		snprintf(err, errlen, "-e status= needs a list (successful, failed, unavailable, all, none)");
		return -1;
	}
	for (const char *p = v; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		size_t i = 0;
		while (i < sizeof classes / sizeof classes[0] &&
		       !(strlen(classes[i].name) == n && memcmp(classes[i].name, p, n) == 0))
			i++;
		if (i == sizeof classes / sizeof classes[0]) {
			snprintf(err, errlen, "-e status: unknown class '%.*s' (successful, failed, "
				 "unavailable, unfinished, detached, all, none)", (int)n, p);
			return -1;
		}
		bits |= classes[i].bits;
		p += n + (end ? 1 : 0);
	}
	if (negate)
		bits = ZP_STATUS_ALL & ~bits;
	/* 0 stands for all, the default. */
	o->status = bits == ZP_STATUS_ALL ? 0 : bits ? bits : ZP_STATUS_NOTHING;
	return 0;
}

/* ASCII letters of a and b (n bytes) equal but for case.  (The tracer
 * links no libc: hooklibc.c has only what it needs.) */
static bool same_letters(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i] >= 'a' && a[i] <= 'z' ? (char)(a[i] - 32) : a[i];
		char y = b[i] >= 'a' && b[i] <= 'z' ? (char)(b[i] - 32) : b[i];
		if (x != y)
			return false;
	}
	return true;
}

/* A signal by name (SIGPIPE, PIPE, any case) or number; 0 if unknown. */
static int signal_number(const char *p, size_t n)
{
	if (n && p[0] >= '0' && p[0] <= '9') {
		long v = 0;
		for (size_t i = 0; i < n; i++) {
			if (p[i] < '0' || p[i] > '9' || v > 64)
				return 0;
			v = v * 10 + (p[i] - '0');
		}
		return v >= 1 && v <= 64 ? (int)v : 0;
	}
	if (n > 3 && same_letters(p, "SIG", 3)) {
		p += 3;
		n -= 3;
	}
	for (unsigned i = 0; i < zpx_signals_n; i++) {
		const char *name = zpx_signals[i].name + 3; /* past "SIG" */
		if (strlen(name) == n && same_letters(name, p, n))
			return (int)zpx_signals[i].val;
	}
	return 0;
}

/* -e signal=SET: the deliveries to print.  (The tracer sees only those a
 * call raises and then dies of: docs/tracing.md.) */
static int parse_signals(const char *set, struct zp_trace_opts *o, char *err, size_t errlen)
{
	bool negate = *set == '!';
	const char *p = set + negate;
	uint64_t mask = 0;
	if (!*p) {
		snprintf(err, errlen, "-e signal= needs a set of signals");
		return -1;
	}
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		int sig;
		if (n == 3 && !memcmp(p, "all", 3)) {
			mask = ~0ull;
		} else if (n == 4 && !memcmp(p, "none", 4)) {
			/* adds nothing */
		} else if ((sig = signal_number(p, n)) > 0) {
			mask |= 1ull << (sig - 1);
		} else {
			snprintf(err, errlen, "-e signal=: unknown signal '%.*s'", (int)n, p);
			return -1;
		}
		p += n + (end ? 1 : 0);
	}
	o->signals = negate ? ~mask : mask;
	return 0;
}

/* -e read=SET, -e write=SET: descriptor numbers, all or none, each leading
 * '!' negating the rest (strace's syntax). */
static int parse_fdset(const char *what, const char *v, struct zp_fdset *s, char *err,
		       size_t errlen)
{
	memset(s, 0, sizeof *s);
	while (*v == '!') {
		s->invert = !s->invert;
		v++;
	}
	if (strcmp(v, "all") == 0)
		s->invert = !s->invert;
	else if (strcmp(v, "none") != 0) {
		if (!*v) {
			snprintf(err, errlen, "-e %s= needs descriptors (numbers, all or none)", what);
			return -1;
		}
		while (*v) {
			size_t n = strcspn(v, ",");
			unsigned long fd = 0;
			size_t i = 0;
			for (; i < n && v[i] >= '0' && v[i] <= '9' && fd < ZP_FDSET_MAX; i++)
				fd = fd * 10 + (unsigned long)(v[i] - '0');
			if (n == 0 || i < n || fd >= ZP_FDSET_MAX) {
				snprintf(err, errlen,
					 "-e %s=: '%.*s' is not a descriptor number below %d", what,
					 (int)n, v, ZP_FDSET_MAX);
				return -1;
			}
			s->bits[fd / 64] |= 1ull << (fd % 64);
			v += n + (v[n] == ',');
		}
	}
	s->any = s->invert;
	for (size_t i = 0; i < ZP_FDSET_MAX / 64 && !s->any; i++)
		s->any = s->bits[i] != 0;
	return 0;
}

static int parse_expr(const char *e, struct zp_trace_opts *o, char *err, size_t errlen)
{
	const char *eq = strchr(e, '=');
	char serr[512];
	if (eq && (size_t)(eq - e) == 6 && memcmp(e, "inject", 6) == 0) {
		if (o->inject.n == ZP_INJECT_MAX) {
			snprintf(err, errlen, "at most %d -e inject= rules", ZP_INJECT_MAX);
			return -1;
		}
		if (zp_inject_parse_rule(eq + 1, strlen(eq + 1), &o->inject.r[o->inject.n], serr,
					 sizeof serr) < 0) {
			snprintf(err, errlen, "-e inject: %s", serr);
			return -1;
		}
		o->inject.n++;
		return 0;
	}
	const char *set = e;
	if (eq) {
		size_t k = (size_t)(eq - e);
		if ((k == 5 && memcmp(e, "trace", 5) == 0) || (k == 1 && e[0] == 't')) {
			set = eq + 1;
		} else if (k == 6 && memcmp(e, "status", 6) == 0) {
			return parse_status(eq + 1, o, err, errlen);
		} else if ((k == 6 && memcmp(e, "signal", 6) == 0) || (k == 7 && memcmp(e, "signals", 7) == 0)) {
			return parse_signals(eq + 1, o, err, errlen);
		} else if (k == 3 && memcmp(e, "raw", 3) == 0) {
			if (zp_syscall_set_parse(eq + 1, strlen(eq + 1), &o->raw, serr, sizeof serr) < 0) {
				snprintf(err, errlen, "-e raw: %s", serr);
				return -1;
			}
			o->raw_given = true;
			return 0;
		} else if ((k == 4 && memcmp(e, "read", 4) == 0) || (k == 5 && memcmp(e, "reads", 5) == 0) ||
			   (k == 1 && e[0] == 'r')) {
			return parse_fdset("read", eq + 1, &o->dump_read, err, errlen);
		} else if ((k == 5 && memcmp(e, "write", 5) == 0) || (k == 6 && memcmp(e, "writes", 6) == 0) ||
			   (k == 1 && e[0] == 'w')) {
			return parse_fdset("write", eq + 1, &o->dump_write, err, errlen);
		} else if ((k == 6 && memcmp(e, "abbrev", 6) == 0) || (k == 1 && e[0] == 'a')) {
			if (zp_syscall_set_parse(eq + 1, strlen(eq + 1), &o->abbrev, serr, sizeof serr) < 0) {
				snprintf(err, errlen, "-e abbrev: %s", serr);
				return -1;
			}
			o->abbrev_given = true;
			return 0;
		} else if ((k == 7 && memcmp(e, "verbose", 7) == 0) || (k == 1 && e[0] == 'v')) {
			if (strcmp(eq + 1, "all") != 0) {
				snprintf(err, errlen, "-e verbose=%s: only all is supported (structures are "
					 "always decoded here)", eq + 1);
				return -1;
			}
			return 0;
		} else if (k == 5 && memcmp(e, "quiet", 5) == 0) {
			/* only the exit lines can be left out here */
			if (in_list(eq + 1, "exit") || in_list(eq + 1, "all"))
				o->quiet = 2;
			return 0;
		} else if (k == 10 && memcmp(e, "decode-fds", 10) == 0) {
			o->decode_fds = in_list(eq + 1, "all") || in_list(eq + 1, "socket") ||
						 in_list(eq + 1, "dev")
					? 2
					: in_list(eq + 1, "path");
			return 0;
		} else if ((k == 11 && memcmp(e, "decode-pids", 11) == 0) ||
			   (k == 10 && memcmp(e, "decode-pid", 10) == 0)) {
			/* pidns: ids are printed as the outermost traced process's
			 * namespace numbers them already (pidns.c), without
			 * strace's comments */
			for (const char *w = eq + 1; *w;) {
				size_t n = strcspn(w, ",");
				if (!((n == 4 && memcmp(w, "comm", 4) == 0) ||
				      (n == 4 && memcmp(w, "none", 4) == 0))) {
					snprintf(err, errlen, "-e decode-pids=%.*s: comm or none (pidns "
						 "is not supported: ids are shown as the namespace "
						 "of the traced program's first process numbers them)",
						 (int)n, w);
					return -1;
				}
				w += n + (w[n] == ',');
			}
			o->decode_pids = in_list(eq + 1, "comm");
			return 0;
		} else {
			snprintf(err, errlen, "-e %.*s= is not supported (supported: trace=, status=, "
				 "inject=, signal=, raw=, abbrev=, verbose=all, read=, write=, quiet=, "
				 "decode-fds=, decode-pids=)", (int)k, e);
			return -1;
		}
	}
	struct zp_syscall_set s;
	if (zp_syscall_set_parse(set, strlen(set), &s, serr, sizeof serr) < 0) {
		snprintf(err, errlen, "-e trace: %s", serr);
		return -1;
	}
	/* Several -e trace=: positive sets add up, negated ones take away. */
	if (!o->trace_given) {
		o->trace = s;
	} else if (set[0] == '!') {
		for (size_t i = 0; i < sizeof s.bits; i++)
			o->trace.bits[i] &= s.bits[i];
	} else {
		for (size_t i = 0; i < sizeof s.bits; i++)
			o->trace.bits[i] |= s.bits[i];
	}
	o->trace_given = true;
	return 0;
}

/* -S: strace's names for the orders this table has. */
static int parse_sortby(const char *v, struct zp_trace_opts *o, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		unsigned order;
	} names[] = {
		{"time", ZP_SORT_TIME},       {"time-percent", ZP_SORT_TIME}, {"time-total", ZP_SORT_TIME},
		{"total-time", ZP_SORT_TIME}, {"calls", ZP_SORT_CALLS},       {"count", ZP_SORT_CALLS},
		{"errors", ZP_SORT_ERRORS},   {"error", ZP_SORT_ERRORS},      {"name", ZP_SORT_NAME},
		{"syscall", ZP_SORT_NAME},    {"syscall-name", ZP_SORT_NAME}, {"avg-time", ZP_SORT_AVG},
		{"time-avg", ZP_SORT_AVG},    {"nothing", ZP_SORT_NOTHING},   {"none", ZP_SORT_NOTHING},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(v, names[i].name) == 0) {
			o->sortby = names[i].order;
			return 0;
		}
	snprintf(err, errlen, "-S: unknown order '%s' (time, calls, errors, name, avg-time, nothing; "
		 "the table has no min-time or max-time column)", v);
	return -1;
}

static int parse_column(const char *v, struct zp_trace_opts *o, char *err, size_t errlen)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < 0 || n > 4096) {
		snprintf(err, errlen, "-a: '%s' is not a column (0 .. 4096)", v);
		return -1;
	}
	o->column = (unsigned)n;
	return 0;
}

static int parse_strsize(const char *v, struct zp_trace_opts *o, char *err, size_t errlen)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < 0 || n > 1 << 20) {
		snprintf(err, errlen, "-s: '%s' is not a string size (0 .. 1048576)", v);
		return -1;
	}
	o->strsize = (unsigned)n;
	return 0;
}

int zp_trace_opts_parse(const char *opts, struct zp_trace_opts *o, char *err, size_t errlen)
{
	/* Not the whole struct: each page the tracer writes at start-up costs
	 * every traced process a fault, and these are read only as far as
	 * their terminator and count say. */
	memset(o, 0, offsetof(struct zp_trace_opts, output));
	o->output[0] = '\0';
	o->inject.n = 0;
	o->ntpaths = 0;
	o->strsize = 32;
	o->column = 40;
	o->signals = ~0ull;
	memset(o->trace.bits, 0xff, sizeof o->trace.bits);
	if (!opts)
		return 0;

	static char store[WORDS_BYTES];
	char *w[MAX_WORDS];
	int n;
	if (split(opts, store, sizeof store, w, &n, err, errlen) < 0)
		return -1;
	bool count_only = false, count_too = false;
	for (int i = 0; i < n; i++) {
		const char *a = w[i];
		if (strcmp(a, "--json") == 0) {
			o->json = true;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0' || a[1] == '-') {
			snprintf(err, errlen, "unknown option '%s' (options: -o FILE -A -f -ff -c -C "
				 "-w -S SORTBY -e EXPR -t -tt -ttt -r -T -i -n -s N -x -xx -v -a N -y -z -Z -q --json)", a);
			return -1;
		}
		for (const char *c = a + 1; *c; c++) {
			switch (*c) {
			case 'f':
				o->follow++;
				break;
			case 'c':
				count_only = true;
				break;
			case 'C':
				count_too = true;
				break;
			case 't':
				o->tstamp++;
				break;
			case 'T':
				o->durations = true;
				break;
			case 'y':
				if (o->decode_fds < 2)
					o->decode_fds++;
				break;
			case 'z':
				o->status = ZP_STATUS_SUCCESSFUL;
				break;
			case 'Z':
				o->status = ZP_STATUS_FAILED;
				break;
			case 'q':
				o->quiet++;
				break;
			case 'r':
				o->relative = true;
				break;
			case 'i':
				o->show_ip = true;
				break;
			case 'n':
				o->show_nr = true;
				break;
			case 'Y':
				o->decode_pids = true;
				break;
			case 'x':
				o->hex++;
				break;
			case 'v':
				o->abbrev_given = true;
				memset(o->abbrev.bits, 0, sizeof o->abbrev.bits);
				break;
			case 'A':
				o->append = true;
				break;
			case 'w':
				break; /* the -c times are wall-clock times already */
			case 'o':
			case 'e':
			case 'P':
			case 'a':
			case 'S':
			case 's': {
				const char *v = c[1] ? c + 1 : (i + 1 < n ? w[++i] : NULL);
				if (!v) {
					snprintf(err, errlen, "-%c needs an argument", *c);
					return -1;
				}
				if (*c == 'o') {
					if (!*v || strlen(v) >= sizeof o->output) {
						snprintf(err, errlen, "-o: bad file name");
						return -1;
					}
					if (v[0] == '|' || v[0] == '!') {
						snprintf(err, errlen, "-o %s: piping the trace to a command is "
							 "not supported", v);
						return -1;
					}
					strcpy(o->output, v);
				} else if (*c == 'e') {
					if (parse_expr(v, o, err, errlen) < 0)
						return -1;
				} else if (*c == 'P') {
					if (!*v || strlen(v) >= sizeof o->tpaths[0] ||
					    o->ntpaths == ZP_TRACE_TPATHS) {
						snprintf(err, errlen, "-P: %s", *v ? "too many paths, or one too long"
										   : "an empty path");
						return -1;
					}
					memcpy(o->tpaths[o->ntpaths++], v, strlen(v) + 1);
				} else if (*c == 'a') {
					if (parse_column(v, o, err, errlen) < 0)
						return -1;
				} else if (*c == 'S') {
					if (parse_sortby(v, o, err, errlen) < 0)
						return -1;
				} else if (parse_strsize(v, o, err, errlen) < 0) {
					return -1;
				}
				goto next_word; /* the rest of the word was the argument */
			}
			default:
				snprintf(err, errlen, "unknown option '-%c' in '%s' (options: -o FILE -A -f "
					 "-ff -c -C -w -S SORTBY -e EXPR -t -tt -ttt -r -T -i -n -s N -x -xx -v -a N -y -z -Z -q --json)", *c, a);
				return -1;
			}
		}
	next_word:;
	}
	if (o->follow > 2) {
		snprintf(err, errlen, "-f given more than twice");
		return -1;
	}
	if (o->tstamp > 3) {
		snprintf(err, errlen, "-t given more than three times");
		return -1;
	}
	if (o->hex > 2) {
		snprintf(err, errlen, "-x given more than twice");
		return -1;
	}
	if (o->append && !o->output[0]) {
		snprintf(err, errlen, "-A appends to -o FILE: it needs -o");
		return -1;
	}
	if (o->follow == 2 && !o->output[0]) {
		snprintf(err, errlen, "-ff needs -o FILE (one file per task)");
		return -1;
	}
	o->count = count_only || count_too;
	o->lines = !count_only || count_too;
	if (o->ntpaths && o->count) {
		snprintf(err, errlen, "-P does not go with -c or -C here (the counts are kept "
			 "without decoding the calls)");
		return -1;
	}
	if (o->json && (o->dump_read.any || o->dump_write.any)) {
		snprintf(err, errlen, "-e read= and -e write= dump data as text after a line: they do "
			 "not go with --json");
		return -1;
	}
	if (o->json && !o->lines) {
		snprintf(err, errlen, "--json prints lines; it does not go with -c alone (use -C)");
		return -1;
	}
	return 0;
}
