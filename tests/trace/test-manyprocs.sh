#!/bin/bash
# test-manyprocs.sh - a session that has run more processes than its pid table
# has slots (ZP_TRACE_PID_SLOTS, 8192) still prints "+++ killed by +++" for
# a child killed by a signal and reaped by its traced parent.  Entries of
# reaped processes were never reused: after 8192 processes no child was
# registered any more (Ruby's test_process.rb, ~20,000 processes: 927
# children killed by SIGPIPE had no line).
. "$(dirname "$0")/../lib.sh"

f=$TMP/many.trace
"$ZP_BUILD/zpoline" trace -f -e trace=none -o "$f" -- \
	sh -c 'i=0; while [ $i -lt 8300 ]; do (:); i=$((i+1)); done; sh -c "kill -9 \$\$"; exit 0' \
	>/dev/null 2>&1
rc=$?
n=$(grep -ac '+++ exited with 0 +++' "$f")
if [ $rc -eq 0 ] && [ "$n" -ge 8301 ] && [ "$(grep -ac '^[0-9]* *+++ killed by SIGKILL +++$' "$f")" = 1 ]; then
	pass "8,300 processes, then one killed by SIGKILL: its killed line is there"
else
	fail "many processes: exit $rc, $n exited lines, killed lines: '$(grep -a killed "$f" | tr '\n' ' ')'"
fi
finish
