#!/bin/bash
# test-options.sh - the tracer's options: bad ones stop the program with a
# message; -t/-tt/-ttt/-T/-s/-y/--json/-e trace=/-ff/-C/-o and following
# (or not) children behave as documented in docs/tracing.md.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROGS=$ZP_BUILD/tests/progs
PY=$(command -v /usr/bin/python3 || command -v python3)
traced() { LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="$1" "${@:2}"; }

# Bad options: one message naming the problem, non-zero exit, no program.
bad_opts() {
	local opts=$1 want=$2 out rc
	out=$(traced "$opts" /bin/echo ran 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && ! echo "$out" | grep -q '^ran$' && echo "$out" | grep -qF -- "$want"; then
		pass "bad-opts '$opts'"
	else
		fail "bad-opts '$opts' (exit $rc): $out"
	fi
}
bad_opts '-X' "unknown option '-X'"
bad_opts '-e trace=nosuchcall' "unknown system call 'nosuchcall'"
bad_opts '-e trace=%nosuch' "unknown system call class '%nosuch'"
bad_opts '-s abc' "'abc' is not a string size"
bad_opts '-ff' "-ff needs -o FILE"
bad_opts '-o' "-o needs an argument"
bad_opts '-e signal=SIGFOO' "unknown signal 'SIGFOO'"
bad_opts '-e status=bogus' "unknown class 'bogus'"
bad_opts '-e status=' "-e status= needs a list"
bad_opts '-e verbose=none' "only all is supported"
bad_opts '-e kvm=vcpu' "-e kvm= is not supported"
bad_opts '-c --json' "--json prints lines"
bad_opts '-e inject=write:error=EBOGUS' "unknown error 'EBOGUS'"
bad_opts "-o '$TMP/no/such/dir/x'" "cannot open -o"
bad_opts '-tttt' "-t given more than three times"

# Time stamps and durations.
traced "-t -o $TMP/t1" cat /etc/hostname >/dev/null
check "-t: HH:MM:SS" [ "$(grep -cvE '^[0-2][0-9]:[0-5][0-9]:[0-6][0-9] ' "$TMP/t1")" = 0 ]
traced "-tt -o $TMP/t2" cat /etc/hostname >/dev/null
check "-tt: HH:MM:SS.micro" [ "$(grep -cvE '^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6} ' "$TMP/t2")" = 0 ]
traced "-ttt -o $TMP/t3" cat /etc/hostname >/dev/null
check "-ttt: seconds.micro" [ "$(grep -cvE '^[0-9]{9,}\.[0-9]{6} ' "$TMP/t3")" = 0 ]
traced "-T -o $TMP/t4" cat /etc/hostname >/dev/null
# (not the first execve: the tracer starts after it and cannot time it)
check "-T: <seconds> after each result" \
	[ "$(grep -vE '= \?$|^\+\+\+|^execve' "$TMP/t4" | grep -cvE ' <[0-9]+\.[0-9]{6}>$')" = 0 ]
now=$(date +%s)
first=$(head -1 "$TMP/t3" | cut -d. -f1)
[ $((now - first)) -ge 0 ] && [ $((now - first)) -lt 600 ]
outcome "-ttt: the clock is the real one"

# -s: string size.
printf '0123456789abcdef' > "$TMP/sixteen"
traced "-s 5 -e trace=read -o $TMP/s5" cat "$TMP/sixteen" >/dev/null
check "-s 5" grep -q '^read(3, "01234"\.\.\., [0-9]*) *= 16$' "$TMP/s5"
traced "-e trace=read -o $TMP/s32" cat "$TMP/sixteen" >/dev/null
check "-s default 32: whole 16 bytes" grep -q '^read(3, "0123456789abcdef", [0-9]*) *= 16$' "$TMP/s32"

# -y: paths behind descriptors.
traced "-y -e trace=openat,read -o $TMP/y" cat "$TMP/sixteen" >/dev/null
check "-y: result" grep -qF "openat(AT_FDCWD<$PWD>, \"$TMP/sixteen\", O_RDONLY) = 3<$TMP/sixteen>" "$TMP/y"
check "-y: argument" grep -qF "read(3<$TMP/sixteen>, " "$TMP/y"

# -e trace=: classes, negation, none.
traced "-e trace=%file -o $TMP/file" cat /etc/hostname >/dev/null
check "-e trace=%file: file calls only" \
	[ "$(grep -v '^+++' "$TMP/file" | grep -cvE '^(openat|newfstatat|access|execve|statx|readlink)\(')" = 0 ]
check "-e trace=%file: has the open" grep -q '^openat(AT_FDCWD, "/etc/hostname"' "$TMP/file"
traced "-e trace=!%desc,%memory -o $TMP/neg" cat /etc/hostname >/dev/null
check "-e trace=!...: no read/close/mmap" [ "$(grep -cE '^(read|close|mmap|openat)\(' "$TMP/neg")" = 0 ]
traced "-e trace=none -o $TMP/none" cat /etc/hostname >/dev/null
check "-e trace=none: exit line only" [ "$(cat "$TMP/none")" == "+++ exited with 0 +++" ]
traced "-e close -o $TMP/bare" cat /etc/hostname >/dev/null
check "-e SET is -e trace=SET" [ "$(grep -v '^+++' "$TMP/bare" | grep -cv '^close(')" = 0 ]

# --json: one object per line, with the fields documented.
traced "--json -f -o $TMP/j" cat /etc/hostname /nonexistent >/dev/null 2>&1
if [ -n "$PY" ] && "$PY" - "$TMP/j" <<'PYEOF'; then
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
calls = [r for r in rows if 'name' in r]
assert calls and all({'pid', 'tid', 'ts', 'nr', 'name', 'args', 'ret', 'errno'} <= set(r) for r in calls)
o = [r for r in calls if r['name'] == 'openat' and '"/nonexistent"' in r['args']]
assert o and o[0]['ret'] == -2 and o[0]['errno'] == 'ENOENT', o
assert any(r.get('event') == 'exited with 1' for r in rows)
PYEOF
	pass "--json: valid objects, fields, errno"
else
	fail "--json"
	head -3 "$TMP/j"
fi

# -ff: one file per task, no prefixes.
mkdir "$TMP/ff"
traced "-ff -o $TMP/ff/t" "$PROGS/tp-fork" 2 10 > "$TMP/ff.map"
n=0
while read -r id fd; do
	[ "$(grep -c "^lseek($fd, " "$TMP/ff/t.$id")" = 10 ] && n=$((n + 1))
done < "$TMP/ff.map"
[ $n = 2 ] && [ "$(ls "$TMP/ff" | wc -l)" = 3 ]
outcome "-ff: a file per process, whole"

# -C: lines and the table; -o relative to where the program started, even
# after it changes directory.
mkdir "$TMP/rel" "$TMP/rel/work"
(cd "$TMP/rel" && traced "-C -o out" "$PROGS/tp-mixed" "$TMP/rel/work" >/dev/null)
[ -s "$TMP/rel/out" ] && [ ! -e "$TMP/rel/work/out" ]
outcome "-o relative, program chdir()s"
grep -q '^% time' "$TMP/rel/out" && grep -q '^chdir(' "$TMP/rel/out"
outcome "-C: lines and table"

# Results: -z only successful calls, -Z only failed ones, -e status= a set
# ("unavailable": calls that do not return); -qq no exit lines; -q and
# -e signal=none change nothing.  cat opens one file that exists and one
# that does not.
st() { traced "$1 -e trace=openat,exit_group -o $TMP/st" cat /etc/hostname "$TMP/no-such-file" >/dev/null 2>&1; }
# has PATTERN / lacks PATTERN: about the last trace.
has() { grep -q -- "$1" "$TMP/st"; }
lacks() { ! grep -q -- "$1" "$TMP/st"; }
verdict() { # NAME: the result of the conditions just tested ($?)
	if [ "$2" = 0 ]; then pass "$1"; else fail "$1: $(head -c 400 "$TMP/st" | tr '\n' '|')"; fi
}
st -z
has 'hostname", O_RDONLY) = 3' && lacks ENOENT && lacks '^exit_group'
verdict "-z: the successful open, not the failed one" $?
st -Z
has 'no-such-file", O_RDONLY) = -1 ENOENT' && lacks '= 3$' && lacks '^exit_group'
verdict "-Z: the failed open, not the successful one" $?
st '-e status=failed,unavailable'
has ENOENT && has '^exit_group(1) *= ?' && lacks '= 3$'
verdict "-e status=failed,unavailable: the failure and exit_group" $?
st '-e status=!successful'
has ENOENT && has '^exit_group' && lacks '= 3$'
verdict "-e status=!successful is failed,unavailable" $?
st '-e status=none'
[ "$(grep -vc '^+++' "$TMP/st")" = 0 ] && has '^+++ exited with 1 +++'
verdict "-e status=none: no call lines, the exit line" $?
st '-qq'
has '^exit_group' && lacks '^+++'
verdict "-qq: calls, no exit line" $?
st '-q -e signal=none'
has '^exit_group' && has '^+++ exited with 1 +++' && has ENOENT && has '= 3$'
verdict "-q -e signal=none: the whole trace" $?
# An unfinished line (a signal to oneself) waits for its result under -Z.
if [ -n "$PY" ]; then
	traced "-Z -e trace=kill,openat -o $TMP/st" "$PY" -c '
import os, signal
signal.signal(signal.SIGUSR1, lambda *a: None)
os.kill(os.getpid(), signal.SIGUSR1)
try: os.kill(999999999, 0)
except OSError: pass' >/dev/null 2>&1
	lacks 'kill(.*SIGUSR1' && has '^--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER' &&
		has '^kill(999999999, 0) *= -1 ESRCH' && lacks 'unfinished' && lacks 'resumed'
	verdict "-Z: a successful kill to oneself has no line, not even unfinished (its delivery has, as in strace); a failed kill a whole one" $?
fi

# Without -f, children are not traced; with -f they are.
traced "-o $TMP/nof" "$PROGS/tp-fork" 2 5 > "$TMP/nof.map"
[ "$(grep -c 'lseek(' "$TMP/nof")" = 0 ] && grep -q '^wait4(' "$TMP/nof"
outcome "no -f: children not traced"
traced "-f -o $TMP/f" "$PROGS/tp-fork" 2 5 > /dev/null
check "-f: children traced" [ "$(grep -c 'lseek(' "$TMP/f")" = 10 ]

# ZPOLINE_TRACE_ROOT names the root; another process never starts a trace.
LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-o $TMP/notroot" ZPOLINE_TRACE_ROOT=1 cat /etc/hostname >/dev/null
check "ZPOLINE_TRACE_ROOT: not the root, no trace" [ ! -e "$TMP/notroot" ]

# Without -o: stderr, kept even if the program closes and reuses fd 2.
if [ -n "$PY" ]; then
	traced "-e trace=getcwd" "$PY" -c 'import os; os.close(2); os.open("/dev/null", os.O_WRONLY); os.getcwd()' 2>"$TMP/err"
	check "stderr survives close(2)" grep -q '^getcwd(' "$TMP/err"
fi
finish
