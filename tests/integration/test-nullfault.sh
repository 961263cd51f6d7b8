#!/bin/bash
# test-nullfault.sh - programs that need reads through NULL to fault (Go,
# Java) behave as natively: without protection keys the runtime leaves page
# 0 alone for them (src/runtime/nullfault.c).
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs
pku=0
grep -qw ospke /proc/cpuinfo && pku=1

# A program carrying Go's build-id note: the NULL read faults, as natively.
out=$(LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS ZPOLINE_DEBUG=1 "$P/gonote" 2>"$TMP/err")
[ "$out" = fault ] && pass "Go-note program: a NULL read faults under the runtime" ||
	fail "Go-note program: '$out' (natively: $("$P/gonote"))"
if [ $pku = 0 ]; then
	grep -q '^zpoline: mode sud' "$TMP/err" && grep -q 'a Go program: reads through NULL must fault' "$TMP/err" &&
		pass "no protection keys: Syscall User Dispatch mode chosen, and why (ZPOLINE_DEBUG)" ||
		fail "no protection keys: $(grep 'mode' "$TMP/err")"
	out=$(ZPOLINE_MODE=zpoline ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB "$P/gonote" 2>"$TMP/err")
	grep -q '^zpoline: mode zpoline' "$TMP/err" && [ "$out" != fault ] &&
		pass "ZPOLINE_MODE=zpoline overrides the choice (page 0, readable: '$out')" ||
		fail "ZPOLINE_MODE=zpoline: '$out', $(grep mode "$TMP/err")"
else
	grep -q '^zpoline: mode auto' "$TMP/err" &&
		pass "protection keys: page 0 stays (execute-only, reads fault)" ||
		fail "protection keys: $(grep 'mode' "$TMP/err")"
fi
# The same program built static, run by zpoline's loader.
if cc -static -o "$TMP/gonote-static" "$ZP_ROOT/tests/programs/gonote.c" 2>/dev/null; then
	out=$("$ZP_BUILD/zpoline" run -- "$TMP/gonote-static" 2>&1)
	[ "$out" = fault ] && pass "static Go-note program through the loader: the NULL read faults" ||
		fail "static Go-note program through the loader: '$out'"
else
	skip "static Go-note program: no static libc to link it (apt-get install libc6-dev)"
fi
# An ordinary program keeps page 0 (and its speed).
LD_PRELOAD=$LIB ZPOLINE_DEBUG=1 /bin/true 2>"$TMP/err"
grep -q '^zpoline: mode auto' "$TMP/err" && pass "an ordinary program keeps page 0" ||
	fail "/bin/true: $(grep mode "$TMP/err")"

# javac: its compiled code checks for null by faulting.
if command -v javac >/dev/null 2>&1; then
	printf 'public class Z { public static void main(String[] a) { System.out.println(a.length); } }\n' >"$TMP/Z.java"
	mkdir -p "$TMP/n" "$TMP/h"
	javac -d "$TMP/n" "$TMP/Z.java" 2>"$TMP/jn"
	rn=$?
	LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS javac -d "$TMP/h" "$TMP/Z.java" 2>"$TMP/jh"
	rh=$?
	[ $rn = 0 ] && [ $rh = 0 ] && cmp -s "$TMP/n/Z.class" "$TMP/h/Z.class" &&
		pass "javac under the runtime: same class file" ||
		fail "javac: exit native $rn hooked $rh; $(head -c 300 "$TMP/jh")"
else
	skip "javac: not installed"
fi
finish
