#!/bin/bash
# zpoline inject (and trace -e inject=): the specs reach the inject hook and
# the program sees the injected errors.  Spec syntax errors: test-args.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli-lib.sh"

if [ ! -e "$ZP_BUILD/libzphook_inject.so" ]; then
	skip "zpoline inject" "build/libzphook_inject.so is not built yet"
	finish
fi

# Every write fails, so dd cannot even print its complaint: it must fail
# and write nothing.
"$Z" inject write:error=ENOSPC -- dd if=/dev/zero of="$TMP/x" bs=1k count=1 >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -ne 0 ] && [ ! -s "$TMP/x" ] && pass "write:error=ENOSPC: dd fails, writes nothing" ||
	fail "write:error=ENOSPC: dd exit $rc, $(stat -c %s "$TMP/x" 2>&1) bytes"
# Only the first write (the data) fails: dd reports it.
"$Z" inject write:error=ENOSPC:when=1 -- dd if=/dev/zero of="$TMP/x" bs=1k count=1 >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q "No space left on device" "$TMP/err" &&
	pass "write:error=ENOSPC:when=1: dd reports 'No space left on device'" ||
	fail "write:error=ENOSPC:when=1: exit $rc: $(head -c 300 "$TMP/err")"
# Without "--": the first argument without ':' is the program.
"$Z" inject write:error=ENOSPC:when=1 dd if=/dev/zero of="$TMP/x" bs=1k count=1 >"$TMP/out" 2>"$TMP/err"
grep -q "No space left on device" "$TMP/err" && pass "inject without --" ||
	fail "inject without --: $(head -c 300 "$TMP/err")"
# Several specs, joined for the hook.
out=$("$Z" inject write:error=ENOSPC:when=99 openat:error=ENOENT:when=99 -- "$INITENV" ZPOLINE_INJECT)
[ "$out" = "write:error=ENOSPC:when=99;openat:error=ENOENT:when=99" ] &&
	pass "specs joined with ';' in ZPOLINE_INJECT" || fail "ZPOLINE_INJECT is '$out'"
# Only the file named by path= fails.
echo a >"$TMP/a"
echo b >"$TMP/b"
echo c >"$TMP/c"
"$Z" inject "openat:error=ENOENT:path=$TMP/b" -- cat "$TMP/a" "$TMP/b" "$TMP/c" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] && [ "$(cat "$TMP/out")" = "a
c" ] && grep -q "$TMP/b: No such file" "$TMP/err" &&
	pass "openat:error=ENOENT:path=: only that file fails" ||
	fail "openat path filter: exit $rc, out '$(cat "$TMP/out")', err $(head -c 200 "$TMP/err")"
# when=: counting.  LC_ALL=C: no locale files are opened before the three.
LC_ALL=C "$Z" inject openat:error=ENOENT:when=2 -- cat "$TMP/a" "$TMP/b" "$TMP/c" >"$TMP/out" 2>"$TMP/err"
[ "$(cat "$TMP/out")" = "a
c" ] && pass "openat:error=ENOENT:when=2: exactly the 2nd open fails" ||
	fail "when=2: out '$(cat "$TMP/out")', err $(head -c 200 "$TMP/err")"
LC_ALL=C "$Z" inject openat:error=ENOENT:when=2+ -- cat "$TMP/a" "$TMP/b" "$TMP/c" >"$TMP/out" 2>"$TMP/err"
[ "$(cat "$TMP/out")" = a ] && [ "$(grep -c 'No such file' "$TMP/err")" = 2 ] &&
	pass "openat:error=ENOENT:when=2+: the 2nd and later opens fail" ||
	fail "when=2+: out '$(cat "$TMP/out")', err $(head -c 200 "$TMP/err")"
# strace's spellings of a spec; any other -e is refused by name.
out=$("$Z" inject -e inject=write:error=ENOSPC:when=99 --inject=openat:error=ENOENT:when=98 \
	getppid:retval=1:when=97 -- "$INITENV" ZPOLINE_INJECT)
[ "$out" = "write:error=ENOSPC:when=99;openat:error=ENOENT:when=98;getppid:retval=1:when=97" ] &&
	pass "-e inject=SPEC and --inject=SPEC taken as strace spells them" ||
	fail "-e inject=/--inject=: ZPOLINE_INJECT is '$out'"
LC_ALL=C "$Z" inject -e "inject=openat:error=ENOENT:path=$TMP/b" cat "$TMP/a" "$TMP/b" >"$TMP/out" 2>"$TMP/err"
[ "$(cat "$TMP/out")" = a ] && grep -q "$TMP/b: No such file" "$TMP/err" &&
	pass "-e inject=SPEC without --: the spec applies, cat is the program" ||
	fail "-e inject= without --: out '$(cat "$TMP/out")', err $(head -c 200 "$TMP/err")"
"$Z" inject -e trace=openat cat "$TMP/a" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 2 ] && grep -q -- "-e trace=openat: only -e inject=SPEC" "$TMP/err" && [ ! -s "$TMP/out" ] &&
	pass "-e trace=: refused with a message naming it (exit 2)" ||
	fail "-e trace= given to inject: exit $rc, $(head -c 200 "$TMP/err")"
out=$("$Z" inject getppid:retval=4242 -- sh -c 'echo $PPID')
[ "$out" = 4242 ] && pass "getppid:retval=4242" || fail "retval: sh says its parent is '$out'"

if [ -e "$ZP_BUILD/libzphook_trace.so" ]; then
	"$Z" trace -o "$TMP/trace" -e trace=write -e inject=write:error=ENOSPC:when=1 -- \
		dd if=/dev/zero of="$TMP/x" bs=1k count=1 >"$TMP/out" 2>"$TMP/err"
	grep -q "No space left on device" "$TMP/err" && grep -q "ENOSPC" "$TMP/trace" &&
		pass "trace -e inject=: injected, and the trace shows it" ||
		fail "trace -e inject=: err $(head -c 200 "$TMP/err"), trace $(head -c 300 "$TMP/trace")"
else
	skip "trace -e inject=" "build/libzphook_trace.so is not built yet"
fi
finish
