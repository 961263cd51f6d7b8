#!/bin/bash
# test-signals.sh - signals delivered to the program's handlers are printed
# as strace 6.1 prints them (--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED,
# si_pid=..., si_status=3, ...} ---, SI_QUEUE's si_int and si_ptr, SI_TIMER's
# timer, SIGIO's si_band and si_fd, a handled fault's si_addr), in the same
# order, for a program of ours and for shells that reap children from a
# SIGCHLD handler; -e signal= chooses them; --json has the fields.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-signals
need_strace "signal lines"
# The delivery lines, pids and CPU times masked.
deliveries() {
	grep -E '^([0-9]+ +)?--- ' "$1" | sed -E 's/^[0-9]+ +//; s/si_pid=[0-9]+/si_pid=PID/' |
		sed -E 's/si_([us])time=[0-9]+( \/\* [0-9.]+ s \*\/)?/si_\1time=T/g'
}
same_as_strace() { # name command...
	local name=$1
	shift
	strace -f -e trace=none -o "$TMP/s.trace" "$@" >/dev/null 2>&1
	"$ZP" trace -f -e trace=none -o "$TMP/z.trace" -- "$@" >/dev/null 2>&1
	deliveries "$TMP/s.trace" >"$TMP/s.lines"
	deliveries "$TMP/z.trace" >"$TMP/z.lines"
	if [ -s "$TMP/s.lines" ] && cmp -s "$TMP/s.lines" "$TMP/z.lines"; then
		pass "$name: $(wc -l <"$TMP/z.lines") deliveries as strace prints them"
	else
		fail "$name: deliveries differ from strace"
		diff "$TMP/s.lines" "$TMP/z.lines" | head -10
	fi
}
same_as_strace "tp-signals" "$PROG"
[ "$(wc -l <"$TMP/z.lines")" -eq 10 ]
outcome "tp-signals: the ten deliveries seen"
same_as_strace "dash reaping" sh -c 'sleep 0.05 & wait; sleep 0.05 & wait'

# Signals a thread sends itself (raise, abort, kill, sigqueue, tkill; with
# one thread and with two): the call's whole line, then the delivery, in
# strace's order, whether the runtime makes the call from its trap (the
# signal then arrives at the site) or from the stub.
SELF=$ZP_BUILD/tests/progs/selfsig
# strace -f cuts a line that another thread's line interleaves
# (<unfinished ...>); these calls all return 0.
sigcalls() {
	grep -E '^[0-9]+ +((tg|t)?kill|rt_sigqueueinfo)\(|^[0-9]+ +--- ' "$1" |
		sed -E 's/^[0-9]+ +//; s/[0-9]{2,}/N/g; s/ <unfinished \.\.\.>$/) = 0/; s/\) +=/) =/'
}
strace -f -o "$TMP/ss.trace" "$SELF" >/dev/null 2>&1
"$ZP" trace -f -o "$TMP/zs.trace" -- "$SELF" >/dev/null 2>&1
sigcalls "$TMP/ss.trace" >"$TMP/ss.lines"
sigcalls "$TMP/zs.trace" >"$TMP/zs.lines"
if [ "$(wc -l <"$TMP/ss.lines")" -ge 16 ] && cmp -s "$TMP/ss.lines" "$TMP/zs.lines"; then
	pass "signals to oneself: $(wc -l <"$TMP/zs.lines") call and delivery lines as strace orders them"
else
	fail "signals to oneself: lines differ from strace's"
	diff "$TMP/ss.lines" "$TMP/zs.lines" | head -10
fi
# ... and one that ends the process at its default action: SIGSEGV (one of
# the runtime's own signals) and SIGPIPE (for which the tracer has the
# runtime install a handler), from one thread and from one of two: the
# call's whole line, the delivery as strace prints it, then each thread's
# end (strace -f itself may cut its line or lose a thread's end when a
# second thread is there, so that part is checked against what it must be).
KILLSELF=$ZP_BUILD/tests/progs/tp-killself
for run in "segv" "segv 2" "pipe" "pipe 2"; do
	# shellcheck disable=SC2086 # run holds the arguments
	strace -f -o "$TMP/ks.trace" "$KILLSELF" $run >/dev/null 2>&1
	# shellcheck disable=SC2086
	"$ZP" trace -f -o "$TMP/kz.trace" -- "$KILLSELF" $run >/dev/null 2>&1
	sig=SIGSEGV threads=1
	[ "${run% *}" = pipe ] && sig=SIGPIPE
	[ "${run#* }" = 2 ] && threads=2
	lines=$(grep -E '^[0-9]+ +(kill\(|--- |\+\+\+ killed)' "$TMP/kz.trace" | sed -E 's/^[0-9]+ +//; s/[0-9]{2,}/N/g')
	want="kill(N, $sig) = 0
$(grep -E '^[0-9]+ +--- ' "$TMP/ks.trace" | sed -E 's/^[0-9]+ +//; s/[0-9]{2,}/N/g')"
	for _ in $(seq "$threads"); do want="$want
+++ killed by $sig +++"; done
	if [ "$(echo "$lines" | sed -E 's/\) +=/) =/')" = "$want" ]; then
		pass "kill of oneself ($run): the call whole, strace's delivery line, every thread's end"
	else
		fail "kill of oneself ($run): got $(echo "$lines" | tr '\n' '|'), want $(echo "$want" | tr '\n' '|')"
	fi
done
same_as_strace "bash reaping" bash -c 'sleep 0.05 & wait; (exit 3); true'

"$ZP" trace -e trace=none -e signal=SIGCHLD,SIGIO -o "$TMP/f.trace" -- "$PROG"
[ "$(grep -c -- '^--- SIGCHLD' "$TMP/f.trace")" = 2 ] && [ "$(grep -c -- '^--- SIGIO' "$TMP/f.trace")" = 1 ] &&
	[ "$(grep -c -- '^---' "$TMP/f.trace")" = 3 ]
outcome "-e signal=SIGCHLD,SIGIO: those only"
"$ZP" trace --json -e trace=none -o "$TMP/j.trace" -- "$PROG"
grep -qE '"signal":"SIGCHLD","si_code":"CLD_EXITED","si_pid":[0-9]+,"si_uid":[0-9]+,"si_status":3,' "$TMP/j.trace" &&
	grep -qE '"signal":"SIGIO","si_code":"POLL_IN","si_band":[0-9]+,"si_fd":[0-9]+\}' "$TMP/j.trace" &&
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/j.trace"
outcome "--json: the fields, valid JSON"
# Without -f, a child's deliveries are not the trace's (its calls are not).
"$ZP" trace -e trace=none -o "$TMP/nf.trace" -- sh -c "$PROG; true"
[ "$(grep -c -- '^---' "$TMP/nf.trace")" -le 1 ]
outcome "without -f: no line for a child's signals"
finish
