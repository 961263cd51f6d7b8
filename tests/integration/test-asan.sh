#!/bin/bash
# test-asan.sh - programs built with gcc's -fsanitize=address under the
# command.  libasan (linked dynamically, gcc's default) checks that it comes
# first among the libraries and died under the runtime in LD_PRELOAD
# ("ASan runtime does not come first"): the command turns that check off
# (ASAN_OPTIONS verify_asan_link_order=0).  Then ASan's reports must be the
# native ones: a heap overflow, and a SEGV whose stack, unwound from ASan's
# handler through the runtime's signal handler and its restorer, shows main
# and libc's start as natively (entry.S: zp_sigreturn's unwind information).
. "$(dirname "$0")/../lib.sh"

command -v gcc >/dev/null || { skip "asan" "no gcc"; finish; }
cat >"$TMP/a.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	char *p = malloc(16);
	if (argc > 1 && argv[1][0] == 'o')
		p[16] = 1; /* heap-buffer-overflow */
	if (argc > 1 && argv[1][0] == 's')
		*(volatile int *)0 = 1; /* SEGV */
	free(p);
	puts("ok");
	return 0;
}
C
gcc -g -O0 -fsanitize=address -o "$TMP/a" "$TMP/a.c" 2>"$TMP/cc.err" ||
	{ skip "asan" "cannot build with -fsanitize=address: $(head -1 "$TMP/cc.err")"; finish; }
unset ASAN_OPTIONS

# The report without what differs from run to run (pids, addresses).
norm() { sed -E 's/==[0-9]+==/==N==/g; s/0x[0-9a-f]+/0xA/g' "$1" | grep -E 'ERROR|#[0-9]|SUMMARY|^ok$'; }
for arg in none o s; do
	"$TMP/a" $arg >"$TMP/n.out" 2>"$TMP/n.err"
	rn=$?
	for how in run trace; do
		if [ $how = run ]; then
			"$ZP_BUILD/zpoline" run --hook pass -- "$TMP/a" $arg >"$TMP/h.out" 2>"$TMP/h.err"
		else
			"$ZP_BUILD/zpoline" trace -f -o "$TMP/t.trace" -- "$TMP/a" $arg >"$TMP/h.out" 2>"$TMP/h.err"
		fi
		rh=$?
		if [ $rn = $rh ] && cmp -s "$TMP/n.out" "$TMP/h.out" &&
			[ "$(norm "$TMP/n.err")" = "$(norm "$TMP/h.err")" ]; then
			pass "asan $arg under zpoline $how: same report and exit ($rn) as native"
		else
			fail "asan $arg under zpoline $how: exit $rn vs $rh: $(diff <(norm "$TMP/n.err") <(norm "$TMP/h.err") | head -8 | tr '\n' ' ') $(head -2 "$TMP/h.err" | tr '\n' ' ')"
		fi
	done
done
# A choice of the user's stays.
out=$(ASAN_OPTIONS=verify_asan_link_order=1 "$ZP_BUILD/zpoline" run -- sh -c 'echo "$ASAN_OPTIONS"')
[ "$out" = verify_asan_link_order=1 ] && pass "asan: the user's verify_asan_link_order kept" ||
	fail "asan: ASAN_OPTIONS became '$out'"
out=$(ASAN_OPTIONS=halt_on_error=0 "$ZP_BUILD/zpoline" run -- sh -c 'echo "$ASAN_OPTIONS"')
[ "$out" = halt_on_error=0:verify_asan_link_order=0 ] && pass "asan: other options kept" ||
	fail "asan: ASAN_OPTIONS became '$out'"
finish
