#!/bin/bash
# test-sigpipe.sh - a write that kills its process with SIGPIPE is traced.
# The kernel raises SIGPIPE inside the call and, at the default action,
# the process used to die before the hooks saw the call return: the trace
# of `yes | head -1` ended without yes's last write, where strace shows
# `write(1, ...) = -1 EPIPE (Broken pipe)`.  The runtime now holds such a
# SIGPIPE until the call's post, then dies of it; the program must see no
# difference: its actions read back as set, handlers and SIG_IGN work,
# SIG_IGN survives execve, exit statuses match the native run's.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-sigpipe

run_native() { "$PROG" "$1" > "$TMP/out.native" 2>&1; echo "rc=$?" >> "$TMP/out.native"; }

for mode in die thread kill blocked view; do
	run_native $mode
	LD_PRELOAD=$LIB "$PROG" $mode > "$TMP/out.bare" 2>&1
	echo "rc=$?" >> "$TMP/out.bare"
	LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS "$PROG" $mode > "$TMP/out.pass" 2>&1
	echo "rc=$?" >> "$TMP/out.pass"
	for how in zpoline sud; do
		timeout -k 5 60 "$ZP" trace --mode $how -f -o "$TMP/T.$mode.$how" -- "$PROG" $mode \
			> "$TMP/out.$how" 2>&1
		echo "rc=$?" >> "$TMP/out.$how"
	done
	for run in bare pass zpoline sud; do
		check "$mode: $run run as native" cmp -s "$TMP/out.native" "$TMP/out.$run"
	done
	case $mode in view) ;; *) check "$mode: native status 141" grep -qx "rc=141" "$TMP/out.native" ;; esac
done

# The call the process dies of, then the end: per mode and mechanism.
for how in zpoline sud; do
	for mode in die thread; do
		T=$TMP/T.$mode.$how
		grep -aE '^[0-9]+ +write\(4, "[xt]", 1\) += -1 EPIPE \(Broken pipe\)$' "$T" > "$TMP/l" &&
			tid=$(awk '{print $1; exit}' "$TMP/l") &&
			grep -aEq "^$tid +\+\+\+ killed by SIGPIPE \+\+\+\$" "$T"
		outcome "$mode ($how): the EPIPE write, then killed by SIGPIPE"
	done
	grep -aEq '^[0-9]+ +rt_sigprocmask\(SIG_UNBLOCK, \[PIPE\], NULL, 8\) += 0$' "$TMP/T.blocked.$how"
	outcome "blocked ($how): the unblocking call completes before the kill"
	kpid=$(grep -aE '^[0-9]+ +\+\+\+ killed by SIGPIPE \+\+\+$' "$TMP/T.view.$how" | awk '{print $1}')
	[ -n "$kpid" ] && grep -aEq "^$kpid +write\(4, \"x\", 1\) += -1 EPIPE \(Broken pipe\)\$" "$TMP/T.view.$how"
	outcome "view ($how): the forked writer's EPIPE and its end"
done

# As strace: the delivery after the call, then every thread's end.
for how in zpoline sud; do
	T=$TMP/T.thread.$how
	tid=$(grep -aE '^[0-9]+ +write\(4, "t", 1\) += -1 EPIPE' "$T" | awk '{print $1}')
	pid=$(head -1 "$T" | awk '{print $1}')
	[ -n "$tid" ] && [ "$tid" != "$pid" ] &&
		grep -aA3 "^$tid  *write(4, \"t\", 1) " "$T" | sed 1d > "$TMP/after" &&
		grep -aEq "^$tid +--- SIGPIPE \{si_signo=SIGPIPE, si_code=SI_USER, si_pid=$pid, si_uid=[0-9]+\} ---\$" "$TMP/after" &&
		grep -aEq "^$tid +\+\+\+ killed by SIGPIPE \+\+\+\$" "$TMP/after" &&
		grep -aEq "^$pid +\+\+\+ killed by SIGPIPE \+\+\+\$" "$T"
	outcome "thread ($how): --- SIGPIPE --- and both threads' killed lines"
done
# -e signal=SET as strace takes it: which deliveries are printed.
for set in none '!PIPE' SIGUSR1,TERM all SIGPIPE pipe 13 '!none' 'usr1,SIGPIPE'; do
	case $set in none | '!PIPE' | SIGUSR1,TERM) want=0 ;; *) want=1 ;; esac
	rm -f "$TMP/N"
	"$ZP" trace -e "signal=$set" -o "$TMP/N" -- "$PROG" die > /dev/null 2>&1
	grep -aq 'EPIPE' "$TMP/N" && [ "$(grep -ac -- '--- SIGPIPE' "$TMP/N")" = $want ]
	outcome "-e signal=$set: the call, $want delivery line(s)"
done
"$ZP" trace --json -o "$TMP/J" -- "$PROG" die > /dev/null 2>&1
grep -aEq '^\{"pid":[0-9]+,"tid":[0-9]+,"ts":[0-9.]+,"signal":"SIGPIPE","si_code":"SI_USER","si_pid":[0-9]+,"si_uid":[0-9]+\}$' "$TMP/J"
outcome "--json: the delivery as an object"

# A real pipeline: yes's last write is in the trace.
timeout -k 5 60 "$ZP" trace -f -o "$TMP/Y" -- sh -c 'yes | head -1' > "$TMP/y.out" 2>&1
rc=$?
[ $rc = 0 ] && [ "$(cat "$TMP/y.out")" = y ] &&
	ypid=$(grep -a 'execve("/usr/bin/yes"' "$TMP/Y" | awk '{print $1}') && [ -n "$ypid" ] &&
	grep -aEq "^$ypid +write\(1, .* = -1 EPIPE \(Broken pipe\)\$" "$TMP/Y" &&
	grep -aEq "^$ypid +\+\+\+ killed by SIGPIPE \+\+\+\$" "$TMP/Y"
outcome "yes | head -1: yes's EPIPE write and its end"

# SIGPIPE from another process interrupts a blocked call and kills at once.
"$ZP" trace -o "$TMP/K" -- sleep 30 > /dev/null 2>&1 &
zpid=$!
for _ in $(seq 100); do
	spid=$(pgrep -f -n '^sleep 30$') && [ -n "$spid" ] && break
	sleep 0.1
done
if [ -n "${spid:-}" ]; then
	kill -PIPE "$spid"
	timeout 20 tail --pid="$spid" -f /dev/null
	wait $zpid
	rc=$?
	[ $rc = 141 ] && grep -aEq '^\+\+\+ killed by SIGPIPE \+\+\+$' "$TMP/K"
	outcome "kill -PIPE from outside ends a traced sleep at once"
else
	fail "kill -PIPE from outside: sleep did not start"
fi

# Without a hook that wants write nothing is caught: SigCgt as native.
native=$(grep SigCgt /proc/self/status)
hooked=$(LD_PRELOAD=$LIB grep SigCgt /proc/self/status)
none=$(LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS grep SigCgt /proc/self/status)
pipebit() { printf '%d' $(( (0x${1##*:	} >> 12) & 1 )); }
[ "$(pipebit "$native")" = 0 ] && [ "$(pipebit "$hooked")" = 0 ]
outcome "no hook: SIGPIPE is not caught"
[ "$(pipebit "$none")" = 1 ]
outcome "a hook wanting write: SIGPIPE caught while its action is the default"
finish
