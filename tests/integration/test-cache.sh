#!/bin/bash
# The site cache and the shared patched code (cache.c, textcache.c): used
# when it is ours and right, ignored (and the object scanned or mapped
# again) when it is not.
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs
C=$TMP/cache
run() { ZPOLINE_CACHE_DIR=$C ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB "$@"; }
summary() { grep -o '[0-9]* from cache, [0-9]* segments shared' "$TMP/err"; }

mkdir -m 700 "$C"
run "$P/seq" >/dev/null 2>"$TMP/err"
first=$(summary)
run "$P/seq" >"$TMP/out" 2>"$TMP/err"
second=$(summary)
case "$first" in "0 from cache, 0 segments shared") pass "first run: nothing cached yet" ;; *) fail "first run: $first" ;; esac
case "$second" in "0 from cache"*) fail "second run: $second" ;; *" 0 segments shared") fail "second run: $second" ;; *) pass "second run: site lists and patched code from the cache ($second)" ;; esac
grep -c ok "$TMP/out" | grep -q 2 && pass "the program runs right from shared patched code" || fail "output: $(cat "$TMP/out")"

# A first run under a debugger with a breakpoint in a site's function
# (gdb writes its int3 before the constructor scans): the site does not
# decode there, and the list must not be kept, or every later run leaves
# that call unhooked.
if command -v gdb >/dev/null; then
	G=$TMP/cache-gdb
	mkdir -m 700 "$G"
	ZPOLINE_CACHE_DIR=$G gdb -q -batch -ex "set environment LD_PRELOAD=$LIB" \
		-ex 'break site_fn' -ex run -ex continue "$P/sitebytes" >"$TMP/gdbsb" 2>&1
	ZPOLINE_CACHE_DIR=$G LD_PRELOAD=$LIB "$P/sitebytes" >"$TMP/sb" 2>&1
	grep -q 'Breakpoint 1, site_fn' "$TMP/gdbsb" && [ "$(cat "$TMP/sb")" = "ff d0" ] ||
		{ echo "gdb: $(grep -c . "$TMP/gdbsb") lines; next run: $(cat "$TMP/sb")"; false; }
	outcome "a site under a breakpoint in a debugged first run is rewritten in the next"
else
	skip "a first run under a debugger" "gdb is not installed"
fi

# Patched code of the right size but wrong bytes: detected, original back.
# The copies are whole object files under the object's own name, with its
# build-id: what reads the process's mappings (perf, a symbolizer) finds an
# ELF file there, not bare bytes.
libc_real=$(readlink -f "$(ldd "$P/seq" | awk '/libc\.so/ {print $3}')")
libc_copy=$(ls "$C"/*.v*/"${libc_real##*/}" 2>/dev/null | head -1)
want_id=$(readelf -n "$libc_real" | awk '/Build ID/ {print $3}')
if [ -n "$libc_copy" ] && [ "$(readelf -n "$libc_copy" | awk '/Build ID/ {print $3}')" = "$want_id" ] &&
	[ "$(stat -c %s "$libc_copy")" = "$(stat -c %s "$libc_real")" ] &&
	readelf -Ws --dyn-syms "$libc_copy" | grep -q ' getpid'; then
	pass "libc's patched copy is libc: its own name, size, build-id and symbols (${libc_copy#"$C"/})"
else
	fail "libc's patched copy: '$libc_copy' ($(ls "$C"))"
fi
ZPOLINE_CACHE_DIR=$C LD_PRELOAD=$LIB cat /proc/self/maps >"$TMP/maps"
if grep -q "r-xp .* ${C}/.*/${libc_real##*/}\$" "$TMP/maps"; then
	pass "the shared copy is mapped under libc's name"
else
	fail "no executable mapping of a copy named ${libc_real##*/}: $(grep -F "$C" "$TMP/maps" | head -3)"
fi
differ=$(cmp -l "$libc_real" "$libc_copy" | wc -l)
[ "$differ" -gt 0 ] && [ "$differ" -lt 4096 ] && pass "the copy differs from libc only at its sites ($differ bytes)" ||
	fail "the copy differs from libc in $differ bytes"

libc_text=$libc_copy
for f in "$C"/*.v*/*; do
	sz=$(stat -c %s "$f")
	head -c "$sz" /dev/zero >"$f"
done
run "$P/seq" >"$TMP/out" 2>"$TMP/err"
[ "$(grep -c ok "$TMP/out")" = 2 ] && pass "zeroed patched-code files: detected, the program runs" ||
	fail "zeroed patched-code files: $(head -c 300 "$TMP/err")"
# Each bad copy must be gone or replaced by a good one; none may stay.
left=0
for f in "$C"/*.v*/*; do
	[ -e "$f" ] && cmp -s "$f" <(head -c "$(stat -c %s "$f")" /dev/zero) && left=$((left + 1))
done
[ $left = 0 ] && pass "the bad copies were dropped or replaced (${libc_text##*/} and the others)" ||
	fail "$left zeroed patched-code files still in the cache"

# A copy of the unpatched library under a patched copy's name (a copy
# from another list or build: every site differs) is not mapped: checked
# from the file before it is.
libc_copy=$(ls "$C"/*.v*/"${libc_real##*/}" 2>/dev/null | head -1)
if [ -n "$libc_copy" ]; then
	cat "$libc_real" >"$libc_copy"
	run "$P/seq" >"$TMP/out" 2>"$TMP/err"
	[ "$(grep -c ok "$TMP/out")" = 2 ] && ! { [ -e "$libc_copy" ] && cmp -s "$libc_copy" "$libc_real"; } &&
		pass "an unpatched copy under a patched copy's name: dropped, the program runs" ||
		fail "an unpatched copy under a patched copy's name: $(head -c 300 "$TMP/err")"
else
	fail "no patched copy of libc to replace"
fi

# A site list pointing at bytes that are not a syscall: dropped, rescanned.
for f in "$C"/*.sites; do
	printf 'garbage' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
done
run "$P/seq" >"$TMP/out" 2>"$TMP/err"
[ "$(grep -c ok "$TMP/out")" = 2 ] && pass "corrupted site lists: rescanned, the program runs" ||
	fail "corrupted site lists: $(head -c 300 "$TMP/err")"

# A cache someone else could write is not trusted.
chmod 777 "$C"
run "$P/seq" >"$TMP/out" 2>"$TMP/err"
case "$(summary)" in "0 from cache, 0 segments shared") pass "group/world-writable cache directory: not used" ;; *) fail "writable cache dir used: $(summary)" ;; esac
chmod 700 "$C"
chmod 666 "$C"/*.sites "$C"/*.v*/* 2>/dev/null
run "$P/seq" >"$TMP/out" 2>"$TMP/err"
case "$(summary)" in "0 from cache, 0 segments shared") pass "world-writable cache files: not used" ;; *) fail "writable cache files used: $(summary)" ;; esac

# An object without a GNU build-id (Rust's toolchain: librustc_driver,
# libLLVM) is named by its file (device, inode, size, times), unless the
# file changed less than 2 seconds ago (racily): it was scanned at every
# start before (rustc --version: 20 ms natively, 160 ms hooked).
if command -v cc >/dev/null && cc -O1 -Wl,--build-id=none -o "$TMP/nobid" "$ZP_ROOT/tests/programs/seq.c" 2>"$TMP/cc.err" &&
	! readelf -n "$TMP/nobid" 2>/dev/null | grep -q 'Build ID'; then
	C2=$TMP/cache2
	mkdir -m 700 "$C2"
	nrun() { ZPOLINE_CACHE_DIR=$C2 ZPOLINE_DEBUG=2 LD_PRELOAD=$LIB "$TMP/nobid" >"$TMP/out" 2>"$TMP/err"; }
	cached() { grep -q "nobid: [0-9]* sites (cache)" "$TMP/err"; }
	nrun
	nrun
	if ! cached && grep -q 'ok' "$TMP/out"; then pass "no build-id, file changed just now: not cached"; else
		fail "no build-id, file changed just now: $(grep nobid "$TMP/err")"; fi
	touch -d '-1 hour' "$TMP/nobid" # (sets ctime to now)
	sleep 2.2
	nrun
	nrun
	if cached && [ "$(grep -c ok "$TMP/out")" = 2 ]; then pass "no build-id: cached by the file's identity"; else
		fail "no build-id, an old file: not cached: $(grep nobid "$TMP/err")"; fi
	# Rewritten in place (same inode, same size, same mtime): another key.
	cp "$TMP/nobid" "$TMP/nobid.copy"
	cat "$TMP/nobid.copy" >"$TMP/nobid"
	touch -d '-1 hour' "$TMP/nobid"
	sleep 2.2
	nrun
	if ! cached && [ "$(grep -c ok "$TMP/out")" = 2 ]; then pass "no build-id, rewritten in place: not the old entry"; else
		fail "no build-id, rewritten in place: $(grep nobid "$TMP/err")"; fi
else
	skip "objects without a build-id" "cannot link one: $(head -c 200 "$TMP/cc.err")"
fi

ZPOLINE_CACHE=0 ZPOLINE_CACHE_DIR=$TMP/none ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB "$P/seq" >/dev/null 2>"$TMP/err"
[ ! -e "$TMP/none" ] && pass "ZPOLINE_CACHE=0: no cache directory made" || fail "ZPOLINE_CACHE=0 still made $TMP/none"

# Programs point HOME at directories of their own (git's test suite: the
# test's work tree, which `git add` then lists): no .cache may appear there.
# The cache goes to /var/tmp/zpoline-UID instead.  A home that has a
# .cache gets the zpoline directory in it.
mkdir -p "$TMP/fakehome" "$TMP/realhome/.cache"
fallback=/var/tmp/zpoline-$(id -u)
had_fallback=0
[ -e "$fallback" ] && had_fallback=1
env -u ZPOLINE_CACHE_DIR -u XDG_CACHE_HOME HOME=$TMP/fakehome LD_PRELOAD=$LIB "$P/seq" >/dev/null 2>&1
[ -z "$(ls -A "$TMP/fakehome")" ] && pass "HOME without .cache: nothing created in it" ||
	fail "runtime created $(ls -A "$TMP/fakehome") in a HOME without .cache"
again=$(env -u ZPOLINE_CACHE_DIR -u XDG_CACHE_HOME HOME=$TMP/fakehome ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB "$P/seq" 2>&1 >/dev/null)
if [ -d "$fallback" ] && [ "$(stat -c %u:%a "$fallback")" = "$(id -u):700" ] &&
	ls "$fallback"/*.sites >/dev/null 2>&1 && echo "$again" | grep -q ' [1-9][0-9]* from cache'; then
	pass "HOME without .cache: the sites cached in $fallback (ours, 0700) and used"
else
	fail "no sites cached in $fallback: $(ls -ld "$fallback" 2>&1); $(echo "$again" | grep objects)"
fi
[ $had_fallback = 0 ] && rm -rf "$fallback"
env -u ZPOLINE_CACHE_DIR -u XDG_CACHE_HOME HOME=$TMP/realhome LD_PRELOAD=$LIB "$P/seq" >/dev/null 2>&1
[ -d "$TMP/realhome/.cache/zpoline" ] && pass "HOME with .cache: ~/.cache/zpoline used" ||
	fail "no ~/.cache/zpoline made in a HOME that has .cache"
# The vDSO has no file to check its bytes against: a list made from bytes
# something had rewritten first (another copy of the runtime, before
# copies knew of each other) named no site, and every later process took
# it under the vDSO's build-id, its calls unhooked.  Its list is now kept
# under a hash of the bytes too.
POISON=$ZP_BUILD/tests/libs/libvdsopoison.so
C2=$TMP/cache-vdso
mkdir -m 700 "$C2"
ZPOLINE_CACHE_DIR=$C2 LD_PRELOAD="$LIB $POISON" /bin/true 2>"$TMP/err"
if grep -q 'vdso sites rewritten: [1-9]' "$TMP/err"; then
	ZPOLINE_CACHE_DIR=$C2 ZPOLINE_COUNT_OUTPUT=$TMP/cnt.vdso LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT \
		"$P/vdsofallback"
	rc=$?
	got=$(awk '$NF == "clock_gettime" { n += $1 } END { print n + 0 }' "$TMP/cnt.vdso")
	[ $rc -eq 0 ] && [ "$got" -ge 100 ] &&
		pass "a vDSO list made from rewritten bytes is not taken: the vDSO's own calls hooked ($got)" ||
		fail "vDSO after a poisoned list: exit $rc, $got of 100 clock_gettime hooked"
else
	skip "a vDSO list made from rewritten bytes" "the vDSO here makes no system call of its own"
fi
finish
