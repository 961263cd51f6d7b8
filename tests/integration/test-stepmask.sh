#!/bin/bash
# A signal at each step of a hooked call (tests/programs/stepmask.c,
# `every`): a handler that blocks a signal in its context keeps the block
# after the call, and runs on the program's stack, whatever instruction of
# the runtime it interrupted.  In sud mode every call traps (the trap
# path's steps); in page-0 (auto) and detour modes the stub's steps after
# the hooks return run on the slot (defer.c, zp_defer_late): argedit's hook
# changes the call, which takes the stub's way for a changed call.
# test-core tries a spread of the steps under every hook; this tries them
# all, a minute or two for sud mode, seconds for the others.
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs/stepmask
ARGEDIT=$ZP_BUILD/tests/libzphook_argedit.so
runs="auto:none auto:pass auto:argedit detour:none detour:pass detour:argedit"
if grep -q 'syscall user dispatch  available' <("$ZP_BUILD/zpoline" doctor 2>&1); then
	runs="sud:none sud:pass $runs"
else
	skip "stepmask every [sud]" "no Syscall User Dispatch here (Linux 5.11 or later)"
fi
for run in $runs; do
	mode=${run%%:*} hook=${run#*:}
	case $hook in
	none) H= ;;
	pass) H=$HOOK_PASS ;;
	argedit) H=$ARGEDIT ;;
	esac
	ZPOLINE_MODE=$mode LD_PRELOAD=$LIB LIBZPHOOK=$H "$P" every >"$TMP/out" 2>&1
	rc=$?
	sed -n "s/^\(PASS\|FAIL\|SKIP\): \(.*\)/\1: [$mode $hook] stepmask every: \2/p" "$TMP/out"
	grep -E '^(wrong at|[0-9]+ steps)' "$TMP/out"
	[ $rc -eq 0 ] || fail "[$mode $hook] stepmask every exited $rc"
	grep -Eq '^(PASS|FAIL): ' "$TMP/out" || fail "[$mode $hook] stepmask every printed no result"
done
finish
