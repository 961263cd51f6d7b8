#!/bin/bash
# A library loaded with dlopen whose read-only segment and code share a
# page of the file, as lld lays them out (Firefox's libxul: the first
# segment ends at file offset 0x3363660 and the code starts there, at
# virtual address 0x3364660).  The runtime finds the object's base from
# the code's mapping: the first segment containing the mapped offset was
# the read-only one, which put the base, and the function boundaries read
# from .eh_frame_hdr with it, 4 KiB off.  The library's own system call was
# then outside every known function and left unhooked here; in libxul,
# code decoded from the wrong boundaries made sites of `0f 05` bytes inside
# instructions (a call's displacement rewritten: Firefox crashed).
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs/latecode
SO=$TMP/libinline-lld.so
if ! cc -shared -fPIC -O2 -fuse-ld=lld -o "$SO" "$ZP_ROOT/tests/libs/libinline.c" 2>"$TMP/ccerr"; then
	skip "lld layout" "cannot link with lld: $(head -c 200 "$TMP/ccerr")"
	finish
fi
# The layout this is about: code starting in the page the previous
# segment ends in (bfd shares pages too, but only before the data).
# (bash arithmetic reads readelf's hex: mawk, Debian's default awk, has
# no strtonum.)
shares_page() {
	local type off filesz flags n=0 prev=0
	while read -r type off _ _ filesz _ flags; do
		[ "$type" = LOAD ] || continue
		if [ $n -gt 0 ] && [[ $flags == *E* ]] && [ $((off)) -ne 0 ] &&
			[ $((off / 4096)) -eq $((prev / 4096)) ]; then
			return 0
		fi
		n=$((n + 1))
		prev=$((off + filesz))
	done < <(readelf -lW "$SO")
	return 1
}
shares_page
outcome "lld puts a segment in the page the one before ends in"
site=$(objdump -d "$SO" | awk '/\tsyscall/ { sub(":", "", $1); print "0x" $1; exit }')

for mode in auto sud; do
	rm -f "$TMP/sites" "$TMP/count"
	ZPOLINE_MODE=$mode ZPOLINE_CACHE=0 ZPOLINE_SITES=$TMP/sites ZPOLINE_COUNT_OUTPUT=$TMP/count \
		LIBZPHOOK=$HOOK_COUNT LD_PRELOAD=$LIB timeout 20 "$P" dlopen "$SO" 5 >"$TMP/out" 2>&1
	grep -q '^calls 5 bad 0' "$TMP/out"
	outcome "[$mode] the library's calls return as natively"
	# latecode's own getppid is one more.
	n=$(awk '$3 == "getppid" { print $1 }' "$TMP/count")
	[ "${n:-0}" -ge 6 ]
	outcome "[$mode] the library's inline system calls are hooked (getppid counted ${n:-0} times)"
	if [ $mode = auto ]; then
		grep -q "^$SO $site inline_getppid+0x[0-9a-f]* callq" "$TMP/sites"
		st=$?
		verdict $st "[$mode] the site is reported at the syscall objdump shows ($site): $(grep -F "$SO" "$TMP/sites" | head -3)"
	fi
done
finish
