#!/bin/bash
# test-forkpost.sh - a forked child runs the hooks' post() of its fork.
# With Syscall User Dispatch armed (ZPOLINE_MODE=net or sud) the child
# re-arms it there; the hooks must still run with the selector on ALLOW, or
# the tracer's own calls trap back into the hook chain: a getpid line the
# program never made, and Chromium's zygote died of the nesting (SIGSEGV
# after its first call).
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROGS=$ZP_BUILD/tests/progs
traced() { LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="$1" "${@:2}"; }

for mode in net sud; do
	rm -f "$TMP/forkexit.trace"
	ZPOLINE_MODE=$mode traced "-f -o $TMP/forkexit.trace" "$PROGS/tp-forkexit"
	rc=$?
	if [ $rc -eq 0 ] && grep -aqE '^[0-9]+ +\+\+\+ exited with 7 \+\+\+$' "$TMP/forkexit.trace" &&
		! grep -aqE '^[0-9]+ +getpid\(' "$TMP/forkexit.trace"; then
		pass "fork under ZPOLINE_MODE=$mode: the child's post() hooks are not hooked"
	else
		fail "fork under ZPOLINE_MODE=$mode: exit $rc, $(grep -a getpid "$TMP/forkexit.trace" | head -2)"
	fi
done
finish
