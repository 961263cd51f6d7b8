#!/bin/bash
# test-aslimit.sh - a program that gives itself a finite RLIMIT_AS (Dovecot
# limits each of its processes to 256 MiB before it execs them; a shell's
# `ulimit -v`) keeps the room it has natively under `zpoline trace -o
# FILE`: the output's window (up to 16 GiB of address space) left it none,
# so the shell said "Cannot fork" and Dovecot's processes exec'd untraced.
# The window is given back when the program sets the limit, and a program
# started under one maps none; its lines are all written.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
script='ulimit -v 262144; /bin/echo hi; echo rc=$?'
want=$(sh -c "$script" 2>&1)
for opt in "" -f; do
	got=$("$ZP" trace $opt -o "$TMP/t$opt" -- sh -c "$script" 2>&1)
	shown=$(echo $got)
	[ "$got" = "$want" ]
	outcome "trace $opt -o: the program sets RLIMIT_AS and runs as natively (got: $shown)"
done
# -f: the child that set nothing new inherits the limit: traced, whole lines.
ok=1
grep -aEq '^[0-9]+ +execve\("/bin/echo", \["/bin/echo", "hi"\], .*\) = 0$' "$TMP/t-f" || ok=0
[ "$(grep -ac '+++ exited with 0 +++' "$TMP/t-f")" = 2 ] || ok=0
! grep -aqv -E "$TRACE_WHOLE_LINE" "$TMP/t-f" || ok=0
[ $ok = 1 ]
outcome "trace -f -o: the child started under the limit is traced, every line whole"
# Under a limit from the start (the window never mapped).
got=$(sh -c "ulimit -v 262144; \"$ZP\" trace -f -o \"$TMP/t2\" -- sh -c 'echo hi; /bin/echo there'" 2>&1)
shown=$(echo $got)
[ "$got" = "hi
there" ] && grep -aq 'write(1, "there\\n", 6) *= 6' "$TMP/t2"
outcome "trace -f -o started under RLIMIT_AS: runs and traces (got: $shown)"
# Under a limit each thread's hook stacks are 96 KiB, not 128 (thread.c):
# the tracer's deepest lines (--json, long strings in hex, descriptors'
# ends: 63 KiB of stack, measured by hand with the slots filled with a
# pattern) fit, in threads and a child (with 32 KiB
# stacks the tracer died of SIGSEGV at the first line).
py='import os, socket, subprocess, threading
a, b = socket.socketpair(); a.send(b"x" * 70000); b.recv(70000)
subprocess.run(["ls", "-la", "/usr/lib"], stdout=subprocess.DEVNULL)
ts = [threading.Thread(target=os.listdir, args=("/proc/self",)) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]; print("done")'
for opt in "" --json; do
	got=$(ulimit -v 2000000 && "$ZP" trace $opt -f -s 100000 -xx -yy -i -n -o "$TMP/deep" -- python3 -c "$py" 2>&1)
	rc=$?
	[ $rc = 0 ] && [ "$got" = done ] && grep -aq 'exited with 0' "$TMP/deep" && grep -aq 'sendto\|"sendto"' "$TMP/deep"
	verdict $? "trace $opt -s 100000 -xx -yy -i -n under ulimit -v: lines of threads and a child (exit $rc)"
done
finish
