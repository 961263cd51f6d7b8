#!/bin/bash
# test-decoder.sh - the x86 decoder is mapped only when code must be decoded
# (src/runtime/decoder.c), from any context, and a missing or broken one is
# reported clearly.
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs
C=$TMP/cache
mkdir -m 700 "$C"
maps() { ZPOLINE_CACHE_DIR=$C LD_PRELOAD=$LIB "$@" cat /proc/self/maps; }
zydis_lines() { grep -c 'libZydis' || true; }

n=$(maps | zydis_lines)
[ "$n" -gt 0 ] && pass "cold cache: the decoder is mapped ($n mappings)" ||
	fail "cold cache: no decoder mapping in the process"
n=$(maps | zydis_lines)
[ "$n" = 0 ] && pass "warm cache: nothing to decode, the decoder is not mapped" ||
	fail "warm cache: $n decoder mappings"
ldd "$LIB" | grep -q Zydis && fail "libzpoline.so links the decoder: ld.so would load it everywhere" ||
	pass "libzpoline.so does not link the decoder"

# Code that appears after a warm start: the decoder is loaded inside the
# hooked mprotect, and the new code's calls reach the hooks.
ZPOLINE_CACHE_DIR=$C LD_PRELOAD=$LIB "$P/latecode" jit x 5 >/dev/null 2>&1
out=$(ZPOLINE_CACHE_DIR=$C LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT "$P/latecode" jit x 5 2>"$TMP/err")
got=$(awk '$3 == "getppid" { print $1 }' "$TMP/err")
native=$(strace -f -qq -e trace=getppid -o "$TMP/strace" "$P/latecode" jit x 5 >/dev/null 2>&1; grep -c getppid "$TMP/strace")
[ "$out" = "calls 5 bad 0" ] && [ -n "$got" ] && [ "$got" = "$native" ] &&
	pass "JIT code after a warm start: decoded in the hooked call, $got getppid seen (strace: $native)" ||
	fail "JIT code after a warm start: output '$out', count hook saw '${got:-none}', strace $native"

# A JIT's code with no system call needs no decoder: a fresh anonymous
# RWX mapping is zeros (not even scanned: Guile maps 256 KiB per thread,
# which cost ~8 ms of decoding, enough to lose a race in its signal test),
# and code made executable without a 0f 05 / 0f 34 pair is not decoded.
out=$(ZPOLINE_CACHE_DIR=$C LD_PRELOAD=$LIB "$P/latecode" nosite x 5 2>&1)
[ "$out" = "calls 5 bad 0 decoder 0" ] &&
	pass "JIT code without a syscall, fresh RWX memory: the decoder is not mapped" ||
	fail "JIT code without a syscall, fresh RWX memory: '$out' (want decoder 0)"
ZPOLINE_CACHE_DIR=$C LD_PRELOAD=$LIB strace -qq -e trace=getppid,open,openat,mmap \
	-o "$TMP/strace-rwx" "$P/latecode" nosite x 1 >/dev/null 2>&1
between=$(sed -n '/^getppid/,/^getppid/p' "$TMP/strace-rwx")
grep -q 'PROT_READ|PROT_WRITE|PROT_EXEC' <<<"$between" && ! grep -q '/proc/self/maps' <<<"$between" &&
	pass "an anonymous RWX mmap is not scanned (no /proc/self/maps read in it)" ||
	fail "an anonymous RWX mmap: $(tr '\n' '|' <<<"$between" | head -c 400)"

# Missing: at start-up, one message naming the library, exit 1.
out=$(ZPOLINE_DECODER=/nonexistent/libZydis.so LD_PRELOAD=$LIB /bin/echo hi 2>&1)
rc=$?
[ $rc = 1 ] && grep -q 'decoder library /nonexistent/libZydis.so is missing' <<<"$out" &&
	pass "missing decoder: exit 1, the message names it" || fail "missing decoder: exit $rc, '$out'"

# Broken (not a shared object): said once; the program runs unhooked where
# decoding was needed, and nothing found without the decoder is cached.
C2=$TMP/cache2
mkdir -m 700 "$C2"
out=$(ZPOLINE_CACHE_DIR=$C2 ZPOLINE_DECODER=/etc/passwd LD_PRELOAD=$LIB /bin/echo hi 2>"$TMP/err")
rc=$?
[ $rc = 0 ] && [ "$out" = hi ] && grep -q 'cannot load the x86 decoder: /etc/passwd: not an x86-64 shared object' "$TMP/err" &&
	[ "$(grep -c 'cannot load the x86 decoder' "$TMP/err")" = 1 ] &&
	pass "broken decoder: said once, the program runs" ||
	fail "broken decoder: exit $rc, output '$out', stderr '$(head -c 300 "$TMP/err")'"
# Objects with no 0f 05 byte at all need no decoding and may be cached;
# libc must not be, or later processes would trust an empty list.
libc=$(ldd /bin/echo | awk '/libc.so/ { print $3 }')
id=$(readelf -n "$libc" | sed -n 's/.*Build ID: *//p')
n=$(find "$C2" -name "$id*" | wc -l)
[ -n "$id" ] && [ "$n" = 0 ] && pass "broken decoder: libc's scan, incomplete, is not cached" ||
	fail "broken decoder: $n cache files for libc (build-id '$id') written from an incomplete scan"
# The calls of the code left unrewritten reach the hooks all the same:
# auto mode falls back on the Syscall User Dispatch safety net (init.c).
out=$(ZPOLINE_CACHE=0 ZPOLINE_DECODER=/etc/passwd ZPOLINE_COUNT_OUTPUT=$TMP/cnt LD_PRELOAD=$LIB \
	LIBZPHOOK=$HOOK_COUNT /bin/echo hi 2>"$TMP/err")
rc=$?
[ $rc = 0 ] && [ "$out" = hi ] && grep -q 'caught by Syscall User Dispatch' "$TMP/err" &&
	grep -Eq ' write$' "$TMP/cnt"
outcome "broken decoder: echo's write still reaches the count hook (Syscall User Dispatch)"
# The same where the rewriting waits for a count of calls (tier.c): the
# switch keeps Syscall User Dispatch armed for what it could not rewrite.
rm -f "$TMP/cnt"
out=$(ZPOLINE_CACHE=0 ZPOLINE_DECODER=/etc/passwd ZPOLINE_SWITCH_AFTER=3 ZPOLINE_COUNT_OUTPUT=$TMP/cnt \
	LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT /bin/echo hi 2>"$TMP/err")
rc=$?
[ $rc = 0 ] && [ "$out" = hi ] && grep -Eq '^ +1 +0  write$' "$TMP/cnt" &&
	grep -Eq '^ +1 +0  exit_group$' "$TMP/cnt"
outcome "broken decoder, switch after 3 calls: echo's write and exit still reach the count hook"

# There at start-up, gone at the switch (a process that entered a
# container's root, which has no libZydis): the trap phase goes on
# catching the calls, so nothing is said but with ZPOLINE_DEBUG, and then
# not that the calls bypass the hooks (it was said, to the program's
# stderr, under crun exec and bwrap).
zyd=$(ls /usr/lib/x86_64-linux-gnu/libZydis.so.4* 2>/dev/null | head -1)
if [ -r "$zyd" ]; then
	cp "$zyd" "$TMP/zyd.so"
	out=$(ZPOLINE_SWITCH_AFTER=200 ZPOLINE_CACHE=0 ZPOLINE_DECODER=$TMP/zyd.so LD_PRELOAD=$LIB \
		"$P/decodergone" "$TMP/zyd.so" 2>"$TMP/err")
	rc=$?
	[ $rc = 0 ] && [ "$out" = 400 ] && [ ! -s "$TMP/err" ]
	outcome "decoder gone at the switch: the program's stderr stays its own ($rc, $out, $(head -c 200 "$TMP/err"))"
	cp "$zyd" "$TMP/zyd.so"
	ZPOLINE_SWITCH_AFTER=200 ZPOLINE_CACHE=0 ZPOLINE_DECODER=$TMP/zyd.so ZPOLINE_COUNT_OUTPUT=$TMP/cnt \
		LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT "$P/decodergone" "$TMP/zyd.so" >/dev/null 2>&1
	grep -Eq '^ +400 +0  getppid$' "$TMP/cnt"
	outcome "decoder gone at the switch: all 400 calls reach the count hook"
	cp "$zyd" "$TMP/zyd.so"
	ZPOLINE_SWITCH_AFTER=200 ZPOLINE_DEBUG=1 ZPOLINE_CACHE=0 ZPOLINE_DECODER=$TMP/zyd.so LD_PRELOAD=$LIB \
		"$P/decodergone" "$TMP/zyd.so" >/dev/null 2>"$TMP/err"
	grep -q 'cannot load the x86 decoder.*caught by Syscall User Dispatch instead' "$TMP/err" &&
		! grep -q 'bypass the hooks' "$TMP/err"
	outcome "decoder gone at the switch, debugging: said as caught, not as bypassing"
else
	skip "decoder gone at the switch" "no libZydis.so.4 found to copy"
fi
finish
