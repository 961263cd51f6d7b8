#!/bin/bash
# test-strace-ttyioctl.sh - tp-ttyioctl's terminal ioctls are exactly
# strace's (after addresses are normalised): tcsetattr's TCSETS* used to
# lack strace's "SNDCTL_TMR_... or " alias, and some requests printed a
# plain 0 where strace prints NULL, or an argument strace leaves out;
# a termios of zeros lacked the '|' strace ends c_oflag and c_cflag with.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-ttyioctl
need_strace "terminal ioctl lines"
norm() {
	sed -E 's/^[0-9]+ +//; s/0x[0-9a-f]+/ADDR/g; s/[[:space:]]+= ([^=]*)$/ = \1/' "$1" |
		grep -E '^ioctl\(' | grep -vE '^ioctl\([0-9]+, (TCGETS|TIOCGPTN|TIOCSPTLCK),'
}
(cd "$TMP" && strace -e trace=ioctl -o "$TMP/s.trace" "$PROG") || fail "tp-ttyioctl natively"
(cd "$TMP" && LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-e trace=ioctl -o $TMP/z.trace" "$PROG") ||
	fail "tp-ttyioctl traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
if [ "$(wc -l <"$TMP/s.lines")" -eq 25 ] && cmp -s "$TMP/s.lines" "$TMP/z.lines"; then
	pass "terminal ioctls: as strace prints them"
else
	fail "terminal ioctls differ from strace's"
	diff "$TMP/s.lines" "$TMP/z.lines" | head -20
fi
finish
