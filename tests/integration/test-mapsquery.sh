#!/bin/bash
# The runtime's view of the process's mappings (maps.c): asked for mapping
# by mapping with PROCMAP_QUERY where the kernel has it (Linux 6.11), at
# start-up and when a library is loaded; all read at once from
# /proc/self/maps where it has not (ZPOLINE_MAPS_QUERY=0 takes that path on
# any kernel), and read at once after N were asked for
# (ZPOLINE_MAPS_QUERY=N).  Each way must find and hook the same sites.
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs/latecode
SO=$TMP/libinline.so
cc -shared -fPIC -O2 -o "$SO" "$ZP_ROOT/tests/libs/libinline.c" || fail "cannot build libinline.so"

# run LABEL: the start-up's "rewritten" summary and the library's hooked
# calls, cache off (every object is scanned, unwind tables looked up).
run() {
	rm -f "$TMP/count"
	ZPOLINE_DEBUG=1 ZPOLINE_CACHE=0 ZPOLINE_COUNT_OUTPUT=$TMP/count LIBZPHOOK=$HOOK_COUNT \
		LD_PRELOAD=$LIB timeout 20 "$P" dlopen "$SO" 5 >"$TMP/out.$1" 2>"$TMP/err.$1"
	grep -q '^calls 5 bad 0' "$TMP/out.$1"
	outcome "[$1] the library's calls return as natively"
	n=$(awk '$3 == "getppid" { print $1 }' "$TMP/count")
	[ "${n:-0}" -ge 6 ]
	outcome "[$1] the dlopened library's inline system calls are hooked (getppid counted ${n:-0} times)"
	grep -o 'rewritten: [0-9]* callq, [0-9]* detour, [0-9]* trap' "$TMP/err.$1" | head -1 >"$TMP/sum.$1"
	grep -o 'code that appeared later: [0-9]* file ranges' "$TMP/err.$1" >>"$TMP/sum.$1"
}

run query
ZPOLINE_MAPS_QUERY=0 run read
ZPOLINE_MAPS_QUERY=2 run overflow
for how in read overflow; do
	[ -s "$TMP/sum.query" ] && cmp -s "$TMP/sum.query" "$TMP/sum.$how"
	st=$?
	verdict $st "[$how] the same sites as when asked for: $(tr '\n' ' ' <"$TMP/sum.$how") / $(tr '\n' ' ' <"$TMP/sum.query")"
done

# A seccomp filter that kills for ioctl: the library's mappings are read
# from /proc/self/maps, not asked for (the process was killed).
rm -f "$TMP/count"
ZPOLINE_CACHE=0 ZPOLINE_COUNT_OUTPUT=$TMP/count LIBZPHOOK=$HOOK_COUNT LD_PRELOAD=$LIB \
	timeout 20 "$ZP_BUILD/tests/progs/seccompdlopen" "$SO" >"$TMP/out.sc" 2>&1
rc=$?
n=$(awk '$3 == "getppid" { print $1 }' "$TMP/count")
[ $rc -eq 0 ] && grep -q '^calls 3$' "$TMP/out.sc" && [ "${n:-0}" -ge 6 ]
outcome "under a filter that kills for ioctl: dlopen works, the library's calls hooked (exit $rc, getppid ${n:-0})"

# Which way the default took: with PROCMAP_QUERY, no line of
# /proc/self/maps is read at start-up or at the dlopen.
need_strace "which way the mappings are read"
strace -f -o "$TMP/st" -e trace=ioctl,read -E LD_PRELOAD="$LIB" -E LIBZPHOOK="$HOOK_PASS" \
	-E ZPOLINE_CACHE=0 "$P" dlopen "$SO" 1 >/dev/null 2>&1
IFS=. read -r major minor _ < <(uname -r)
if [ "$major" -gt 6 ] || { [ "$major" = 6 ] && [ "${minor%%[!0-9]*}" -ge 11 ]; }; then
	grep -q 'ioctl(.*0x66, 0x11, 0x68)' "$TMP/st" && ! grep -q 'ioctl(.*0x66, 0x11, 0x68.*= -1 E' "$TMP/st"
	st=$?
	verdict $st "Linux $(uname -r) has PROCMAP_QUERY: the runtime asked for the mappings"
	! grep -q 'read([0-9]*, "[0-9a-f]*-[0-9a-f]* [-r][-w][-x][-sp] ' "$TMP/st"
	outcome "the kernel has PROCMAP_QUERY: the mappings were asked for, /proc/self/maps never read"
	ZPOLINE_MAPS_QUERY=0 strace -f -o "$TMP/st0" -e trace=ioctl,read -E LD_PRELOAD="$LIB" \
		-E LIBZPHOOK="$HOOK_PASS" -E ZPOLINE_CACHE=0 "$P" dlopen "$SO" 1 >/dev/null 2>&1
	grep -q 'read([0-9]*, "[0-9a-f]*-[0-9a-f]* [-r][-w][-x][-sp] ' "$TMP/st0" &&
		! grep -q 'ioctl(.*0x66, 0x11, 0x68)' "$TMP/st0"
	outcome "ZPOLINE_MAPS_QUERY=0: /proc/self/maps read, nothing asked for"
else
	skip "this kernel has no PROCMAP_QUERY (Linux 6.11): only the fallback runs"
fi
finish
