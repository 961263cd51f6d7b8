#!/bin/bash
# The candidate scan on two CPUs (scan.c), and the decoding of a big
# range's candidates on two CPUs (rewrite.c): programs behave as natively
# with an empty site cache (every object scanned, big ones with a helper
# thread), the helper leaves nothing behind (tests/programs/firsttask looks
# first thing in main, and after a dlopen scanned while a thread of the
# program runs), and under a tracer or on one CPU no helper is started.
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs
ncpu=$(nproc)

# run_cold NAME [ENV=V...] CMD...: under the runtime with a fresh cache;
# stdout in $TMP/NAME.out, stderr (the debug summary) in $TMP/NAME.err.
run_cold() {
	local name=$1
	shift
	rm -rf "$TMP/cache"
	mkdir "$TMP/cache"
	env ZPOLINE_CACHE_DIR="$TMP/cache" ZPOLINE_DEBUG=1 LD_PRELOAD="$LIB" LIBZPHOOK="$HOOK_PASS" \
		"$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
}
# ranges NAME: how many ranges had a helper, by the summaries of every
# process of the run; last_ranges NAME: by the last one's (a program run
# by strace or taskset, which run under the runtime too).
ranges() {
	sed -n 's/.*KiB scanned (\([0-9]*\) ranges on two CPUs.*/\1/p' "$TMP/$1.err" |
		awk '{ n += $1 } END { print n + 0 }'
}
last_ranges() { sed -n 's/.*KiB scanned (\([0-9]*\) ranges on two CPUs.*/\1/p' "$TMP/$1.err" | tail -n 1; }

# Every range of at least 1 KiB with a helper.
run_cold first ZPOLINE_SCAN_SPLIT=1 "$P/firsttask"
rc=$?
if [ $rc -eq 0 ] && ! grep -q '^FAIL' "$TMP/first.out"; then
	pass "first thing in main: one task, no child, nothing blocked, unshare(CLONE_NEWUSER) allowed"
else
	fail "firsttask: rc $rc: $(grep FAIL "$TMP/first.out" | tr '\n' ' ') $(head -c 300 "$TMP/first.err")"
fi
if [ "$ncpu" -ge 2 ]; then
	r=$(ranges first)
	[ "${r:-0}" -ge 1 ] && pass "start-up scans had a helper ($r ranges)" ||
		fail "no range had a helper: $(grep 'KiB scanned' "$TMP/first.err")"
else
	skip "start-up scans with a helper" "one CPU"
fi

# A library loaded later, scanned from memory with a helper while the
# program's own thread runs.
lib=
for l in /lib/x86_64-linux-gnu/libz.so.1 /usr/lib/x86_64-linux-gnu/libz.so.1 "$ZP_BUILD"/tests/libs/*.so; do
	[ -e "$l" ] && { lib=$l; break; }
done
if [ -n "$lib" ]; then
	run_cold dl ZPOLINE_SCAN_SPLIT=1 "$P/firsttask" "$lib"
	rc=$?
	[ $rc -eq 0 ] && ! grep -q '^FAIL' "$TMP/dl.out" && grep -q '^PASS: two tasks after dlopen' "$TMP/dl.out" &&
		pass "dlopen with a thread running: two tasks, no child after ($lib)" ||
		fail "firsttask $lib: rc $rc: $(grep FAIL "$TMP/dl.out" | tr '\n' ' ') $(head -c 300 "$TMP/dl.err")"
else
	skip "dlopen with a helper" "no library to load"
fi

# same_cold NAME CMD...: stdout and status as natively, cold, with the
# default threshold and with a helper for every range.
same_cold() {
	local name=$1
	shift
	local n rn
	n=$("$@" 2>/dev/null)
	rn=$?
	for split in default 1; do
		if [ $split = default ]; then run_cold "$name" "$@"; else run_cold "$name" ZPOLINE_SCAN_SPLIT=1 "$@"; fi
		rh=$?
		if [ "$n" == "$(cat "$TMP/$name.out")" ] && [ $rn -eq $rh ]; then
			pass "$name, cold, ZPOLINE_SCAN_SPLIT $split: same output ($(ranges "$name") ranges with a helper)"
		else
			fail "$name, cold, ZPOLINE_SCAN_SPLIT $split: exit native $rn hooked $rh; $(head -c 300 "$TMP/$name.err")"
		fi
	done
}

# same_sites NAME CMD...: the site lists (and patched code) a cold start
# leaves in the cache are the same found alone (ZPOLINE_SCAN_SPLIT=0) and
# with a helper scanning and decoding half of every range (=1).
same_sites() {
	local name=$1
	shift
	run_cold "$name-alone" ZPOLINE_SCAN_SPLIT=0 "$@"
	mv "$TMP/cache" "$TMP/cache-alone"
	run_cold "$name-split" ZPOLINE_SCAN_SPLIT=1 "$@"
	local decoded
	decoded=$(sed -n 's/.* \([0-9]*\) decoded on two).*/\1/p' "$TMP/$name-split.err" |
		awk '{ n += $1 } END { print n + 0 }')
	if [ "$ncpu" -ge 2 ] && [ "$decoded" -lt 1 ]; then
		fail "$name: no range's candidates were decoded on two CPUs: $(grep 'KiB scanned' "$TMP/$name-split.err")"
	elif [ -n "$(ls "$TMP/cache")" ] && diff -r "$TMP/cache-alone" "$TMP/cache" >"$TMP/$name.diff"; then
		pass "$name: the same sites found alone and on two CPUs ($(ls "$TMP/cache" | wc -l) cache files, $decoded ranges decoded on two)"
	else
		fail "$name: sites differ alone and on two CPUs: $(head -c 300 "$TMP/$name.diff")"
	fi
	rm -rf "$TMP/cache-alone"
}

if command -v clang-tidy >/dev/null; then
	same_cold clang-tidy clang-tidy --version
	same_sites clang-tidy clang-tidy --version
	if [ "$ncpu" -ge 2 ]; then
		run_cold ct clang-tidy --version
		r=$(ranges ct)
		[ "${r:-0}" -ge 1 ] && pass "clang-tidy's big objects scanned with a helper ($r ranges)" ||
			fail "clang-tidy: no range had a helper: $(grep 'KiB scanned' "$TMP/ct.err")"
	fi
else
	skip "clang-tidy cold" "clang-tidy is not installed"
fi
if command -v python3 >/dev/null; then
	same_cold python3 python3 -c 'import json, re; print(json.dumps({"a": re.sub("x", "y", "xx")}))'
	same_sites python3 python3 -c 'import json'
else
	skip "python3 cold" "python3 is not installed"
fi

# Under strace -f: no helper (the tracer would not know the thread), the
# program as natively.
if command -v strace >/dev/null; then
	if command -v clang-tidy >/dev/null; then prog=(clang-tidy --version); else prog=("$P/firsttask"); fi
	n=$("${prog[@]}" 2>/dev/null)
	run_cold strace ZPOLINE_SCAN_SPLIT=1 strace -f -o "$TMP/trace" "${prog[@]}"
	rc=$?
	[ $rc -eq 0 ] && [ "$n" == "$(cat "$TMP/strace.out")" ] && [ "$(last_ranges strace)" = 0 ] &&
		! grep -q 'CLONE_UNTRACED' "$TMP/trace" &&
		pass "under strace -f: same output, no helper started" ||
		fail "under strace -f: rc $rc, $(last_ranges strace) ranges with a helper; $(head -c 300 "$TMP/strace.err")"
else
	skip "under strace -f" "strace is not installed"
fi

# One CPU allowed: no helper.
if command -v taskset >/dev/null; then
	run_cold one ZPOLINE_SCAN_SPLIT=1 taskset -c 0 "$P/firsttask"
	rc=$?
	[ $rc -eq 0 ] && [ "$(last_ranges one)" = 0 ] && pass "on one CPU: no helper" ||
		fail "on one CPU: rc $rc, $(last_ranges one) ranges with a helper"
fi
finish
