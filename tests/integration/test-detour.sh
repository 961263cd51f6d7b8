#!/bin/bash
# test-detour.sh - ZPOLINE_MODE=detour: no page 0, each site a jmp to a
# trampoline of its own (src/runtime/detour.c).  Reads and calls through
# NULL fault as natively while every call still reaches the hooks; hooks
# and `trace -i` see the real site; a Go program recovers from nil-pointer
# panics as natively, in auto mode (which detours Go programs on CPUs
# without protection keys).
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs
pku=0
grep -qw ospke /proc/cpuinfo && pku=1

"$P/nullread" >"$TMP/native" 2>&1
grep -q '^FAIL' "$TMP/native" && fail "nullread fails natively: $(grep FAIL "$TMP/native")"

ZPOLINE_MODE=detour ZPOLINE_DEBUG=1 ZPOLINE_COUNT_OUTPUT=$TMP/cnt LD_PRELOAD=$LIB \
	LIBZPHOOK=$HOOK_COUNT "$P/nullread" >"$TMP/out" 2>"$TMP/err"
rc=$?
sed -n 's/^\(PASS\|FAIL\): /\1: [detour, count hook] /p' "$TMP/out"
[ $rc = 0 ] || fail "nullread under ZPOLINE_MODE=detour exited $rc"
grep -Eq '^ +17 +0  getppid$' "$TMP/cnt" || { cat "$TMP/cnt"; false; }
outcome "the count hook sees all 17 getppid calls (12 through libc, 5 inline)"
grep -q 'page 0 not mapped (detour)' "$TMP/err" && grep -q '^zpoline: mode detour' "$TMP/err"
outcome "ZPOLINE_DEBUG says detour mode, no page 0"
n=$(sed -n 's/.*rewritten: [0-9]* callq, \([0-9]*\) detour, \([0-9]*\) trap;.*/\1/p' "$TMP/err")
[ -n "$n" ] && [ "$n" -gt 100 ]
outcome "most sites detoured (${n:-none} here; libc alone has hundreds)"
grep -q 'libc.so.6: [0-9]* sites detoured, [0-9]* not patchable' "$TMP/err"
outcome "ZPOLINE_DEBUG counts patchable and not patchable sites per object"

# Every call of the hooked run also under the trace hook, where each line's
# -i address is the site's return address: the same as with page 0 (the
# real site, not the trampoline), where page 0 can be had (no address
# randomisation: the two runs are compared).
if [ "$(cat /proc/sys/vm/mmap_min_addr)" = 0 ]; then
	ZPOLINE_MODE=zpoline setarch "$(uname -m)" -R "$ZP_BUILD/zpoline" trace -i -o "$TMP/t0" -- "$P/nullread" >/dev/null 2>&1
	ZPOLINE_MODE=detour setarch "$(uname -m)" -R "$ZP_BUILD/zpoline" trace -i -o "$TMP/t1" -- "$P/nullread" >/dev/null 2>&1
	grep getppid "$TMP/t0" | sed 's/ *=.*//' >"$TMP/s0"
	grep getppid "$TMP/t1" | sed 's/ *=.*//' >"$TMP/s1"
	[ "$(wc -l <"$TMP/s1")" -ge 17 ] && cmp -s "$TMP/s0" "$TMP/s1" ||
		{ diff "$TMP/s0" "$TMP/s1" | head -5; false; }
	outcome "trace -i: detoured calls show the site's address, as with page 0"
else
	skip "trace -i against page 0: vm.mmap_min_addr is not 0"
fi

# The core programs (signals, threads, vfork, clone, handlers shown the
# site) run in detour mode in test-modes.sh.

# A Go program: nil-pointer panics recovered from, as natively.
if [ -x "$P/gonil" ]; then
	"$P/gonil" >"$TMP/gn" 2>&1
	rn=$?
	"$ZP_BUILD/zpoline" run -- "$P/gonil" >"$TMP/gh" 2>&1
	rh=$?
	[ $rn = 0 ] && [ $rh = 0 ] && cmp -s "$TMP/gn" "$TMP/gh" &&
		[ "$(grep -c recovered "$TMP/gn")" = 3 ] ||
		{ echo "native ($rn):"; cat "$TMP/gn"; echo "hooked ($rh):"; head -5 "$TMP/gh"; false; }
	outcome "Go: nil-pointer panics recovered from under zpoline run (auto mode), as natively"
	if [ $pku = 0 ]; then
		ZPOLINE_DEBUG=1 "$ZP_BUILD/zpoline" run -- "$P/gonil" 2>&1 >/dev/null |
			grep -q '^zpoline: mode detour'
		outcome "no protection keys: auto mode detours a Go program (static, under the loader)"
	fi
	ZPOLINE_MODE=detour ZPOLINE_COUNT_OUTPUT=$TMP/gc "$ZP_BUILD/zpoline" run --hook count -- \
		"$P/gonil" >"$TMP/gd" 2>&1
	rd=$?
	[ $rd = 0 ] && cmp -s "$TMP/gn" "$TMP/gd" && grep -Eq ' openat$' "$TMP/gc"
	outcome "Go under ZPOLINE_MODE=detour with the count hook: as natively, its calls counted"
else
	skip "Go program (not built: golang-go is not installed)"
fi
finish
