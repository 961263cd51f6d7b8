#!/bin/bash
# Read-only data in the code's segment (tests/programs/rodatapairs: 1024
# `0f 05` pairs in .rodata, linked with -z noseparate-code): the runtime
# rewrites the real site and no data byte, and where the file's section
# headers tell code from data it does not even scan the data (LLVM 14's
# libraries: half of each executable segment).  Without section headers it
# scans everything and still rejects every pair.
. "$(dirname "$0")/../lib.sh"
PROG=$ZP_BUILD/tests/progs/rodatapairs
run() { # run NAME BINARY: the debug summary and site list in $TMP/NAME.*
	ZPOLINE_CACHE_DIR=$TMP/cache-$1 ZPOLINE_DEBUG=1 ZPOLINE_SITES=$TMP/$1.sites \
		LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT ZPOLINE_COUNT_OUTPUT=$TMP/$1.count \
		"$2" >"$TMP/$1.out" 2>"$TMP/$1.err"
}
candidates() { sed -n 's/.* \([0-9]*\) candidates;.*/\1/p' "$TMP/$1.err"; }
site_of() { awk -v p="$2" '$1 == p { print $2, $NF }' "$TMP/$1.sites"; }

run headers "$PROG"
rc=$?
grep '^PASS: data pairs intact' "$TMP/headers.out" >/dev/null && [ $rc -eq 0 ] &&
	pass "section headers: the data pairs are left alone, the call works" ||
	fail "section headers: exit $rc, $(head -c 300 "$TMP/headers.out")"
n=$(candidates headers)
[ -n "$n" ] && [ "$n" -lt 1024 ] &&
	pass "section headers: the data is not scanned ($n candidates in all objects)" ||
	fail "section headers: ${n:-no} candidates (the 1024 data pairs were scanned)"
[ "$(site_of headers "$PROG" | wc -l)" = 1 ] && [ "$(site_of headers "$PROG" | cut -d' ' -f2)" = callq ] &&
	pass "section headers: the program's one site is rewritten" ||
	fail "section headers: sites of the program: $(site_of headers "$PROG" | tr '\n' ';')"
grep -Eq '^ +3 +0 +getppid$' "$TMP/headers.count" &&
	pass "section headers: the counting hook saw all 3 getppid calls, the inline one among them" ||
	fail "section headers: getppid not counted 3 times: $(grep getppid "$TMP/headers.count")"

# The same file with its section header table taken out of the ELF header.
NOSH=$TMP/rodatapairs-noshdr
python3 - "$PROG" "$NOSH" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<Q", b, 0x28, 0)           # e_shoff
struct.pack_into("<HHH", b, 0x3a, 0, 0, 0)   # e_shentsize, e_shnum, e_shstrndx
open(sys.argv[2], "wb").write(b)
PY
chmod +x "$NOSH"
run noshdr "$NOSH"
rc=$?
grep '^PASS: data pairs intact' "$TMP/noshdr.out" >/dev/null && [ $rc -eq 0 ] &&
	pass "no section headers: the data pairs are left alone, the call works" ||
	fail "no section headers: exit $rc, $(head -c 300 "$TMP/noshdr.out")"
n=$(candidates noshdr)
[ -n "$n" ] && [ "$n" -ge 1025 ] &&
	pass "no section headers: the whole segment is scanned ($n candidates)" ||
	fail "no section headers: ${n:-no} candidates, expected the 1024 data pairs and the call"
[ "$(site_of noshdr "$NOSH" | wc -l)" = 1 ] && [ "$(site_of noshdr "$NOSH" | cut -d' ' -f2)" = callq ] &&
	pass "no section headers: only the real site is rewritten" ||
	fail "no section headers: sites: $(site_of noshdr "$NOSH" | tr '\n' ';')"
grep -Eq '^ +3 +0 +getppid$' "$TMP/noshdr.count" &&
	pass "no section headers: the counting hook saw all 3 getppid calls, the inline one among them" ||
	fail "no section headers: getppid not counted 3 times: $(grep getppid "$TMP/noshdr.count")"
finish
