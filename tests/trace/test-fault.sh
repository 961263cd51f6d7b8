#!/bin/bash
# test-fault.sh - a program that dies of a fault (or of one of the runtime's
# signals sent to it, or of abort()) gets strace's "--- SIGSEGV {si_signo=...,
# si_code=..., si_addr=...} ---" line before its end, and abort's tgkill
# whole, exactly as strace 6.1 prints them;
# with -f each thread's killed line; JSON has the same fields; -e signal=none
# leaves the line out; a fault the program handles gets its delivery line
# and the program's handler runs.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-fault
need_strace "fault lines"
# The kill calls, delivery and end lines, addresses of the program's code
# masked (they differ run to run), pids dropped.
norm() {
	grep -E '^([0-9]+ +)?(---|\+\+\+|kill|tgkill)' "$1" |
		sed -E 's/^[0-9]+ +//; s/si_pid=[0-9]+/si_pid=PID/; s/^(t?g?kill)\([0-9]+, ([0-9]+, )?/\1(PID, /' |
		sed -E 's/si_addr=0x5[0-9a-f]+/si_addr=CODE/; s/[[:space:]]+= ([^=]*)$/ = \1/' |
		sed -E 's/si_pkey=[0-9]+/si_pkey=KEY/'
}
# (si_pkey: under the runtime the program's first key is 2, not 1: page 0
# holds the kernel's execute-only key.)
# (kill: SIGSEGV is one of the runtime's signals, whose real action is the
# runtime's handler, so the tracer cannot tell in advance that the call
# ends the process: it prints it <unfinished ...>, where strace prints it
# whole.  Its delivery and end lines are compared.)
modes="wild ud2 int3 kill abort"
if (exec "$PROG" pkey) 2>/dev/null; [ $? = 139 ]; then
	modes="$modes pkey"
else
	skip "pkey: a protection-key fault" "no protection keys here"
fi
for m in $modes; do
	strace -e trace=kill,tgkill -o "$TMP/s.$m" "$PROG" $m
	rs=$?
	"$ZP" trace -e trace=kill,tgkill -o "$TMP/z.$m" -- "$PROG" $m
	rz=$?
	norm "$TMP/s.$m" >"$TMP/s.lines"
	norm "$TMP/z.$m" >"$TMP/z.lines"
	if [ $m = kill ]; then
		sed -i '/^kill(/d' "$TMP/s.lines" "$TMP/z.lines"
	fi
	if [ $rs = $rz ] && [ "$(wc -l <"$TMP/s.lines")" -ge 2 ] && cmp -s "$TMP/s.lines" "$TMP/z.lines"; then
		pass "$m: $(head -1 "$TMP/z.lines" | cut -c1-60)... as strace"
	else
		fail "$m: status $rs/$rz, strace and zpoline differ"
		diff "$TMP/s.lines" "$TMP/z.lines" | head -6
	fi
done

"$ZP" trace -f -e trace=none -o "$TMP/z.thr" -- "$PROG" threads
[ $? = 139 ] && [ "$(grep -c '+++ killed by SIGSEGV +++' "$TMP/z.thr")" = 3 ] &&
	[ "$(grep -c -- '--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x1234560} ---' "$TMP/z.thr")" = 1 ] &&
	[ "$(awk '{print $1}' "$TMP/z.thr" | sort -u | wc -l)" = 3 ]
outcome "threads: one delivery line, every thread's killed line"

"$ZP" trace --json -e trace=none -o "$TMP/z.json" -- "$PROG" wild
grep -qE '"signal":"SIGSEGV","si_code":"SEGV_MAPERR","si_addr":"0x1234560"\}$' "$TMP/z.json" &&
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/z.json"
outcome "--json: the fault's fields, valid JSON"

"$ZP" trace -e trace=none -e signal=none -o "$TMP/z.none" -- "$PROG" wild
! grep -q -- '---' "$TMP/z.none" && grep -q '+++ killed by SIGSEGV +++' "$TMP/z.none"
outcome "-e signal=none: no delivery line, the end still there"

"$ZP" trace -e trace=exit_group -o "$TMP/z.handled" -- "$PROG" handled
[ $? = 3 ] && [ "$(grep -c -- '---' "$TMP/z.handled")" = 1 ] &&
	grep -q -- '^--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x1234560} ---$' "$TMP/z.handled" &&
	grep -q '^exit_group(3)' "$TMP/z.handled" && ! grep -q 'killed' "$TMP/z.handled"
outcome "handled: its delivery, then the program's handler runs and exits"

# Untraced, the runtime alone: still the native end.
LD_PRELOAD=$LIB "$PROG" ud2
[ $? = 132 ]
outcome "hooked without the tracer: SIGILL ends it as natively"
finish
