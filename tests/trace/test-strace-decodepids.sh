#!/bin/bash
# test-strace-decodepids.sh - -Y (--decode-pids=comm) as strace 6.1 prints
# it (tests/trace/tp-decodepids.c): each line's prefix names its task as it
# was when the call began (a prctl(PR_SET_NAME) line shows the old name, an
# execve's the caller's), ids in arguments, results and siginfo are named,
# process groups and users are not, '<' and '>' in a name are escaped; a
# child's "+++ killed by +++" line stays under -qq, as strace's.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/strace-lines.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-decodepids
need_strace "-Y compared with strace's"
CALLS=execve,getpid,getppid,gettid,getpgid,getsid,prctl,kill,tgkill,getpriority,prlimit64,sched_getaffinity,clone,wait4

strace -f -qq -Y -o "$TMP/s" -e trace=$CALLS "$PROG" >"$TMP/s.out" || fail "tp-decodepids under strace"
"$ZP" trace -f -qq -Y -o "$TMP/z" -e trace=$CALLS -- "$PROG" >"$TMP/z.out" ||
	fail "tp-decodepids under zpoline trace"
check "the program's output is the same" cmp -s "$TMP/s.out" "$TMP/z.out"
# ids and addresses differ between the runs; the names tell the tasks
# apart.  A wait4's line up to its first argument (strace splits it).
norm() {
	sed -E 's/0x[0-9a-f]+/ADDR/g; s/(^|[^0-9\\])[0-9]{3,}/\1N/g; s/^(N<[^>]*> wait4\([^,]*,).*/\1/' "$1" |
		grep -v '^N<[^>]*> prlimit64(0,' >"$2"
}
norm "$TMP/s" "$TMP/s.n"
norm "$TMP/z" "$TMP/z.n"
# getppid names strace there, zpoline here: the rest must be strace's
sed -i 's/<strace>/<LAUNCHER>/' "$TMP/s.n"
sed -i 's/<zpoline>/<LAUNCHER>/' "$TMP/z.n"
check "strace named the renamed thread with octal escapes" grep -q 'worker\\0741\\76' "$TMP/s.n"
# the call lines, prefix included (execve's: strace's launcher is strace)
SAME_CALLS_LEAD='N<[^>]*> ' same_calls "$TMP/s.n" "$TMP/z.n" getpid getppid gettid getpgid getsid prctl \
	kill tgkill getpriority prlimit64 sched_getaffinity clone wait4
check "the killed child's line stays under -qq" grep -q '+++ killed by SIGTERM +++' "$TMP/z"
check "the root's execve names the launcher" grep -q '^[0-9]*<zpoline> execve(' "$TMP/z"

# -Y on stderr with -f: "[pid N<name>]"
"$ZP" trace -f -Y -e trace=kill -- "$PROG" >/dev/null 2>"$TMP/err"
check "stderr lines of a child: [pid N<child>]" grep -q '^\[pid *[0-9]*<child>\] --- SIGTERM' "$TMP/err"
# without -Y nothing is named
"$ZP" trace -f -o "$TMP/plain" -e trace=getpid -- "$PROG" >/dev/null
check "without -Y no names" eval '! grep -q "<" "$TMP/plain"'
for bad in "--decode-pids=pidns" "--decode-pids=nosuch" "-e decode-pids=all"; do
	# shellcheck disable=SC2086 # the options are words
	out=$("$ZP" trace $bad -o /dev/null -- "$PROG" 2>&1)
	rc=$?
	[ $rc -eq 2 ] && [[ "$out" == *"decode-pids"* ]] && pass "refused: $bad ($out)" ||
		fail "$bad: exit $rc, '$out'"
done
"$ZP" trace --decode-pids=comm -o "$TMP/long" -e trace=getpid -- "$PROG" >/dev/null
check "--decode-pids=comm is -Y" grep -q '^getpid() *= [0-9]*<tp-decodepids>$' "$TMP/long"
finish
