#!/bin/bash
# The system calls the runtime adds to a signal whose handler runs on a
# sigaltstack (altstack.c), counted by strace: the difference between 200
# and 100 signals, so start-up cancels out.  Natively each signal costs
# tgkill, getppid and rt_sigreturn (and raise's gettid/getpid).  The stub
# blocks every signal before it leaves that stack, and the hooks run so; a
# hooked call is made back on that stack with the mask restored first (2
# rt_sigprocmask, the stack left armed), and where a post() is wanted (the
# counting hook) every signal is blocked again after it for post() (4).
# None disarms the stack (that is for calls made from the runtime's own
# stack, 2 sigaltstack and 4 rt_sigprocmask: altstack.c).  rt_sigreturn
# only blocks every signal: the kernel restores the mask and the stack
# from the frame.
. "$(dirname "$0")/../lib.sh"
need_strace "system calls per signal on a sigaltstack"
PROG=$ZP_BUILD/tests/progs/altcost
cd "$TMP" || exit 1

calls() { # calls FILE NAME: how many strace -c counted
	awk -v n="$2" '$NF == n { c = $4 } END { print c + 0 }' "$1"
}

run() { # run HOOK N: strace -c of altcost N under the runtime
	env ZPOLINE_COUNT_OUTPUT=/dev/null ${1:+LIBZPHOOK=$1} \
		timeout 300 strace -f -c -o "c.$2" -E LD_PRELOAD="$LIB" "$PROG" "$2"
}

# hook, then the most sigaltstack and rt_sigprocmask calls per 100 signals
while read -r hook most_alt most_mask; do
	H=
	[ $hook = pass ] && H=$HOOK_PASS
	[ $hook = count ] && H=$HOOK_COUNT
	if ! run "$H" 100 || ! run "$H" 200; then
		fail "[$hook] altcost under strace failed"
		continue
	fi
	d() { echo $(($(calls c.200 "$1") - $(calls c.100 "$1"))); }
	ret=$(d rt_sigreturn) ppid=$(d getppid) alt=$(d sigaltstack) mask=$(d rt_sigprocmask)
	[ "$ret" = 100 ] && [ "$ppid" = 100 ]
	outcome "[$hook] 100 more signals: 100 more handlers and rt_sigreturns (saw $ppid, $ret)"
	[ "$alt" -le "$most_alt" ] && [ "$mask" -le "$most_mask" ]
	outcome "[$hook] runtime calls per 100 signals: sigaltstack $alt (at most $most_alt), rt_sigprocmask $mask (at most $most_mask)"
done <<'LIST'
none 0 100
pass 0 300
count 0 500
LIST
finish
