#!/bin/bash
# A program that arms Syscall User Dispatch itself (tests/programs/
# progsud.c, found with stress-ng's usersyscall stressor): its SIGSYS
# handler must see each call made outside its exempt range with the
# selector on BLOCK, with the kernel's siginfo and context; calls made with
# ALLOW or from inside the range run; bad arguments are refused as the
# kernel refuses them; a fork's child starts without it.  The runtime makes
# the program's calls with instructions of its own, so before, every mode
# crashed (SIGSEGV) or let the calls through.  Run in a process that forks
# first too ("fork": stress-ng arms it in the parent, then in its worker).
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs/progsud
TRACE=$ZP_BUILD/libzphook_trace.so

for arg in "" fork; do
	"$P" $arg >"$TMP/native" 2>&1
	rc=$?
	if [ $rc = 77 ]; then
		skip "[$arg] the program's own Syscall User Dispatch" "the kernel has none: $(head -c 200 "$TMP/native")"
		continue
	fi
	[ $rc = 0 ] || {
		fail "[$arg] native run: exit $rc $(head -c 300 "$TMP/native")"
		continue
	}
	for mode in auto net sud detour; do
		for hook in none pass trace; do
			case $hook in
			none) H= ;;
			pass) H=$HOOK_PASS ;;
			trace) H=$TRACE ;;
			esac
			ZPOLINE_MODE=$mode LIBZPHOOK=$H ZPOLINE_TRACE_OPTS="-f -o $TMP/trace" \
				LD_PRELOAD=$LIB timeout 20 "$P" $arg >"$TMP/out" 2>"$TMP/err"
			rc=$?
			if [ $rc = 0 ] && cmp -s "$TMP/native" "$TMP/out"; then
				pass "[$arg] [$mode] [$hook] the program's own Syscall User Dispatch as native"
			else
				fail "[$arg] [$mode] [$hook] exit $rc: $(diff "$TMP/native" "$TMP/out" | head -c 300) $(head -c 300 "$TMP/err")"
			fi
		done
	done
done
# The tracer shows no trapped call, only the SIGSYS delivered, with the
# call's fields (as strace).
grep -aq -- '--- SIGSYS {si_signo=SIGSYS, si_code=SYS_USER_DISPATCH, si_call_addr=0x[0-9a-f]*, si_syscall=__NR_getppid, si_arch=AUDIT_ARCH_X86_64} ---' "$TMP/trace" &&
	! grep -aq 'getppid()' "$TMP/trace"
outcome "[trace] a trapped call is not traced, its SIGSYS is, with the call's fields"
finish
