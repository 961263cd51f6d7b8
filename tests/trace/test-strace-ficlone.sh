#!/bin/bash
# test-strace-ficlone.sh - tp-ficlone's FICLONE ioctls are exactly strace's
# (after addresses are normalised): cp makes one per file copied; it
# used to print as an anonymous _IOC(...) with a hex argument.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-ficlone
need_strace "FICLONE lines"
norm() {
	sed -E 's/^[0-9]+ +//; s/0x[0-9a-f]+/ADDR/g; s/[[:space:]]+= ([^=]*)$/ = \1/' "$1" |
		grep -E '^ioctl\([0-9]+, (BTRFS|_IOC|FICLONE)'
}
(cd "$TMP" && strace -o "$TMP/s.trace" "$PROG") || fail "tp-ficlone natively"
(cd "$TMP" && LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-o $TMP/z.trace" "$PROG") ||
	fail "tp-ficlone traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
if [ "$(wc -l <"$TMP/s.lines")" -eq 2 ] && cmp -s "$TMP/s.lines" "$TMP/z.lines"; then
	pass "FICLONE ioctls: as strace prints them"
else
	fail "FICLONE ioctls differ from strace's"
	diff "$TMP/s.lines" "$TMP/z.lines" | head -20
fi
finish
