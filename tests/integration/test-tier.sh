#!/bin/bash
# Sites rewritten once a process has made ZPOLINE_SWITCH_AFTER calls
# (src/runtime/tier.c): until then every call traps (Syscall User
# Dispatch).  The hooks see the same calls whatever the count; the switch
# is made by the process that owns the memory (a fork child for itself,
# never a vfork child), and before a thread, a seccomp filter or an image
# of zpoline-loader's whatever the count.  Elsewhere the tests run with
# ZPOLINE_SWITCH_AFTER=0 (tests/lib.sh); here core and programs run again
# with the switch early and at the default count.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
P=$ZP_BUILD/tests/progs
LOADER=$ZP_BUILD/zpoline-loader
SWITCHED='sites rewritten after [0-9]* trapped calls'

# run K OUT ERR PROG...: the program under the counting hook with debug
# output, the switch after K calls.
run() {
	local k=$1 out=$2 err=$3
	shift 3
	ZPOLINE_SWITCH_AFTER=$k ZPOLINE_DEBUG=1 ZPOLINE_COUNT_OUTPUT=$TMP/cnt.$k \
		LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT "$@" >"$out" 2>"$err"
}

# The count tables with the pids taken out, in the order processes ended.
tables() { sed 's/(pid [0-9]*)/(pid)/' "$TMP/cnt.$1"; }

for k in 0 10 100000; do
	run $k "$TMP/out.$k" "$TMP/err.$k" "$P/tierfork"
	rc=$?
	read -r _ parent _ forked _ vforked <"$TMP/out.$k"
	if [ $rc -ne 0 ] || [ -z "${vforked:-}" ]; then
		fail "[switch after $k] tierfork: exit $rc, $(head -c 300 "$TMP/out.$k" "$TMP/err.$k")"
		continue
	fi
	want_parent=63 want_fork=30
	got_parent=$(awk -v p="(pid $parent)" 'index($0, p) { on = 1; next } /\(pid / { on = 0 } on && $3 == "getppid" { print $1 }' "$TMP/cnt.$k")
	got_fork=$(awk -v p="(pid $forked)" 'index($0, p) { on = 1; next } /\(pid / { on = 0 } on && $3 == "getppid" { print $1 }' "$TMP/cnt.$k")
	[ "$got_parent" = $want_parent ] && [ "$got_fork" = $want_fork ] &&
		pass "[switch after $k] tierfork: every getppid reached the hook (parent and vfork child $got_parent, fork child $got_fork)" ||
		fail "[switch after $k] tierfork: getppid counted ${got_parent:-none} (want $want_parent) and ${got_fork:-none} (want $want_fork)"
	case $k in
	0 | 100000)
		! grep -q "$SWITCHED" "$TMP/err.$k" &&
			pass "[switch after $k] no switch during the run" ||
			fail "[switch after $k] a switch: $(grep "$SWITCHED" "$TMP/err.$k")"
		;;
	10)
		grep -q "process $parent: $SWITCHED" "$TMP/err.$k" &&
			grep -q "process $forked: $SWITCHED" "$TMP/err.$k" &&
			! grep -q "process $vforked: " "$TMP/err.$k" &&
			pass "[switch after $k] the parent and the fork child switched, the vfork child did not" ||
			fail "[switch after $k] switches: $(grep "$SWITCHED" "$TMP/err.$k" | tr '\n' ' ') (parent $parent, fork $forked, vfork $vforked)"
		;;
	esac
done
tables 0 >"$TMP/t0"
for k in 10 100000; do
	tables $k | diff "$TMP/t0" - >/dev/null &&
		pass "[switch after $k] the count tables are those of a run rewritten at start-up" ||
		fail "[switch after $k] count tables differ: $(tables $k | diff "$TMP/t0" - | head -6 | tr '\n' ' ')"
done

# The default: a short program never pays for the rewriting (unless a
# seccomp filter this test inherited is in force: see below).
if grep -Eq '^Seccomp:[[:space:]]+[12]' /proc/self/status; then
	skip "default: /bin/true ends before its sites are rewritten" \
		"a seccomp filter is in force here, under which the runtime rewrites at start-up"
else
	env -u ZPOLINE_SWITCH_AFTER ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB /bin/true 2>"$TMP/err"
	rc=$?
	[ $rc -eq 0 ] && grep -q 'mode auto; sites rewritten after [0-9]* calls' "$TMP/err" &&
		! grep -q "$SWITCHED" "$TMP/err" &&
		pass "default: /bin/true ends before its sites are rewritten" ||
		fail "default: /bin/true: exit $rc, $(head -c 400 "$TMP/err")"
fi
# Under strace (or a debugger) the default rewrites at start-up: a trapped
# call's SIGSYS would be reported (or stop gdb) at every call.
if command -v strace >/dev/null; then
	ZPOLINE_SWITCH_AFTER= ZPOLINE_DEBUG=1 strace -f -o "$TMP/st" env LD_PRELOAD=$LIB "$P/seq" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc -eq 0 ] && grep -q 'zpoline: mode auto$' "$TMP/err" && ! grep -q -- '--- SIGSYS' "$TMP/st" &&
		pass "under strace, by default: rewritten at start-up, no SIGSYS reported" ||
		fail "under strace: exit $rc, $(grep -c -- '--- SIGSYS' "$TMP/st") SIGSYS, $(head -c 300 "$TMP/err")"
	ZPOLINE_SWITCH_AFTER=100 ZPOLINE_DEBUG=1 strace -f -o "$TMP/st" env LD_PRELOAD=$LIB "$P/seq" >/dev/null 2>"$TMP/err"
	grep -q 'sites rewritten after 100 calls' "$TMP/err" && grep -q -- '--- SIGSYS' "$TMP/st" &&
		pass "under strace, a count asked for is kept (each trapped call's SIGSYS reported)" ||
		fail "under strace with ZPOLINE_SWITCH_AFTER=100: $(head -c 300 "$TMP/err")"
else
	skip "under strace, by default: rewritten at start-up" "strace is not installed"
fi
# `zpoline trace` rewrites at start-up unless told otherwise: the trap path
# shows an interrupted call after its signal, not before it as strace does.
ZPOLINE_SWITCH_AFTER= ZPOLINE_DEBUG=1 "$ZP_BUILD/zpoline" trace -o "$TMP/tr" -- "$P/seq" >/dev/null 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && grep -q 'zpoline: mode auto$' "$TMP/err" && grep -q '^getppid()' "$TMP/tr" &&
	pass "zpoline trace: rewritten at start-up" ||
	fail "zpoline trace: exit $rc, $(head -c 300 "$TMP/err")"
# Other modes rewrite at start-up.
ZPOLINE_SWITCH_AFTER=5 ZPOLINE_MODE=zpoline ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB /bin/true 2>"$TMP/err"
grep -q 'zpoline: mode zpoline$' "$TMP/err" && grep -Eq 'rewritten: [1-9][0-9]* callq' "$TMP/err" &&
	pass "ZPOLINE_MODE=zpoline rewrites at start-up" ||
	fail "ZPOLINE_MODE=zpoline: $(head -c 400 "$TMP/err")"

# Switches forced before the count: what would arm Syscall User Dispatch in
# another task, or may forbid the trap path.
forced() { # label what-the-debug-line-says PROG...
	local label=$1 why=$2
	shift 2
	ZPOLINE_SWITCH_AFTER=100000 ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	[ $rc -eq 0 ] && grep -q "$SWITCHED ($why)" "$TMP/err" &&
		pass "switch before the count: $label" ||
		fail "switch before the count: $label: exit $rc, $(grep -v 'objects, ' "$TMP/err" | head -c 400)"
}
forced "a thread" "a thread" "$P/threads" 2 5
forced "a seccomp filter" "a seccomp filter" "$P/seccompraise"
forced "a poll that may sleep" "a call that may sleep" "$P/pollwait" 3 <<<x
# A tracer attached while the program sleeps early in its life (a small
# server waiting for its first client) sees its calls, not the trap
# phase's SIGSYS at each of them.
if command -v strace >/dev/null; then
	rm -f "$TMP/fifo" && mkfifo "$TMP/fifo"
	env -u ZPOLINE_SWITCH_AFTER ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB "$P/pollwait" 5 <"$TMP/fifo" >"$TMP/pw.out" 2>"$TMP/pw.err" &
	pw=$!
	exec 7>"$TMP/fifo"
	# in poll (7) for good: /proc/PID/syscall names the call it sleeps in
	for _ in $(seq 200); do
		[ "$(cut -d' ' -f1 /proc/$pw/syscall 2>/dev/null)" = 7 ] && break
		sleep 0.05
	done
	strace -p $pw -o "$TMP/stp" 2>/dev/null &
	sp=$!
	for _ in $(seq 200); do
		grep -Eq '^TracerPid:[[:space:]]+[1-9]' /proc/$pw/status 2>/dev/null && break
		sleep 0.05
	done
	echo x >&7
	exec 7>&-
	wait $pw
	rc=$?
	wait $sp
	[ $rc -eq 0 ] && grep -q '^done$' "$TMP/pw.out" && [ "$(grep -c '^getppid()' "$TMP/stp")" = 5 ] &&
		! grep -q -- '--- SIGSYS' "$TMP/stp"
	st=$?
	verdict $st "strace -p attached while the program waits in its first calls: its calls seen, no SIGSYS (exit $rc, $(grep -c '^getppid()' "$TMP/stp") getppid, $(grep -c -- '--- SIGSYS' "$TMP/stp") SIGSYS)"
else
	skip "strace -p attached while the program waits in its first calls" "strace is not installed"
fi
if [ -x "$LOADER" ] && [ -x "$ZP_BUILD/tests/loader/regs" ]; then
	forced "a static image zpoline-loader runs" "zpoline-loader.s image" "$LOADER" "$ZP_BUILD/tests/loader/regs"
else
	skip "switch before a zpoline-loader image" "the loader or its test program is not built"
fi

# A kernel without Syscall User Dispatch (a filter answers EINVAL to it),
# a count asked for: rewritten at start-up instead, every call still counted.
NOSUD=$ZP_BUILD/tests/progs/cli-nosud
ZPOLINE_SWITCH_AFTER=50 ZPOLINE_DEBUG=1 ZPOLINE_COUNT_OUTPUT=$TMP/cnt.nosud "$NOSUD" \
	env LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT "$P/seq" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && grep -q 'zpoline: mode auto$' "$TMP/err" && grep -Eq 'rewritten: [1-9][0-9]* callq' "$TMP/err" &&
	grep -Eq '^ +12 +0  getppid$' "$TMP/cnt.nosud" &&
	pass "no Syscall User Dispatch: rewritten at start-up, every call counted" ||
	fail "no Syscall User Dispatch: exit $rc, $(head -c 400 "$TMP/err")"
# By default, under a seccomp filter from before the runtime started (it may
# kill for what the trap path calls): rewritten at start-up.
ZPOLINE_SWITCH_AFTER= ZPOLINE_DEBUG=1 "$NOSUD" env LD_PRELOAD=$LIB /bin/true 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && grep -q 'zpoline: mode auto$' "$TMP/err" &&
	pass "under an inherited seccomp filter, by default: rewritten at start-up" ||
	fail "under an inherited seccomp filter: exit $rc, $(head -c 300 "$TMP/err")"

# Out of file descriptors when the count is reached: the switch waits until
# rewriting can open what it reads (the decoder among it: no cache), and
# every call is counted meanwhile.
ZPOLINE_CACHE=0 ZPOLINE_SWITCH_AFTER=50 ZPOLINE_DEBUG=1 ZPOLINE_COUNT_OUTPUT=$TMP/cnt.fds \
	LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT "$P/tierfds" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && grep -Eq '^ +600 +0  getppid$' "$TMP/cnt.fds" && grep -q "$SWITCHED" "$TMP/err" &&
	! grep -q 'cannot' "$TMP/err" &&
	pass "out of descriptors at the count: the switch waits for them, every call counted" ||
	fail "out of descriptors: exit $rc, $(grep getppid "$TMP/cnt.fds"), $(grep -v 'objects, ' "$TMP/err" | head -c 400)"

# The switch made on a small stack (a coroutine's, a signal stack): it runs
# on the thread's slot, not there (rewriting takes ~20 KiB; the program
# died of SIGSEGV).
for how in coroutine altstack; do
	arg=; [ $how != coroutine ] && arg=$how
	for after in "" 50; do
		out=$(ZPOLINE_SWITCH_AFTER=$after LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT \
			ZPOLINE_COUNT_OUTPUT=/dev/null "$P/tinystack" $arg 2>&1)
		rc=$?
		[ $rc -eq 0 ] && [ "$(grep -c '^PASS' <<<"$out")" = 2 ] && ! grep -q '^FAIL' <<<"$out" &&
			pass "[switch after ${after:-default}] the switch on a small stack ($how)" ||
			fail "[switch after ${after:-default}] the switch on a small stack ($how): exit $rc, ${out:0:300}"
	done
done

# Each trapped call leaves a signal frame on the stack it is made on: a
# signal stack's handlers overflowed it (a 12 KiB one, a timer's handler
# making calls while others nested: 9 runs in 30 died).  Setting a signal
# stack makes the switch first: a handler's calls there take the runtime's
# wrapper's share of it, not a trapped call's frame each, as sud mode's do.
used() { sed -n 's/^signal stack used: \([0-9]*\) bytes$/\1/p' <<<"$1"; }
out=$("$P/tinystack" stackuse 2>&1)
native=$(used "$out")
sud=$(ZPOLINE_MODE=sud LD_PRELOAD=$LIB "$P/tinystack" stackuse 2>&1)
out=$(ZPOLINE_SWITCH_AFTER= ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB "$P/tinystack" stackuse 2>&1)
auto=$(used "$out")
sud=$(used "$sud")
grep -q 'sites rewritten after [0-9]* trapped calls (a signal stack)' <<<"$out" &&
	[ -n "$native" ] && [ -n "$sud" ] && [ -n "$auto" ] &&
	[ $((auto - native)) -lt $(((sud - native) / 2)) ] && ! grep -q '^FAIL' <<<"$out" &&
	pass "sigaltstack makes the switch: a handler's calls take $((auto - native)) bytes more of it than natively, not $((sud - native)) (trapped)" ||
	fail "sigaltstack did not make the switch: native $native, sud $sud, auto $auto bytes; $(grep -v 'objects, ' <<<"$out" | head -c 300)"

# A timer's handler making calls of libc's around the switch: a trap raised
# with a signal pending is delivered after that signal's handler, whose own
# call may make the switch; and no handler may run into libc's patched copy
# before its sites are registered.
for k in 30 100; do
	bad=0
	for ((i = 0; i < 30; i++)); do
		out=$(ZPOLINE_SWITCH_AFTER=$k LD_PRELOAD=$LIB timeout 60 "$P/tiersignals" 2>&1) || bad=$((bad + 1))
		[ "$out" = ok ] || bad=$((bad + 1))
	done
	[ $bad -eq 0 ] && pass "[switch after $k] a timer storm across the switch: 30 runs, all ok" ||
		fail "[switch after $k] a timer storm across the switch: $bad of 30 runs failed"
done

# Page 0 is held (PROT_NONE, nothing built) while the calls trap, and
# becomes the trampoline when the sites are rewritten (trampoline.c).
page0_line() { # COUNT: page 0's line of /proc/self/maps, as head reads it hooked
	ZPOLINE_SWITCH_AFTER=$1 LD_PRELOAD=$LIB head -1 /proc/self/maps | awk '{ print $1, $2 }'
}
held=$(page0_line 100000)
built=$(page0_line 1)
[ "$held" = "00000000-00001000 ---p" ] &&
	pass "page 0 held, unbuilt and inaccessible, while every call traps" ||
	fail "page 0 while calls trap: '$held' (want 00000000-00001000 ---p)"
case $built in
"00000000-00001000 r-xp" | "00000000-00001000 --xp")
	pass "page 0 built as the trampoline once the sites are rewritten ($built)" ;;
*) fail "page 0 after the switch: '$built'" ;;
esac
# Reads, writes and calls through NULL fault as natively while the page is
# held: SEGV_MAPERR (the kernel says SEGV_ACCERR for the PROT_NONE page),
# si_addr the address, no protection bit in the error code.
ZPOLINE_SWITCH_AFTER=100000 ZPOLINE_COUNT_OUTPUT=$TMP/cnt.null LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT \
	"$P/nullread" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && ! grep -q '^FAIL' "$TMP/out" && [ "$(grep -c '^PASS' "$TMP/out")" -ge 9 ] &&
	grep -Eq '^ +17 +0  getppid$' "$TMP/cnt.null" &&
	pass "page 0 held: NULL reads, writes and calls fault as natively, every call counted" ||
	fail "page 0 held, nullread: exit $rc, $(grep -v '^PASS' "$TMP/out" | head -c 400)"
# The program's own attacks on the held page: as on the built one (MAP_FIXED
# refused; mprotect and munmap answered as natively, the page kept).
ZPOLINE_SWITCH_AFTER=100000 ZPOLINE_COUNT_OUTPUT=$TMP/cnt.hostile LD_PRELOAD=$LIB \
	LIBZPHOOK=$HOOK_COUNT "$P/hostile" page0 >"$TMP/out" 2>"$TMP/err"
rc=$?
grep -q "mmap fixed at 0: failed" "$TMP/out" && grep -q "mprotect(0): failed" "$TMP/out" &&
	grep -q "munmap(0): ok" "$TMP/out" && grep -q "after: right" "$TMP/out" &&
	grep -Eq '^ +1[0-9] +0  getppid$' "$TMP/cnt.hostile" &&
	pass "page 0 held: MAP_FIXED refused, mprotect and munmap answered as natively, every call counted" ||
	fail "page 0 held, attacked: rc $rc, $(cat "$TMP/out" "$TMP/err" | head -c 400)"
# A second copy of the runtime (another file) finds page 0 its first
# copy's, held or built, and leaves the process to it (one read of page 0
# to tell, not a probe of every place a second stage may be).
mkdir -p "$TMP/copy" && cp "$LIB" "$TMP/copy/libother.so"
for k in 100000 0; do
	what="page 0 held"
	[ $k = 0 ] && what="page 0 built at start-up"
	ZPOLINE_SWITCH_AFTER=$k ZPOLINE_DEBUG=1 ZPOLINE_COUNT_OUTPUT=$TMP/cnt.copy \
		LD_PRELOAD="$LIB $TMP/copy/libother.so" LIBZPHOOK=$HOOK_COUNT "$P/seq" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 0 ] && [ "$(grep -c '^zpoline: mode ' "$TMP/err")" = 1 ] &&
		! grep -q "already mapped" "$TMP/err" && grep -Eq '^ +12 +0  getppid$' "$TMP/cnt.copy" &&
		! grep -Eq '^ +([2-9]|[1-9][0-9]+) +[0-9]+  process_vm_readv$' "$TMP/cnt.copy" &&
		pass "two copies of the runtime, $what: one in charge, every call counted" ||
		fail "two copies, $what: exit $rc, $(grep -v 'objects, ' "$TMP/err" | head -c 400)"
done
# No second stage can be mapped when the switch comes: the calls go on
# trapping, all counted, with one warning naming the second stage.
if [ -e "$ZP_BUILD/tests/libs/liblowres.so" ]; then
	LOWRES_FROM=0x1000 ZPOLINE_SWITCH_AFTER=10 ZPOLINE_COUNT_OUTPUT=$TMP/cnt.low \
		LD_PRELOAD="$LIB $ZP_BUILD/tests/libs/liblowres.so" LIBZPHOOK=$HOOK_COUNT "$P/seq" \
		>"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 0 ] && [ "$(grep -c '^ok$' "$TMP/out")" = 2 ] && grep -Eq '^ +12 +0  getppid$' "$TMP/cnt.low" &&
		grep -q "no room for the trampoline's second stage.*goes on trapping" "$TMP/err" &&
		[ "$(grep -c . "$TMP/err")" = 1 ] &&
		pass "no room for the second stage at the switch: one warning, every call still counted" ||
		fail "no room at the switch: exit $rc, $(grep getppid "$TMP/cnt.low"), $(head -c 400 "$TMP/err")"
else
	skip "no room for the second stage at the switch" "liblowres.so is not built"
fi

# Bad values: said, and the default used.
for v in -3 x3 99999999999; do
	ZPOLINE_SWITCH_AFTER=$v LD_PRELOAD=$LIB /bin/true 2>"$TMP/err"
	rc=$?
	[ $rc -eq 0 ] && grep -q "ZPOLINE_SWITCH_AFTER=$v.*using [0-9]" "$TMP/err" &&
		pass "ZPOLINE_SWITCH_AFTER=$v: said, default used" ||
		fail "ZPOLINE_SWITCH_AFTER=$v: exit $rc, $(head -c 300 "$TMP/err")"
done

# A stripped program whose own calls come from code no symbol or unwind
# entry describes (Free Pascal's runtime): its sites stay as they are, so
# auto mode keeps Syscall User Dispatch armed to catch them, rewriting at
# start-up or after the switch.  Before, after the switch they bypassed
# the hooks, and a SIGILL handler set through them took the runtime's
# trap signal (the program's handler exits 3).
for k in 0 10; do
	rm -f "$TMP/cnt.us"
	out=$(ZPOLINE_SWITCH_AFTER=$k ZPOLINE_COUNT_OUTPUT=$TMP/cnt.us LD_PRELOAD=$LIB \
		LIBZPHOOK=$HOOK_COUNT "$P/unknownsite" 2>&1)
	rc=$?
	got=$(awk '$3 == "getpid" { print $1 }' "$TMP/cnt.us" 2>/dev/null)
	[ $rc -eq 0 ] && [ "$out" = "getpid 400" ] && [ "$got" = 800 ] &&
		pass "[switch after $k] calls from outside known functions reach the hooks (getpid $got)" ||
		fail "[switch after $k] unknownsite: exit $rc, '$out', getpid counted ${got:-none} (want 800)"
done
out=$(ZPOLINE_MODE=zpoline LD_PRELOAD=$LIB "$P/unknownsite" 2>&1 >/dev/null)
[[ "$out" == *"2 system call sites outside the functions"*"bypass the hooks"* ]] &&
	pass "ZPOLINE_MODE=zpoline says which sites it leaves to bypass the hooks" ||
	fail "ZPOLINE_MODE=zpoline, unknownsite: '$out'"

# test-core and test-programs again with the sites rewritten after a few
# calls and after the default count: most of their programs switch in the
# middle, or not at all (here, not in test-modes, which is long enough).
variant "switch after 3 calls" ZPOLINE_SWITCH_AFTER=3
variant "switch after the default count" ZPOLINE_SWITCH_AFTER=

# The coverage oracle (every call strace sees after start-up reaches the
# hooks) in auto mode with the switch in the middle of each program.
ZPOLINE_SWITCH_AFTER=7 COVERAGE_MODES=auto "$HERE/test-coverage.sh" >"$TMP/cov" 2>&1
rc=$?
sed -n 's/^\(PASS\|FAIL\|SKIP\): \(.*\)/\1: [switch after 7] \2/p' "$TMP/cov"
[ $rc -eq 0 ] || fail "[switch after 7] test-coverage.sh exited $rc"
finish
