#!/bin/bash
# test-strace-exact.sh - lines that must be exactly strace's (after
# addresses and the child's pid are normalised): tp-decode's sendfile,
# sched_getaffinity, prlimit64, epoll_ctl and waitid.  test-compare.sh
# allows 5% of lines to differ; these small differences went unseen there.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-decode
need_strace "exact lines"
norm() {
	sed -E 's/^[0-9]+ +//; s/0x[0-9a-f]+/ADDR/g; s/[[:space:]]+= ([^=]*)$/ = \1/; s/si_pid=[0-9]+/si_pid=PID/; s/^waitid\(P_PID, [0-9]+,/waitid(P_PID, PID,/' "$1" |
		grep -E '^(sendfile\(|sched_getaffinity\(|prlimit64\(0, RLIMIT_NOFILE, NULL|epoll_ctl\([0-9]+, EPOLL_CTL_DEL|waitid\()'
}
(cd "$TMP" && strace -o "$TMP/s.trace" "$PROG") || fail "tp-decode natively"
(cd "$TMP" && LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-o $TMP/z.trace" "$PROG") ||
	fail "tp-decode traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
while read -r name; do
	want=$(grep -E "^$name\\(" "$TMP/s.lines")
	got=$(grep -E "^$name\\(" "$TMP/z.lines")
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		pass "$name: as strace prints it"
	else
		fail "$name: strace '$want', tracer '$got'"
	fi
done <<<"sendfile
sched_getaffinity
prlimit64
epoll_ctl
waitid"
finish
