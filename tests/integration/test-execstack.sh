#!/bin/bash
# A live thread's stack made executable (glibc does it to every stack when
# dlopen loads a library that needs an executable stack; glibc's own
# nptl/tst-execstack crashed under the runtime): the runtime must not
# rewrite syscall-looking bytes in the stack's data
# (tests/programs/stackexec.c).  Without a hook and with the pass hook.
. "$(dirname "$0")/../lib.sh"
PROG=$ZP_BUILD/tests/progs/stackexec

out=$("$PROG" 2>&1)
[ "$out" = "PASS: stack data intact" ]
outcome "natively the thread's stack data survive the mprotect"

for hook in "" "$HOOK_PASS"; do
	what=${hook:+pass hook}
	what=${what:-no hook}
	out=$(LD_PRELOAD=$LIB LIBZPHOOK=$hook "$PROG" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [ "$out" = "PASS: stack data intact" ] &&
		pass "$what: a thread's stack made executable keeps its data" ||
		fail "$what: exit $rc: $(head -c 300 <<<"$out")"
done
finish
