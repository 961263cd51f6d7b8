#!/bin/bash
# test-sandboxed.sh - a process that sandboxes itself (a seccomp filter
# that kills fallocate, madvise, pwrite64 and ftruncate; and RLIMIT_FSIZE 0
# before it, as sshd's pre-authentication child does) and then makes more
# calls than the trace file has room for.  The tracer must not make those
# calls for it (the process died of SIGSYS, or SIGXFSZ: sshd's child did,
# and the login failed), and the command finishes the file afterwards.
. "$(dirname "$0")/../lib.sh"

Z=$ZP_BUILD/zpoline
PROGS=$ZP_BUILD/tests/progs
if asan_hooks; then
	skip "sandboxed process" "the hooks are AddressSanitizer builds (lib.sh)"
	finish
fi
for how in seccomp fsize0; do
	f=$TMP/sandbox-$how.trace
	# through a pipe: with RLIMIT_FSIZE 0 the program cannot write a file
	"$Z" trace -o "$f" -- "$PROGS/tp-sandboxed" 40000 $how 2>"$TMP/err" | cat >"$TMP/out"
	rc=${PIPESTATUS[0]}
	n=$(grep -ac '^getppid() *= [0-9]*$' "$f")
	if [ $rc -eq 0 ] && grep -q '^done$' "$TMP/out" && [ "$n" -gt 1000 ] &&
		! tr -d '\n[:print:]\t' <"$f" | grep -q .; then
		pass "sandboxed process ($how): not killed by the tracer, $n lines, file finished"
	else
		fail "sandboxed process ($how): exit $rc, $n lines, $(head -c 200 "$TMP/err")"
	fi
done
finish
