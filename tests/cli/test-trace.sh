#!/bin/bash
# zpoline trace: the options reach the trace hook as ZPOLINE_TRACE_OPTS,
# ZPOLINE_TRACE_ROOT is the program's pid, the status passes through and a
# trace comes out.  What the trace says is tests/trace/'s business.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli-lib.sh"

if [ ! -e "$ZP_BUILD/libzphook_trace.so" ]; then
	skip "zpoline trace" "build/libzphook_trace.so is not built yet"
	finish
fi
TRACE=$ZP_BUILD/libzphook_trace.so

out=$(cd "$TMP" && "$Z" trace -o out.txt -s 64 -e trace=%file -tt -T -y -f -- "$INITENV" ZPOLINE_TRACE_OPTS)
rc=$?
[ $rc -eq 0 ] && [ "$out" = "-s 64 -e trace=%file -T -y -f -tt -o $TMP/out.txt" ] &&
	pass "ZPOLINE_TRACE_OPTS carries the options, -o made absolute" ||
	fail "ZPOLINE_TRACE_OPTS is '$out' (exit $rc)"
out=$("$Z" trace -o "$TMP/t" -ff -ttt -c -- "$INITENV" ZPOLINE_TRACE_OPTS)
[ "$out" = "-c -ff -ttt -o $TMP/t" ] && pass "-ff -ttt -c" || fail "-ff -ttt -c gave '$out'"
out=$("$Z" trace -o "$TMP/t" -fT -s8 --json -- "$INITENV" ZPOLINE_TRACE_OPTS)
[ "$out" = "-T -s 8 --json -f -o $TMP/t" ] && pass "clustered and attached short options" ||
	fail "clusters gave '$out'"
out=$("$Z" trace -o "$TMP/a b'c" -e 'trace=open' -- "$INITENV" ZPOLINE_TRACE_OPTS)
[ "$out" = "-e trace=open -o '$TMP/a b'\\''c'" ] && pass "a file name with blanks and quotes is quoted" ||
	fail "quoting: ZPOLINE_TRACE_OPTS is '$out'"
ctl=$("$Z" trace -o "$TMP/t" -- "$INITENV" ZPOLINE_TRACE_CTL)
if [ -n "$ctl" ] && [ ! -e "$ctl" ]; then
	pass "ZPOLINE_TRACE_CTL set, and removed afterwards"
else
	fail "ZPOLINE_TRACE_CTL '$ctl' (exists afterwards: $([ -e "$ctl" ] && echo yes || echo no))"
fi
out=$("$Z" trace -o "$TMP/t" -- "$INITENV" LIBZPHOOK)
[ "$out" = "$TRACE" ] && pass "LIBZPHOOK is the trace hook" || fail "LIBZPHOOK is '$out'"
out=$("$Z" trace -o "$TMP/t" --hook count -- "$INITENV" LIBZPHOOK 2>/dev/null)
[ "$out" = "$TRACE:$HOOK_COUNT" ] && pass "--hook comes after the tracer" || fail "LIBZPHOOK is '$out'"
out=$("$Z" trace -o "$TMP/t" -- sh -c 'echo "$$ $('"$INITENV"' ZPOLINE_TRACE_ROOT)"')
set -- $out
[ -n "${1:-}" ] && [ "${1:-}" = "${2:-}" ] && pass "ZPOLINE_TRACE_ROOT is the program's pid" ||
	fail "pid and ZPOLINE_TRACE_ROOT: '$out'"

expect_status "trace: exit 3 passes through" 3 "$Z" trace -o "$TMP/t" -- sh -c 'exit 3'
expect_status "trace: SIGTERM -> 143" 143 "$Z" trace -o "$TMP/t" -- sh -c 'kill -TERM $$'
expect_status "trace: not found -> 127" 127 "$Z" trace -- no-such-program-zp

rm -f "$TMP/t"
"$Z" trace -o "$TMP/t" -- cat /dev/null
grep -q 'openat(.*"/dev/null"' "$TMP/t" && pass "trace -o FILE: the open of /dev/null is there" ||
	fail "trace -o: $(head -c 300 "$TMP/t" 2>&1)"
# With the shared-mapping output, the file must end where the trace ends.
if [ -s "$TMP/t" ] && [ "$(tail -c 1 "$TMP/t" | od -An -c | tr -d ' ')" = '\n' ] &&
	! tr -d '\n[:print:]\t' <"$TMP/t" | grep -q .; then
	pass "trace file is trimmed: text to the last newline"
else
	fail "trace file has trailing garbage or no final newline"
fi
# A program killed with SIGKILL cannot trim the file or print -c: the
# command finishes the trace for it.
rm -f "$TMP/k"
"$Z" trace -o "$TMP/k" -- sh -c 'echo hi; kill -KILL $$' >/dev/null
rc=$?
if [ $rc -eq 137 ] && [ -s "$TMP/k" ] && ! tr -d '\n[:print:]\t' <"$TMP/k" | grep -q . &&
	grep -q 'write(1, "hi\\n", 3) *= 3' "$TMP/k"; then
	pass "SIGKILLed program: the command trims the trace ($(stat -c %s "$TMP/k") bytes)"
else
	fail "SIGKILLed program: exit $rc, $(stat -c %s "$TMP/k" 2>&1) bytes, $(tail -c 200 "$TMP/k" | tr '\0' '@')"
fi
rm -f "$TMP/k"
"$Z" trace -c -o "$TMP/k" -- sh -c 'kill -KILL $$'
if grep -Eq '^100\.00 .* total$' "$TMP/k" && ! tr -d '\n[:print:]\t' <"$TMP/k" | grep -q .; then
	pass "SIGKILLed program: the command prints the -c summary"
else
	fail "SIGKILLed program, -c: $(head -c 300 "$TMP/k" | tr '\0' '@')"
fi
# A second session on the same -o file is refused, and its command leaves
# the first session's file alone (it used to trim it, losing later lines).
rm -f "$TMP/two"
mkfifo "$TMP/fifo"
"$Z" trace -o "$TMP/two" -- sh -c 'read x; echo done' <"$TMP/fifo" >/dev/null 2>&1 &
first=$!
exec 9>"$TMP/fifo"
sleep 0.3
"$Z" trace -o "$TMP/two" -- true 2>"$TMP/two.err"
rc2=$?
echo go >&9
exec 9>&-
wait $first
if [ $rc2 -ne 0 ] && grep -q 'another trace session is still writing it' "$TMP/two.err" &&
	grep -q 'write(1, "done\\n", 5) *= 5' "$TMP/two" && tail -1 "$TMP/two" | grep -q '^+++ exited with 0 +++$'; then
	pass "a refused second session leaves the first one's trace whole"
else
	fail "second session on the same file: exit $rc2, $(cat "$TMP/two.err"), trace ends $(tail -c 200 "$TMP/two" | tr '\0' '@')"
fi
# Only a regular file is one session's: two sessions may share -o /dev/null
# (flock on /dev/null is system-wide; the second one used to be refused,
# found running bash's test suite under trace -f -c -o /dev/null).
rm -f "$TMP/fifo2"
mkfifo "$TMP/fifo2"
"$Z" trace -f -c -o /dev/null -- sh -c 'read x' <"$TMP/fifo2" >/dev/null 2>&1 &
first=$!
exec 9>"$TMP/fifo2"
sleep 0.3
"$Z" trace -o /dev/null -- true 2>"$TMP/null.err"
rc2=$?
echo go >&9
exec 9>&-
wait $first
[ $rc2 -eq 0 ] && ! grep -q 'still writing' "$TMP/null.err" &&
	pass "two sessions may both trace to -o /dev/null" ||
	fail "second session on -o /dev/null: exit $rc2, $(head -c 300 "$TMP/null.err")"
"$Z" trace -- cat /dev/null 2>"$TMP/err" >/dev/null
grep -q 'openat(.*"/dev/null"' "$TMP/err" && pass "trace without -o: on stderr" ||
	fail "trace to stderr: $(head -c 300 "$TMP/err")"

# A program killed by a signal cannot end its own trace: the command adds
# strace's last line, in the trace's own form, before any summary.
"$Z" trace -- sh -c 'kill -TERM $$' 2>"$TMP/err" >/dev/null
rc=$?
[ $rc -eq 143 ] && [ "$(tail -n 1 "$TMP/err")" = "+++ killed by SIGTERM +++" ] &&
	pass "killed program: '+++ killed by SIGTERM +++' ends the trace on stderr" ||
	fail "killed program: exit $rc, last line '$(tail -n 1 "$TMP/err")'"
rm -f "$TMP/k"
"$Z" trace -f -o "$TMP/k" -- sh -c 'kill -KILL $$'
pid=$(grep -oE '^[0-9]+ +kill\(' "$TMP/k" | grep -oE '^[0-9]+')
[ -n "$pid" ] && [ "$(tail -n 1 "$TMP/k")" = "$(printf '%-5d +++ killed by SIGKILL +++' "$pid")" ] &&
	pass "killed program, -f -o: the line carries the pid ($pid)" ||
	fail "killed program, -f -o: last line '$(tail -n 1 "$TMP/k")' (pid '$pid')"
rm -f "$TMP"/kf.*
"$Z" trace -ff -tt -o "$TMP/kf" -- sh -c 'kill -KILL $$'
f=$(ls "$TMP"/kf.* 2>/dev/null | head -n 1)
[ -n "$f" ] && tail -n 1 "$f" | grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} \+\+\+ killed by SIGKILL \+\+\+$' &&
	pass "killed program, -ff -tt: the line ends the process's own file, with the time" ||
	fail "killed program, -ff -tt: '$(tail -n 1 "$f" 2>&1)'"
"$Z" trace --json -o "$TMP/kj" -- sh -c 'kill -KILL $$'
tail -n 1 "$TMP/kj" | python3 -c 'import json,sys; e=json.loads(sys.stdin.read()); sys.exit(0 if e["event"]=="killed by SIGKILL" and e["status"]==9 and e["pid"]==e["tid"] else 1)' &&
	pass "killed program, --json: an event object" ||
	fail "killed program, --json: '$(tail -n 1 "$TMP/kj")'"
"$Z" trace -C -o "$TMP/kc" -- sh -c 'kill -KILL $$'
k=$(grep -n 'killed by SIGKILL' "$TMP/kc" | cut -d: -f1)
t=$(grep -nE '^100\.00 .* total$' "$TMP/kc" | cut -d: -f1)
[ -n "$k" ] && [ -n "$t" ] && [ "$k" -lt "$t" ] &&
	pass "killed program, -C: the line, then the summary" ||
	fail "killed program, -C: killed at line '$k', total at '$t'"
"$Z" trace -c -o "$TMP/kc" -- sh -c 'kill -KILL $$'
! grep -q 'killed by' "$TMP/kc" && pass "killed program, -c alone: only the summary" ||
	fail "killed program, -c alone printed a trace line"
# -c's times are real: a 0.2 s sleep is counted as about 0.2 s (with -c
# alone the tracer counts TSC ticks and the summary converts them).
"$Z" trace -c -- sleep 0.2 2>"$TMP/sc" >/dev/null
t=$(awk '/clock_nanosleep|nanosleep/ { print $2; exit }' "$TMP/sc")
awk -v t="${t:-0}" 'BEGIN { exit !(t >= 0.15 && t < 2) }' &&
	pass "-c: a 0.2 s sleep counts as ${t} s" ||
	fail "-c: the sleep counts as '${t}' s: $(head -c 300 "$TMP/sc")"
# A traced process that starts a program with other hooks (`zpoline run
# --hook pass` inside a trace) or with LIBZPHOOK emptied: no image of the
# tracer joins, so the execve is left unfinished (execvp's failed tries
# along $PATH are printed whole) and the session's two descriptors and
# ZPOLINE_TRACE_FDS stay out of the new program, which sees the
# descriptors it sees natively.
fds_of='echo $(ls /proc/self/fd); env | grep -c "^ZPOLINE_TRACE_FDS=" || true'
want=$(sh -c "$fds_of")
out=$("$Z" trace -f -o "$TMP/nest" -- "$Z" run --hook pass -- sh -c "$fds_of")
rc=$?
[ $rc -eq 0 ] && [ "$out" = "$want" ] &&
	grep -q 'execve("[^"]*/sh", \["sh", "-c", .*<unfinished \.\.\.>$' "$TMP/nest" &&
	! grep -q 'execve("[^"]*/sh", .*) *= 0$' "$TMP/nest" &&
	! grep -q '<\.\.\. execve resumed>) *= 0$' "$TMP/nest"
outcome "trace of zpoline run --hook pass: the program gets neither descriptors nor variable" ||
	echo "exit $rc, got '$out', natively '$want'; $(grep -n execve "$TMP/nest" | tail -n 3)"
out=$("$Z" trace -f -o "$TMP/nest2" -- sh -c "LIBZPHOOK= sh -c '$fds_of'")
[ "$out" = "$want" ] && [ "$(grep -c '+++ exited with 0 +++' "$TMP/nest2")" -ge 2 ]
outcome "trace, LIBZPHOOK emptied for a child: no descriptors or variable in it" ||
	echo "got '$out', natively '$want'; $(tail -n 3 "$TMP/nest2")"
"$Z" trace -f -o "$TMP/nest3" -- sh -c "sh -c 'ls /proc/self/fd >/dev/null'"
grep -q 'execve("[^"]*/ls", \["ls", "/proc/self/fd"\], .*) *= 0$' "$TMP/nest3" &&
	grep -q 'getdents64(' "$TMP/nest3"
outcome "trace, a child with the tracer's hooks joins the session" || tail -n 5 "$TMP/nest3"
# The first execve line counts the environment the program sees, as
# strace's does: without the variables the command adds for the runtime.
if command -v strace >/dev/null; then
	want=$(strace -o "$TMP/s1" true && head -n 1 "$TMP/s1" | sed -E 's/0x[0-9a-f]+/ADDR/')
	"$Z" trace -o "$TMP/z1" -- true
	got=$(head -n 1 "$TMP/z1" | sed -E 's/0x[0-9a-f]+/ADDR/')
	[ -n "$want" ] && [ "$want" = "$got" ]
	outcome "the first execve line as strace's (variable count included)" ||
		echo "strace '$want', tracer '$got'"
else
	skip "first execve line as strace's" "strace is not installed"
fi
# -o over a file that holds something: only the new trace is left (an
# empty file is not truncated again, which on ext4 would flush the trace
# when it is closed: traceout.c).
seq 100000 >"$TMP/old.txt"
"$Z" trace -o "$TMP/old.txt" -- true
[ "$(grep -c . "$TMP/old.txt")" -le 5 ] && head -1 "$TMP/old.txt" | grep -q '^execve(' &&
	! grep -qx 99999 "$TMP/old.txt"
outcome "-o over a longer file: its old content is gone"
: >"$TMP/empty.txt"
"$Z" trace -o "$TMP/empty.txt" -- true && head -1 "$TMP/empty.txt" | grep -q '^execve('
outcome "-o over an empty file: the trace"

# Under `ulimit -n 5` the tracer's two descriptors leave none for reading
# /proc/self/maps or /proc/self/cmdline: the calls still all traced (every
# one trapping) and the first line still shows the program's arguments.
out=$(ulimit -n 5; "$Z" trace -o "$TMP/lowfd.txt" -- ls -d /usr 2>&1)
rc=$?
[ $rc = 0 ] && [ "$out" = /usr ] &&
	head -1 "$TMP/lowfd.txt" | grep -q '^execve("[^"]*/ls", \["ls", "-d", "/usr"\], .*) = 0$' &&
	grep -q '^write(1, "/usr\\n", 5) *= 5$' "$TMP/lowfd.txt" &&
	tail -1 "$TMP/lowfd.txt" | grep -q '^+++ exited with 0 +++$'
outcome "ulimit -n 5: traced whole, its arguments shown (exit $rc, '$out')"
# -X: strace's default style (abbrev) is taken; raw and verbose are refused
# with a message, before the program runs.
out=$("$Z" trace -X abbrev -e trace=openat -o "$TMP/x.txt" -- cat /dev/null 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -q '^openat(AT_FDCWD, "/dev/null", O_RDONLY) *= 3$' "$TMP/x.txt"
outcome "-X abbrev: accepted, constants by name (exit $rc)"
for style in raw verbose; do
	out=$("$Z" trace --const-print-style=$style -- echo ran 2>&1)
	rc=$?
	[ $rc -eq 2 ] && [[ "$out" == *"raw and verbose are not supported"* ]] && [[ "$out" != *ran* ]]
	outcome "-X $style: refused before the program runs (exit $rc)"
done
finish
