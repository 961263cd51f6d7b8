#!/bin/bash
# The coverage oracle: for deterministic test programs, every system call
# that strace -f records after the runtime's start-up is seen by the hooks at
# least as many times (counting hook, one table per process).
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs
command -v strace >/dev/null || { skip "coverage oracle (strace not installed)"; finish; }

# oracle NAME MODE CMD...: run CMD under strace -f -i -y with the runtime and
# the counting hook; every call of the program strace saw after start-up
# must have reached the hooks (coverage-oracle.py).
oracle() {
	local name=$1 mode=$2
	shift 2
	rm -f "$TMP/st" "$TMP/cnt"
	ZPOLINE_MODE=$mode ZPOLINE_MARK_INIT=1 ZPOLINE_COUNT_OUTPUT=$TMP/cnt \
		strace -f -i -y -qq -o "$TMP/st" env LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT "$@" >/dev/null 2>&1
	python3 "$ZP_ROOT/tests/integration/coverage-oracle.py" "$TMP/st" "$TMP/cnt" "$LIB" >"$TMP/cmp" ||
		{ fail "[$mode] $name: oracle failed"; return; }
	local missing total
	missing=$(awk '$2 > $3 { printf "%s(strace %d, hooks %d) ", $1, $2, $3 }' "$TMP/cmp")
	total=$(awk '{s += $2} END {print s+0}' "$TMP/cmp")
	if [ "$total" -gt 0 ] && [ -z "$missing" ]; then
		pass "[$mode] $name: all $total calls strace saw after start-up reached the hooks"
	else
		fail "[$mode] $name: $missing (strace saw $total)"
	fi
}

MODES=${COVERAGE_MODES:-zpoline}
for mode in $MODES; do
	# Under strace every trapped call costs two ptrace stops more: keep the
	# runs small in the trapping modes.
	big=1
	[ "$mode" != zpoline ] && big=0
	oracle "known sequence" $mode "$P/seq"
	oracle "threads" $mode "$P/threads" 3 $((big ? 200 : 30))
	oracle "clone, clone3, vfork, fork" $mode "$P/clones"
	oracle "signal handlers on an alternate stack" $mode "$P/signals" 40
	oracle "red-zone function (trap path)" $mode "$P/redzone"
	oracle "dlopen after start" $mode "$P/latecode" dlopen "$ZP_BUILD/tests/libs/libinline.so" 5
	oracle "JIT buffer made executable" $mode "$P/latecode" jit x 5
	oracle "JIT buffer moved by mremap" $mode "$P/latecode" mremap x 5
	oracle "JIT rewriting pages of a big buffer (YJIT)" $mode "$P/latecode" jitpages x 40
	oracle "JIT rewriting pages far apart in a big buffer" $mode "$P/latecode" jitscatter x 3
	oracle "dash running a pipeline" $mode dash -c 'echo a | cat | wc -l'
	# A call a signal cuts short and the kernel makes again is one call
	# of the program's (the hooks see it once), two entries in strace.
	oracle "calls the kernel restarts after a signal" $mode "$P/restarts"
	grep -qE '(read\(|read resumed>).* = \? ERESTARTSYS' "$TMP/st" &&
		grep -q 'restart_syscall(<\.\.\. resuming interrupted poll' "$TMP/st"
	outcome "[$mode] the restarts program's read and poll were cut short and made again"
	# Memory mapped RWX and written afterwards: only the safety net sees it.
	[ "$mode" = net ] || [ "$mode" = sud ] && oracle "RWX buffer written after mapping" $mode "$P/latecode" rwx x 5
done
# Ruby's YJIT makes its whole 128 MiB buffer executable again after each
# write: scanning all of it each time took 12 ms a call (a 0.5 s script
# ran 48 s).  Only what was written since is scanned now: the runtime's
# count of anonymous code scanned (ZPOLINE_DEBUG, at exit) stays near one
# pass over the buffer (128 MiB), where scanning it whole each time read
# it once a round.
# jit_rounds MODE ROUNDS CALLS WHAT: one hooked run of latecode; every call
# hooked (the count hook saw CALLS getppid and the marker), and the scan
# stayed under two passes over the buffer.
jit_rounds() {
	local out kib
	out=$(LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT ZPOLINE_COUNT_OUTPUT=$TMP/jitcnt ZPOLINE_DEBUG=1 \
		"$P/latecode" "$1" x "$2" 2>"$TMP/jiterr")
	kib=$(sed -n 's/.*code that appeared later: .* \([0-9]*\) KiB of anonymous code scanned.*/\1/p' "$TMP/jiterr")
	[ "$out" = "calls $3 bad 0" ] && grep -qE "^ +$(($3 + 1)) +0 +getppid\$" "$TMP/jitcnt" &&
		[ -n "$kib" ] && [ "$kib" -lt 262144 ]
	outcome "JIT rewriting $4 of a 128 MiB buffer $2 times: every call hooked, ${kib:-?} KiB scanned (< 2 x 128 MiB)"
}
jit_rounds jitpages 400 400 "pages"
# 24 pages far apart written before each mprotect: more pieces than are
# looked up at once (the whole buffer was then scanned each time).
jit_rounds jitscatter 200 4800 "24 pages far apart"
finish
