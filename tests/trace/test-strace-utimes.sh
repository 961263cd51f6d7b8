#!/bin/bash
# test-strace-utimes.sh - tp-utimes's utimensat lines are exactly strace's,
# dates in comments included, in UTC and in a fixed zone east of it with a half
# hour (for the offset's sign and minutes), traced by the command, and by
# a plain LD_PRELOAD session handed the offset as the command hands it.
# (Left to itself, such a session prints no dates: reading the zone at
# start-up would hide the program's own read of it.)
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-utimes
need_strace "utimensat lines"
norm() {
	sed -E 's/^[0-9]+ +//; s/[[:space:]]+= ([^=]*)$/ = \1/' "$1" | grep -E '^utimensat\('
}
# UTC, and a fixed zone east of it with a half hour (POSIX TZ string).
for tz in UTC '<+0530>-5:30'; do
	(cd "$TMP" && TZ=$tz strace -o "$TMP/s.trace" "$PROG") || fail "tp-utimes natively ($tz)"
	(cd "$TMP" && TZ=$tz "$ZP_BUILD/zpoline" trace -o "$TMP/z.trace" -- "$PROG") ||
		fail "tp-utimes traced ($tz)"
	(cd "$TMP" && TZ=$tz ZPOLINE_TRACE_TZ_FIXED=1 ZPOLINE_TRACE_TZ=$(TZ=$tz date +%z | sed -E 's/^([-+])0*([0-9]*)([0-9]{2})$/\1 \2 \3/' | awk '{print ($1=="-"?-1:1)*($2*3600+$3*60)}') LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-o $TMP/p.trace" "$PROG") ||
		fail "tp-utimes traced with LD_PRELOAD ($tz)"
	norm "$TMP/s.trace" >"$TMP/s.lines"
	for run in z p; do
		norm "$TMP/$run.trace" >"$TMP/$run.lines"
		if [ "$(wc -l <"$TMP/s.lines")" -eq 8 ] && cmp -s "$TMP/s.lines" "$TMP/$run.lines"; then
			pass "utimensat ($tz, $run): as strace prints it"
		else
			fail "utimensat ($tz, $run) differs from strace"
			diff "$TMP/s.lines" "$TMP/$run.lines" | head -20
		fi
		# time(2): the clock moved between the runs, the form must not
		times() {
			sed -E 's/^[0-9]+ +//; s/[[:space:]]+= ([^=]*)$/ = \1/' "$1" | grep -E '^time\(' |
				sed -E 's/[0-9]{10}/T/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}/D/g'
		}
		times "$TMP/s.trace" >"$TMP/s.times"
		times "$TMP/$run.trace" >"$TMP/$run.times"
		if grep -q '^time(\[T /\* D[-+][0-9]* \*/\]) = T (D[-+][0-9]*)$' "$TMP/s.times" &&
			cmp -s "$TMP/s.times" "$TMP/$run.times"; then
			pass "time ($tz, $run): as strace prints it, dates too"
		else
			fail "time ($tz, $run): strace '$(cat "$TMP/s.times")', tracer '$(cat "$TMP/$run.times")'"
		fi
	done
done
# A zone with summer time: a date's offset is its own, so no dates at all
# rather than some of them wrong (strace asks localtime for each).
if [ -e /usr/share/zoneinfo/America/New_York ]; then
	(cd "$TMP" && TZ=America/New_York "$ZP_BUILD/zpoline" trace -o "$TMP/n.trace" -- "$PROG")
	norm "$TMP/n.trace" >"$TMP/n.lines"
	[ "$(wc -l <"$TMP/n.lines")" -eq 8 ] && ! grep -q '/\*' "$TMP/n.lines"
	outcome "utimensat (America/New_York): no dates where the offset changes"
else
	skip "utimensat in a zone with summer time: no America/New_York zone file"
fi
finish
