#!/bin/bash
# test-sleepreq.sh - an interrupted sleep shows the request it was given.
# The kernel writes the time left into rem, and glibc's sleep() passes
# the request itself as rem: the trace printed the time left as the
# request (perl's `sleep 3` cut short by alarm: {tv_sec=1, ...}), where
# strace shows {tv_sec=3, tv_nsec=0}.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-sleepreq

"$PROG" > "$TMP/out.native" 2>&1
echo "rc=$?" >> "$TMP/out.native"
check "native: each sleep interrupted" grep -qx -- '-1 -1 -1 1 1 1 1' "$TMP/out.native"
for how in zpoline sud; do
	timeout -k 5 60 "$ZP" trace --mode $how -o "$TMP/T.$how" -- "$PROG" > "$TMP/out.$how" 2>&1
	echo "rc=$?" >> "$TMP/out.$how"
	T=$TMP/T.$how
	check "$how: output as native" cmp -s "$TMP/out.native" "$TMP/out.$how"
	grep -aEq '^nanosleep\(\{tv_sec=7, tv_nsec=250000000\}, \{tv_sec=[0-9]+, tv_nsec=[0-9]+\}\) += (-1 EINTR|\? ERESTART_RESTARTBLOCK \(Interrupted by signal\))' "$T"
	outcome "$how: nanosleep(&ts, &ts) shows the request"
	grep -aEq '^clock_nanosleep\(CLOCK_MONOTONIC, 0, \{tv_sec=8, tv_nsec=125000000\}, \{tv_sec=[0-9]+, tv_nsec=[0-9]+\}\) += (-1 EINTR|\? ERESTART_RESTARTBLOCK \(Interrupted by signal\))' "$T"
	outcome "$how: clock_nanosleep(.., &ts, &ts) shows the request"
	grep -aEq '^clock_nanosleep\(CLOCK_REALTIME, 0, \{tv_sec=9, tv_nsec=0\}, \{tv_sec=[0-9]+, tv_nsec=[0-9]+\}\) += (-1 EINTR|\? ERESTART_RESTARTBLOCK \(Interrupted by signal\))' "$T"
	outcome "$how: clock_nanosleep with its own rem"
	grep -aEq '^clock_nanosleep\(CLOCK_REALTIME, 0, \{tv_sec=6, tv_nsec=0\}, \{tv_sec=[0-9]+, tv_nsec=[0-9]+\}\) += (-1 EINTR|\? ERESTART_RESTARTBLOCK \(Interrupted by signal\))' "$T"
	outcome "$how: glibc sleep(6) shows the request"
done
finish
