#!/bin/bash
# The same integration tests in the Syscall User Dispatch modes: the safety
# net (ZPOLINE_MODE=net) and no page 0 at all (ZPOLINE_MODE=sud), in detour
# mode (no page 0, sites jump to trampolines: ZPOLINE_MODE=detour), plus
# the automatic fallback when page 0 is refused.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
for mode in net sud detour; do
	variant "mode $mode" ZPOLINE_MODE=$mode
done

# The second stage reached through a pointer (trampoline.c: the fallback
# when the program reserved the low 4 GiB first).
variant "stage 2 through a pointer" ZPOLINE_STAGE2=indirect
# Page 0 as the rel8 sled with a direct tail (trampoline.c: what the
# default jmp rel32 units fall back to when their pages are taken).
LD_PRELOAD=$LIB ZPOLINE_DEBUG=1 /bin/true 2>&1 | grep -q 'jmp rel32 units' &&
	pass "page 0 is made of jmp rel32 units by default" ||
	fail "page 0 is not made of jmp rel32 units by default"
ZPOLINE_STAGE2=sled LD_PRELOAD=$LIB ZPOLINE_DEBUG=1 /bin/true 2>&1 | grep -q 'rel8 sled' &&
	pass "ZPOLINE_STAGE2=sled selects the rel8 sled" ||
	fail "ZPOLINE_STAGE2=sled did not select the rel8 sled"
variant "rel8 sled" ZPOLINE_STAGE2=sled

# Where the address space is limited (RLIMIT_AS) each thread's block has
# four hook stacks of 96 KiB, not eight of 128 KiB (thread.c): the same
# tests under a `ulimit -v` large enough for every program they start.
if asan_hooks; then
	skip "small hook stacks" "the hooks are AddressSanitizer builds (no ulimit -v)"
else
	(ulimit -v 16000000 && LD_PRELOAD=$LIB ZPOLINE_DEBUG=1 /bin/true) 2>&1 |
		grep -q 'hook stacks 4 x 96 KiB;'
	verdict $? "under ulimit -v a thread's block has 4 hook stacks of 96 KiB"
	LD_PRELOAD=$LIB ZPOLINE_DEBUG=1 /bin/true 2>&1 | grep -q 'hook stacks 8 x 128 KiB;'
	verdict $? "without a limit a thread's block has 8 hook stacks of 128 KiB"
	variant_under "small hook stacks" bash -c 'ulimit -v 16000000 && exec "$0"'
fi

# The runtime's thread block set with arch_prctl, as without FSGSBASE,
# on machines whose kernel allows wrgsbase (cpu.c).
if have_fsgsbase; then
	LD_PRELOAD=$LIB ZPOLINE_FSGSBASE=0 ZPOLINE_DEBUG=1 "$ZP_BUILD/tests/progs/seq" >/dev/null 2>"$TMP/gs"
	rc=$?
	[ $rc = 0 ] && grep -q 'thread block by arch_prctl;' "$TMP/gs" &&
		LD_PRELOAD=$LIB ZPOLINE_DEBUG=1 /bin/true 2>&1 | grep -q 'thread block by wrgsbase;'
	outcome "ZPOLINE_FSGSBASE=0 sets the thread block with arch_prctl (wrgsbase without it)"
	variant "no FSGSBASE" ZPOLINE_FSGSBASE=0
else
	skip "the thread block without FSGSBASE, forced" "no FSGSBASE here: every other test runs that path"
fi

# The entry stub's site lookup for CPUs without BMI2 (flags pushed around
# it): on a CPU with BMI2, glibc's tunable hides it from the runtime.
if LD_PRELOAD=$LIB ZPOLINE_DEBUG=1 /bin/true 2>&1 | grep -q 'site lookup flag-free (BMI2)'; then
	nobmi2=glibc.cpu.hwcaps=-BMI2
	GLIBC_TUNABLES=$nobmi2 LD_PRELOAD=$LIB ZPOLINE_DEBUG=1 /bin/true 2>&1 |
		grep -q 'site lookup with pushfq (no BMI2)' &&
		pass "GLIBC_TUNABLES=$nobmi2 selects the lookup for CPUs without BMI2" ||
		fail "GLIBC_TUNABLES=$nobmi2 did not select the lookup without BMI2"
	variant "no BMI2" GLIBC_TUNABLES=$nobmi2
else
	skip "the lookup without BMI2, forced" "this CPU has no BMI2: every other test runs it"
fi

# The way back to the site this CPU does not use by default (ret on
# Intel, jmp on AMD: trampoline.c), forced.
dflt=$(LD_PRELOAD=$LIB ZPOLINE_DEBUG=1 /bin/true 2>&1 | sed -n 's/.*back to the site by \([a-z]*\);.*/\1/p')
other=$([ "$dflt" = ret ] && echo jmp || echo ret)
if [ -n "$dflt" ] && LD_PRELOAD=$LIB ZPOLINE_DEBUG=1 ZPOLINE_RETURN=$other /bin/true 2>&1 |
	grep -q "back to the site by $other;"; then
	pass "ZPOLINE_RETURN=$other selects the other way back (default here: $dflt)"
	variant "back by $other" ZPOLINE_RETURN=$other
else
	fail "ZPOLINE_RETURN=$other: the debug summary does not say so (default '$dflt')"
fi

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
	echo "$old" >/proc/sys/vm/mmap_min_addr
	grep -q "Syscall User Dispatch mode" "$TMP/err" && [ $rc -eq 0 ] &&
		grep -Eq '^ +12 +0  getppid$' "$TMP/cnt4096" &&
		pass "vm.mmap_min_addr=4096 without CAP_SYS_RAWIO: falls back to SUD, every call hooked" ||
		fail "mmap_min_addr 4096: exit $rc, $(head -c 300 "$TMP/err")"
	sed -n "s/^\(PASS\|FAIL\|SKIP\): \(.*\)/\1: [mmap_min_addr 4096] \2/p" "$TMP/core4096"
	[ $crc -eq 0 ] || fail "[mmap_min_addr 4096] test-core.sh exited $crc"
else
	skip "vm.mmap_min_addr=4096" "needs root, setpriv and a writable sysctl"
fi

ZPOLINE_MODE=bogus LD_PRELOAD=$LIB /bin/true 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q "ZPOLINE_MODE=bogus is not a mode" "$TMP/err" &&
	pass "unknown ZPOLINE_MODE: one clear line, exit 1" ||
	fail "unknown ZPOLINE_MODE: exit $rc, $(cat "$TMP/err")"
finish
