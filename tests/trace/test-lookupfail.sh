#!/bin/bash
# test-lookupfail.sh - a call that fails looking its path up (ENOENT,
# ENOTDIR, EACCES ...; readlink's EINVAL) has had its path read by the
# kernel, so the tracer copies it with the runtime's safe copy instead of
# a process_vm_readv (a compiler's look-ups along its include path and
# $PATH: ~1,700 of them in a traced make of 8 files).  The lines are the
# same: a path ending on the last byte before an unmapped page is whole,
# and pivot_root's second path, never read when the first fails, is
# printed as its address (the safe copy faults there and
# process_vm_readv gives up, as before).
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
P=$ZP_BUILD/tests/progs/tp-lookupfail
traced() { LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="$1" "${@:2}"; }

out=$(traced "-o $TMP/t" "$P" 2>&1)
rc=$?
n=$(grep -ac '^openat(AT_FDCWD, "/nonexistent/zp-lookupfail", O_RDONLY) *= -1 ENOENT (No such file or directory)$' "$TMP/t")
[ $rc -eq 0 ] && [ "$out" = done ] && [ "$n" = 200 ]
outcome "200 failed openat lines whole ($n; exit $rc)"
check "a path ending at an unmapped page" \
	grep -qa '^openat(AT_FDCWD, "/nonexistent/zp-edge", O_RDONLY) *= -1 ENOENT' "$TMP/t"
check "readlink of a directory: its path, EINVAL" \
	grep -qa '^readlink("/", 0x[0-9a-f]*, 16) *= -1 EINVAL (Invalid argument)$' "$TMP/t"
check "pivot_root's unread second path: its address" \
	grep -qaE '^pivot_root\("/nonexistent/zp-new-root", 0xdead0000\) *= -1 E(NOENT|PERM) ' "$TMP/t"

need_strace "the number of reads"
strace -f -qq -e trace=process_vm_readv -o "$TMP/st" env LD_PRELOAD="$LIB" LIBZPHOOK="$TRACE" \
	ZPOLINE_TRACE_OPTS="-o $TMP/st.trace" "$P" >/dev/null 2>&1
n=$(grep -c 'process_vm_readv(' "$TMP/st")
check "203 failed look-ups: $n process_vm_readv (not one a call)" [ "$n" -lt 40 ]
finish
