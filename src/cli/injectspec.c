/*
 * injectspec.c - the command's check of inject specs (see injectspec.h).
 * System call names come from the generated table, errno names from libc
 * (strerrorname_np), so neither is typed here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "injectspec.h"
#include "syscall_table.h"

#define MAX_ERRNO 4095

/* The classes the tracer's set syntax knows. */
static const char *const classes[] = {"%file", "%process", "%network", "%net",
				      "%memory", "%signal", "%desc"};

int errno_by_name(const char *name)
{
	for (int e = 1; e <= MAX_ERRNO; e++) {
		const char *n = strerrorname_np(e);
		if (n && !strcmp(n, name))
			return e;
	}
	return -1;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
	if (!*s)
		return false;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int check_syscalls(const char *list, size_t len, const char *spec, char *why, size_t n)
{
	if (len == 0) {
		snprintf(why, n, "inject spec '%s' names no system call", spec);
		return -1;
	}
	char buf[512];
	if (len >= sizeof buf) {
		snprintf(why, n, "inject spec '%.40s...' is too long", spec);
		return -1;
	}
	memcpy(buf, list, len);
	buf[len] = '\0';
	if (strstr(buf, ",,") || buf[0] == ',' || buf[len - 1] == ',') {
		snprintf(why, n, "inject spec '%s': empty name in the system call list", spec);
		return -1;
	}
	char *save = NULL;
	for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		const char *name = item[0] == '!' ? item + 1 : item;
		long nr;
		if (zp_syscall_number(name) >= 0 || !strcmp(name, "all") ||
		    parse_long(name, 0, 1023, &nr))
			continue;
		bool is_class = false;
		for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
			is_class |= !strcmp(name, classes[i]);
		if (is_class)
			continue;
		snprintf(why, n, "inject spec '%s': unknown system call '%s'", spec, name);
		return -1;
	}
	return 0;
}

static bool check_when(const char *v)
{
	/* N, N+ or N+STEP, all counts from 1. */
	char buf[64];
	if (strlen(v) >= sizeof buf)
		return false;
	strcpy(buf, v);
	char *plus = strchr(buf, '+');
	long x;
	if (plus)
		*plus = '\0';
	if (!parse_long(buf, 1, 65535, &x))
		return false;
	return !plus || !plus[1] || parse_long(plus + 1, 1, 65535, &x);
}

int injectspec_check(const char *spec, char *why, size_t n)
{
	if (strchr(spec, ';')) {
		snprintf(why, n, "inject spec '%s' contains ';' (give each spec as its own argument)",
			 spec);
		return -1;
	}
	const char *colon = strchr(spec, ':');
	if (!colon) {
		snprintf(why, n, "inject spec '%s' has no ':error=...' or ':retval=...'", spec);
		return -1;
	}
	if (check_syscalls(spec, (size_t)(colon - spec), spec, why, n) < 0)
		return -1;
	bool have_error = false, have_retval = false, have_when = false, have_path = false;
	const char *p = colon + 1;
	while (p) {
		const char *next = strchr(p, ':');
		size_t len = next ? (size_t)(next - p) : strlen(p);
		char part[256];
		if (!strncmp(p, "path=", 5)) { /* a path may itself contain ':' */
			len = strlen(p);
			next = NULL;
		}
		if (len >= sizeof part) {
			snprintf(why, n, "inject spec '%.40s...': a part is too long", spec);
			return -1;
		}
		memcpy(part, p, len);
		part[len] = '\0';
		char *eq = strchr(part, '=');
		if (!eq) {
			snprintf(why, n, "inject spec '%s': '%s' is not KEY=VALUE", spec, part);
			return -1;
		}
		*eq = '\0';
		const char *key = part, *val = eq + 1;
		long v;
		bool *seen;
		bool ok;
		if (!strcmp(key, "error")) {
			seen = &have_error;
			ok = errno_by_name(val) > 0 || parse_long(val, 1, MAX_ERRNO, &v);
		} else if (!strcmp(key, "retval")) {
			seen = &have_retval;
			ok = parse_long(val, -(1L << 62), 1L << 62, &v);
		} else if (!strcmp(key, "when")) {
			seen = &have_when;
			ok = check_when(val);
		} else if (!strcmp(key, "path")) {
			seen = &have_path;
			ok = *val != '\0';
		} else {
			snprintf(why, n, "inject spec '%s': unknown key '%s' (error, retval, when, path)",
				 spec, key);
			return -1;
		}
		if (*seen) {
			snprintf(why, n, "inject spec '%s': '%s' given twice", spec, key);
			return -1;
		}
		*seen = true;
		if (!ok) {
			snprintf(why, n, "inject spec '%s': bad %s '%s'", spec, key, val);
			return -1;
		}
		p = next ? next + 1 : NULL;
	}
	if (have_error == have_retval) {
		snprintf(why, n, "inject spec '%s' needs exactly one of error= and retval=", spec);
		return -1;
	}
	return 0;
}
