#!/bin/bash
# test-threadkill.sh - a process with threads killed by another's signal
# (a server's master killing a worker, `kill -9` of the traced program):
# strace -f prints "+++ killed by SIG +++" for each of its threads, then
# for the process; the tracer printed the process's line only (the reaping
# parent's, or the command's for the program it started), and the threads
# had no end at all (found with node's cluster module: workers killed by
# the primary).  A thread that exited before keeps its one "exited with 0".
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-threadkill

# The table behind it, alone: a thread's creator and its exit, racing.
if out=$(timeout 60 "$ZP_BUILD/tests/progs/tp-threadtab" 20000 2>&1); then
	pass "thread table: racing begin/end pairs leave it empty; take returns live threads once"
else
	fail "thread table: $out"
fi

lines() { # OPTS TID EVENT: how many "+++ EVENT +++" lines task TID has
	case $1 in
	-ff*) grep -ac "^+++ $3 +++\$" "$TMP/T.$2" 2>/dev/null ;;
	--json*) grep -ac "^{\"pid\":[0-9]*,\"tid\":$2,.*\"event\":\"$3\"" "$TMP/T" ;;
	*) grep -acE "^$2 +(\\+\\+\\+ $3 \\+\\+\\+)\$" "$TMP/T" ;;
	esac
}

# check OPTS SIGNAME: every task in $TMP/out has one killed line, the gone
# thread one "exited with 0" and no other end; with -f -o the process's
# line comes after its threads', as strace orders them.
check() {
	local opts=$1 event="killed by $2" ok=1 why='' tasks=0 pid=''
	while read -r a b; do
		case $a in
		status) continue ;;
		child) continue ;;
		gone)
			if [ "$(lines "$opts" "$b" "exited with 0")" != 1 ] || [ "$(lines "$opts" "$b" "$event")" != 0 ]; then
				ok=0 why="$why; exited thread $b: $(lines "$opts" "$b" "exited with 0")/$(lines "$opts" "$b" "$event")"
			fi
			;;
		*)
			[ -z "$pid" ] && pid=$a
			tasks=$((tasks + 1))
			[ "$(lines "$opts" "$a" "$event")" = 1 ] || { ok=0 why="$why; task $a: $(lines "$opts" "$a" "$event") lines"; }
			;;
		esac
	done < "$TMP/out"
	if [ "$opts" = "-f" ] && [ $ok = 1 ]; then
		[ "$(grep -aE '^[0-9]+ +\+\+\+ killed' "$TMP/T" | tail -1 | awk '{print $1}')" = "$pid" ] ||
			{ ok=0 why="the process's line is not the last"; }
	fi
	[ $tasks = 4 ] || { ok=0 why="$why; $tasks tasks"; }
	echo "$ok${why:+ $why}"
}

for run in "-f KILL" "-f TERM" "-ff KILL" "--json -f KILL"; do
	sig=${run##* } opts=${run% *}
	num=9
	[ "$sig" = TERM ] && num=15
	rm -f "$TMP"/T*
	# shellcheck disable=SC2086 # opts holds several options
	timeout -k 5 30 "$ZP" trace $opts -o "$TMP/T" -- "$PROG" 3 child $num > "$TMP/out" 2>"$TMP/err"
	rc=$?
	r=$(check "$opts" "SIG$sig")
	[ $rc -eq 0 ] && grep -qx "status $num" "$TMP/out" || r="0 exit $rc, $(tail -1 "$TMP/out")"
	if [ "${r%% *}" = 1 ]; then
		pass "child killed by SIG$sig ($opts): each thread and the process have one line"
	else
		fail "child killed by SIG$sig ($opts): ${r#* }"
		head -c 600 "$TMP/err"
	fi
done

# The program the command started, killed from outside.
for opts in "-f" "-ff" "--json -f"; do
	rm -f "$TMP"/T*
	# shellcheck disable=SC2086
	timeout -k 5 30 "$ZP" trace $opts -o "$TMP/T" -- "$PROG" 3 root > "$TMP/out" 2>"$TMP/err" &
	for _ in $(seq 100); do [ "$(grep -cv gone "$TMP/out" 2>/dev/null)" = 4 ] && break; sleep 0.05; done
	sleep 0.1
	kill -KILL "$(head -1 "$TMP/out")" 2>/dev/null
	wait
	r=$(check "$opts" SIGKILL)
	if [ "${r%% *}" = 1 ]; then
		pass "program killed by SIGKILL ($opts): each thread and the process have one line"
	else
		fail "program killed by SIGKILL ($opts): ${r#* }"
		head -c 600 "$TMP/err"
	fi
done
# The same while a child it left behind still runs: the command's watcher
# only finishes the file once the child is gone, and the program's lines
# (its own and its threads') were not written at all.  They go in when it
# dies, before the child's end, as strace orders them.
# root_child_killed TRACE-OPTIONS...: trace the program in root-child mode,
# SIGKILL it once its threads are up, wait for the child it left; sets
# root and kid.
root_child_killed() {
	timeout -k 5 30 "$ZP" trace "$@" -- "$PROG" 3 root-child > "$TMP/out" 2>"$TMP/err" &
	for _ in $(seq 100); do [ "$(grep -cv 'gone\|child' "$TMP/out" 2>/dev/null)" = 4 ] && break; sleep 0.05; done
	sleep 0.1
	root=$(grep -v 'gone\|child' "$TMP/out" | head -1)
	kid=$(awk '$1 == "child" {print $2}' "$TMP/out")
	kill -KILL "$root" 2>/dev/null
	wait
	for _ in $(seq 100); do kill -0 "$kid" 2>/dev/null || break; sleep 0.05; done
}
for opts in "-f" "-ff" "--json -f"; do
	rm -f "$TMP"/T*
	# shellcheck disable=SC2086
	root_child_killed $opts -o "$TMP/T"
	sleep 0.3 # the watcher polls
	r=$(check "$opts" SIGKILL)
	if [ "${r%% *}" = 1 ] && [ "$(lines "$opts" "$kid" "exited with 0")" = 1 ]; then
		if [ "$opts" = -f ] && [ "$(grep -anE "^$root +\+\+\+ killed" "$TMP/T" | cut -d: -f1)" -gt "$(grep -anE "^$kid +\+\+\+ exited" "$TMP/T" | cut -d: -f1)" ]; then
			fail "program killed, child left ($opts): its line comes after the child's end"
		else
			pass "program killed, child left ($opts): each thread and the process have one line"
		fi
	else
		fail "program killed, child left ($opts): ${r#* }; child $kid: $(lines "$opts" "$kid" "exited with 0") end lines"
		head -c 600 "$TMP/err"
	fi
done
# The same on a stream (no -o): while the child is still traced, the
# program's line names its process, as strace's "[pid N] " does.
root_child_killed -f
# ... and once the child is alone its lines do not: its end is the last line.
grep -aqE "^\[pid +$root\] \+\+\+ killed by SIGKILL \+\+\+\$" "$TMP/err" &&
	[ "$(grep -a '+++' "$TMP/err" | tail -n 1)" = "+++ exited with 0 +++" ]
outcome "program killed, child left (stream): its line names its pid, the child's end then does not" ||
	grep -a "+++" "$TMP/err" | head -8
finish
