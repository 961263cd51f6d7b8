#!/bin/bash
# The same integration tests in the Syscall User Dispatch modes: the safety
# net (ZPOLINE_MODE=net) and no page 0 at all (ZPOLINE_MODE=sud), plus the
# automatic fallback when page 0 is refused.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
for mode in net sud; do
	for t in test-core.sh test-programs.sh; do
		ZPOLINE_MODE=$mode "$HERE/$t" >"$TMP/out" 2>&1
		rc=$?
		sed -n "s/^\(PASS\|FAIL\|SKIP\): \(.*\)/\1: [mode $mode] \2/p" "$TMP/out"
		[ $rc -eq 0 ] || fail "[mode $mode] $t exited $rc"
	done
done

# Page 0 refused (a seccomp filter makes mmap at 0 fail, as vm.mmap_min_addr
# or SELinux would; the sysctl itself is global and not touched here): the
# default mode warns once and carries on through Syscall User Dispatch.
NOPAGE0=$ZP_BUILD/tests/progs/cli-nopage0
if [ -x "$NOPAGE0" ]; then
	ZPOLINE_COUNT_OUTPUT=$TMP/cnt "$NOPAGE0" env LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT \
		"$ZP_BUILD/tests/progs/seq" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	grep -q "Syscall User Dispatch mode" "$TMP/err" && [ $rc -eq 0 ] &&
		grep -Eq '^ +12 +0  getppid$' "$TMP/cnt" &&
		pass "page 0 refused: one warning, then every call hooked through SUD" ||
		fail "page 0 refused: exit $rc, $(head -c 300 "$TMP/err")"
	"$NOPAGE0" env LD_PRELOAD=$LIB ZPOLINE_MODE=zpoline /bin/true 2>"$TMP/err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "sysctl -w vm.mmap_min_addr=0" "$TMP/err" &&
		pass "page 0 refused with ZPOLINE_MODE=zpoline: exit 1 naming the fix" ||
		fail "ZPOLINE_MODE=zpoline without page 0: exit $rc, $(head -c 200 "$TMP/err")"
else
	skip "page 0 refused" "build/tests/progs/cli-nopage0 not built"
fi
ZPOLINE_MODE=bogus LD_PRELOAD=$LIB /bin/true 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q "ZPOLINE_MODE=bogus is not a mode" "$TMP/err" &&
	pass "unknown ZPOLINE_MODE: one clear line, exit 1" ||
	fail "unknown ZPOLINE_MODE: exit $rc, $(cat "$TMP/err")"
finish
