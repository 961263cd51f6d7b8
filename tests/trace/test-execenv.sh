#!/bin/bash
# test-execenv.sh - before a traced execve the tracer reads the program's
# environment (for LIBZPHOOK, LD_PRELOAD, VALGRIND_LAUNCHER and its own
# ZPOLINE_TRACE_FDS, which it replaces), and with -o prints its argv and
# counts its envp.  Strings that end on the last byte before an unmapped
# page, in the middle of the array, must be read whole, and the ones after
# them too, or the new image would not join the session.  A pointer to
# nowhere in the array must not hurt the program.  And the reading must
# not cost a system call a string: one process_vm_readv per variable and
# look-up (~3 a variable: ~150 an execve of make's ~45 variables, ~1 us
# each) was most of the tracer's share of a traced `make`.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
P=$ZP_BUILD/tests/progs/tp-execenv
traced() { LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="$1" "${@:2}"; }

want="child E=1 V199=x LIBZPHOOK=same"
out=$(traced "-f -o $TMP/run.trace" "$P" run 2>"$TMP/err")
rc=$?
nvars=$(sed -n 's/^passing //p' "$TMP/err")
[ $rc -eq 0 ] && [ "${out% *}" = "$want" ] &&
	grep -qaE "^[0-9]+ +execve\(\"$P\", \[\"tp-execenv\", \"child\", \"[^\"]*\"(\.\.\.)?\], 0x[0-9a-f]+ /\* $nvars vars \*/\) += 0$" "$TMP/run.trace" &&
	grep -qaE "^[0-9]+ +write\(1, \"$want " "$TMP/run.trace"
outcome "strings at a page's end: the new image joins the session, its environment whole ($out; $nvars passed)"
[ $rc -eq 0 ] || tail -5 "$TMP/run.trace"

out=$(traced "-f -o $TMP/bad.trace" "$P" bad 2>/dev/null)
rc=$?
[ $rc -eq 0 ] && [ "$out" = survived ] &&
	grep -qaE "^[0-9]+ +execve\(\"$P\", \[.*\], 0x[0-9a-f]+ /\* [0-9]+ vars \*/\) += -1 EFAULT \(Bad address\)$" "$TMP/bad.trace"
outcome "a bad pointer in envp: EFAULT, printed, the program survives (exit $rc: $out)"

out=$(traced "-f -c -o $TMP/run.count" "$P" run 2>/dev/null)
rc=$?
[ $rc -eq 0 ] && [ "${out% *}" = "$want" ] &&
	awk '$NF == "execve" && $4 == 2 { ok = 1 } END { exit !ok }' "$TMP/run.count"
outcome "-c: the new image counts in the same table (2 execve)"

need_strace "the number of reads"
# Counted by strace (the tracer's own calls are invisible to itself).
strace -f -qq -e trace=process_vm_readv -o "$TMP/st" env LD_PRELOAD="$LIB" LIBZPHOOK="$TRACE" \
	ZPOLINE_TRACE_OPTS="-f -o $TMP/st.trace" "$P" run >/dev/null 2>&1
n=$(grep -c 'process_vm_readv(' "$TMP/st")
check "an execve of $nvars variables: $n process_vm_readv (not one a variable)" [ "$n" -lt 20 ]
finish
