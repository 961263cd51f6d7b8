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

# check_run NAME BINARY WHAT: the checks of one run.
check_run() {
	local name=$1 bin=$2 what=$3 rc
	run "$name" "$bin"
	rc=$?
	grep '^PASS: data pairs intact' "$TMP/$name.out" >/dev/null && [ $rc -eq 0 ] &&
		pass "$what: the data pairs are left alone, the call works" ||
		fail "$what: exit $rc, $(head -c 300 "$TMP/$name.out")"
	[ "$(site_of "$name" "$bin" | wc -l)" = 1 ] && [ "$(site_of "$name" "$bin" | cut -d' ' -f2)" = callq ] &&
		pass "$what: only the real site is rewritten" ||
		fail "$what: sites of the program: $(site_of "$name" "$bin" | tr '\n' ';')"
	grep -Eq '^ +3 +0 +getppid$' "$TMP/$name.count" &&
		pass "$what: the counting hook saw all 3 getppid calls, the inline one among them" ||
		fail "$what: getppid not counted 3 times: $(grep getppid "$TMP/$name.count")"
}
check_run headers "$PROG" "section headers"

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
check_run noshdr "$NOSH" "no section headers"
# The other objects are the same in both runs (each with a cache of its
# own): without section headers the 1024 pairs are scanned too, with them
# they are not.
with=$(candidates headers) without=$(candidates noshdr)
[ -n "$with" ] && [ -n "$without" ] && [ $((without - with)) -ge 1024 ] &&
	pass "the data is scanned only without section headers ($with candidates, $without without)" ||
	fail "candidates: ${with:-none} with section headers, ${without:-none} without (want 1024 more)"
finish
