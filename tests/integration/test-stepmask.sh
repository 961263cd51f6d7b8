#!/bin/bash
# A signal at each step of a trapped call (tests/programs/stepmask.c,
# `every`), in sud mode where every call traps: a handler that blocks a
# signal in its context keeps the block after the call, whatever
# instruction of the runtime's trap path it interrupted.  test-core tries
# a spread of the steps under every hook; this tries them all, without a
# hook and with the pass hook (its own steps), a minute or two each.
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs/stepmask
if ! grep -q 'syscall user dispatch  available' <("$ZP_BUILD/zpoline" doctor 2>&1); then
	skip "stepmask every" "no Syscall User Dispatch here (Linux 5.11 or later)"
	finish
fi
for hook in none pass; do
	H=
	[ $hook = pass ] && H=$HOOK_PASS
	ZPOLINE_MODE=sud LD_PRELOAD=$LIB LIBZPHOOK=$H "$P" every >"$TMP/out" 2>&1
	rc=$?
	sed -n "s/^\(PASS\|FAIL\|SKIP\): \(.*\)/\1: [sud $hook] stepmask every: \2/p" "$TMP/out"
	grep -E '^(wrong at|[0-9]+ steps)' "$TMP/out"
	[ $rc -eq 0 ] || fail "[sud $hook] stepmask every exited $rc"
	grep -Eq '^(PASS|FAIL): ' "$TMP/out" || fail "[sud $hook] stepmask every printed no result"
done
finish
