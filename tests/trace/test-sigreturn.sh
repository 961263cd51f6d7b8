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
finish
