#!/bin/bash
# test-unfinished.sh - a thread that dies inside a system call (another
# thread's exit_group, a fatal signal from outside or from itself, SIGKILL)
# never returns to print its line: strace prints it, "read(3,  <unfinished
# ...>) = ?" before the thread's "+++" line; the tracer printed nothing.
# Each call gets exactly one line: whole if it returned, else unfinished,
# whoever prints it (tp-unfinished.c).  No case waits on a clock: the
# program and the test look at /proc/PID/task/TID/syscall to know a task
# sits in its call.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-unfinished
U='<unfinished \.\.\.>\) += \?$'

id_of() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

# before FILE A B: the first line matching A comes before the first
# matching B, and each matches exactly once.
before() {
	local a b
	a=$(grep -naE "$2" "$1" | cut -d: -f1)
	b=$(grep -naE "$3" "$1" | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$(echo "$a" | wc -l)" = 1 ] &&
		[ "$(echo "$b" | wc -l)" = 1 ] && [ "$a" -lt "$b" ]
}

# in_call PID TID NR: the task sits in call NR.
in_call() {
	local s
	s=$(cat "/proc/$1/task/$2/syscall" 2>/dev/null) || return 1
	[ "${s%% *}" = "$3" ]
}

# await FILE KEY: until the program has printed "KEY id" (bounded).
await() {
	local i
	for ((i = 0; i < 20000; i++)); do
		[ -n "$(id_of "$2" "$1")" ] && return 0
		sleep 0.01
	done
	return 1
}

await_call() { # PID TID NR
	local i
	for ((i = 0; i < 20000; i++)); do
		in_call "$@" && return 0
		sleep 0.01
	done
	return 1
}

# 1. exit_group while a thread blocks in read: on stderr and in -o FILE.
"$ZP" trace -f -- "$PROG" exitgroup >"$TMP/out" 2>"$TMP/err"
t=$(id_of thread "$TMP/out")
before "$TMP/err" "^\[pid +$t\] read\(3,  $U" "^\[pid +$t\] \+\+\+ exited with 0 \+\+\+$"
outcome "exit_group: the blocked thread's read is printed unfinished, before its exit (stderr)"

"$ZP" trace -f -o "$TMP/T" -- "$PROG" exitgroup >"$TMP/out"
t=$(id_of thread "$TMP/out")
before "$TMP/T" "^$t +read\(3,  $U" "^$t +\+\+\+ exited with 0 \+\+\+$"
outcome "exit_group: the blocked thread's read is printed unfinished, before its exit (-f -o)"

rm -f "$TMP"/F.*
"$ZP" trace -ff -o "$TMP/F" -- "$PROG" exitgroup >"$TMP/out"
t=$(id_of thread "$TMP/out")
before "$TMP/F.$t" "^read\(3,  $U" "^\+\+\+ exited with 0 \+\+\+$"
outcome "exit_group: the line goes to the thread's own file (-ff)"

"$ZP" trace -f --json -o "$TMP/J" -- "$PROG" exitgroup >"$TMP/out"
t=$(id_of thread "$TMP/out")
before "$TMP/J" "^\{\"pid\":[0-9]+,\"tid\":$t,\"ts\":[0-9.]+,\"nr\":0,\"name\":\"read\",\"args\":\[\"3\"\],\"ret\":null,\"rettext\":\"\?\",\"errno\":null,\"unfinished\":true,\"injected\":false\}$" \
	"^\{\"pid\":[0-9]+,\"tid\":$t,.*\"event\":\"exited with 0\""
outcome "exit_group: --json has the call as a record, \"unfinished\":true"

# 2. One task alone, blocked in read, killed with SIGKILL from outside:
# the command prints the line before "+++ killed by SIGKILL +++", exactly
# as strace does.
single() { # OUTFILE TRACER...
	local out=$1
	shift
	# Emptied first: the background job truncates it only when it runs,
	# and await could read the previous run's pid before that.
	: >"$TMP/out"
	"$@" "$PROG" single >"$TMP/out" &
	local bg=$!
	await "$TMP/out" pid || return 1
	local p
	p=$(id_of pid "$TMP/out")
	await_call "$p" "$p" 0 || return 1
	kill -KILL "$p"
	wait "$bg"
	tail -n 2 "$out" >"$out.tail"
}
single "$TMP/S" "$ZP" trace -o "$TMP/S" --
printf 'read(3,  <unfinished ...>)              = ?\n+++ killed by SIGKILL +++\n' | cmp -s - "$TMP/S.tail"
outcome "SIGKILL from outside: read(3,  <unfinished ...>) = ? before the killed line"
if command -v strace >/dev/null; then
	single "$TMP/R" strace -o "$TMP/R"
	if cmp -s "$TMP/S.tail" "$TMP/R.tail"; then
		pass "SIGKILL from outside: the same two lines as strace's"
	else
		fail "SIGKILL from outside: the same two lines as strace's: $(diff "$TMP/S.tail" "$TMP/R.tail" | tr '\n' '|')"
	fi
else
	skip "SIGKILL from outside: the same two lines as strace's" "strace is not installed"
fi

# 3. A process killed by a fatal signal with a thread in a futex wait and
# its main thread in poll: by the command (the program it runs), by the
# traced parent that reaps it, and by itself (abort() while a thread reads).
# strip FILE: the lines of the two calls, pids and addresses out, sorted
# (strace prints both calls' starts before the killed lines).
strip() {
	grep -aE "futex\(.*WAIT|poll\(" "$1" | sed -E 's/^[0-9]+ +//; s/0x[0-9a-f]+/ADDR/g; s/  +/ /g' | sort
}
expect_wait() { # FILE SIG: both calls unfinished, each before its task's killed line
	local p t
	p=$(id_of pid "$TMP/out") t=$(id_of thread "$TMP/out")
	before "$1" "^$t +futex\(0x[0-9a-f]+, FUTEX_WAIT_PRIVATE, 2, NULL $U" "^$t +\+\+\+ killed by $2 \+\+\+$" &&
		before "$1" "^$p +poll\(\[\{fd=3, events=POLLIN\}\], 1, -1 $U" "^$p +\+\+\+ killed by $2 \+\+\+$"
}
: >"$TMP/out" # (as in single())
"$ZP" trace -f -o "$TMP/W" -- "$PROG" wait >"$TMP/out" &
bg=$!
if await "$TMP/out" ready; then
	p=$(id_of pid "$TMP/out")
	await_call "$p" "$p" 7 && kill -TERM "$p"
fi
wait "$bg"
# The process catches SIGTERM at its default action (the tracer asks the
# runtime to): the thread it came to writes its cut call and the
# delivery, as strace does; the other thread's call is unfinished.
p=$(id_of pid "$TMP/out") t=$(id_of thread "$TMP/out")
before "$TMP/W" "^$t +futex\(0x[0-9a-f]+, FUTEX_WAIT_PRIVATE, 2, NULL $U" "^$t +\+\+\+ killed by SIGTERM \+\+\+$" &&
	before "$TMP/W" "^$p +poll\(\[\{fd=3, events=POLLIN\}\], 1, -1\) += \? ERESTART_RESTARTBLOCK \(Interrupted by signal\)$" \
		"^$p +--- SIGTERM \{si_signo=SIGTERM, si_code=SI_USER, si_pid=[0-9]+, si_uid=[0-9]+\} ---$" &&
	before "$TMP/W" "^$p +--- SIGTERM " "^$p +\+\+\+ killed by SIGTERM \+\+\+$"
outcome "SIGTERM from outside: the main thread's poll cut short and the delivery, as strace prints them, the thread's futex unfinished"

"$ZP" trace -f -o "$TMP/C" -- "$PROG" child 9 >"$TMP/out"
expect_wait "$TMP/C" SIGKILL
outcome "SIGKILL by the traced parent: the child's futex and poll, unfinished (the reaping parent prints them)"
if command -v strace >/dev/null; then
	strace -f -o "$TMP/CS" "$PROG" child 9 >/dev/null
	# strace leaves the lines open ("<unfinished ...>" at the end) when
	# another task's line came between: compare what is there
	if [ "$(strip "$TMP/C" | sed 's/) = ?$//')" = "$(strip "$TMP/CS")" ]; then
		pass "SIGKILL by the traced parent: the calls' text is strace's"
	else
		fail "SIGKILL by the traced parent: the calls' text is strace's: $(diff <(strip "$TMP/C") <(strip "$TMP/CS") | tr '\n' '|')"
	fi
fi

"$ZP" trace -f -o "$TMP/A" -- "$PROG" abort >"$TMP/out" 2>/dev/null
t=$(id_of thread "$TMP/out")
before "$TMP/A" "^$t +read\(3,  $U" "^$t +\+\+\+ killed by SIGABRT"
outcome "abort() in main: the reading thread's call, unfinished, before its killed line"

# 4. The read returns right as exit_group ends the thread: its line is
# either whole or unfinished, exactly once, whoever wins.
whole=0 unf=0 bad=''
for ((i = 0; i < 40; i++)); do
	"$ZP" trace -f -o "$TMP/X" -- "$PROG" race >"$TMP/out"
	t=$(id_of thread "$TMP/out")
	w=$(grep -acE "^$t +read\(3, \"x\", 1\) += 1$" "$TMP/X")
	u=$(grep -acE "^$t +read\(3,  $U" "$TMP/X")
	a=$(grep -acE "^$t +read\(" "$TMP/X")
	if [ "$a" = 1 ] && [ $((w + u)) = 1 ]; then
		whole=$((whole + w)) unf=$((unf + u))
	else
		bad="$bad run $i: $a read lines ($w whole, $u unfinished);"
	fi
done
if [ -z "$bad" ]; then
	pass "read returning as exit_group runs: one line each of 40 runs ($whole whole, $unf unfinished)"
else
	fail "read returning as exit_group runs:$bad"
fi

finish
