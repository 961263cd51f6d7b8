#!/bin/bash
# test-ffns.sh - -ff with pid namespaces.  Files are named by the ids the
# tasks see, so the first process of every namespace writes FILE.1: the
# second `unshare -fp` truncated the first one's file and its lines were
# lost.  A file already written in this session is continued; one left by
# an earlier session is still started afresh.
# With -f: the init of a pid namespace sending itself a signal is not
# killed (the kernel drops it), so no "+++ killed by" line may come; before,
# one came, under the id /proc (mounted outside the namespace) gave it.
. "$(dirname "$0")/../lib.sh"

unshare -fp true 2>/dev/null || { skip "ffns" "cannot create pid namespaces here"; finish; }
mkdir -p "$TMP/ff"
"$ZP_BUILD/zpoline" trace -ff -o "$TMP/ff/t" -- \
	sh -c 'sleep 0.05; unshare -fp sh -c "echo first"; unshare -fp sh -c "echo second"' >/dev/null
f=$TMP/ff/t.1
if grep -aq 'execve("[^"]*/sh", \["sh", "-c", "echo first"\]' "$f" &&
	grep -aq 'execve("[^"]*/sh", \["sh", "-c", "echo second"\]' "$f" &&
	[ "$(grep -ac '+++ exited with 0 +++' "$f")" = 2 ]; then
	pass "-ff: two namespaces' pid 1 both in FILE.1"
else
	fail "-ff: FILE.1 lacks a namespace's process: $(grep -a 'execve\|+++' "$f" | tr '\n' ' ' | head -c 400)"
fi
sleep 0.05
"$ZP_BUILD/zpoline" trace -ff -o "$TMP/ff/t" -- sh -c 'sleep 0.05; unshare -fp sh -c "echo third"' >/dev/null
if grep -aq '"echo third"' "$f" && ! grep -aq '"echo first"' "$f"; then
	pass "-ff: a file of an earlier session is truncated"
else
	fail "-ff: second session: $(grep -a 'execve' "$f" | tr '\n' ' ' | head -c 400)"
fi

"$ZP_BUILD/zpoline" trace -f -o "$TMP/init.trace" -- \
	sh -c 'unshare -fp sh -c "kill -TERM \$\$; echo alive"' >"$TMP/init.out"
# its id as strace shows it, from outside (test-pidns)
init=$(grep -a 'execve("[^"]*/sh", \["sh", "-c", "kill -TERM' "$TMP/init.trace" | awk 'NR == 1 { print $1 }')
if [ "$(cat "$TMP/init.out")" = alive ] && ! grep -aq 'killed by' "$TMP/init.trace" &&
	[ -n "$init" ] && grep -aqE "^$init +\+\+\+ exited with 0 \+\+\+\$" "$TMP/init.trace"; then
	pass "-f: a namespace's init signalling itself: no killed line, its exit line"
else
	fail "-f: namespace init: out '$(cat "$TMP/init.out")': $(grep -a '+++' "$TMP/init.trace" | tr '\n' ' ')"
fi
finish
