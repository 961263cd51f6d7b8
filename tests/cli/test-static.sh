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
# The loader is a dynamic program: the variables that steer ld.so must not
# reach its own ld.so, and must reach the program as they were set.
out=$("$Z" run -- sh -c "LD_LIBRARY_PATH=/nowhere LD_BIND_NOW=1 $PROGS/cli-static-printenv \
	LD_LIBRARY_PATH LD_BIND_NOW ZPOLINE_LDHELD_LD_LIBRARY_PATH")
[ "$out" = "/nowhere 1 -" ] && pass "ld.so's variables reach a static program exec'd by a hooked one as set" ||
	fail "ld.so's variables in a static program exec'd by a hooked one: '$out'"
# ldd runs `ld.so PROGRAM` with LD_TRACE_LOADED_OBJECTS=1; ld.so, a static
# program to the runtime, goes through the loader, whose own ld.so listed
# the loader's libraries instead.
no_addr() { sed 's/ (0x[0-9a-f]*)$//'; }
want=$(ldd /bin/ls | no_addr)
got=$("$Z" run -- ldd /bin/ls 2>&1 | no_addr)
[ -n "$want" ] && [ "$got" = "$want" ] && pass "ldd under the command lists the program's libraries, as natively" ||
	fail "ldd /bin/ls under the command: '$got', natively '$want'"

ln -s "$SG" "$TMP/sgpath"
out=$(PATH=$TMP:$PATH "$Z" inject getppid:retval=4242 -- sgpath)
[ "$out" = 4242 ] && pass "a static program found in \$PATH" || fail "static program via PATH printed '$out'"
# strace shows the execve its own $PATH lookup made: the path, argv[0] as typed
PATH=$TMP:$PATH "$Z" trace -e trace=execve -o "$TMP/tpath" -- sgpath >/dev/null
first=$(head -1 "$TMP/tpath")
case $first in
"execve(\"$TMP/sgpath\", [\"sgpath\"]"*) pass "trace: a static program found in \$PATH is shown by its path" ;;
*) fail "trace: a static program found in \$PATH: $first" ;;
esac
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

# The auxiliary vector the loader passes on is the kernel's: the runtime's
# start-up in the loader unsetenv()s the sticky variables (glibc shifts
# environ down in place, leaving stale NULLs before the vector), and the
# program once got an empty vector: no vDSO (every clock_gettime a system
# call), AT_HWCAP 0, no AT_HWCAP2/AT_MINSIGSTKSZ/AT_RSEQ_*.
IS=$ZP_BUILD/tests/loader/ident-static
if [ -x "$IS" ]; then
	for how in "run --" "run --from-start --" "trace -o /dev/null --"; do
		# shellcheck disable=SC2086
		out=$("$Z" $how "$IS" /dev/null 2>&1)
		grep -qx 'AT_SYSINFO_EHDR: an ELF image' <<<"$out" &&
			pass "zpoline $how static: the program gets the vDSO (AT_SYSINFO_EHDR)" ||
			fail "zpoline $how static: $(grep AT_SYSINFO_EHDR <<<"$out")"
	done
fi
if [ -x "$ZP_BUILD/tests/loader/dyn" ] && LD_SHOW_AUXV=1 /bin/true | grep -q '^AT_SYSINFO_EHDR'; then
	# every ld.so that starts (the command's, the loader's, the program's)
	# prints its vector: each must have the vDSO
	out=$(LD_SHOW_AUXV=1 "$Z" run --from-start -- "$ZP_BUILD/tests/loader/dyn" 2>/dev/null)
	nv=$(grep -c '^AT_SYSINFO_EHDR:' <<<"$out")
	nx=$(grep -c '^AT_EXECFN:' <<<"$out")
	[ "$nv" -eq "$nx" ] && pass "--from-start: the program's ld.so gets the vDSO ($nv of $nx vectors)" ||
		fail "--from-start: AT_SYSINFO_EHDR in $nv of $nx vectors"
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

# A static program that runs itself again through /proc/self/exe (busybox's
# applets do): the kernel names the process "exe", as the path was given,
# and busybox renames it to the applet; named after the resolved path, it
# stayed "busybox" (ps, pgrep and /proc/PID/comm saw the wrong name).
BB=$(command -v busybox)
if [ -n "$BB" ] && file -L "$BB" 2>/dev/null | grep -q 'statically linked'; then
	native=$("$BB" sh -c 'cat /proc/self/comm' 2>&1)
	hooked=$("$Z" run -- "$BB" sh -c 'cat /proc/self/comm' 2>&1)
	[ "$native" = cat ] && [ "$hooked" = cat ]
	outcome "static busybox's applets run through /proc/self/exe keep their names"
else
	skip "busybox's applet names" "no static busybox (busybox-static)"
fi
finish
