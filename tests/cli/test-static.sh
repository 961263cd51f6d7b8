#!/bin/bash
# Static programs go through zpoline-loader (LD_PRELOAD cannot reach them);
# --from-start sends dynamic ones through it too, so ld.so's calls are hooked.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli-lib.sh"

SG=$PROGS/cli-static-getppid
if [ ! -x "$ZP_BUILD/zpoline-loader" ]; then
	skip "static programs" "build/zpoline-loader is not built"
	finish
fi
if file "$SG" 2>/dev/null | grep -q 'statically linked' || ! readelf -l "$SG" | grep -q INTERP; then
	pass "the test program is static"
else
	fail "the test program is not static"
fi

out=$("$Z" inject getppid:retval=4242 -- "$SG")
[ "$out" = 4242 ] && pass "inject reaches a static program" ||
	fail "static program under inject printed '$out'"
# That one is the runtime's doing (execve redirected to the loader).
out=$("$Z" inject getppid:retval=77 -- sh -c "$SG")
[ "$out" = 77 ] && pass "a static program exec'd by a hooked one" ||
	skip "a static program exec'd by a hooked one" "the runtime does not redirect execve to the loader (printed '$out')"
ln -s "$SG" "$TMP/sgpath"
out=$(PATH=$TMP:$PATH "$Z" inject getppid:retval=4242 -- sgpath)
[ "$out" = 4242 ] && pass "a static program found in \$PATH" || fail "static program via PATH printed '$out'"
ZPOLINE_COUNT_OUTPUT=$TMP/count "$Z" run --hook count -- "$SG" >/dev/null
grep -Eq '^ +1 +0  getppid$' "$TMP/count" && pass "run --hook count counts the static program's getppid" ||
	fail "count table of the static program: $(head -c 300 "$TMP/count" 2>&1)"
"$Z" trace -e trace=getppid -o "$TMP/trace" -- "$SG" >/dev/null
grep -Eq '^getppid\(\) += [0-9]+$' "$TMP/trace" && pass "trace shows the static program's getppid" ||
	fail "trace of the static program: $(head -c 300 "$TMP/trace" 2>&1)"
expect_status "static program: exit status" 0 "$Z" run -- "$SG"

# --from-start: ld.so's own opens reach the hook.
ZPOLINE_COUNT_OUTPUT=$TMP/fs "$Z" run --from-start --hook count -- /bin/true
ZPOLINE_COUNT_OUTPUT=$TMP/nofs "$Z" run --hook count -- /bin/true
fs=$(awk '$3 == "total" { print $1 }' "$TMP/fs")
nofs=$(awk '$3 == "total" { print $1 }' "$TMP/nofs")
if grep -Eq ' openat$' "$TMP/fs" && [ "${fs:-0}" -gt "${nofs:-0}" ]; then
	pass "--from-start: ld.so's calls are hooked ($fs calls, $nofs without)"
else
	fail "--from-start: $fs calls with, $nofs without; $(grep openat "$TMP/fs")"
fi

# Without a loader next to the runtime: said once, and the program still runs.
mkdir "$TMP/noloader"
cp "$Z" "$LIB" "$ZP_BUILD/libzphook_inject.so" "$TMP/noloader/"
out=$("$TMP/noloader/zpoline" inject getppid:retval=4242 -- "$SG" 2>"$TMP/err")
rc=$?
[ $rc -eq 0 ] && [ -n "$out" ] && [ "$out" != 4242 ] && grep -q "statically linked .* runs unhooked" "$TMP/err" &&
	[ "$(wc -l <"$TMP/err")" -eq 1 ] && pass "no loader: one line, and the program runs unhooked" ||
	fail "no loader: exit $rc, out '$out', err $(head -c 300 "$TMP/err")"
expect_status "no loader: --from-start is an error" 2 "$TMP/noloader/zpoline" run --from-start -- /bin/true
grep -q "needs zpoline-loader" "$TMP/err" && pass "no loader: --from-start says why" ||
	fail "no loader, --from-start: $(cat "$TMP/err")"
finish
