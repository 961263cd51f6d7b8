#!/bin/bash
# test-strace-seccomp.sh - tp-seccompfprog's prctl(PR_SET_SECCOMP, ...) and
# seccomp(SECCOMP_SET_MODE_FILTER, ...) lines are exactly strace's: the mode
# by name and the filter program as {len=N, filter=ADDR} (they were raw
# hex: sshd's privsep child installs its sandbox this way), traced by the
# command and by a plain LD_PRELOAD session.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-seccompfprog
need_strace "seccomp filter lines"
norm() {
	grep -a -E '^(prctl|seccomp)\(' "$1" |
		sed -E 's/0x[0-9a-f]{6,}/ADDR/g; s/[[:space:]]+= ([^=]*)$/ = \1/'
}
strace -o "$TMP/s.trace" "$PROG" || fail "tp-seccompfprog natively"
"$ZP_BUILD/zpoline" trace -o "$TMP/z.trace" -- "$PROG" || fail "tp-seccompfprog traced"
LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-o $TMP/p.trace" "$PROG" ||
	fail "tp-seccompfprog traced with LD_PRELOAD"
norm "$TMP/s.trace" >"$TMP/s.lines"
for run in z p; do
	norm "$TMP/$run.trace" >"$TMP/$run.lines"
	if [ "$(wc -l <"$TMP/s.lines")" -eq 6 ] && cmp -s "$TMP/s.lines" "$TMP/$run.lines"; then
		pass "seccomp filter lines ($run): as strace prints them"
	else
		fail "seccomp filter lines ($run) differ from strace"
		diff "$TMP/s.lines" "$TMP/$run.lines" | head -20
	fi
done
finish
