#!/bin/bash
# The same integration tests on the runtime's other paths in the default
# mode, each forced where this machine would not take it: the second stage
# through a pointer, page 0 as a rel8 sled, small hook stacks, the thread
# block without FSGSBASE, the site lookup without BMI2, the other way back
# to the site.  (The modes themselves: test-modes.sh.)
. "$(dirname "$0")/../lib.sh"

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
