#!/bin/bash
# test-strace-ioctlnames.sh - ioctl requests of block devices, loop, KVM,
# random, perf, sound, video and sockets named as strace names them (the
# names generated from the UAPI headers: tools/gen-trace-consts.sh, tables
# ioctl_names and plain_ioctls); tp-ioctlnames makes them on a regular
# file, where each fails.
. "$(dirname "$0")/../lib.sh"

PROG=$ZP_BUILD/tests/progs/tp-ioctlnames
need_strace "ioctl names"
norm() { sed -E 's/^[0-9]+ +//; s/0x[0-9a-f]+/ADDR/g; s/[[:space:]]+= ([^=]*)$/ = \1/' "$1" | grep -E '^ioctl\('; }
strace -e trace=ioctl -o "$TMP/s.trace" "$PROG" || fail "tp-ioctlnames natively"
"$ZP_BUILD/zpoline" trace -e trace=ioctl -o "$TMP/z.trace" -- "$PROG" || fail "tp-ioctlnames traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
n=$(wc -l <"$TMP/s.lines")
check "strace named them all ($n lines)" eval '[ "$n" -eq 9 ] && ! grep -qF "_IOC(" "$TMP/s.lines"'
if cmp -s "$TMP/s.lines" "$TMP/z.lines"; then
	pass "ioctl requests of nine subsystems named as strace names them"
else
	fail "ioctl names differ from strace's: $(diff "$TMP/s.lines" "$TMP/z.lines" | head -8 | tr '\n' ' ')"
fi
finish
