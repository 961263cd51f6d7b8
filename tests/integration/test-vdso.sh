#!/bin/bash
# ZPOLINE_VDSO=1 routes the vDSO's clock_gettime, gettimeofday, time and
# getcpu to the hooks as system calls (so a hook can virtualise time); off
# by default.
. "$(dirname "$0")/../lib.sh"
FAKE=$ZP_BUILD/tests/libzphook_faketime.so
y=$(LD_PRELOAD=$LIB LIBZPHOOK=$FAKE date -u +%Y)
[ "$y" != 2000 ] && pass "off by default: date reads the real clock ($y)" || fail "vDSO routed without ZPOLINE_VDSO"
y=$(ZPOLINE_VDSO=1 LD_PRELOAD=$LIB LIBZPHOOK=$FAKE date -u +%Y)
[ "$y" = 2000 ] && pass "ZPOLINE_VDSO=1: a hook makes date say 2000" || fail "ZPOLINE_VDSO=1: date says $y"
# Spelled yes, as a user may (it did nothing), or a value that means nothing
# (said, and left off).
y=$(ZPOLINE_VDSO=yes LD_PRELOAD=$LIB LIBZPHOOK=$FAKE date -u +%Y)
[ "$y" = 2000 ] && pass "ZPOLINE_VDSO=yes: the same" || fail "ZPOLINE_VDSO=yes: date says $y"
y=$(ZPOLINE_VDSO=sure LD_PRELOAD=$LIB LIBZPHOOK=$FAKE date -u +%Y 2>"$TMP/err")
[ "$y" != 2000 ] && grep -q 'ZPOLINE_VDSO=sure means nothing (0, 1, off, on, no, yes, false, true); using the default' "$TMP/err" &&
	pass "ZPOLINE_VDSO=sure: said, and the vDSO left alone" || fail "ZPOLINE_VDSO=sure: date says $y, $(head -c 300 "$TMP/err")"
y=$(ZPOLINE_VDSO=1 LD_PRELOAD=$LIB LIBZPHOOK=$FAKE python3 -c 'import time; print(time.gmtime(time.time()).tm_year)' 2>&1)
[ "$y" = 2000 ] && pass "ZPOLINE_VDSO=1: python3's time.time() virtualised" || fail "python3: $y"
ZPOLINE_VDSO=1 ZPOLINE_COUNT_OUTPUT=$TMP/cnt LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT "$ZP_BUILD/tests/progs/clocks" >/dev/null
for c in clock_gettime gettimeofday time getcpu; do
	grep -Eq " $c\$" "$TMP/cnt" && pass "vDSO $c reaches the hooks" || fail "vDSO $c not seen: $(cat "$TMP/cnt")"
done
ZPOLINE_COUNT_OUTPUT=$TMP/cnt2 LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT "$ZP_BUILD/tests/progs/clocks" >/dev/null
! grep -Eq " (clock_gettime|gettimeofday)\$" "$TMP/cnt2" && pass "without ZPOLINE_VDSO: no vDSO call enters the kernel" ||
	fail "vDSO calls seen without ZPOLINE_VDSO"
# A program's handler that runs inside hook code (a signal the hook made
# the thread receive) and leaves it with siglongjmp: the thread's later
# vDSO calls still reach the hooks.  (With routed vDSO functions the hooks
# are called through the dispatcher: test-lean.)
ZPOLINE_VDSO=1 LD_PRELOAD=$LIB LIBZPHOOK=$ZP_BUILD/tests/libzphook_sigjump.so \
	"$ZP_BUILD/tests/progs/vdsojump" >"$TMP/jump" 2>&1
rc=$?
sed -n "s/^\(PASS\|FAIL\): \(.*\)/\1: \2/p" "$TMP/jump"
[ $rc -eq 0 ] || fail "vdsojump exited $rc: $(head -c 300 "$TMP/jump")"
# The same for Syscall User Dispatch's selector in net and SUD mode: the
# program's unrewritten calls still trap after such a jump, and those of a
# handler running inside the hook do too.
for mode in net sud; do
	ZPOLINE_MODE=$mode LD_PRELOAD=$LIB LIBZPHOOK=$ZP_BUILD/tests/libzphook_sigjump.so \
		"$ZP_BUILD/tests/progs/sudjump" >"$TMP/sudjump" 2>&1
	rc=$?
	sed -n "s/^\(PASS\|FAIL\): \(.*\)/\1: [ZPOLINE_MODE=$mode] \2/p" "$TMP/sudjump"
	[ $rc -eq 0 ] || fail "[ZPOLINE_MODE=$mode] sudjump exited $rc: $(head -c 300 "$TMP/sudjump")"
done
# The tracer reads its clocks through the vDSO too: it must not trace itself.
out=$(ZPOLINE_VDSO=1 "$ZP_BUILD/zpoline" trace -T -e trace=clock_gettime -- "$ZP_BUILD/tests/progs/clocks" 2>&1)
n=$(echo "$out" | grep -c '^clock_gettime(')
[ "$n" = 2 ] && pass "tracer with ZPOLINE_VDSO=1: the program's 2 clock_gettime calls, not the tracer's own" ||
	fail "tracer saw $n clock_gettime lines: $(echo "$out" | head -5)"
# Under `ulimit -v` the hook stacks are smaller (thread.c): hook code is
# told by each thread's own span (TB_SPAN), not a constant.
if asan_hooks; then
	skip "ZPOLINE_VDSO=1 under ulimit -v" "the hooks are AddressSanitizer builds"
else
	out=$(ulimit -v 16000000 && ZPOLINE_VDSO=1 "$ZP_BUILD/zpoline" trace -T -e trace=clock_gettime -- "$ZP_BUILD/tests/progs/clocks" 2>&1)
	n=$(echo "$out" | grep -c '^clock_gettime(')
	[ "$n" = 2 ]
	verdict $? "[ulimit -v] tracer with ZPOLINE_VDSO=1: the program's 2 clock_gettime calls, not the tracer's own ($n)"
	(ulimit -v 16000000 && ZPOLINE_VDSO=1 LD_PRELOAD=$LIB LIBZPHOOK=$ZP_BUILD/tests/libzphook_sigjump.so \
		"$ZP_BUILD/tests/progs/vdsojump") >"$TMP/jump" 2>&1
	rc=$?
	sed -n "s/^\(PASS\|FAIL\): \(.*\)/\1: [ulimit -v] \2/p" "$TMP/jump"
	[ $rc -eq 0 ] || fail "[ulimit -v] vdsojump exited $rc: $(head -c 300 "$TMP/jump")"
fi
finish
