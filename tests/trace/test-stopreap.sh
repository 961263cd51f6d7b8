#!/bin/bash
# test-stopreap.sh - a traced parent whose wait4 reports a child stopped
# (WUNTRACED) or continued (WCONTINUED), as every job-control shell does:
# the child is still alive, and when it is later killed its "+++ killed by"
# line is printed as strace does.  Before, the stop report counted the
# child as reaped, and bash's jobs killed after Ctrl-Z/bg/fg had no line.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROGS=$ZP_BUILD/tests/progs
traced() { LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="$1" "${@:2}"; }

f=$TMP/stopreap.trace
traced "-f -o $f" "$PROGS/tp-stopreap" >"$TMP/stopreap.out"
rc=$?
if [ $rc -eq 0 ] && [ "$(cat "$TMP/stopreap.out")" = done ] &&
	[ "$(grep -ac '^[0-9]* *+++ killed by SIGTERM +++$' "$f")" = 1 ] &&
	[ "$(grep -ac '^[0-9]* *+++ killed by SIGKILL +++$' "$f")" = 1 ] &&
	grep -aq 'WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP' "$f" &&
	grep -aq 'WIFCONTINUED(s)' "$f" &&
	! tr -d '\n[:print:]\t' <"$f" | grep -q .; then
	pass "children stopped, continued and killed: killed lines, file finished"
else
	fail "stopped children: exit $rc, $(grep -a '+++' "$f" | tr '\n' ' ')"
fi

# -c: the summary comes once, at the end, with the parent's calls
traced "-f -c -o $TMP/stopreap.c" "$PROGS/tp-stopreap" >/dev/null
if grep -aq 'wait4' "$TMP/stopreap.c" && [ "$(grep -ac '^100.00' "$TMP/stopreap.c")" = 1 ]; then
	pass "stopped children: -c summary complete"
else
	fail "stopped children: -c summary: $(tr '\n' ' ' <"$TMP/stopreap.c")"
fi
finish
