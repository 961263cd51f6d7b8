#!/bin/bash
# test-sigreturn.sh - a handler of SIGSEGV (one of the runtime's own
# signals) that returns makes rt_sigreturn, as any handler does: strace
# shows one per fault, and so must the tracer.  The runtime calls the
# program's handler from its own and returns through its own sigreturn;
# those calls were missing (a JVM's trace lacked one per implicit null
# check).  In the default mode and in SUD mode.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-segvret

for mode in auto sud; do
	rm -f "$TMP/T"
	ZPOLINE_MODE=$mode timeout -k 5 30 "$ZP" trace -o "$TMP/T" -- "$PROG" > "$TMP/out" 2>"$TMP/err"
	rc=$?
	# as strace: the frame's mask, and the rax it restores
	n=$(grep -c '^rt_sigreturn({mask=\[[^]]*\]}) *= 0$' "$TMP/T")
	if [ $rc -eq 0 ] && [ "$(cat "$TMP/out")" = "faults 4" ] && [ "$n" = 5 ]; then
		pass "[$mode] four SIGSEGV handlers and one SIGUSR1 handler: five rt_sigreturn lines"
	else
		fail "[$mode] exit $rc, '$(cat "$TMP/out")', $n rt_sigreturn lines: $(head -c 300 "$TMP/err")"
	fi
	# The same count from -c.
	ZPOLINE_MODE=$mode timeout -k 5 30 "$ZP" trace -c -o "$TMP/C" -- "$PROG" > /dev/null 2>&1
	grep -Eq ' 5 +rt_sigreturn$' "$TMP/C" && pass "[$mode] -c counts them" ||
		fail "[$mode] -c: $(grep rt_sigreturn "$TMP/C")"
done
# The mask rt_sigreturn restores, as the program sees it: the runtime never
# blocks its own signals for real, so the frame's mask lacks them (a
# shell's `wait` showed ~[ILL TRAP KILL SEGV STOP SYS ...]).
MASKPROG=$ZP_BUILD/tests/progs/tp-sigmaskret
if command -v strace >/dev/null; then
	strace -qq -o "$TMP/S" -e trace=rt_sigreturn "$MASKPROG" >"$TMP/s.out"
	grep '^rt_sigreturn' "$TMP/S" >"$TMP/s.lines"
	for mode in auto sud zpoline detour; do
		ZPOLINE_MODE=$mode "$ZP" trace -qq -o "$TMP/Z" -e trace=rt_sigreturn -- "$MASKPROG" >"$TMP/z.out"
		grep '^rt_sigreturn' "$TMP/Z" >"$TMP/z.lines"
		if [ -s "$TMP/s.lines" ] && cmp -s "$TMP/s.lines" "$TMP/z.lines" &&
			cmp -s "$TMP/s.out" "$TMP/z.out"; then
			pass "[$mode] rt_sigreturn's masks with SIGSEGV and SIGSYS blocked, as strace's"
		else
			fail "[$mode] strace: $(tr '\n' ' ' <"$TMP/s.lines") $(cat "$TMP/s.out"); tracer: $(tr '\n' ' ' <"$TMP/z.lines") $(cat "$TMP/z.out")"
		fi
	done
else
	skip "rt_sigreturn masks compared with strace's" "strace is not installed"
fi
finish
