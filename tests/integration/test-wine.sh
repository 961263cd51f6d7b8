#!/bin/bash
# Wine under the runtime: its x86-64 threads keep their TEB at their own
# %gs base (arch_prctl(ARCH_SET_GS)) and its signal handlers read it there.
# A fresh prefix is made under the runtime (wineboot, its services and the
# wineserver, all hooked: ~20 s here), then Windows console programs run
# hooked and natively in it give the same output and exit status.
. "$(dirname "$0")/../lib.sh"
if ! command -v wine >/dev/null; then
	skip "wine" "wine is not installed"
	finish
fi
# Wine keeps each thread's TEB at its own %gs base: without FSGSBASE not
# supported (README, Limits; test-owngs checks the runtime says so).
if ! have_fsgsbase; then
	skip "wine" "no FSGSBASE here: a program's own %gs base is not supported"
	finish
fi
export WINEPREFIX=$TMP/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
trap 'wineserver -k 2>/dev/null; rm -rf "$TMP"' EXIT
timeout 120 "$ZP_BUILD/zpoline" run -- wine cmd /c "echo hi & exit 3" >"$TMP/boot" 2>"$TMP/boot.err"
rc=$?
said=$(tail -c 300 "$TMP/boot.err")
[ $rc = 3 ] && [ "$(tr -d '\r ' <"$TMP/boot")" = hi ]
outcome "cmd /c in a prefix made under the runtime: hi, exit 3 (exit $rc): $said"
for cmd in "cmd /c echo hi & exit 3" "hostname" "reg query HKCU\\Environment"; do
	timeout 60 wine $cmd >"$TMP/native" 2>/dev/null
	rn=$?
	timeout 60 "$ZP_BUILD/zpoline" run -- wine $cmd >"$TMP/hooked" 2>"$TMP/hooked.err"
	rh=$?
	said=$(tail -c 300 "$TMP/hooked.err")
	[ $rn = $rh ] && [ -s "$TMP/native" ] && cmp -s "$TMP/native" "$TMP/hooked"
	outcome "wine $cmd: output and exit as native ($rn, hooked $rh): $said"
done
finish
