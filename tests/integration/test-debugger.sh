#!/bin/bash
# A program run by gdb, with a hook, taking timer signals while it makes
# hooked calls (tests/programs/sigstorm.c).  Away from a debugger a signal
# that comes while the hooks run waits for the call's edge, delivered there
# by the stub's int3 (defer.c); under gdb each such SIGTRAP stopped the
# program ("received signal SIGTRAP" in zp_defer_trap), and gdb does not
# pass SIGTRAP on.  There the runtime lets the signal come after the hooks
# instead, and does not single-step its stub either (zp_defer_late): the
# only stops are the ones the user asked gdb to pass silently (SIGILL too:
# sites that trap with ud2, in detour mode start_thread's; README, Limits).
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs/sigstorm
if ! command -v gdb >/dev/null; then
	skip "a program under gdb taking signals in hooked calls" "gdb is not installed (apt-get install gdb)"
	finish
fi
for mode in auto detour; do
	for hook in pass trace; do
		case $hook in
		pass) H=$HOOK_PASS ;;
		trace) H=$ZP_BUILD/libzphook_trace.so ;;
		esac
		ZPOLINE_MODE=$mode timeout -s KILL 300 gdb -q -batch -nx \
			-ex "set environment LD_PRELOAD=$LIB" -ex "set environment LIBZPHOOK=$H" \
			-ex "set environment ZPOLINE_TRACE_OPTS=-f -o $TMP/trace.out" \
			-ex 'handle SIGALRM nostop noprint pass' -ex 'handle SIGPROF nostop noprint pass' \
			-ex 'handle SIGILL nostop noprint pass' \
			-ex run --args "$P" 2 >"$TMP/gdb.out" 2>&1
		rc=$?
		stops=$(grep -c 'received signal' "$TMP/gdb.out")
		[ $rc -eq 0 ] && [ "$stops" = 0 ] && grep -q 'handled some.*bad 0' "$TMP/gdb.out" &&
			grep -q 'exited normally' "$TMP/gdb.out"
		verdict $? "[$mode $hook] under gdb, timer signals in hooked calls: no stop, the program ends as natively (gdb exit $rc, $stops stops)"
		grep -E 'received signal|^0x' "$TMP/gdb.out" | head -4 | sed 's/^/  /'
	done
done
finish
