#!/bin/bash
# test-valgrind.sh - valgrind started under the runtime, and the runtime
# loaded into a program valgrind runs.  valgrind's tool (a static program)
# maps the guest's code into its own process to translate it: hooked, its
# runtime rewrote that code as code mapped later, and the guest died on its
# first call (a jump to address 0xc, brk).  Now the tool runs as it is
# (runtime/exec.c, VALGRIND_LAUNCHER), the guest's runtime steps aside
# under valgrind (saying so with ZPOLINE_DEBUG, init.c), and the tracer shows the tool's
# execve unfinished, as for a set-user-ID program.
. "$(dirname "$0")/../lib.sh"

command -v valgrind >/dev/null || { skip "valgrind" "not installed"; finish; }
command -v cc >/dev/null || { skip "valgrind" "no C compiler"; finish; }
cat >"$TMP/bad.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
	char *p = malloc(10);
	p[10] = 1; /* memcheck: invalid write */
	free(p);
	puts("done");
	return 0;
}
C
cc -g -O0 -o "$TMP/bad" "$TMP/bad.c" || { fail "valgrind: cannot build the test program"; finish; }
VG=(valgrind -q --error-exitcode=3 "$TMP/bad")

note="zpoline: running under valgrind, which cannot run the runtime's trampoline: this process is not hooked"
verdict() { # name rc out err
	if [ "$2" = 3 ] && [ "$(cat "$3")" = done ] && grep -q 'Invalid write of size 1' "$4" &&
		! grep -qF "$note" "$4" && ! grep -q 'Jump to the invalid address' "$4"; then
		pass "$1: memcheck reports the program's error, the program runs to its end"
	else
		fail "$1: exit $2, out '$(head -c 200 "$3")', err: $(head -c 600 "$4" | tr '\n' ' ')"
	fi
}

timeout 120 "$ZP_BUILD/zpoline" run --hook pass -- "${VG[@]}" >"$TMP/run.out" 2>"$TMP/run.err"
verdict "zpoline run -- valgrind" $? "$TMP/run.out" "$TMP/run.err"

timeout 120 env LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT ZPOLINE_COUNT_OUTPUT=/dev/null \
	"${VG[@]}" >"$TMP/pre.out" 2>"$TMP/pre.err"
verdict "LD_PRELOAD valgrind" $? "$TMP/pre.out" "$TMP/pre.err"

# The note that nothing is hooked: only with ZPOLINE_DEBUG (the program's
# standard error is the program's: sed's tests compare it with nothing).
timeout 120 env ZPOLINE_DEBUG=1 "$ZP_BUILD/zpoline" run --hook pass -- "${VG[@]}" >"$TMP/dbg.out" 2>"$TMP/dbg.err"
grep -qF "$note" "$TMP/dbg.err"
outcome "ZPOLINE_DEBUG=1: the runtime says it steps aside"

timeout 120 "$ZP_BUILD/zpoline" trace -f -o "$TMP/vg.trace" -- "${VG[@]}" >"$TMP/tr.out" 2>"$TMP/tr.err"
rc=$?
verdict "zpoline trace -- valgrind" $rc "$TMP/tr.out" "$TMP/tr.err"
if grep -aqE '^[0-9]+ +execve\("/usr/(libexec|lib)/[^"]*valgrind/memcheck-amd64-linux", .*<unfinished \.\.\.>$' "$TMP/vg.trace"; then
	pass "trace: valgrind's tool execve shown unfinished"
else
	fail "trace: no unfinished execve of the tool: $(grep -a execve "$TMP/vg.trace" | head -5 | tr '\n' ' ')"
fi
finish
