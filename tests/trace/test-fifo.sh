#!/bin/bash
# test-fifo.sh - the trace goes to a FIFO (-o FIFO) or a pipe (stderr) and
# its reader stops reading: the program still runs to completion, and the
# command says the lines were lost.  The tracer used to open the FIFO
# read-write, reading it itself: with the reader gone, the pipe filled up
# and every traced call blocked for good.  On stderr a pipe, the first
# line after the reader left raised SIGPIPE and killed the program.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
WHOLE=$TRACE_WHOLE_LINE
LOOP="for i in \$(seq 300); do /bin/true; done; echo done > $TMP/mark"

# a reader that reads it all: every line, whole
mkfifo "$TMP/fifo"
timeout 30 cat "$TMP/fifo" > "$TMP/all" &
reader=$!
timeout -k 5 30 "$ZP" trace -f -o "$TMP/fifo" -- sh -c "$LOOP" 2>"$TMP/err"
rc=$?
wait $reader
n=$(grep -acE "$WHOLE" "$TMP/all")
if [ $rc -eq 0 ] && [ "$n" -gt 3000 ] && [ "$n" = "$(wc -l < "$TMP/all")" ]; then
	pass "fifo: $n whole lines"
else
	fail "fifo: exit $rc, $n whole lines of $(wc -l < "$TMP/all")"
	cat "$TMP/err"
fi

# a reader that leaves after 100 bytes
rm -f "$TMP/mark"
timeout 30 head -c 100 "$TMP/fifo" > /dev/null &
reader=$!
timeout -k 5 30 "$ZP" trace -f -o "$TMP/fifo" -- sh -c "$LOOP" 2>"$TMP/err"
rc=$?
wait $reader
if [ $rc -eq 0 ] && [ "$(cat "$TMP/mark" 2>/dev/null)" = done ]; then
	pass "fifo, reader gone: the program ran to completion"
else
	fail "fifo, reader gone: exit $rc (124: it hung)"
fi
check "fifo, reader gone: the loss is reported" \
	grep -qE '^zpoline: finishing the trace: [0-9]+ lines \([0-9]+ bytes\) of the trace could not be written: Broken pipe$' "$TMP/err"

# The same while the program has SIGPIPE blocked (a shell around fork):
# the kernel's SIGPIPE for our line must not wait for the unblock.
mkfifo "$TMP/ctl"
out=$( { timeout -k 5 30 "$ZP" trace -f -- "$ZP_BUILD/tests/progs/tp-pipeblock" "$TMP/ctl" 2>&1 >&3 3>&- |
	{ read -r x < "$TMP/ctl"; }; } 3>&1)
check "stderr pipe, reader gone while SIGPIPE is blocked: the program lives on" [ "$out" = alive ]

# stderr a pipe whose reader leaves: a line of ours must not kill the program
rm -f "$TMP/mark"
timeout -k 5 30 "$ZP" trace -f -- sh -c "$LOOP" 2>&1 >/dev/null | head -c 100 > /dev/null
sleep 0.2
if [ "$(cat "$TMP/mark" 2>/dev/null)" = done ]; then
	pass "stderr pipe, reader gone: the program ran to completion"
else
	fail "stderr pipe, reader gone: the program did not finish (SIGPIPE?)"
fi
finish
