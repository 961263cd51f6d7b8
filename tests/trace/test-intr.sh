#!/bin/bash
# test-intr.sh - a call a signal interrupts is printed as strace prints it:
# "= ? ERESTARTSYS (To be restarted if SA_RESTART is set)" (or
# ERESTARTNOHAND, ERESTART_RESTARTBLOCK, or -1 EINTR for the calls that
# fail with it directly) before the signal's line, the -EINTR on the
# rt_sigreturn line (which shows the frame's mask), and no second line for
# the call; with SA_RESTART the restarted call's own line after it.  A
# call at whose end a signal comes in (a sigprocmask that unblocks it) is
# printed before the signal too.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-intr
need_strace "interrupted calls"
# The call before the signal, the signal, rt_sigreturn and the line after,
# addresses masked.
around() {
	grep -B1 -A2 -E '^--- SIGALRM \{' "$1" | sed -E 's/0x[0-9a-f]+/ADDR/g'
}
for kind in read nanosleep clock_nanosleep clock_nanosleep-abs poll poll-inf ppoll ppoll-mask select pause sigsuspend sigsuspend-all \
	epoll_wait wait4 futex futex-timed sigtimedwait accept "read restart" unblock; do
	strace -o "$TMP/s.trace" $PROG $kind >"$TMP/s.out" 2>&1
	"$ZP" trace -o "$TMP/z.trace" -- $PROG $kind >"$TMP/z.out" 2>&1
	around "$TMP/s.trace" >"$TMP/s.lines"
	around "$TMP/z.trace" >"$TMP/z.lines"
	shown=$(head -n 1 "$TMP/z.lines" | sed 's/.*= //')
	[ "$(wc -l <"$TMP/s.lines")" = 4 ] && cmp -s "$TMP/s.lines" "$TMP/z.lines" &&
		cmp -s "$TMP/s.out" "$TMP/z.out"
	outcome "$kind: interrupted as strace shows it ($shown)" ||
		diff "$TMP/s.lines" "$TMP/z.lines"
done
finish
