#!/bin/bash
# A program that sets its own %gs base (Wine's TEB, Firefox's wasm2c
# sandboxes): the runtime keeps its per-thread block there while it runs
# and gives the program its base back on every way out.  tests/programs/
# owngs.c reads through its base after calls the runtime handles, in
# signal handlers (one interrupting a blocking read, one left by
# siglongjmp), in threads that set a base with arch_prctl or WRGSBASE, in a
# thread started with the base set, in a forked child, and under a base
# with nothing mapped where the runtime reads through it.
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs/owngs
"$P" >"$TMP/native" 2>&1
rc=$?
if ! have_fsgsbase; then
	# Without FSGSBASE the runtime cannot switch bases without a system
	# call a stub cannot afford: such a program is not supported, and the
	# runtime says why, once, before anything reads through the base.
	[ $rc = 0 ] && ! grep -q WRONG "$TMP/native" && [ "$(grep -c ': ok$' "$TMP/native")" -ge 11 ]
	outcome "native run (exit $rc)"
	for mode in "" sud detour; do
		LIBZPHOOK=$HOOK_PASS ZPOLINE_MODE=$mode LD_PRELOAD=$LIB timeout 20 "$P" >"$TMP/out" 2>"$TMP/err"
		[ "$(grep -c 'the program set a thread.s %gs base itself (0x[0-9a-f]*); without FSGSBASE' "$TMP/err")" = 1 ]
		st=$?
		verdict $st "[pass${mode:+ $mode}] the limit is said once on stderr: $(head -c 300 "$TMP/err")"
	done
	# The tracer's post() runs with no block under %gs: the call was
	# once made again and again, the program spinning for ever.
	timeout 20 "$ZP_BUILD/zpoline" trace -o "$TMP/trace" -- "$P" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc != 124 ] && [ "$(grep -c 'the program set a thread.s %gs base itself' "$TMP/err")" = 1 ] &&
		[ "$(grep -c '^arch_prctl(ARCH_SET_GS, ' "$TMP/trace")" = 1 ]
	verdict $? "[trace] the program goes on (exit $rc), the limit said once: $(head -c 300 "$TMP/err")"
	skip "a program's own %gs base kept" "no FSGSBASE on this machine (AT_HWCAP2 bit 1): not supported (README, Limits)"
	finish
fi
[ $rc = 0 ] && ! grep -q WRONG "$TMP/native" && [ "$(grep -c ': ok$' "$TMP/native")" -ge 12 ]
outcome "native run (exit $rc)"
for mode in "" sud detour; do
	for hook in none pass; do
		[ $hook = pass ] && H=$HOOK_PASS || H=
		name="$hook${mode:+ $mode}"
		ZPOLINE_MODE=$mode LIBZPHOOK=$H LD_PRELOAD=$LIB timeout 20 "$P" >"$TMP/out" 2>"$TMP/err"
		rc=$?
		wrong=$(grep -v ': ok$' "$TMP/out" | head -c 300)
		said=$(head -c 300 "$TMP/err")
		[ $rc = 0 ] && cmp -s "$TMP/native" "$TMP/out"
		outcome "[$name] output and exit as native (exit $rc): $wrong"
		! grep -q '%gs base' "$TMP/err"
		outcome "[$name] nothing said on stderr: $said"
	done
done
# vDSO functions routed to the hooks read the runtime's mark through %gs.
ZPOLINE_VDSO=1 LIBZPHOOK=$HOOK_PASS LD_PRELOAD=$LIB timeout 20 "$P" >"$TMP/out" 2>"$TMP/err"
rc=$?
wrong=$(grep -v ': ok$' "$TMP/out" | head -c 300)
[ $rc = 0 ] && cmp -s "$TMP/native" "$TMP/out"
outcome "[pass, ZPOLINE_VDSO=1] output and exit as native (exit $rc): $wrong"
timeout 30 "$ZP_BUILD/zpoline" trace -f -o "$TMP/trace" -- "$P" >"$TMP/out" 2>"$TMP/err"
rc=$?
said=$(head -c 300 "$TMP/err")
[ $rc = 0 ] && cmp -s "$TMP/native" "$TMP/out"
outcome "[trace] output and exit as native (exit $rc): $said"
# The tracer shows the program's calls as the program made them.
shown=$(grep arch_prctl "$TMP/trace" | head -3)
grep -q '^[0-9]* *arch_prctl(ARCH_SET_GS, 0x[0-9a-f]*) *= 0$' "$TMP/trace" &&
	grep -q 'arch_prctl(ARCH_GET_GS, \[0x[0-9a-f]*\]) *= 0$' "$TMP/trace" &&
	grep -q 'arch_prctl(ARCH_GET_GS, \[0\]) *= 0$' "$TMP/trace"
outcome "[trace] arch_prctl shows the program's bases: $shown"
# Threads with bases of their own, each call wanted by a hook: the block is
# found by tid, one gettid a call and nothing else (the adoption path,
# with its signal blocking and its lock, took two rt_sigprocmask more).
N=3000
"$P" calls $N >"$TMP/native" 2>&1
outcome "[calls] native run"
if command -v strace >/dev/null; then
	LIBZPHOOK=$HOOK_PASS strace -f -qq -c -o "$TMP/counts" -e trace=gettid,rt_sigprocmask \
		env LD_PRELOAD="$LIB" timeout 60 "$P" calls $N >"$TMP/out" 2>&1
	rc=$?
	masks=$(awk '$NF == "rt_sigprocmask" { print $(NF - 1) }' "$TMP/counts")
	tids=$(awk '$NF == "gettid" { print $(NF - 1) }' "$TMP/counts")
	[ $rc = 0 ] && cmp -s "$TMP/native" "$TMP/out"
	outcome "[calls, pass] output and exit as native (exit $rc)"
	[ "${masks:-0}" -lt $((N / 10)) ] && [ "${tids:-0}" -ge $((4 * N)) ] &&
		[ "${tids:-0}" -le $((4 * N + 100)) ]
	outcome "[calls, pass] 4 x $N calls: one gettid each, no signal-mask calls (rt_sigprocmask ${masks:-0}, gettid ${tids:-0})"
else
	skip "[calls, pass] system calls per call" "strace is not installed"
fi
finish
