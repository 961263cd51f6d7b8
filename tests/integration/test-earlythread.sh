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
	# Threads blocked in calls when the runtime starts (libearlywait.so):
	# the arming signal interrupts them, and those the kernel does not
	# restart after a handler (poll, ppoll, pselect6, epoll_wait,
	# nanosleep, clock_nanosleep, a futex wait with a timeout) would fail
	# with EINTR.  The runtime makes them again: each returns what it
	# returns natively, and the call made again reaches the hooks.  The
	# sigsuspend thread's SIGUSR2, sent right after, still ends its call.
	native=$("$P/earlywait" 2>&1)
	for mode in sud net; do
		rm -f "$TMP/ec"
		out=$(EARLYWAIT_WOKEN=1 ZPOLINE_MODE=$mode ZPOLINE_COUNT_OUTPUT="$TMP/ec" LD_PRELOAD="$LIB" \
			LIBZPHOOK="$HOOK_COUNT" timeout 60 "$P/earlywait" 2>"$TMP/err")
		rc=$?
		[ $rc = 0 ] && [ "$out" = "$native" ]
		st=$?
		verdict $st "[$mode] threads blocked in calls at start-up: every call returns as natively (exit $rc)"
		[ $st = 0 ] || { sed 's/^/  /' "$TMP/err"; diff <(echo "$native") <(echo "$out") | sed 's/^/  /'; }
		missing=
		for nr in ppoll pselect6 nanosleep clock_nanosleep; do
			awk -v n=$nr '$3 == n { found = 1 } END { exit !found }' "$TMP/ec" 2>/dev/null || missing="$missing $nr"
		done
		awk '$3 == "poll" || $3 == "ppoll" { p++ } $3 == "epoll_wait" || $3 == "epoll_pwait" { e++ }
			END { exit !(p >= 2 && e >= 1) }' "$TMP/ec" 2>/dev/null || missing="$missing poll/epoll_wait"
		[ -z "$missing" ]
		verdict $? "[$mode] the calls made again reach the hooks (missing:${missing:- none})"
	done
	# One that keeps every signal blocked cannot be asked: it runs, unseen.
	early ZPOLINE_MODE=sud
	[ $rc = 0 ] && [ "$out" = "early thread: 100 calls" ]
	outcome "[sud] a thread started before the runtime with every signal blocked still runs (exit $rc)"
else
	skip "threads started before the runtime in SUD mode" "no Syscall User Dispatch here"
fi
finish
