#!/bin/bash
# test-compare.sh - the tracer's lines against strace's, for ls, cat, a C
# program of ours (files, sockets, signals, memory, fork) and python3 doing
# file and socket work.  Both trace with -f -o; compare.py normalises pids,
# addresses, times and ports, skips the start-up that only strace can see,
# and requires 95% of strace's lines to be identical.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROGS=$ZP_BUILD/tests/progs
COMPARE=$ZP_ROOT/tests/trace/compare.py
PY=$(command -v /usr/bin/python3 || command -v python3)

need_strace "compare-with-strace"
if [ -z "$PY" ]; then
	skip "compare-with-strace" "python3 is needed to compare"
	finish
fi
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 LC_ALL=C

# compare NAME CMD...: run CMD under both, in the same fresh directory.
compare() {
	local name=$1
	shift
	local dir=$TMP/work
	rm -rf "$dir" && mkdir -p "$dir"
	(cd "$dir" && strace -f -o "$TMP/$name.strace" "$@" >/dev/null 2>&1 </dev/null)
	rm -rf "$dir" && mkdir -p "$dir"
	(cd "$dir" && LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-f -o $TMP/$name.trace" \
		"$@" >/dev/null 2>"$TMP/$name.err" </dev/null)
	local rc=$?
	if [ $rc -ne 0 ] && ! grep -q . "$TMP/$name.trace"; then
		fail "compare-$name (traced run exit $rc, no trace)"
		head -5 "$TMP/$name.err"
		return
	fi
	local out
	out=$("$PY" "$COMPARE" "$TMP/$name.strace" "$TMP/$name.trace" 0.95)
	if [ $? -eq 0 ]; then
		pass "compare-$name: $(echo "$out" | head -1)"
	else
		fail "compare-$name: $(echo "$out" | head -1)"
		echo "$out" | tail -n +2 | head -20
	fi
}

PYCODE='
import os, socket, sys
d = sys.argv[1]
with open(os.path.join(d, "f.txt"), "w") as f:
    f.write("hello\n" * 10)
with open(os.path.join(d, "f.txt")) as f:
    data = f.read()
os.listdir(d)
os.stat(os.path.join(d, "f.txt"))
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.sendall(b"ping"); a.recv(16); a.sendall(data.encode()); c.recv(100)
u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); u.close()
for x in (a, c, s): x.close()
os.unlink(os.path.join(d, "f.txt"))
'

compare ls ls -la /usr/share/doc/bash /etc/hostname
compare cat cat /etc/passwd /etc/hostname
compare mixed "$PROGS/tp-mixed" "$TMP/work"
compare python "$PY" -c "$PYCODE" "$TMP/work"
finish
