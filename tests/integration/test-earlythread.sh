#!/bin/bash
# Threads started before the runtime's constructor (tests/libs/libearly.c:
# a linked library's initializer starts one, as Go's runtime and thread
# pools do), in each mode: their calls reach the hooks, and none dies of
# meeting the runtime.
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs

# early [VAR=VALUE...]: earlythread under the count hook; its getppid count
early() {
	rm -f "$TMP/ec"
	out=$(env "$@" ZPOLINE_COUNT_OUTPUT="$TMP/ec" LD_PRELOAD="$LIB" LIBZPHOOK="$HOOK_COUNT" \
		"$P/earlythread" 2>"$TMP/err")
	rc=$?
	calls=$(awk '$3 == "getppid" { print $1 }' "$TMP/ec" 2>/dev/null)
}

# Every signal blocked, as glibc's thread start and pthread_create have it
# for a moment: without page 0 (detour mode; an execute-only one with
# protection keys) the stub asks the thread's %gs base first (RDGSBASE, or
# arch_prctl without FSGSBASE) instead of faulting on it, and adopting the
# thread gives it the runtime's signals back (its trap sites need SIGILL).
for mode in detour zpoline auto; do
	early ZPOLINE_MODE=$mode
	[ $rc = 0 ] && [ "$out" = "early thread: 100 calls" ] && [ "$calls" = 100 ]
	outcome "[$mode] a thread started before the runtime, every signal blocked: its 100 calls hooked (exit $rc, ${calls:-0} seen)"
done

# Syscall User Dispatch is armed per thread, by the thread: the runtime
# asks each thread running at start-up to (a SIGSYS of its own, sud.c).
# Then the thread runs a handler installed before the runtime with every
# signal in its sa_mask, which makes a call: the runtime took that handler
# over at start-up (its mask without SIGSYS), or the call's trap killed.
if grep -q 'syscall user dispatch  available' <("$ZP_BUILD/zpoline" doctor 2>&1); then
	for mode in sud net; do
		early EARLY_SIGNALS=open ZPOLINE_MODE=$mode
		[ $rc = 0 ] && [ "$out" = "early thread: 101 calls" ] && [ "$calls" = 101 ]
		outcome "[$mode] a thread started before the runtime is armed: its 101 calls hooked, its handler's too (exit $rc, ${calls:-0} seen)"
	done
	# One that keeps every signal blocked cannot be asked: it runs, unseen.
	early ZPOLINE_MODE=sud
	[ $rc = 0 ] && [ "$out" = "early thread: 100 calls" ]
	outcome "[sud] a thread started before the runtime with every signal blocked still runs (exit $rc)"
else
	skip "threads started before the runtime in SUD mode" "no Syscall User Dispatch here"
fi
finish
