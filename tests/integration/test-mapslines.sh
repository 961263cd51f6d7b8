#!/bin/bash
# /proc/self/maps shows each code segment as one line, as natively, after
# the runtime has rewritten sites in it (a program's own code, libc).
# Patching made part of a segment writable for a moment, and the kernel
# keeps such a part apart (it is charged as private memory from then on):
# the segment showed as two or three lines, and Go's pprof, reading them,
# symbolised a cgo program's C frames wrongly (the Go runtime's own
# TestCgoPprof failed under the runtime).  Checked where the runtime
# patches in place: no site cache, and an empty one (the first run of a
# program); a warm cache maps a patched copy of the file instead
# (docs/design.md, "Shared patched code").
. "$(dirname "$0")/../lib.sh"
PROG=$ZP_BUILD/tests/progs/mapsself

# segments FILE: "perms offset path" of every file-backed mapping of the
# program and of libc (the lines that must match the native ones).
segments() {
	awk -v prog="$PROG" '$6 == prog || $6 ~ /\/libc\.so\.6$/ { print $2, $3, $6 }' "$1"
}

"$PROG" >"$TMP/native" || fail "mapsself natively: exit $?"
[ "$(awk -v prog="$PROG" '$6 == prog && $2 ~ /x/' "$TMP/native" | wc -l)" = 1 ]
outcome "natively: the program's code is one mapping (the premise)"

for how in nocache coldcache; do
	case $how in
	nocache) env=(ZPOLINE_CACHE=0) ;;
	coldcache) mkdir "$TMP/cache" && env=(ZPOLINE_CACHE_DIR=$TMP/cache) ;;
	esac
	env "${env[@]}" ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS "$PROG" \
		>"$TMP/$how" 2>"$TMP/$how.err"
	rc=$?
	# The runtime did rewrite sites (else nothing here could differ).
	rewritten=$(sed -n 's/.*rewritten: \([0-9]*\) callq.*/\1/p' "$TMP/$how.err")
	[ $rc = 0 ] && [ "${rewritten:-0}" -gt 0 ]
	outcome "$how: the program ran hooked with sites rewritten (exit $rc, ${rewritten:-no} callq sites)"
	if [ "$(segments "$TMP/$how")" = "$(segments "$TMP/native")" ]; then
		pass "$how: the program's and libc's mappings are the native ones, one line per segment"
	else
		fail "$how: mappings differ from native"
		diff <(segments "$TMP/native") <(segments "$TMP/$how") | head -10
	fi
done
finish
