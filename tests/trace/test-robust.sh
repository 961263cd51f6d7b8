#!/bin/bash
# test-robust.sh - no line is lost or torn: threads, forks (and vfork +
# execve), a program that closes every descriptor, a program killed with
# SIGKILL.  Every line must be whole and carry the right task id.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROGS=$ZP_BUILD/tests/progs
traced() { LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="$1" "${@:2}"; }

WHOLE=$TRACE_WHOLE_LINE

whole_lines() {
	local f=$1 bad
	bad=$(grep -avcE "$WHOLE" "$f")
	if [ "$bad" != 0 ]; then
		echo "$bad torn or malformed lines in $f:"
		grep -avE "$WHOLE" "$f" | head -5
		return 1
	fi
	if tr -d '\n[:print:]\t' < "$f" | grep -q .; then
		echo "$f has bytes that are not text (NUL: lost lines)"
		return 1
	fi
}

# owners FILE MAP N: each line "ID FD" of MAP: FILE has N lines
# "ID  lseek(FD, k, SEEK_SET) = k", k = 1..N, in order.
owners() {
	local f=$1 map=$2 n=$3 id fd got
	while read -r id fd; do
		got=$(grep -aE "^$id +lseek\($fd, [0-9]+, SEEK_SET\) += [0-9]+$" "$f" |
			awk -v n="$n" '{ split($0, a, "[(,]"); k = a[3] + 0; if (k != ++want) bad = 1 }
				END { print (want == n && !bad) ? "ok" : "bad " want }')
		if [ "$got" != ok ]; then
			echo "task $id fd $fd: $got of $n lines"
			return 1
		fi
		# nobody else's line claims that descriptor
		if grep -aE "lseek\($fd, " "$f" | grep -avqE "^$id "; then
			echo "lines for fd $fd under another task id"
			return 1
		fi
	done < "$map"
}

# 4 threads at once.
traced "-f -o $TMP/threads.trace" "$PROGS/tp-threads" 4 3000 > "$TMP/threads.map"
rc=$?
if [ $rc -eq 0 ] && [ "$(wc -l < "$TMP/threads.map")" = 4 ] && whole_lines "$TMP/threads.trace" &&
	owners "$TMP/threads.trace" "$TMP/threads.map" 3000; then
	pass "threads: 4 x 3000 lines whole and attributed"
else
	fail "threads (exit $rc)"
fi

# 4 processes at once (3 forks, 1 vfork + execve).
traced "-f -o $TMP/fork.trace" "$PROGS/tp-fork" 4 2000 > "$TMP/fork.map"
rc=$?
if [ $rc -eq 0 ] && whole_lines "$TMP/fork.trace" && owners "$TMP/fork.trace" "$TMP/fork.map" 2000; then
	pass "forks: 4 x 2000 lines whole and attributed"
else
	fail "forks (exit $rc)"
fi
exec_pid=$(tail -1 "$TMP/fork.map" | cut -d' ' -f1)
if grep -qaE "^$exec_pid +execve\(\"/proc/self/exe\", \[.*\"--child\", .*\) += 0$" "$TMP/fork.trace" &&
	grep -qaE "^$exec_pid +\+\+\+ exited with 0 \+\+\+$" "$TMP/fork.trace"; then
	pass "execve: the new image continues the trace"
else
	fail "execve: no execve = 0 / exit line for $exec_pid"
fi
if [ "$(grep -ac '+++ exited with' "$TMP/fork.trace")" = 5 ]; then
	pass "forks: every process's exit line"
else
	fail "forks: $(grep -ac '+++ exited with' "$TMP/fork.trace") exit lines, want 5"
fi

# The same on stderr: [pid N] prefixes while several tasks run.
traced "-f" "$PROGS/tp-threads" 2 500 2> "$TMP/stderr.trace" > "$TMP/stderr.map"
n=0
while read -r id fd; do
	c=$(grep -acE "^\[pid +$id\] lseek\($fd, [0-9]+, SEEK_SET\) += [0-9]+$" "$TMP/stderr.trace")
	[ "$c" = 500 ] && n=$((n + 1))
done < "$TMP/stderr.map"
check "stderr: [pid N] prefixes" [ $n = 2 ]

# Descriptors closed wholesale (dup2 over every number, close, close_range).
traced "-o $TMP/closeall.trace" "$PROGS/tp-closeall"
rc=$?
n=$(grep -acE '^lseek\([0-9]+, [0-9]+, SEEK_SET\) += [0-9]+$' "$TMP/closeall.trace")
if [ $rc -eq 0 ] && [ "$n" = 20 ] && grep -qa '^close_range(0, 4294967295, 0) *= 0$' "$TMP/closeall.trace" &&
	tail -1 "$TMP/closeall.trace" | grep -q '^+++ exited with 0 +++$'; then
	pass "close-all: the trace goes on to the end"
else
	fail "close-all (exit $rc, $n of 20 lines after)"
	tail -5 "$TMP/closeall.trace"
fi

# The tracer's descriptors stay out of the program's own listing of its
# descriptors, in the traced process and in a traced child (CPython's
# subprocess tests compare such listings), and the trace still shows the
# listing.
probe='import os
fds = []
for fd in range(4096):
    try:
        os.fstat(fd)
        fds.append(fd)
    except OSError:
        pass
print(fds)'
ls_fds='ls /proc/self/fd; ls /proc/$$/fdinfo; sh -c "ls /proc/self/fd"; python3 -c "$PROBE"'
export PROBE=$probe
native=$(sh -c "$ls_fds" 2>&1 | sort | tr '\n' ' ')
out=$("$ZP_BUILD/zpoline" trace -f -o "$TMP/fds.trace" -- sh -c "$ls_fds" 2>&1 | sort | tr '\n' ' ')
[ "$out" = "$native" ] && grep -q 'getdents64(' "$TMP/fds.trace" &&
	pass "own descriptors hidden from /proc/self/fd listings and fstat probes ($out)" ||
	fail "descriptor listings: native '$native', traced '$out'"

# A child killed by a signal: its calls are all there, its parent says how
# it died, and (the parent being the last process out) the file is trimmed
# without any help.
child=$(traced "-f -o $TMP/crash.trace" "$PROGS/tp-crash" 150)
rc=$?
n=$(grep -acE "^$child +lseek\([0-9]+, [0-9]+, SEEK_SET\) += [0-9]+$" "$TMP/crash.trace")
if [ $rc -eq 0 ] && [ "$n" = 150 ] && grep -qaE "^$child +\+\+\+ killed by SIGABRT \+\+\+$" "$TMP/crash.trace" &&
	grep -qaE "^$child +tgkill\($child, $child, SIGABRT\) += 0$" "$TMP/crash.trace" &&
	grep -qaE "^$child +--- SIGABRT \{si_signo=SIGABRT, si_code=SI_TKILL, si_pid=$child, si_uid=[0-9]+\} ---$" "$TMP/crash.trace" &&
	whole_lines "$TMP/crash.trace"; then
	pass "fatal signal: 150 lines, abort's tgkill whole, its delivery, killed line, trimmed"
else
	fail "fatal signal (exit $rc, $n of 150 lines)"
	tail -3 "$TMP/crash.trace"
fi

# Pointers that point nowhere: the kernel says EFAULT, the tracer prints
# addresses and must never crash the program, whatever the options.
for opts in "-o $TMP/bad.trace" "-f -y -s 300 -T -tt -C --json -o $TMP/bad.json"; do
	out=$(traced "$opts" "$PROGS/tp-badptr" </dev/null 2>/dev/null)
	rc=$?
	if [ $rc -eq 0 ] && echo "$out" | grep -q survived; then
		pass "bad pointers survive: $opts"
	else
		fail "bad pointers: exit $rc with $opts"
	fi
done
# The same calls with a success injected (-e inject=...:retval=8): the
# kernel never touched their memory, so the decoders must not read it
# directly (a chdir-like path or a getdents64 buffer crashed the program).
inj="-e inject=openat,newfstatat,statx,read,readv,connect,sendto,poll,select,wait4,clock_gettime"
inj="$inj,nanosleep,getsockname,accept4,prlimit64,uname,sysinfo,getrandom,epoll_ctl,futex,readlink"
inj="$inj,getdents64,pipe2,sendmsg,recvmsg,mkdir,setxattr,ioctl:retval=8"
for opts in "-o $TMP/inj.trace" "-f -yy -v -s 300 --json -o $TMP/inj.json"; do
	out=$(traced "$opts $inj" "$PROGS/tp-badptr" </dev/null 2>/dev/null)
	rc=$?
	[ $rc -eq 0 ] && [[ "$out" == *survived* ]] &&
		pass "bad pointers, successes injected, survive: $opts" ||
		fail "bad pointers, successes injected: exit $rc with $opts"
done
check "... and were injected" grep -qa '^getdents64(0, 0xdead0000, 100) *= 8 (INJECTED)$' "$TMP/inj.trace"
n=$(grep -ac 'EFAULT (Bad address)$' "$TMP/bad.trace")
check "bad pointers: EFAULT lines ($n)" [ "$n" -ge 40 ]
check "bad pointers: addresses printed" grep -qa '^write(1, 0xdead0000, 10) *= -1 EFAULT' "$TMP/bad.trace"
# An unreadable envp is its address alone, as strace prints it (it was
# "0xdead0000 /* 0 vars */").
check "bad pointers: execve's unreadable arrays as strace prints them" \
	grep -qa '^execve("/nonexistent", 0xdead0000, 0xdead0000) *= -1 ENOENT' "$TMP/bad.trace"
# Output to /dev/null: write() returns the count without reading the
# buffer, so "the kernel used it" does not make a bad pointer readable (the
# tracer's load crashed the program with SIGSEGV; natively it runs on).
traced "-o $TMP/badnull.trace" "$PROGS/tp-badptr" </dev/null >/dev/null 2>"$TMP/err"
rc=$?
check "bad pointers written to /dev/null: the program survives (exit $rc)" [ $rc -eq 0 ]
check "bad pointers written to /dev/null: printed as strace does" \
	grep -qa '^write(1, 0xdead0000, 10) *= 10$' "$TMP/badnull.trace"

# SIGKILL: every call made before the kill is in the file.  The program
# makes 400 known calls, says "ready" and waits; we kill it by its pid.
mkfifo "$TMP/ready"
# exec: $! must be the program itself, or the kill would orphan it.
(exec env LD_PRELOAD="$LIB" LIBZPHOOK="$TRACE" ZPOLINE_TRACE_OPTS="-f -o $TMP/kill.trace" \
	"$PROGS/tp-killme" 400) > "$TMP/ready" &
victim=$!
read -r -t 20 word < "$TMP/ready"
kill -KILL $victim 2>/dev/null
wait $victim 2>/dev/null
"$PROGS/tp-finish" "$TMP/kill.trace"
n=$(grep -acE '^[0-9]+ +lseek\([0-9]+, [0-9]+, SEEK_SET\) += [0-9]+$' "$TMP/kill.trace")
if [ "$word" = ready ] && [ "$n" = 400 ] && whole_lines "$TMP/kill.trace"; then
	pass "sigkill: all 400 calls before the kill are there, whole"
else
	fail "sigkill: $n of 400 lines (said '$word')"
fi
# Plain LD_PRELOAD use: no command reaps the first process for the trace.
# Killed by its own signal (sh's kill of itself, a write's SIGPIPE, abort
# in a process of two threads) it writes its own killed line and ends the
# session: the -o file is trimmed (no MiB of NULs after the last line)
# and, with -c, holds the table.
plain_check() { # NAME LAST-LINE-PATTERN (ERE)
	local f=$TMP/plain-$1.trace last nuls size
	last=$(tail -n 1 "$f")
	nuls=$(tr -cd '\0' < "$f" | wc -c)
	size=$(stat -c %s "$f")
	echo "$last" | grep -qE "$2" && [ "$nuls" = 0 ]
	verdict $? "plain LD_PRELOAD, root killed ($1): last line '$last', $nuls NULs, $size bytes"
}
traced "-f -o $TMP/plain-sigterm.trace" sh -c 'echo x; kill -TERM $$' >/dev/null 2>&1
plain_check sigterm '^[0-9]+ +\+\+\+ killed by SIGTERM \+\+\+$'
traced "-o $TMP/plain-sigterm1.trace" sh -c 'echo x; kill -TERM $$' >/dev/null 2>&1
plain_check sigterm1 '^\+\+\+ killed by SIGTERM \+\+\+$'
traced "-o $TMP/plain-sigpipe.trace" yes 2>/dev/null | head -c 1 >/dev/null
plain_check sigpipe '^\+\+\+ killed by SIGPIPE \+\+\+$'
traced "-f -o $TMP/plain-abort.trace" python3 -c '
import os, threading, time
threading.Thread(target=time.sleep, args=(3,), daemon=True).start()
time.sleep(0.1); os.abort()' >/dev/null 2>&1
plain_check abort '^[0-9]+ +\+\+\+ killed by SIGABRT( \(core dumped\))? \+\+\+$'
traced "-c -o $TMP/plain-count.trace" sh -c 'echo x; kill -TERM $$' >/dev/null 2>&1
plain_check count '^100\.00 .* total$'

# Killed by another process's signal (kill, a terminal's ^C), the root
# ran no code: it lost the call the signal cut short, the delivery and
# its killed line, and its file kept a MiB of NULs.  It now catches the
# signals that end a process without a core while their action is the
# default (the runtime raises them again after the hooks have seen them):
# its last lines are strace's.  A sleep sits in its call, then is killed.
# A shell's background job starts with SIGINT ignored: the launcher puts
# it back to the default, as a terminal's foreground job has it (exec:
# the job's pid is the program's).
dfl_int() { exec python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"; }
outside_kill() { # NAME SIGNAL TRACER... ; the exit status in $TMP/rc-NAME
	local name=$1 sig=$2 i t
	shift 2
	(dfl_int "$@" sleep 30) &
	local v=$!
	for ((i = 0; i < 2000; i++)); do
		t=$v # strace's sleep is its child, and the command's
		[ "$1" = strace ] || [ "$1" = "$ZP_BUILD/zpoline" ] && t=$(pgrep -P "$v" | head -n 1)
		[ -n "$t" ] && [ "$(cut -d' ' -f1 "/proc/$t/syscall" 2>/dev/null)" = 230 ] && break
		sleep 0.01
	done
	kill "-$sig" "$t"
	wait "$v"
	echo $? >"$TMP/rc-$name"
}
# the last three lines, the numbers that vary out
last3() { tail -n 3 "$1" | sed -E 's/tv_sec=[0-9]+, tv_nsec=[0-9]+\}\)/T})/; s/si_pid=[0-9]+, si_uid=[0-9]+/si_pid=P, si_uid=U/'; }
outside_kill term TERM env LD_PRELOAD="$LIB" LIBZPHOOK="$TRACE" ZPOLINE_TRACE_OPTS="-o $TMP/plain-out.trace"
plain_check out '^\+\+\+ killed by SIGTERM \+\+\+$'
want='clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=30, tv_nsec=0}, {T}) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)
--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=P, si_uid=U} ---
+++ killed by SIGTERM +++'
got=$(last3 "$TMP/plain-out.trace")
[ "$(cat "$TMP/rc-term")" = 143 ] && [ "$got" = "$want" ]
verdict $? "plain LD_PRELOAD, root killed by kill -TERM: exit 143, its cut call, the delivery and the killed line ($(echo "$got" | tr '\n' '|'))"
if command -v strace >/dev/null; then
	outside_kill strace TERM strace -o "$TMP/strace-out.trace"
	[ "$(last3 "$TMP/strace-out.trace")" = "$got" ]
	verdict $? "plain LD_PRELOAD, root killed by kill -TERM: the same three lines as strace's ($(last3 "$TMP/strace-out.trace" | tr '\n' '|'))"
else
	skip "plain LD_PRELOAD, root killed by kill -TERM: the same lines as strace's" "strace is not installed"
fi
# The same under the command, which reaps the program and prints its
# killed line: the program writes the two lines before it.
outside_kill cmd TERM "$ZP_BUILD/zpoline" trace -o "$TMP/cmd-out.trace" --
got=$(last3 "$TMP/cmd-out.trace")
[ "$(cat "$TMP/rc-cmd")" = 143 ] && [ "$got" = "$want" ]
verdict $? "zpoline trace, program killed by kill -TERM: exit 143, its cut call, the delivery and the killed line ($(echo "$got" | tr '\n' '|'))"
outside_kill int INT env LD_PRELOAD="$LIB" LIBZPHOOK="$TRACE" ZPOLINE_TRACE_OPTS="-c -o $TMP/plain-outc.trace"
plain_check outc '^100\.00 .* total$'
[ "$(cat "$TMP/rc-int")" = 130 ] && grep -qE ' clock_nanosleep$' "$TMP/plain-outc.trace"
verdict $? "plain LD_PRELOAD -c, root killed by kill -INT: exit 130, the table counts its calls"
# What the program sees of its actions is the native view; one it
# inherited ignored stays ignored (no runtime handler: the kill does nothing).
view='import signal; print([signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGALRM, signal.SIGRTMAX)])'
python3 -c "$view" >"$TMP/view.native" 2>&1
traced "-o $TMP/plain-view.trace" python3 -c "$view" >"$TMP/view.traced" 2>&1
cmp -s "$TMP/view.native" "$TMP/view.traced"
verdict $? "plain LD_PRELOAD root: signal.getsignal() as natively ($(cat "$TMP/view.traced"))"
(trap '' TERM; exec env LD_PRELOAD="$LIB" LIBZPHOOK="$TRACE" ZPOLINE_TRACE_OPTS="-o $TMP/plain-ign.trace" sleep 30) &
v=$!
for ((i = 0; i < 2000; i++)); do
	[ "$(cut -d' ' -f1 "/proc/$v/syscall" 2>/dev/null)" = 230 ] && break
	sleep 0.01
done
kill -TERM "$v"
alive=no
for ((i = 0; i < 20; i++)); do # the ignored signal must not end it; a default one would at once
	sleep 0.01
	kill -0 "$v" 2>/dev/null && alive=yes || { alive=no; break; }
done
kill -KILL "$v" 2>/dev/null
wait "$v" 2>/dev/null
[ "$alive" = yes ]
verdict $? "plain LD_PRELOAD root with SIGTERM ignored from its parent: kill -TERM leaves it running"

# Finishing removes the gaps a killed writer or a lost line leaves (runs
# of NULs, holes) and nothing else: lines across the 64 KiB read size,
# NULs at the start, in runs and at the end, a hole in the middle.
python3 - "$TMP/gaps" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"\0\0first\n" + b"x" * 70000 + b"\n\0\0\0mid\n\0")
    f.seek(300000)
    f.write(b"after a hole\n" + b"\0" * 5000 + b"y" * 65536 + b"\nlast\n\0\0")
PY
"$PROGS/tp-finish" "$TMP/gaps"
want=$(printf 'first\n%s\nmid\nafter a hole\n%s\nlast\n' "$(head -c 70000 /dev/zero | tr '\0' x)" "$(head -c 65536 /dev/zero | tr '\0' y)" | md5sum)
[ "$(md5sum < "$TMP/gaps")" = "$want" ] && ! grep -qaP '\x00' "$TMP/gaps"
outcome "finishing squeezes out NUL runs and holes, keeps every other byte" ||
	echo "size $(stat -c %s "$TMP/gaps"), $(head -c 20 "$TMP/gaps" | od -c | head -2)"
finish
