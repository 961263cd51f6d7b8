#!/bin/bash
# The same integration tests with the Syscall User Dispatch safety net
# (ZPOLINE_MODE=net), plus the automatic fallback when page 0 is refused.
# No page 0 at all: test-modes-sud.sh (ZPOLINE_MODE=sud) and
# test-modes-detour.sh (sites jump to trampolines); the runtime's other
# paths in the default mode: test-variants.sh (each apart, so that every
# script stays within tests/run's time per script: the three modes in one
# took 600 s under load).
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
variant "mode net" ZPOLINE_MODE=net

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
# The real thing: vm.mmap_min_addr at 4096 and no CAP_SYS_RAWIO (root maps
# page 0 whatever the sysctl says).  Global, so only briefly, and put back.
if [ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/mmap_min_addr ] && command -v setpriv >/dev/null &&
	[ -z "${ZP_NO_SYSCTL:-}" ]; then
	old=$(cat /proc/sys/vm/mmap_min_addr)
	trap 'echo "$old" >/proc/sys/vm/mmap_min_addr; rm -rf "$TMP"' EXIT
	echo 4096 >/proc/sys/vm/mmap_min_addr
	setpriv --bounding-set -sys_rawio --inh-caps -sys_rawio \
		env ZPOLINE_COUNT_OUTPUT=$TMP/cnt4096 LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT \
		"$ZP_BUILD/tests/progs/seq" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	# The fallback itself is checked above; the core tests compare native
	# and hooked stderr, so they name the mode and get no warning line.
	setpriv --bounding-set -sys_rawio --inh-caps -sys_rawio \
		env ZPOLINE_MODE=sud "$HERE/test-core.sh" >"$TMP/core4096" 2>&1
	crc=$?
	# Root when page 0 was reserved, not any more at the switch: the
	# switch opens the reservation (it printed the sysctl advice before).
	env ZPOLINE_MODE=auto ZPOLINE_SWITCH_AFTER=200 ZPOLINE_COUNT_OUTPUT=$TMP/cntdrop \
		LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT "$ZP_BUILD/tests/progs/dropuid" >"$TMP/dout" 2>"$TMP/derr"
	drc=$?
	echo "$old" >/proc/sys/vm/mmap_min_addr
	[ $drc -eq 0 ] && [ ! -s "$TMP/derr" ] && grep -qx 'uid 65534, 1000 calls' "$TMP/dout" &&
		grep -Eq '^ +1001 +0  getppid$' "$TMP/cntdrop" &&
		pass "mmap_min_addr 4096: a program that gave up root before the switch: nothing said, every call hooked" ||
		fail "mmap_min_addr 4096, root given up: exit $drc, '$(head -c 300 "$TMP/derr")', $(grep getppid "$TMP/cntdrop")"
	grep -q "Syscall User Dispatch mode" "$TMP/err" && [ $rc -eq 0 ] &&
		grep -Eq '^ +12 +0  getppid$' "$TMP/cnt4096" &&
		pass "vm.mmap_min_addr=4096 without CAP_SYS_RAWIO: falls back to SUD, every call hooked" ||
		fail "mmap_min_addr 4096: exit $rc, $(head -c 300 "$TMP/err")"
	sed -n "s/^\(PASS\|FAIL\|SKIP\): \(.*\)/\1: [mmap_min_addr 4096] \2/p" "$TMP/core4096"
	[ $crc -eq 0 ] || fail "[mmap_min_addr 4096] test-core.sh exited $crc"
else
	skip "vm.mmap_min_addr=4096" "needs root, setpriv and a writable sysctl"
fi

# qemu-user takes MAP_FIXED_NOREPLACE for a hint, as kernels before 4.17
# do, and its guest shares addresses with the host: a guest that inherits
# LD_PRELOAD from a hooked qemu asks for the host runtime's page 0 and
# stage 2 and is handed other pages (it wrote the trampoline into them and
# died of SIGSEGV: sweep I1).  It must see those taken and stop, as where
# page 0 is refused and no Syscall User Dispatch is there (qemu has none).
# Through the command the guest does not see the variable and runs.
if command -v qemu-x86_64 >/dev/null; then
	LD_PRELOAD=$LIB qemu-x86_64 /bin/true 2>"$TMP/err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "MAP_FIXED_NOREPLACE" "$TMP/err" &&
		pass "qemu-user guest inheriting LD_PRELOAD: exit 1 saying its pages were mapped elsewhere" ||
		fail "qemu-user guest inheriting LD_PRELOAD: exit $rc, $(head -c 300 "$TMP/err")"
	"$ZP_BUILD/tests/progs/seq" >"$TMP/native" 2>&1
	ZPOLINE_COUNT_OUTPUT=$TMP/qcnt "$ZP_BUILD/zpoline" run --hook count -- \
		qemu-x86_64 "$ZP_BUILD/tests/progs/seq" >"$TMP/out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && cmp -s "$TMP/native" "$TMP/out" && grep -Eq ' mmap$' "$TMP/qcnt" &&
		pass "zpoline run -- qemu-x86_64 seq: the guest's output as natively, qemu hooked" ||
		fail "zpoline run -- qemu-x86_64 seq: exit $rc, $(head -c 300 "$TMP/out")"
else
	skip "qemu-user guest" "qemu-x86_64 not installed (Debian: qemu-user)"
fi

ZPOLINE_MODE=bogus LD_PRELOAD=$LIB /bin/true 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q "ZPOLINE_MODE=bogus is not a mode" "$TMP/err" &&
	pass "unknown ZPOLINE_MODE: one clear line, exit 1" ||
	fail "unknown ZPOLINE_MODE: exit $rc, $(cat "$TMP/err")"

# The other settings: a value that means nothing is said, the default taken,
# and the program runs.
setting() { # NAME=VALUE EXPECTED-MESSAGE
	local out rc
	out=$(env "$1" LD_PRELOAD="$LIB" /bin/echo ran 2>"$TMP/err")
	rc=$?
	[ $rc -eq 0 ] && [ "$out" = ran ] && grep -qF "$2" "$TMP/err" &&
		pass "$1: said on stderr, the default taken" ||
		fail "$1: exit $rc, output '$out', $(head -c 300 "$TMP/err")"
}
setting ZPOLINE_CACHE=maybe "ZPOLINE_CACHE=maybe means nothing (0, 1, off, on, no, yes, false, true); using the default"
setting ZPOLINE_LEAN=2 "ZPOLINE_LEAN=2 means nothing"
setting ZPOLINE_RETURN=iret "ZPOLINE_RETURN=iret means nothing (jmp, ret); using the default"
setting ZPOLINE_STAGE2=fast "ZPOLINE_STAGE2=fast means nothing (units, sled, indirect)"
setting ZPOLINE_SWITCH_AFTER=lots "ZPOLINE_SWITCH_AFTER=lots is not a number; using 200"
setting ZPOLINE_SWITCH_AFTER=-1 "ZPOLINE_SWITCH_AFTER=-1: a count of calls cannot be negative; using 200"
setting ZPOLINE_DEBUG=verbose "ZPOLINE_DEBUG=verbose is not a number; using 0"
# ZPOLINE_CACHE=no turns the cache off (it was left on: only 0 and off did).
for v in no yes; do
	rm -rf "$TMP/cache-$v" && mkdir -m 700 "$TMP/cache-$v"
	ZPOLINE_CACHE=$v ZPOLINE_CACHE_DIR=$TMP/cache-$v LD_PRELOAD=$LIB /bin/true
done
[ -z "$(ls "$TMP/cache-no")" ] && [ -n "$(ls "$TMP/cache-yes")" ] &&
	pass "ZPOLINE_CACHE=no: nothing cached (=yes: $(ls "$TMP/cache-yes" | wc -l) files)" ||
	fail "ZPOLINE_CACHE=no cached $(ls "$TMP/cache-no" | wc -l) files, =yes $(ls "$TMP/cache-yes" | wc -l)"
finish
