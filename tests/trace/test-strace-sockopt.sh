#!/bin/bash
# test-strace-sockopt.sh - tp-sockopt's option names are exactly strace's:
# IPV6_V6ONLY (every dual-stack server sets it) used to print as 26, the
# SO_*_OLD names as their aliases, unknown numbers as bare decimals; and
# ICMP_FILTER's value (ping sets it) as the ICMP types it lets through.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-sockopt
need_strace "socket option names"
# lines WHAT N PATTERN: the lines of both traces that PATTERN (ERE) picks,
# pids as P, are strace's, and there are N of them.
lines() {
	local what=$1 n=$2 pat=$3 f
	for f in s z; do
		sed -E 's/^[0-9]+ +//; s/[[:space:]]+= ([^=]*)$/ = \1/; s/pid=[0-9]+/pid=P/' "$TMP/$f.trace" |
			grep -E "$pat" >"$TMP/$f.sel"
	done
	if [ "$(wc -l <"$TMP/s.sel")" -eq "$n" ] && cmp -s "$TMP/s.sel" "$TMP/z.sel"; then
		pass "$what: as strace prints them"
	else
		fail "$what differ from strace's ($(wc -l <"$TMP/s.sel") lines, want $n)"
		diff "$TMP/s.sel" "$TMP/z.sel" | head -20
	fi
}
strace -e trace=setsockopt,getsockopt -o "$TMP/s.trace" "$PROG" || fail "tp-sockopt natively"
LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-e trace=setsockopt,getsockopt -o $TMP/z.trace" "$PROG" ||
	fail "tp-sockopt traced"
lines "socket option names" 1084 '^[gs]etsockopt\(-1,'
if grep -q 'SOL_RAW, ICMP_FILTER, \[' "$TMP/s.trace"; then
	lines "ICMP_FILTER values" 7 '^[gs]etsockopt\([0-9]+, SOL_RAW, ICMP_FILTER, '
else
	skip "ICMP_FILTER values" "no raw socket here (needs root)"
fi
lines "SO_PEERCRED values" 2 '^getsockopt\([0-9]+, SOL_SOCKET, SO_PEERCRED, '
finish
