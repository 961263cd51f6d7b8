#!/bin/bash
# A debugger starting a program under the runtime (tests/programs/
# ptraceme.c: a fork or vfork child asks PTRACE_TRACEME and execs, as gdb
# and Go's SysProcAttr.Ptrace do).  Its stops must be the native ones: a
# trap's SIGSYS made the debugger see a stop before the exec (gdb and Go's
# StartProcess with the vfork child waited for good).  The program it runs
# keeps the runtime through the exec where its sites are rewritten (auto,
# net, zpoline modes); in sud mode the traced child leaves Syscall User
# Dispatch, and the program runs without it (README, Limits).
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs/ptraceme
Z=$ZP_BUILD/zpoline

modes="auto zpoline detour"
if grep -q 'syscall user dispatch  available' <("$Z" doctor 2>&1); then
	modes="$modes net sud"
else
	skip "a traced child in net and sud modes" "no Syscall User Dispatch here"
fi
for how in fork vfork; do
	v=
	[ $how = vfork ] && v=-v
	native=$("$P" $v /bin/echo hi 2>&1)
	for mode in $modes; do
		out=$(ZPOLINE_MODE=$mode timeout -s KILL 60 "$Z" run -- "$P" $v /bin/echo hi 2>&1)
		rc=$?
		[ $rc = 0 ] && [ "$out" = "$native" ]
		st=$?
		verdict $st "[$mode, $how] a traced child's stops are the native ones (exit $rc)"
		[ $st = 0 ] || diff <(echo "$native") <(echo "$out") | head -8 | sed 's/^/  /'
		[ $mode = sud ] && continue
		rm -f "$TMP/tr"
		ZPOLINE_MODE=$mode timeout -s KILL 60 "$Z" trace -f -o "$TMP/tr" -- "$P" $v /bin/echo hi >/dev/null 2>&1
		grep -q 'write(1, "hi\\n", 3) *= 3$' "$TMP/tr"
		verdict $? "[$mode, $how] the traced program keeps the runtime: its write is traced"
	done
done
finish
