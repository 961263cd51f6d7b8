#!/bin/bash
# test-exitgroup.sh - exit_group ends every thread of a process: as with
# strace -f, each of them gets its "+++ exited with N +++" line, once,
# with its own task id (the threads run no more code to say it; the
# thread calling exit_group prints them).  A thread that ended earlier
# with exit keeps its one line.  The same for the threads a successful
# execve ends (exit status 0; the new image prints their lines).
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-exitgroup

for run in "-f" "--json -f" "-ff" "-f exec" "-ff exec"; do
	opts=${run% exec} how=exit st=3 want=3
	[ "$opts" != "$run" ] && how=exec st=0 want=0
	rm -f "$TMP"/T*
	timeout -k 5 30 "$ZP" trace $opts -o "$TMP/T" -- "$PROG" 6 3 $how > "$TMP/out" 2>"$TMP/err"
	rc=$?
	main=$(grep -a 'execve(' "$TMP"/T* | head -1 | grep -oE '^[^:]*:?[0-9]+|"pid":[0-9]+' | grep -oE '[0-9]+$')
	ok=1 why=
	[ $rc -eq $want ] || { ok=0 why="exit $rc"; }
	exit_lines() { # TID: how many exit lines of task TID, with status $2
		case $opts in
		-ff) grep -ac "^+++ exited with $2 +++\$" "$TMP/T.$1" 2>/dev/null ;;
		--json*) grep -ac "^{\"pid\":[0-9]*,\"tid\":$1,.*\"event\":\"exited with $2\"" "$TMP/T" ;;
		*) grep -acE "^$1 +\+\+\+ exited with $2 \+\+\+\$" "$TMP/T" ;;
		esac
	}
	while read -r a b; do
		if [ "$a" = exited ]; then
			[ "$(exit_lines "$b" 0)" = 1 ] && [ "$(exit_lines "$b" 3)" = 0 ] ||
				{ ok=0 why="$why; thread $b that exited itself"; }
		else
			[ "$(exit_lines "$a" $st)" = 1 ] || { ok=0 why="$why; blocked thread $a: $(exit_lines "$a" $st) lines"; }
		fi
	done < "$TMP/out"
	n=$(grep -c . "$TMP/out")
	if [ $ok = 1 ] && [ "$n" = 7 ]; then
		pass "$how ($opts): every thread has one exit line"
	else
		fail "$how ($opts): $why (main $main)"
		cat "$TMP/err"
	fi
done

# A thread still making calls when another calls exit_group runs on until
# the kernel stops it, after its "+++ exited" line was printed: strace shows
# nothing of it after that line, nor must the tracer (it printed ~50-80
# getppid lines after it, every run here).  Five runs (the thread spins on
# the other CPU; on one CPU the window seldom opens).
after=0
for i in 1 2 3 4 5; do
	timeout -k 5 30 "$ZP" trace -f -o "$TMP/spin" -- "$ZP_BUILD/tests/progs/tp-exitspin" >/dev/null 2>&1
	rc=$?
	n=$(awk '/\+\+\+ exited/ { e = 1; next } e { c++ } END { print c + 0 }' "$TMP/spin")
	[ $rc = 4 ] || fail "tp-exitspin run $i: exit $rc, want 4"
	after=$((after + n))
done
[ $after = 0 ] && pass "no line of a thread after its \"+++ exited\" line (5 runs)" ||
	fail "$after lines after a \"+++ exited\" line in 5 runs: $(awk '/\+\+\+/ { e = 1; next } e' "$TMP/spin" | head -3)"
# Threads in calls that may block (epoll_wait): one begun as the kernel
# stopped its thread, after exit_group had printed the thread's end, was
# printed "<unfinished ...> = ?" by the command after the process's end
# (sweep E: 1 run in 10).  Each task's end is its last line, the
# process's the file's.
late=0
for i in $(seq 20); do
	timeout -k 5 30 "$ZP" trace -f -o "$TMP/spinw" -- "$ZP_BUILD/tests/progs/tp-exitspin" wait \
		>/dev/null 2>&1
	rc=$?
	[ $rc = 4 ] || fail "tp-exitspin wait run $i: exit $rc, want 4"
	if ! awk '/\+\+\+ exited/ { ex[$1] = 1; last = $1; next } ($1 in ex) { bad = 1 }
		END { exit bad || last != lead }' lead="$(head -1 "$TMP/spinw" | awk '{print $1}')" "$TMP/spinw"; then
		late=$((late + 1))
		tail -n 2 "$TMP/spinw"
	fi
done
[ $late = 0 ]
outcome "threads in epoll_wait at exit_group: every task's end is its last line ($late of 20 runs not)"
finish
