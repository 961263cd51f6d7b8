#!/bin/bash
# test-sigstatus.sh - a program killed by a signal: the command dies of the
# same signal, so whoever waits for it sees what a native run shows (a
# death by signal: Python's returncode -15, Tcl's "child killed"), not
# exit(128+N).  A shell's $? is 128+N either way.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli-lib.sh"

if ! command -v perl >/dev/null; then
	skip "death by signal passes through" "perl is needed to read a wait status"
	finish
fi
# "sig=N exit=E" of a wait status.
status() { perl -e 'system(@ARGV); printf "sig=%d exit=%d\n", $? & 127, $? >> 8' -- "$@" 2>/dev/null; }

for sig in TERM INT SEGV KILL; do
	n=$(status sh -c "kill -$sig \$\$")
	for cmd in run "trace -o $TMP/T" "inject getppid:error=EPERM"; do
		# shellcheck disable=SC2086
		h=$(cd "$TMP" && status "$Z" $cmd -- sh -c "kill -$sig \$\$")
		[ "$n" = "$h" ] && [ "${n#sig=0 }" = "$n" ]
		outcome "${cmd%% *}: killed by SIG$sig as natively ($n; got $h)"
	done
done
n=$(status sh -c 'exit 7')
h=$(status "$Z" run -- sh -c 'exit 7')
[ "$n" = "$h" ] && [ "$n" = "sig=0 exit=7" ]
outcome "run: exit 7 as natively ($h)"
# No core file of the command's own.
(cd "$TMP" && ulimit -c unlimited && "$Z" run -- sh -c 'ulimit -c 0; kill -SEGV $$' >/dev/null 2>&1)
! ls "$TMP"/core* >/dev/null 2>&1
outcome "run: no core file of its own"
finish
