#!/bin/bash
# test-strace-mountapi.sh - tp-mountapi's mount API and quotactl_fd lines
# are exactly strace's (addresses aside).
. "$(dirname "$0")/../lib.sh"

PROG=$ZP_BUILD/tests/progs/tp-mountapi
need_strace "mount API lines"
norm() {
	sed -E 's/^[0-9]+ +//; s/0x[0-9a-f]{8,}/ADDR/g; s/[[:space:]]+= ([^=]*)$/ = \1/' "$1" |
		grep -E '^(fsopen|fsconfig|fsmount|fspick|move_mount|open_tree|mount_setattr|quotactl_fd)\('
}
(cd "$TMP" && strace -o "$TMP/s.trace" "$PROG") || fail "tp-mountapi natively"
(cd "$TMP" && "$ZP_BUILD/zpoline" trace -o "$TMP/z.trace" -- "$PROG") || fail "tp-mountapi traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
n=$(wc -l <"$TMP/s.lines")
[ "$n" -eq 33 ] || fail "strace shows $n mount API lines, the program makes 33"
for name in fsopen fsconfig fsmount fspick move_mount open_tree mount_setattr quotactl_fd; do
	if cmp -s <(grep "^$name(" "$TMP/s.lines") <(grep "^$name(" "$TMP/z.lines"); then
		pass "$name: as strace prints it ($(grep -c "^$name(" "$TMP/s.lines") lines)"
	else
		fail "$name differs from strace"
		diff <(grep "^$name(" "$TMP/s.lines") <(grep "^$name(" "$TMP/z.lines") | head -10
	fi
done
finish
