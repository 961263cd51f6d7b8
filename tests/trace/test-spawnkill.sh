#!/bin/bash
# test-spawnkill.sh - a child killed by another's signal after its execve
# succeeded but before its new image's tracer joined the session (Rust's
# Command::spawn() then kill(), Java's Process.destroy() right after
# start(): posix_spawn returns once the exec is done).  The "execve(...)"
# line waited in the control block for the new image, which never ran
# that far: the trace had the child's "+++ killed by SIGKILL +++" and no
# execve at all, where strace -f shows the call.  The reaping parent now
# prints the waiting line, with strace's "= ?" for a call whose return the
# tracer did not see (it cannot tell whether the kill came before or after
# the exec's point of no return).
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-spawnkill

for run in "-f 9" "-f 15" "--json -f 9"; do
	sig=${run##* } opts=${run% *}
	ok=1 why=
	for i in 1 2 3; do
		rm -f "$TMP"/T*
		# shellcheck disable=SC2086 # opts holds several options
		timeout -k 5 60 "$ZP" trace $opts -o "$TMP/T" -- "$PROG" /bin/sleep "$sig" > "$TMP/out" 2>"$TMP/err"
		rc=$?
		child=$(awk '/^child/ {print $2}' "$TMP/out")
		if [ $rc != 0 ] || [ -z "$child" ]; then
			ok=0 why="$why; run $i: exit $rc, $(head -c 300 "$TMP/err")"
			continue
		fi
		case $opts in
		--json*) f=$TMP/T pat="^\\{\"pid\":$child,\"tid\":$child,.*\"name\":\"execve\",.*/bin/sleep.*\"ret\":(null|0)," ;;
		*) f=$TMP/T pat="^$child +execve\\(\"/bin/sleep\", \\[\"/bin/sleep\", \"100\"\\], .*\\) += [?0]\$" ;;
		esac
		n=$(grep -acE "$pat" "$f" 2>/dev/null)
		[ "$n" = 1 ] || { ok=0 why="$why; run $i: $n execve lines for $child"; }
		# the line comes before the child's end
		if [ "$opts" = "-f" ]; then
			first=$(grep -anE "^$child " "$f" | grep -aE 'execve|killed' | head -1)
			case $first in *execve*) ;; *) ok=0 why="$why; run $i: killed line first" ;; esac
		fi
	done
	if [ $ok = 1 ]; then
		pass "trace $opts, child killed by signal $sig as its new image starts: its execve is printed"
	else
		fail "trace $opts, child killed by signal $sig:$why"
		head -20 "$f" 2>/dev/null
	fi
done

# -c counts it once (strace -f -c: 2 execve calls, the program's and the child's)
rm -f "$TMP"/T*
timeout -k 5 60 "$ZP" trace -f -c -o "$TMP/T" -- "$PROG" /bin/sleep 9 > "$TMP/out" 2>"$TMP/err"
calls=$(awk '$NF == "execve" {print $(NF-1)}' "$TMP/T")
if [ "$calls" = 2 ]; then
	pass "trace -f -c: the killed child's execve counted once"
else
	fail "trace -f -c: execve calls '$calls' (want 2)"
	cat "$TMP/T"
fi
finish
