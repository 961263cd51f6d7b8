#!/bin/bash
# test-fsize.sh - a program that lowers RLIMIT_FSIZE (sshd's pre-
# authentication child sets it to 0) is not killed by SIGXFSZ for the
# tracer's or the count hook's writes: the trace on stderr redirected to a
# file, -ff's FILE.TID files, -o FILE, and the count hook's table to a
# file.  `zpoline trace -f -- sshd -D -e 2>log` used to kill every
# pre-authentication child at the line of its own setrlimit (no login
# worked).  The lines the limit stops are lost; those after it is lifted
# are written.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-fsize

"$PROG" >"$TMP/want" 2>/dev/null
echo "rc=$?" >>"$TMP/want"
# same NAME CMD...: CMD (stderr to $TMP/err, a regular file) prints what the
# native run prints and exits as it does.
same() {
	local name=$1
	shift
	: >"$TMP/err"
	"$@" >"$TMP/got" 2>>"$TMP/err"
	echo "rc=$?" >>"$TMP/got"
	if cmp -s "$TMP/want" "$TMP/got"; then
		pass "$name: as natively"
	else
		fail "$name: $(tr '\n' ' ' <"$TMP/got") (native: $(tr '\n' ' ' <"$TMP/want"))"
	fi
}
# The lifting call and the one after it, once the limit is gone.
lifted() {
	grep -aEq 'prlimit64\(0, RLIMIT_FSIZE, \{rlim_cur=RLIM64_INFINITY, rlim_max=RLIM64_INFINITY\}, NULL\) += 0' "$@" &&
		grep -aEq '^([0-9]+ +)?\+\+\+ exited with 0 \+\+\+' "$@"
}

for how in zpoline sud; do
	same "trace -f to stderr, a file ($how)" "$ZP" trace --mode $how -f -- "$PROG"
	lifted "$TMP/err"
	outcome "trace -f to stderr ($how): the lines after the limit is lifted"
	rm -f "$TMP/ff".*
	same "trace -ff -o ($how)" "$ZP" trace --mode $how -ff -o "$TMP/ff" -- "$PROG"
	lifted "$TMP/ff".*
	outcome "trace -ff -o ($how): the lines after the limit is lifted"
	same "trace -f -o ($how)" "$ZP" trace --mode $how -f -o "$TMP/o" -- "$PROG"
	lifted "$TMP/o"
	outcome "trace -f -o ($how): the lines after the limit is lifted"
	same "count hook, table to stderr, a file ($how)" env ZPOLINE_MODE=$how "$ZP" run --hook count -- "$PROG"
	grep -q '  total$' "$TMP/err"
	outcome "count hook ($how): the table of the process that lifted the limit"
done
finish
