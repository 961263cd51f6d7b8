#!/bin/bash
# test-selfkill.sh - a process that sends itself a signal that kills it
# (abort() in a thread is tgkill of SIGABRT to itself): its threads run no
# more code and the reaping parent speaks only for the process, so the
# tracer prints "+++ killed by SIGABRT +++" for each thread when the signal
# is sent, as strace -f does (CPython's faulthandler and threading tests
# left threads of aborted children without any exit line).  A caught
# signal kills nothing: each thread then gets its "exited with 0" line.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-selfkill

for run in "-f abort" "-f term" "-ff abort" "--json -f term" "-f -e trace=openat abort" "-f handled"; do
	how=${run##* } opts=${run% *}
	sig=SIGABRT want=6 event="killed by SIGABRT"
	[ "$how" = term ] && sig=SIGTERM want=15 event="killed by SIGTERM"
	[ "$how" = handled ] && want=1000 event="exited with 0"
	rm -f "$TMP"/T*
	# shellcheck disable=SC2086 # opts holds several options
	timeout -k 5 30 "$ZP" trace $opts -o "$TMP/T" -- "$PROG" 3 "$how" > "$TMP/out" 2>"$TMP/err"
	rc=$?
	lines() { # TID: how many "+++ $event +++" lines task TID has
		case $opts in
		-ff) grep -ac "^+++ $event +++\$" "$TMP/T.$1" 2>/dev/null ;;
		--json*) grep -ac "^{\"pid\":[0-9]*,\"tid\":$1,.*\"event\":\"$event\"" "$TMP/T" ;;
		*) grep -acE "^$1 +\+\+\+ $event \+\+\+\$" "$TMP/T" ;;
		esac
	}
	ok=1 why= tasks=0
	[ $rc -eq 0 ] && grep -qx "status $want" "$TMP/out" || { ok=0 why="exit $rc, $(tail -1 "$TMP/out")"; }
	while read -r tid; do
		case $tid in status*) continue ;; esac
		tasks=$((tasks + 1))
		[ "$(lines "$tid")" = 1 ] || { ok=0 why="$why; task $tid: $(lines "$tid") lines"; }
	done < "$TMP/out"
	want_tasks=5
	[ "$how" = abort ] || want_tasks=4
	if [ $ok = 1 ] && [ $tasks = $want_tasks ]; then
		pass "$how ($opts): every task has one '$event' line"
	else
		fail "$how ($opts): $tasks tasks; $why"
		head -c 600 "$TMP/err"
	fi
done

# SIGKILL to its own process group (timeout -s KILL does kill(0, SIGKILL))
# ends the process inside the call: strace has no exit stop for it and
# prints "= ?", not "= 0".
rm -f "$TMP"/T*
timeout -k 5 30 "$ZP" trace -f -o "$TMP/T" -- "$PROG" 2 sigkill > "$TMP/out" 2>"$TMP/err"
line=$(grep -aE '^[0-9]+ +kill\(0, SIGKILL\)' "$TMP/T" | sed -E 's/^[0-9]+ +//; s/ +=/ =/')
if [ "$line" = "kill(0, SIGKILL) = ?" ] && grep -qx "status 9" "$TMP/out"; then
	pass "sigkill: 'kill(0, SIGKILL) = ?' as strace prints it"
else
	fail "sigkill: '$line', $(tail -1 "$TMP/out")"
fi

# With core dumps on, strace adds "(core dumped)" to every thread's line,
# as the kernel reports it for the process: the threads' lines (printed
# when abort() sends the signal) must say what the leader's (printed by
# the reaping parent from the real status) says.  Only where the core file
# lands somewhere this test can remove it (core_pattern a plain file name,
# or a path with %p as only specifier).
pat=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
rest=${pat//%p/}
if [ -z "$pat" ] || [ "${pat:0:1}" = "|" ] || [ "${rest//%/}" != "$rest" ]; then
	skip "core dumps: core_pattern '$pat' is not a file this test can clean up"
else
	rm -f "$TMP"/T*
	(cd "$TMP" && ulimit -c unlimited && timeout -k 5 30 "$ZP" trace -f -o "$TMP/T" -- "$PROG" 2 abort > "$TMP/out" 2>"$TMP/err")
	leader=$(head -1 "$TMP/out")
	core=${pat//%p/$leader}
	case $core in /*) ;; *) core=$TMP/$core ;; esac
	want=$(grep -aE "^$leader +\+\+\+ killed by" "$TMP/T" | sed -E 's/^[0-9]+ +//')
	if [ -e "$core" ]; then
		rm -f "$core"
		bad=$(grep -aE '^[0-9]+ +\+\+\+ killed by' "$TMP/T" | sed -E 's/^[0-9]+ +//' | grep -vxF "$want" | head -1)
		n=$(grep -acE '^[0-9]+ +\+\+\+ killed by SIGABRT \(core dumped\) \+\+\+$' "$TMP/T")
		if [ -z "$bad" ] && [ "$n" = 4 ]; then
			pass "abort with core dumps: every task's line says '(core dumped)'"
		else
			fail "abort with core dumps: leader '$want', other '$bad', $n lines with (core dumped)"
		fi
	else
		skip "core dumps: the kernel wrote no core file ($core; leader: $want)"
	fi
fi
finish
