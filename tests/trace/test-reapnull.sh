#!/bin/bash
# test-reapnull.sh - children killed by a signal and reaped without their
# status (wait4 with NULL, as Chromium's zygote does; waitid with no
# siginfo): the session still learns how they ended, prints it as strace
# does, and the last process finishes the file (before, the session waited
# for them for ever: no "+++ killed" lines and the file never trimmed).
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROGS=$ZP_BUILD/tests/progs
traced() { LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="$1" "${@:2}"; }

traced "-f -o $TMP/reapnull.trace" "$PROGS/tp-reapnull" >"$TMP/reapnull.out"
rc=$?
f=$TMP/reapnull.trace
if [ $rc -eq 0 ] && [ "$(grep -ac '^[0-9]* *+++ killed by SIGTERM +++$' "$f")" = 2 ] &&
	[ "$(grep -ac '^[0-9]* *+++ killed by SIGKILL +++$' "$f")" = 1 ] &&
	grep -aqE '^[0-9]+ +wait4\([0-9]+, NULL, 0, NULL\) += [0-9]+$' "$f" &&
	grep -aqE '^[0-9]+ +waitid\(P_PID, [0-9]+, NULL, WEXITED, NULL\) += 0$' "$f" &&
	! tr -d '\n[:print:]\t' <"$f" | grep -q .; then
	pass "children killed and reaped with a NULL status: killed lines, file finished"
else
	fail "reaped with NULL status: exit $rc, $(grep -a '+++' "$f" | tr '\n' ' ')"
fi
finish
