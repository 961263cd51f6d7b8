#!/bin/bash
# test-strace-sockopt.sh - tp-sockopt's option names are exactly strace's:
# IPV6_V6ONLY (every dual-stack server sets it) used to print as 26, the
# SO_*_OLD names as their aliases, unknown numbers as bare decimals; and
# ICMP_FILTER's value (ping sets it) as the ICMP types it lets through.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-sockopt
need_strace "socket option names"
norm() {
	sed -E 's/^[0-9]+ +//; s/[[:space:]]+= ([^=]*)$/ = \1/' "$1" | grep -E '^[gs]etsockopt\(-1,'
}
strace -e trace=setsockopt,getsockopt -o "$TMP/s.trace" "$PROG" || fail "tp-sockopt natively"
LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-e trace=setsockopt,getsockopt -o $TMP/z.trace" "$PROG" ||
	fail "tp-sockopt traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
if [ "$(wc -l <"$TMP/s.lines")" -eq 1084 ] && cmp -s "$TMP/s.lines" "$TMP/z.lines"; then
	pass "socket option names: as strace prints them"
else
	fail "socket option names differ from strace's"
	diff "$TMP/s.lines" "$TMP/z.lines" | head -20
fi
icmp() {
	sed -E 's/^[0-9]+ +//; s/[[:space:]]+= ([^=]*)$/ = \1/' "$1" | grep -E '^[gs]etsockopt\([0-9]+, SOL_RAW, ICMP_FILTER, '
}
icmp "$TMP/s.trace" >"$TMP/s.icmp"
icmp "$TMP/z.trace" >"$TMP/z.icmp"
if [ ! -s "$TMP/s.icmp" ]; then
	skip "ICMP_FILTER values" "no raw socket here (needs root)"
elif [ "$(wc -l <"$TMP/s.icmp")" -eq 7 ] && cmp -s "$TMP/s.icmp" "$TMP/z.icmp"; then
	pass "ICMP_FILTER values: as strace prints them"
else
	fail "ICMP_FILTER values differ from strace's"
	diff "$TMP/s.icmp" "$TMP/z.icmp" | head -10
fi
cred() {
	sed -E 's/^[0-9]+ +//; s/[[:space:]]+= ([^=]*)$/ = \1/; s/pid=[0-9]+/pid=P/' "$1" | grep -E '^getsockopt\([0-9]+, SOL_SOCKET, SO_PEERCRED, '
}
cred "$TMP/s.trace" >"$TMP/s.cred"
cred "$TMP/z.trace" >"$TMP/z.cred"
if [ "$(wc -l <"$TMP/s.cred")" -eq 2 ] && cmp -s "$TMP/s.cred" "$TMP/z.cred"; then
	pass "SO_PEERCRED values: as strace prints them"
else
	fail "SO_PEERCRED values differ from strace's"
	diff "$TMP/s.cred" "$TMP/z.cred" | head -10
fi
finish
