#!/bin/bash
# test-appendshare.sh - two trace sessions appending to one file at once
# (-A -o FILE), as when each test of a suite run with the runtime in
# LD_PRELOAD starts its own session: glibc's nptl tests died of SIGBUS
# under the tracer, because a session that ended trimmed the file to its
# own end, under the window the other had mapped.  Strace's -A shares a
# file so.  Order is set by FIFOs, not by time: A starts, B starts, A
# ends, then B writes more lines and ends.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
OUT=$TMP/shared.trace
mkfifo "$TMP/goA" "$TMP/goB"
waitfor() { for _ in $(seq 600); do [ -e "$1" ] && return 0; sleep 0.05; done; return 1; }

timeout -k 5 60 "$ZP" trace -A -f -o "$OUT" -- sh -c ": > $TMP/a-up; read x < $TMP/goA; /bin/true A" &
a=$!
waitfor "$TMP/a-up"
timeout -k 5 60 "$ZP" trace -A -f -o "$OUT" -- sh -c ": > $TMP/b-up; read y < $TMP/goB; for i in 1 2 3 4 5 6 7 8; do /bin/true B\$i; done" &
b=$!
waitfor "$TMP/b-up"
echo > "$TMP/goA"
wait $a
ra=$?
echo > "$TMP/goB"
wait $b
rb=$?

[ $ra -eq 0 ] && [ $rb -eq 0 ]
outcome "both traced programs end with status 0 (A: $ra, B: $rb)"

grep -q 'execve("/bin/true", \["/bin/true", "A"\]' "$OUT" &&
	[ "$(grep -c 'execve("/bin/true", \["/bin/true", "B[1-8]"\]' "$OUT")" = 8 ]
outcome "the file holds A's line and all 8 of B's, written after A ended"

! grep -qaP '\x00' "$OUT"
outcome "no hole of zeros in the shared file"

bad=$(grep -avE "$TRACE_WHOLE_LINE" "$OUT" | head -3)
[ -z "$bad" ]
outcome "every line of the shared file is whole"
[ -z "$bad" ] || echo "$bad"
finish
