#!/bin/bash
# A debugger starting a program under the runtime (tests/programs/
# ptraceme.c: a fork or vfork child asks PTRACE_TRACEME and execs, as gdb
# and Go's SysProcAttr.Ptrace do).  Its stops must be the native ones: a
# trap's SIGSYS made the debugger see a stop before the exec (gdb and Go's
# StartProcess with the vfork child waited for good).  The program it runs
# keeps the runtime through the exec where the child's calls stay hooked:
# in auto mode a fork child still in Syscall User Dispatch (the first calls)
# has its sites rewritten at PTRACE_TRACEME.  A vfork child in that phase
# (its memory is its parent's: no rewriting there) and any child in sud
# mode leave Syscall User Dispatch instead, and the program runs without
# the runtime (README, Limits).
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs/ptraceme
Z=$ZP_BUILD/zpoline

modes="auto zpoline detour"
if grep -q 'syscall user dispatch  available' <("$Z" doctor 2>&1); then
	modes="$modes net sud"
else
	skip "a traced child in net and sud modes" "no Syscall User Dispatch here"
fi
# auto: as a user runs it, the first calls in Syscall User Dispatch (lib.sh
# has the sites rewritten at start-up otherwise).
run_in() { # MODE CMD...
	local mode=$1
	shift
	if [ "$mode" = auto ]; then
		env -u ZPOLINE_SWITCH_AFTER ZPOLINE_MODE=auto "$@"
	else
		ZPOLINE_MODE=$mode "$@"
	fi
}
for how in fork vfork; do
	v=
	[ $how = vfork ] && v=-v
	native=$("$P" $v /bin/echo hi 2>&1)
	for mode in $modes; do
		out=$(run_in $mode timeout -s KILL 60 "$Z" run -- "$P" $v /bin/echo hi 2>&1)
		rc=$?
		[ $rc = 0 ] && [ "$out" = "$native" ]
		st=$?
		verdict $st "[$mode, $how] a traced child's stops are the native ones (exit $rc)"
		[ $st = 0 ] || diff <(echo "$native") <(echo "$out") | head -8 | sed 's/^/  /'
		# The runtime says "zpoline: mode" at start-up in each process
		# it runs in: the debugger's and, kept, the program's.  Under
		# `run`, where auto mode starts in Syscall User Dispatch.
		# Not asked of sud mode (never kept), nor of an auto-mode vfork
		# child (kept only if the debugger had left the first calls'
		# Syscall User Dispatch before the vfork).
		[ $mode = sud ] || { [ $mode = auto ] && [ $how = vfork ]; } && continue
		want=2
		n=$(ZPOLINE_DEBUG=1 run_in $mode timeout -s KILL 60 "$Z" run -- "$P" $v /bin/echo hi 2>&1 >/dev/null |
			grep -c '^zpoline: mode')
		[ "$n" = $want ]
		verdict $? "[$mode, $how] the runtime runs in $want of the 2 processes (in $n)"
	done
done
# A child that stops itself after PTRACE_TRACEME (proot's), having sent
# itself a signal just before: the runtime's view of /proc/self/status is
# stale then, and the SIGSTOP must still be its first stop, not a SIGTRAP.
native=$("$P" -s /bin/echo hi 2>&1)
case $native in
"stop 1: Stopped (signal)"*) ;;
*) fail "ptraceme -s natively: $native" ;;
esac
for mode in $modes; do
	out=$(run_in $mode timeout -s KILL 60 "$Z" run -- "$P" -s /bin/echo hi 2>&1)
	rc=$?
	[ $rc = 0 ] && [ "$out" = "$native" ]
	st=$?
	verdict $st "[$mode] a traced child that stops itself: its stops are the native ones (exit $rc)"
	[ $st = 0 ] || diff <(echo "$native") <(echo "$out") | head -8 | sed 's/^/  /'
done
finish
