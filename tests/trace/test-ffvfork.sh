#!/bin/bash
# test-ffvfork.sh - -ff and a child started by posix_spawn (clone with
# CLONE_VM|CLONE_VFORK: it shares its parent's memory, not its descriptor
# table).  The child opened FILE.CHILD and left its descriptor in the
# table of per-task descriptors, in the memory it shared with its parent;
# the parent, reaping the child killed by a signal, wrote the child's
# "+++ killed by SIGKILL +++" to that number, closed in its own table
# (EBADF: the line was lost and the command said "lines of the trace could
# not be written"), or open there on another file.  strace -ff puts it in
# the child's file.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-spawnkill

ok=1 why=
for i in 1 2 3; do
	rm -f "$TMP"/T*
	timeout -k 5 60 "$ZP" trace -ff -o "$TMP/T" -- "$PROG" /bin/sleep 9 > "$TMP/out" 2>"$TMP/err"
	rc=$?
	child=$(awk '/^child/ {print $2}' "$TMP/out")
	if [ $rc != 0 ] || [ -z "$child" ]; then
		ok=0 why="$why; run $i: exit $rc"
		continue
	fi
	[ -s "$TMP/err" ] && { ok=0 why="$why; run $i: stderr: $(head -c 200 "$TMP/err")"; }
	f=$TMP/T.$child
	[ "$(tail -1 "$f" 2>/dev/null)" = "+++ killed by SIGKILL +++" ] ||
		{ ok=0 why="$why; run $i: $f ends with '$(tail -1 "$f" 2>/dev/null)'"; }
	# the child's lines before its exec, its execve, and its end: all there
	grep -aq '^rt_sigprocmask(' "$f" 2>/dev/null || { ok=0 why="$why; run $i: no pre-exec lines"; }
	[ "$(grep -ac '^execve("/bin/sleep", \["/bin/sleep", "100"\]' "$f" 2>/dev/null)" = 1 ] ||
		{ ok=0 why="$why; run $i: no execve line"; }
	# nothing of the child's in the parent's file
	for g in "$TMP"/T.*; do
		[ "$g" = "$f" ] && continue
		grep -aq 'killed by\|"/bin/sleep", \["/bin/sleep"' "$g" && { ok=0 why="$why; run $i: child's line in $g"; }
	done
done
if [ $ok = 1 ]; then
	pass "trace -ff: a posix_spawn child killed by its parent has all its lines in its own file"
else
	fail "trace -ff, posix_spawn child:$why"
fi

# A clone(CLONE_VM) child without CLONE_VFORK shares the parent's memory
# for its whole life: each side's lines go to descriptors of its own table
# (the child's "+++ killed by +++", written by the parent that reaps it).
rm -f "$TMP"/T*
timeout -k 5 60 "$ZP" trace -ff -o "$TMP/T" -- "$ZP_BUILD/tests/progs/tp-vmkill" > "$TMP/out" 2>"$TMP/err"
rc=$?
child=$(awk '/^child/ {print $2}' "$TMP/out")
f=$TMP/T.$child
[ $rc = 0 ] && [ -n "$child" ] && [ ! -s "$TMP/err" ] &&
	grep -q "signaled 1 sig 9" "$TMP/out" &&
	grep -aq '^getppid() *= [0-9]*$' "$f" &&
	[ "$(tail -1 "$f")" = "+++ killed by SIGKILL +++" ]
st=$?
for g in "$TMP"/T.*; do
	[ "$g" = "$f" ] || ! grep -aq 'killed by\|^getppid()' "$g" || st=1
done
verdict $st "trace -ff: a clone(CLONE_VM) child killed by its parent has its lines in its own file (exit $rc, $(cat "$TMP/out"), $(head -c 200 "$TMP/err"), ends with '$(tail -1 "$f" 2>/dev/null)')"
finish
