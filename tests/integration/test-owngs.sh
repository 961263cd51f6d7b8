#!/bin/bash
# A program that sets its own %gs base (Wine, Firefox's wasm2c sandboxes):
# not supported, the runtime's per-thread block lives there.  The runtime
# says so once on stderr instead of leaving a silent crash (Wine exited 1
# with nothing said, Firefox crashed in its crash reporter).
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs/owngs
"$P" >"$TMP/native" 2>&1
[ $? = 0 ] && [ "$(cat "$TMP/native")" = "gs set
done" ]
outcome "native run"
for hook in none pass; do
	[ $hook = pass ] && H=$HOOK_PASS || H=
	LIBZPHOOK=$H LD_PRELOAD=$LIB timeout 20 "$P" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc = 0 ] && cmp -s "$TMP/native" "$TMP/out"
	outcome "[$hook] output and exit as native (exit $rc)"
	[ "$(grep -c "set a thread's %gs base itself" "$TMP/err")" = 1 ]
	outcome "[$hook] the program's own %gs base is reported, once: $(head -c 300 "$TMP/err")"
done
# A program that leaves %gs alone is told nothing.
LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS "$ZP_BUILD/tests/progs/threads" >/dev/null 2>"$TMP/err"
! grep -q '%gs base' "$TMP/err"
outcome "no report for threads the runtime adopts or starts"
finish
