#!/bin/bash
# Stress, bounded in time (STRESS_SECONDS, default 10): threads making calls
# while threads come and go, a 2 kHz timer whose handler makes calls, fork
# and posix_spawn (vfork + exec) from several threads; all under the tracer
# writing to a file.  No crash, no hang, no torn or lost line: the trace has
# one getppid line per call the program counted.
. "$(dirname "$0")/../lib.sh"
S=${STRESS_SECONDS:-10}
T=$ZP_BUILD/libzphook_trace.so
[ -e "$T" ] || { skip "stress" "libzphook_trace.so not built"; finish; }
timeout -k 5 $((S + 60)) "$ZP_BUILD/zpoline" trace -f -o "$TMP/trace" -- "$ZP_BUILD/tests/progs/stress" "$S" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && pass "stress ${S}s under the tracer: exit 0" || fail "stress: exit $rc $(head -c 300 "$TMP/err")"
made=$(awk '/^getppid/ {print $2}' "$TMP/out")
seen=$(grep -c 'getppid() *= [0-9]' "$TMP/trace")
[ -n "$made" ] && [ "$made" -gt 1000 ] && [ "$made" = "$seen" ] &&
	pass "every one of the $made getppid calls is in the trace" ||
	fail "getppid: program counted '$made', trace has $seen"
torn=$(grep -cvE '^[0-9]+ +([a-z_0-9]+\(|\+\+\+|---|<\.\.\. )' "$TMP/trace")
[ "$torn" = 0 ] && pass "no torn or unattributed line in $(wc -l <"$TMP/trace") lines" ||
	fail "$torn malformed lines: $(grep -vE '^[0-9]+ +([a-z_0-9]+\(|\+\+\+|---|<\.\.\. )' "$TMP/trace" | head -3)"
finish
