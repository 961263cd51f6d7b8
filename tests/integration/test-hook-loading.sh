#!/bin/bash
# Loading hook libraries: chains, the original zpoline ABI, and every way a
# hook library can be wrong (one clear message naming the file, exit 1).
. "$(dirname "$0")/../lib.sh"
H=$ZP_BUILD/tests
P=$ZP_BUILD/tests/progs

# Original zpoline ABI (__hook_init): calls pass through, emulation works,
# and it chains with a new-ABI hook.
out=$(ZPOLINE_COUNT_OUTPUT=$TMP/cnt LD_PRELOAD=$LIB LIBZPHOOK=$H/libzphook_orig.so:$HOOK_COUNT "$P/seq" 2>&1)
echo "$out" | grep -q "orig hook: getppid 12" && [ "$(echo "$out" | grep -c '^ok')" = 2 ] &&
	pass "original-ABI hook (__hook_init): sees the 12 getppid calls, the program runs" ||
	fail "original-ABI hook: $out"
grep -Eq '^ +12 +0  getppid$' "$TMP/cnt" && pass "original-ABI hook chained before a new-ABI hook" ||
	fail "chain: count table $(cat "$TMP/cnt")"
touch "$TMP/victim"
LD_PRELOAD=$LIB LIBZPHOOK=$H/libzphook_orig.so rm "$TMP/victim" 2>"$TMP/err"
[ -e "$TMP/victim" ] && grep -q "Operation not permitted" "$TMP/err" &&
	pass "original-ABI hook emulates a call (unlinkat -> EPERM)" || fail "emulation: $(cat "$TMP/err")"
# Threads and clone through an original-ABI hook (the runtime makes clone).
LD_PRELOAD=$LIB LIBZPHOOK=$H/libzphook_orig.so "$P/clones" >"$TMP/out" 2>&1
! grep -q FAIL "$TMP/out" && grep -q PASS "$TMP/out" &&
	pass "original-ABI hook: clone, clone3, vfork, fork" || fail "clones: $(grep FAIL "$TMP/out")"

expect_error() { # NAME PATTERN LIBZPHOOK
	LD_PRELOAD=$LIB LIBZPHOOK=$3 /bin/true 2>"$TMP/err"
	local rc=$?
	[ $rc -eq 1 ] && grep -q -- "$2" "$TMP/err" && ! grep -qi "assert\|segmentation" "$TMP/err" &&
		pass "$1: exit 1, '$(head -1 "$TMP/err" | cut -c1-90)'" ||
		fail "$1: exit $rc, $(head -c 300 "$TMP/err")"
}
expect_error "missing hook library" "cannot load hook library /nonexistent/hook.so" /nonexistent/hook.so
expect_error "not a shared object" "cannot load hook library /etc/passwd" /etc/passwd
expect_error "no init symbol" "exports neither zpoline_hook_init nor __hook_init" "$H/libzphook_noinit.so"
expect_error "init refuses" "zpoline_hook_init failed" "$H/libzphook_badinit.so"
expect_error "another API version" "built for hook API version 99" "$H/libzphook_badabi.so"
# The count hook keeps a copy of stderr for its table (programs close
# theirs before exit: GNU ls does), also under a low descriptor limit.
LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT bash -c 'ulimit -n 64; exec ls -d /usr' >/dev/null 2>"$TMP/lowfd"
grep -q 'calls   errors  syscall' "$TMP/lowfd" && grep -q ' close$' "$TMP/lowfd" &&
	pass "count hook under ulimit -n 64: the table is printed though ls closes stderr" ||
	fail "count hook under ulimit -n 64: $(head -c 200 "$TMP/lowfd")"
# A vfork child whose exec fails ends sharing the parent's memory: the
# hooks' fini is the parent's to run, once (it ran in every such child,
# and the count hook printed the parent's table under the child's pid).
LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT sh -c 'echo $$ >"$1"; exec "$2" 20' sh "$TMP/vfpid" "$P/vforkexit" \
	>/dev/null 2>"$TMP/vfcount"
n=$(grep -c 'calls   errors  syscall' "$TMP/vfcount")
[ "$n" = 1 ] && grep -q "(pid $(cat "$TMP/vfpid"))" "$TMP/vfcount" &&
	pass "count hook: one table, the process's own, when its vfork children exit" ||
	fail "count hook: $n tables when vfork children exit: $(grep 'pid' "$TMP/vfcount" | head -3 | tr '\n' ' ')"
# Its copy of stderr is out of the program's sight (CPython's
# test_pass_fds_redirected lists /proc/self/fd): the same descriptors
# listed as natively, with and without an output file, and the table
# still printed after the program closed every descriptor but 0-2.
lsfd='import os; print(sorted(int(x) for x in os.listdir("/proc/self/fd")))'
python3 -c "$lsfd" >"$TMP/fd.native" 2>&1
LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT python3 -c "$lsfd" >"$TMP/fd.err" 2>/dev/null
ZPOLINE_COUNT_OUTPUT=$TMP/fdcnt LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT python3 -c "$lsfd" >"$TMP/fd.file" 2>&1
cmp -s "$TMP/fd.native" "$TMP/fd.err" && cmp -s "$TMP/fd.native" "$TMP/fd.file"
outcome "count hook: /proc/self/fd lists what it lists natively, table to stderr or to a file"
LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT python3 -c 'import os; os.closerange(3, 65536)' 2>"$TMP/closed"
grep -q ' close_range$\| close$' "$TMP/closed" && grep -q ' total$' "$TMP/closed"
outcome "count hook: the table is printed after the program closed descriptors 3 and up"
# A forked child's table starts from zero (it held the parent's counts
# from before the fork: 100 children's wait4 rows added up to 5050); a
# posix_spawn child (it shares the parent's memory until its execve)
# prints no table of the parent's calls.
rm -f "$TMP/forkcnt"
ZPOLINE_COUNT_OUTPUT=$TMP/forkcnt LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT "$P/forkcount" >"$TMP/forkout" 2>&1
rc=$?
tables=$(grep -c 'calls   errors  syscall' "$TMP/forkcnt")
child_waits=$(awk '/calls   errors  syscall/ {t++} t <= 5 && $3 == "wait4" {n += $1} END {print n + 0}' "$TMP/forkcnt")
[ $rc -eq 0 ] && [ "$tables" = 7 ] && [ "$child_waits" = 0 ] &&
	[ "$(grep -c ' getppid$' "$TMP/forkcnt")" = 5 ] &&
	[ "$(awk '$3 == "getppid" {n += $1} END {print n}' "$TMP/forkcnt")" = 5 ]
outcome "count hook: 5 forked children's tables hold their own calls only, the spawned one none of the parent's"
finish
