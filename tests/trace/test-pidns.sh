#!/bin/bash
# test-pidns.sh - a traced process in a pid namespace of its own
# (`unshare -pf`, a container's first process) sees ids of its own (pid 1);
# its lines show the ids strace shows from outside, where its parent's
# clone() returned them: the trace named it 1 and its child 2.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
if ! unshare -pf true 2>/dev/null; then
	skip "lines of a process in its own pid namespace" "unshare -p is not allowed here"
	finish
fi

"$ZP" trace -f -o "$TMP/t" -- unshare -pf sh -c 'sh -c true' 2>"$TMP/err"
rc=$?
root=$(awk 'NR == 1 { print $1 }' "$TMP/t")
child=$(sed -n 's/^[0-9]* *clone(.*) = \([0-9]*\)$/\1/p' "$TMP/t" | head -1)
ids=$(awk '{ print $1 }' "$TMP/t" | sort -un | tr '\n' ' ')
check "unshare -pf: exit 0" [ $rc -eq 0 ]
check "the namespace's first process shows the id its parent's clone returned ($child; ids: $ids)" \
	grep -qE "^$child +execve\(\"[^\"]*/sh\"" "$TMP/t"
check "no line shows an id from inside the namespace (ids: $ids; root $root)" \
	awk -v r="$root" '$1 + 0 < r + 0 { bad = 1 } END { exit bad }' "$TMP/t"

# Threads of such a process: each shows its id from outside too.
"$ZP" trace -f -o "$TMP/th" -- unshare -pf python3 -c '
import os, threading
ts = [threading.Thread(target=os.getppid) for i in range(3)]
[t.start() for t in ts]
[t.join() for t in ts]' 2>"$TMP/err"
root=$(awk 'NR == 1 { print $1 }' "$TMP/th")
n=$(awk -v r="$root" '/getppid\(\)/ && $1 + 0 > r + 0 { print $1 }' "$TMP/th" | sort -u | wc -l)
check "threads in the namespace: getppid from 3 threads with outside ids ($n)" [ "$n" -ge 3 ]
check "no thread line shows an id from inside the namespace" \
	awk -v r="$root" '$1 + 0 < r + 0 { bad = 1 } END { exit bad }' "$TMP/th"

# A namespace's process left running when the command returns is in the
# session's table by its number there (2): in the command's namespace
# that is a kernel thread (kthreadd), and the command's watcher waited
# for it for good, the file never trimmed.  The namespace's end kills it:
# the watcher must then finish the file and go.
"$ZP" trace -f -o "$TMP/left" -- unshare -pf sh -c 'sleep 30 & sleep 0.3' 2>"$TMP/err"
finished=
for i in $(seq 50); do
	if [ -s "$TMP/left" ] && ! tr -d '\n' <"$TMP/left" | grep -qaP '\x00'; then
		finished=yes
		break
	fi
	sleep 0.2
done
check "a process left in the namespace: the file is finished (no NUL bytes)" [ -n "$finished" ]
check "no watcher left waiting" sh -c "! pgrep -f 'zpoline trace -f -o $TMP/lef[t]' >/dev/null"
finish
