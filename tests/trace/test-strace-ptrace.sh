#!/bin/bash
# test-strace-ptrace.sh - tp-ptrace's ptrace(2) requests against a child
# exactly as strace 6.1 prints them: one case per request, all of its
# lines in order, and the wait4 lines that report the child's stops.
# Normalised: the child's pid, addresses, and what the registers hold
# (the child runs through zpoline's own code under the tracer, so its
# registers differ; the fields and their order do not); so are, in a
# system call stop, the call, its arguments and result, and the parent's
# pid in the queued signals.
# A run that hangs (a stop that never comes) fails after a minute.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-ptrace
need_strace "ptrace decoded like strace"
norm() {
	local child
	child=$(sed -nE 's/^(\[?[0-9]+\]? +)?ptrace\(PTRACE_ATTACH, ([0-9]+)\).*/\2/p' "$1" | head -1)
	sed -E "s/^[0-9]+ +//; s/\\b${child:-CHILD}\\b/CHILD/g; s/0x[0-9a-f]{6,}/ADDR/g; s/[[:space:]]+= ([^=]*)\$/ = \\1/" "$1" |
		sed -E '/^ptrace\(PTRACE_(GET|SET)(FP)?REGS(ET)?,/ {
			s/iov_len=/iov_len:/g
			s/=(ADDR|0x[0-9a-f]+|[0-9]+)\b/=V/g
			s/([[ ])(ADDR|0x[0-9a-f]+|[0-9]+)([],])/\1V\3/g
			s/iov_len:/iov_len=/g
		}
		/^ptrace\(PTRACE_(GET_SYSCALL_INFO|PEEKSIGINFO),/ {
			s/si_pid=[0-9]+/si_pid=P/g
			s/nr=__NR_[a-z0-9_]+/nr=NR/
			s/rval=(-?[0-9]+|CHILD)/rval=N/
			s/args=\[[^]]*\]/args=[V]/
		}' |
		grep -E '^(ptrace|wait4)\('
}
# The lines of one request (its name, or the number strace prints)
lines_of() {
	awk -v r="$1" 'index($0, "ptrace(" r ",") == 1 || index($0, "ptrace(" r ")") == 1' "$2"
}
(cd "$TMP" && timeout 60 strace -o "$TMP/s.trace" "$PROG") || fail "tp-ptrace natively"
(cd "$TMP" && timeout 60 env LD_PRELOAD="$LIB" LIBZPHOOK="$TRACE" ZPOLINE_TRACE_OPTS="-o $TMP/z.trace" "$PROG") ||
	fail "tp-ptrace traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
for req in PTRACE_ATTACH PTRACE_GETSIGINFO PTRACE_PEEKDATA PTRACE_PEEKTEXT PTRACE_PEEKUSER \
	PTRACE_POKEDATA PTRACE_POKETEXT PTRACE_POKEUSER PTRACE_GETREGS PTRACE_SETREGS PTRACE_GETFPREGS \
	PTRACE_SETFPREGS PTRACE_GETREGSET PTRACE_SETREGSET PTRACE_SETOPTIONS PTRACE_GETEVENTMSG PTRACE_GETSIGMASK PTRACE_SETSIGMASK \
	PTRACE_SYSCALL PTRACE_SINGLESTEP PTRACE_CONT PTRACE_ARCH_PRCTL "0x4299 /* PTRACE_??? */" \
	PTRACE_DETACH PTRACE_SEIZE PTRACE_INTERRUPT PTRACE_LISTEN PTRACE_KILL \
	PTRACE_GET_SYSCALL_INFO PTRACE_PEEKSIGINFO PTRACE_SECCOMP_GET_METADATA \
	PTRACE_GET_RSEQ_CONFIGURATION; do
	want=$(lines_of "$req" "$TMP/s.lines")
	got=$(lines_of "$req" "$TMP/z.lines")
	name=${req%% *}
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		pass "$name: as strace prints it"
	else
		fail "$name: strace '$want', tracer '$got'"
		diff <(echo "$want") <(echo "$got") | head -20
	fi
done

# The stops the parent waits for: a signal's, a system call's, and
# PTRACE_EVENT_STOP (after PTRACE_INTERRUPT) in the bits above 16.
want=$(grep '^wait4(' "$TMP/s.lines")
got=$(grep '^wait4(' "$TMP/z.lines")
if [ -n "$want" ] && [ "$want" = "$got" ]; then
	pass "wait4: the stops as strace prints them"
else
	fail "wait4: strace '$want', tracer '$got'"
	diff <(echo "$want") <(echo "$got") | head -20
fi

# PTRACE_TRACEME comes from a child, which strace sees only with -f, and
# as a tracee of strace's the child is refused: its arguments are what
# strace prints, and the tracer's line is strace's line for the request
# granted.
(cd "$TMP" && timeout 60 strace -f -e trace=ptrace -o "$TMP/s2.trace" "$PROG" traceme) || fail "tp-ptrace traceme natively"
(cd "$TMP" && timeout 60 env LD_PRELOAD="$LIB" LIBZPHOOK="$TRACE" ZPOLINE_TRACE_OPTS="-f -o $TMP/z2.trace" "$PROG" traceme) ||
	fail "tp-ptrace traceme traced"
want=$(norm "$TMP/s2.trace" | grep '^ptrace(PTRACE_TRACEME' | sed -E 's/\) = .*/)/')
got=$(norm "$TMP/z2.trace" | grep '^ptrace(PTRACE_TRACEME')
if [ "$want" = "ptrace(PTRACE_TRACEME)" ] && [ "$got" = "$want = 0" ]; then
	pass "PTRACE_TRACEME: as strace prints it"
else
	fail "PTRACE_TRACEME: strace '$want', tracer '$got'"
fi
finish
