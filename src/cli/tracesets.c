/*
 * tracesets.c - see tracesets.h.
 */
#define _GNU_SOURCE
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscall_table.h"
#include "tracesets.h"

struct text {
	char *s;
	size_t len, cap;
};

static int put(struct text *t, const char *s, size_t n)
{
	if (!t->s || t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *g = realloc(t->s, cap);
		if (!g)
			return -1;
		t->s = g;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
	return 0;
}

static int put_item(struct text *t, bool *first, const char *s, size_t n)
{
	if (!*first && put(t, ",", 1) < 0)
		return -1;
	*first = false;
	return put(t, s, n);
}

/* The names /re matches, each as an item of t; how many through *count. */
static int put_matches(struct text *t, bool *first, const char *re, size_t n, int *count,
		       char *why, size_t why_size)
{
	char *pat = strndup(re, n);
	if (!pat)
		return -1;
	regex_t rx;
	int e = regcomp(&rx, pat, REG_EXTENDED | REG_NOSUB);
	if (e) {
		char msg[128];
		regerror(e, &rx, msg, sizeof msg);
		snprintf(why, why_size, "-e trace: bad regular expression '/%s': %s", pat, msg);
		free(pat);
		return -1;
	}
	free(pat);
	*count = 0;
	int rc = 0;
	for (long nr = 0; nr <= zp_syscall_max() && rc == 0; nr++) {
		const char *name = zp_syscall_name(nr);
		if (name && regexec(&rx, name, 0, NULL, 0) == 0) {
			rc = put_item(t, first, name, strlen(name));
			++*count;
		}
	}
	regfree(&rx);
	if (rc < 0)
		snprintf(why, why_size, "out of memory");
	return rc;
}

int tracesets_expand(const char *expr, char **out, char *why, size_t why_size)
{
	*out = NULL;
	const char *set = expr, *eq = strchr(expr, '=');
	if (eq) {
		size_t k = (size_t)(eq - expr);
		if (!(k == 5 && !memcmp(expr, "trace", 5)) && !(k == 1 && expr[0] == 't') &&
		    !(k == 6 && !memcmp(expr, "inject", 6)) && !(k == 3 && !memcmp(expr, "raw", 3)))
			return 0; /* status=, signal=: no system call set */
		set = eq + 1;
	}
	/* inject=SET:RULE... */
	size_t setlen = strcspn(set, eq && expr[0] == 'i' ? ":" : "");
	if (!memchr(set, '/', setlen))
		return 0;
	struct text t = {0};
	bool first = true;
	if (put(&t, expr, (size_t)(set - expr)) < 0)
		goto oom;
	size_t i = 0;
	if (setlen && set[0] == '!') {
		if (put(&t, "!", 1) < 0)
			goto oom;
		i = 1;
	}
	while (i < setlen) {
		size_t j = i;
		while (j < setlen && set[j] != ',')
			j++;
		const char *item = set + i;
		size_t n = j - i;
		bool optional = n && item[0] == '?';
		if (n > (size_t)optional && item[optional] == '/') {
			int count;
			if (put_matches(&t, &first, item + optional + 1, n - optional - 1, &count, why,
					why_size) < 0) {
				free(t.s);
				return -1;
			}
			if (!count && !optional) {
				/* strace: "invalid system call '/zzz'" */
				snprintf(why, why_size, "-e trace: no system call matches '%.*s'", (int)n,
					 item);
				free(t.s);
				return -1;
			}
		} else if (put_item(&t, &first, item, n) < 0) {
			goto oom;
		}
		i = j + 1;
	}
	if (first && put(&t, "none", 4) < 0)
		goto oom;
	if (put(&t, set + setlen, strlen(set + setlen)) < 0)
		goto oom;
	*out = t.s;
	return 0;
oom:
	free(t.s);
	snprintf(why, why_size, "out of memory");
	return -1;
}
