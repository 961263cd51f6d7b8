#!/bin/bash
# The program reserved the low 4 GiB before the runtime started (Chromium's
# PartitionAlloc does): page 0 could be mapped, but no second stage can be
# reached from it with a jump.  The runtime jumps through a pointer kept
# just above page 0 instead (trampoline.c), and the program runs as it
# would with page 0 free.  With those pages taken too, the runtime must
# say so (not blame vm.mmap_min_addr), carry on through Syscall User
# Dispatch, and hook every call.
. "$(dirname "$0")/../lib.sh"
LOWRES=$ZP_BUILD/tests/libs/liblowres.so
SEQ=$ZP_BUILD/tests/progs/seq
if [ ! -e "$LOWRES" ] || [ ! -x "$SEQ" ]; then
	skip "low memory reserved" "liblowres.so or seq not built"
	finish
fi
if asan_hooks; then
	skip "low memory reserved" "the hooks are AddressSanitizer builds (lib.sh)"
	finish
fi
if [ "$(cat /proc/sys/vm/mmap_min_addr)" != 0 ] && [ "$(id -u)" != 0 ]; then
	skip "low memory reserved" "page 0 is not available here anyway"
	finish
fi
ZPOLINE_DEBUG=1 ZPOLINE_COUNT_OUTPUT=$TMP/cnt LD_PRELOAD="$LIB $LOWRES" LIBZPHOOK=$HOOK_COUNT "$SEQ" \
	>"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 0 ] && grep -q "second stage through a pointer" "$TMP/err" &&
	! grep -Eq "no room|Syscall User Dispatch mode" "$TMP/err"; then
	pass "low 4 GiB reserved: page 0 mode, the second stage reached through a pointer, no warning"
else
	fail "low 4 GiB reserved: exit $rc, $(grep -v '^zpoline: [0-9]* objects' "$TMP/err" | head -c 400)"
fi
grep -Eq '^ +12 +0  getppid$' "$TMP/cnt" && [ "$(grep -c '^ok$' "$TMP/out")" = 2 ] &&
	pass "low 4 GiB reserved: every call hooked" ||
	fail "low 4 GiB reserved: count table $(head -c 300 "$TMP/cnt" 2>&1)"
# Numbers out of range, among them those that land inside the tail's
# pointer jump, and its pointer page: as native.
"$ZP_BUILD/tests/progs/outofrange" >"$TMP/oor.native" 2>&1
for H in "" "$HOOK_PASS"; do
	LD_PRELOAD="$LIB $LOWRES" LIBZPHOOK=$H "$ZP_BUILD/tests/progs/outofrange" >"$TMP/oor.hooked" 2>&1
	diff "$TMP/oor.native" "$TMP/oor.hooked" >"$TMP/oor.diff" &&
		pass "low 4 GiB reserved, hook '${H##*/}': out-of-range numbers as native" ||
		fail "low 4 GiB reserved, hook '${H##*/}': $(head -c 300 "$TMP/oor.diff")"
done

# The pointer's pages taken too: Syscall User Dispatch.
export LOWRES_FROM=0x1000
ZPOLINE_COUNT_OUTPUT=$TMP/cnt LD_PRELOAD="$LIB $LOWRES" LIBZPHOOK=$HOOK_COUNT "$SEQ" \
	>"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 0 ] && grep -q "no room for the trampoline's second stage" "$TMP/err" &&
	! grep -q "mmap_min_addr" "$TMP/err" && [ "$(grep -c . "$TMP/err")" = 1 ]; then
	pass "low memory reserved from 4 KiB: one warning naming the second stage, not vm.mmap_min_addr"
else
	fail "low memory reserved from 4 KiB: exit $rc, $(head -c 400 "$TMP/err")"
fi
grep -Eq '^ +12 +0  getppid$' "$TMP/cnt" && [ "$(grep -c '^ok$' "$TMP/out")" = 2 ] &&
	pass "low memory reserved from 4 KiB: every call hooked through Syscall User Dispatch" ||
	fail "low memory reserved from 4 KiB: count table $(head -c 300 "$TMP/cnt" 2>&1)"
LD_PRELOAD="$LIB $LOWRES" ZPOLINE_MODE=zpoline "$SEQ" >/dev/null 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q "no room for the trampoline's second stage" "$TMP/err" &&
	pass "low memory reserved from 4 KiB, ZPOLINE_MODE=zpoline: exit 1 with the reason" ||
	fail "ZPOLINE_MODE=zpoline, low memory reserved from 4 KiB: exit $rc, $(head -c 300 "$TMP/err")"
finish
