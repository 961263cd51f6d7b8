#!/bin/bash
# A seccomp-bpf sandbox in the manner of Chromium's (tests/programs/
# seccomptrap.c): SECCOMP_RET_TRAP for calls its SIGSYS handler emulates,
# "crash" traps for arch_prctl(ARCH_SET_GS), prctl(PR_SET_SYSCALL_USER_
# DISPATCH) and process_vm_readv, threads started after the filter.  The
# runtime's own calls and the hooks' must not reach the program's handler
# (before: the first thread's arch_prctl killed the process), the
# program's calls must, in every mode; a trap with SIGSYS at its default
# action kills the process, as natively.
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs/seccomptrap
TRACE=$ZP_BUILD/libzphook_trace.so

"$P" >"$TMP/native" 2>&1
rc=$?
[ $rc = 0 ] && [ "$(grep -c '^PASS' "$TMP/native")" = 4 ] || {
	fail "native run: exit $rc $(head -c 300 "$TMP/native")"
	finish
}
"$P" nohandler >/dev/null 2>&1
native_nh=$?

for mode in auto net sud; do
	for hook in none pass count trace; do
		case $hook in
		none) H= ;;
		pass) H=$HOOK_PASS ;;
		count) H=$HOOK_COUNT ;;
		trace) H=$TRACE ;;
		esac
		rm -f "$TMP/trace" "$TMP/count"
		ZPOLINE_MODE=$mode LIBZPHOOK=$H ZPOLINE_COUNT_OUTPUT=$TMP/count ZPOLINE_TRACE_OPTS="-f -o $TMP/trace" \
			LD_PRELOAD=$LIB timeout 20 "$P" >"$TMP/out" 2>"$TMP/err"
		rc=$?
		# Without FSGSBASE the threads' arch_prctl(ARCH_SET_GS), which
		# the filter crashes for, is let through from the runtime's
		# code alone (sud.c: zp_seccomp_install_widened); the runtime
		# stopped the program at the first thread before.
		if [ $rc = 0 ] && diff -q "$TMP/native" "$TMP/out" >/dev/null; then
			pass "[$mode] [$hook] trapped calls emulated by the program's handler, threads live"
		else
			fail "[$mode] [$hook] exit $rc: $(grep -v '^PASS' "$TMP/out" | head -c 200) $(head -c 300 "$TMP/err")"
		fi
		if [ $hook = trace ]; then
			# As strace: the trapped call returns its number, then the
			# delivery.  In SUD mode the call is made inside the SIGSYS
			# handler of the runtime: the delivery comes first and the
			# post sees the handler's result.
			grep -aEq 'getppid\(\) *= (110|4242)$' "$TMP/trace" &&
				grep -aq -- '--- SIGSYS {si_signo=SIGSYS, si_code=SYS_SECCOMP,.*si_syscall=__NR_getppid' "$TMP/trace" &&
				grep -aq 'write(-1, "seccomptrap", 11) *= -1 EBADF' "$TMP/trace"
			outcome "[$mode] [trace] trap and delivery traced, buffers read though process_vm_readv is refused"
		fi
		# Threads started after the filter arm SUD all the same (the
		# filter lets the runtime's own prctl through): their calls are
		# hooked, the three read(-1) only they make among them.
		if [ $mode = sud ]; then
			! grep -q 'refuses Syscall User Dispatch to threads' "$TMP/err" &&
				{ [ $hook != count ] || grep -Eq '^ +3 +3  read$' "$TMP/count"; }
			outcome "[$mode] [$hook] threads started after a filter refusing Syscall User Dispatch arm it"
		fi
		ZPOLINE_MODE=$mode LIBZPHOOK=$H ZPOLINE_COUNT_OUTPUT=$TMP/count ZPOLINE_TRACE_OPTS="-f -o $TMP/trace" \
			LD_PRELOAD=$LIB timeout 20 "$P" nohandler >"$TMP/out" 2>&1
		rc=$?
		[ $rc = "$native_nh" ] && pass "[$mode] [$hook] a trap with SIGSYS at its default action: exit $rc as native" ||
			fail "[$mode] [$hook] no handler: exit $rc, native $native_nh: $(head -c 200 "$TMP/out")"
	done
done

# The same where the machine has FSGSBASE, taken as if it had not.
for mode in auto net sud; do
	ZPOLINE_FSGSBASE=0 ZPOLINE_MODE=$mode LD_PRELOAD=$LIB timeout 20 "$P" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc = 0 ] && diff -q "$TMP/native" "$TMP/out" >/dev/null &&
		pass "[$mode] ZPOLINE_FSGSBASE=0: threads started after a filter refusing arch_prctl(ARCH_SET_GS) live" ||
		fail "[$mode] ZPOLINE_FSGSBASE=0: exit $rc: $(grep -v '^PASS' "$TMP/out" | head -c 200) $(head -c 300 "$TMP/err")"
done

# A filter that kills for rt_sigreturn (sshd's pre-authentication sandbox):
# the trap path returns from a SIGSYS handler, so a thread whose calls trap
# leaves Syscall User Dispatch when it installs one (its calls, and those of
# threads and children started after, are no longer hooked in SUD mode):
# before, ZPOLINE_MODE=sud died of SIGSYS at the first call after it.
P=$ZP_BUILD/tests/progs/sudfilter
"$P" >"$TMP/native" 2>&1
native_rc=$?
for mode in auto net sud; do
	for hook in pass trace; do
		[ $hook = pass ] && H=$HOOK_PASS || H=$TRACE
		rm -f "$TMP/trace" "$TMP/count"
		ZPOLINE_MODE=$mode LIBZPHOOK=$H ZPOLINE_TRACE_OPTS="-f -o $TMP/trace" \
			LD_PRELOAD=$LIB timeout 20 "$P" >"$TMP/out" 2>"$TMP/err"
		rc=$?
		if [ $rc = $native_rc ] && cmp -s "$TMP/native" "$TMP/out"; then
			pass "[$mode] [$hook] a filter that forbids rt_sigreturn: output and exit as native"
		else
			fail "[$mode] [$hook] rt_sigreturn forbidden: exit $rc (native $native_rc): $(head -c 200 "$TMP/out") $(head -c 300 "$TMP/err")"
		fi
	done
	grep -aq 'prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) *= 0' "$TMP/trace"
	outcome "[$mode] [trace] the calls before the filter are traced"
done

# A filter that kills the process for process_vm_readv (firejail's helpers
# run under one): the tracer reads what the kernel did not (a failed open's
# path) with the runtime's safe copy instead, both after the program
# installed the filter and in the image it execs under it (whose rules the
# runtime cannot know).  Before, the first such read killed the program.
# Without a hook too: in detour mode the runtime's own start-up probed for
# another copy's trampoline with process_vm_readv, and the image exec'd
# under the filter died of SIGSYS (firejail --net=none's fnet).
P=$ZP_BUILD/tests/progs/vmkill
"$P" >"$TMP/native" 2>&1
native_rc=$?
for mode in auto detour sud; do
	ZPOLINE_MODE=$mode LD_PRELOAD=$LIB timeout 20 "$P" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc = $native_rc ] && cmp -s "$TMP/native" "$TMP/out"
	outcome "[$mode] [no hook] a filter that kills for process_vm_readv: output and exit as native (exit $rc)"
done
for mode in auto net sud detour; do
	rm -f "$TMP/trace"
	ZPOLINE_MODE=$mode LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-f -o $TMP/trace" \
		LD_PRELOAD=$LIB timeout 20 "$P" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc = $native_rc ] && cmp -s "$TMP/native" "$TMP/out"; then
		pass "[$mode] [trace] a filter that kills for process_vm_readv: output and exit as native"
	else
		fail "[$mode] [trace] process_vm_readv killed for: exit $rc (native $native_rc): $(head -c 200 "$TMP/out") $(head -c 300 "$TMP/err")"
	fi
	[ "$(grep -ac 'openat(AT_FDCWD, "/nonexistent-vmkill/x", O_RDONLY) *= -1 ENOENT' "$TMP/trace")" = 2 ]
	outcome "[$mode] [trace] the failed open's path read, in both images"
done
# Chromium's and libseccomp's probes: a filter install with a NULL (or
# page-0) filter answers EFAULT, or EINVAL for flags the kernel lacks, as
# natively; where page 0 is readable the kernel read a filter from it
# (EINVAL: Chromium's renderers ran with no filter).
PROBE=$ZP_BUILD/tests/progs/seccompprobe
"$PROBE" >"$TMP/probe.native" 2>&1
rn=$?
grep -q 'NULL) = -1 EFAULT' "$TMP/probe.native" || fail "seccompprobe natively: $(head -c 300 "$TMP/probe.native")"
for mode in auto zpoline net sud; do
	for hook in none trace; do
		H=; [ $hook = trace ] && H=$TRACE
		ZPOLINE_MODE=$mode LD_PRELOAD=$LIB LIBZPHOOK=$H ZPOLINE_TRACE_OPTS= "$PROBE" >"$TMP/probe.$mode" 2>/dev/null
		rl=$?
		cmp -s "$TMP/probe.native" "$TMP/probe.$mode" && [ $rl = $rn ] &&
			pass "[$mode] [$hook] seccomp probes with a NULL filter answer as natively" ||
			fail "[$mode] [$hook] seccomp probes: exit $rl, $(diff "$TMP/probe.native" "$TMP/probe.$mode" | head -c 400)"
	done
done
# A filter that kills every call but a few (strace's seccomp-filter-v): the
# runtime's own calls after the install (the munmap of its widened copy,
# a getpid at exit) killed the process with SIGSYS.
T=$ZP_BUILD/tests/progs/tightfilter
for mode in auto zpoline net sud detour; do
	out=$(ZPOLINE_MODE=$mode LD_PRELOAD=$LIB "$T" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [ "$out" = ok ] && pass "[$mode] a filter that kills all but five calls: exit 0 as natively" ||
		fail "[$mode] tightfilter: exit $rc, '$out'"
done
finish
