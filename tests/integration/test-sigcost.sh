#!/bin/bash
# The system calls the runtime adds to a signal whose handler runs on a
# sigaltstack (altstack.c), counted by strace: the difference between 200
# and 100 signals, so start-up cancels out.  Natively each signal costs
# tgkill, getppid and rt_sigreturn (and raise's gettid/getpid).  A hooked
# call made on the stack disarms and re-arms it (2 sigaltstack, 4
# rt_sigprocmask); rt_sigreturn only blocks every signal and leaves the
# stack armed for the kernel to restore from the frame.
. "$(dirname "$0")/../lib.sh"
need_strace "system calls per signal on a sigaltstack"
PROG=$ZP_BUILD/tests/progs/altcost
cd "$TMP" || exit 1

calls() { # calls FILE NAME: how many strace -c counted
	awk -v n="$2" '$NF == n { c = $4 } END { print c + 0 }' "$1"
}

run() { # run HOOK N: strace -c of altcost N under the runtime
	env ${1:+LIBZPHOOK=$1} timeout 300 strace -f -c -o "c.$2" -E LD_PRELOAD="$LIB" "$PROG" "$2"
}

for hook in none pass; do
	H=
	[ $hook = pass ] && H=$HOOK_PASS
	if ! run "$H" 100 || ! run "$H" 200; then
		fail "[$hook] altcost under strace failed"
		continue
	fi
	d() { echo $(($(calls c.200 "$1") - $(calls c.100 "$1"))); }
	ret=$(d rt_sigreturn) ppid=$(d getppid) alt=$(d sigaltstack) mask=$(d rt_sigprocmask)
	[ "$ret" = 100 ] && [ "$ppid" = 100 ]
	outcome "[$hook] 100 more signals: 100 more handlers and rt_sigreturns (saw $ppid, $ret)"
	if [ $hook = none ]; then
		[ "$alt" = 0 ] && [ "$mask" -le 100 ]
	else
		[ "$alt" -le 200 ] && [ "$mask" -le 500 ]
	fi
	outcome "[$hook] runtime calls per 100 signals: sigaltstack $alt, rt_sigprocmask $mask"
done
finish
