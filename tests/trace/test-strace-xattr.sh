#!/bin/bash
# test-strace-xattr.sh - tp-xattr's *xattr lines are exactly strace's
# (after addresses are normalised).  `tar --xattrs` lists every file's
# attributes; an empty list or value used to print as the buffer's address.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-xattr
need_strace "xattr lines"
norm() {
	sed -E 's/^[0-9]+ +//; s/0x[0-9a-f]+/ADDR/g; s/[[:space:]]+= ([^=]*)$/ = \1/' "$1" |
		grep -E '^[lf]?(list|get|set)xattr\('
}
(cd "$TMP" && strace -o "$TMP/s.trace" "$PROG") || fail "tp-xattr natively"
(cd "$TMP" && LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-o $TMP/z.trace" "$PROG") ||
	fail "tp-xattr traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
if [ "$(wc -l <"$TMP/s.lines")" -ge 10 ] && cmp -s "$TMP/s.lines" "$TMP/z.lines"; then
	pass "xattr calls: as strace prints them"
else
	fail "xattr calls differ from strace's"
	diff "$TMP/s.lines" "$TMP/z.lines" | head -20
fi
finish
