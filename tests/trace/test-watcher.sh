#!/bin/bash
# test-watcher.sh - traced processes outlive the program: the command
# returns and leaves a watcher that finishes the file once they are gone.
# The watcher takes the default signal actions (it inherited the command's
# handlers, which pass signals on to the program: it ignored SIGTERM and
# sent it to whatever process had the program's old number), and finishes
# the file when the last one ends.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
"$ZP" trace -f -o "$TMP/t" -- sh -c 'sleep 30 & echo $! >'"$TMP/pid" 2>"$TMP/err"
watcher=$(pgrep -f "zpoline trace -f -o $TMP/[t]" | head -1)
sleeper=$(cat "$TMP/pid")
check "a watcher is left while the traced sleep runs" [ -n "$watcher" ]
if [ -n "$watcher" ]; then
	kill -TERM "$watcher"
	gone=
	for i in $(seq 25); do
		kill -0 "$watcher" 2>/dev/null || { gone=yes; break; }
		sleep 0.2
	done
	check "SIGTERM ends the watcher" [ -n "$gone" ]
	[ -n "$gone" ] || kill -KILL "$watcher" 2>/dev/null
fi
kill -KILL "$sleeper" 2>/dev/null

# Left alone, it finishes the file when the last traced process ends.
"$ZP" trace -f -o "$TMP/t2" -- sh -c 'sleep 1 &' 2>"$TMP/err"
finished=
for i in $(seq 50); do
	if ! pgrep -f "zpoline trace -f -o $TMP/t[2]" >/dev/null && [ -s "$TMP/t2" ] &&
		! grep -qaP '\x00' "$TMP/t2"; then
		finished=yes
		break
	fi
	sleep 0.2
done
check "the watcher finishes the file once the sleep has ended, and goes" [ -n "$finished" ]
check "the sleep's end is in the file" grep -q '+++ exited with 0 +++' "$TMP/t2"
finish
