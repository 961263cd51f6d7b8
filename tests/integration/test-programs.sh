#!/bin/bash
# Real programs nobody here wrote give the same output and exit status
# natively and under the runtime with the pass-through hook.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
need() { command -v "$1" >/dev/null 2>&1; }
run_case() { # NAME PROGRAM-NEEDED CMD...
	local name=$1 prog=$2
	shift 2
	if ! need "$prog"; then skip "$name ($prog not installed)"; return; fi
	same_output "$name" "$@"
}

cd "$TMP" || exit 1
printf 'int main(void){return 0;}\n' >a.c
gcc -c -o a.o a.c 2>/dev/null
mkdir -p tree/sub && echo hello >tree/sub/f && echo world >tree/g

run_case "ls -la" ls ls -la /usr/lib/x86_64-linux-gnu/gconv
# An executable mapping longer than its file (ar loading LLVMgold.so): the
# runtime scans only what the file backs.  A fresh copy: not in the cache.
cp "$ZP_BUILD/libzphook_trace.so" "$TMP/fresh.so" && printf 'x' >>"$TMP/fresh.so"
run_case "mapping past the end of its file" cat "$ZP_BUILD/tests/progs/pasteof" "$TMP/fresh.so"
if need ar && need gcc; then
	same_output "ar qc (loads the LLVM gold plugin, if installed)" sh -c \
		"rm -f $TMP/x.a && ar qc $TMP/x.a $TMP/a.o && ar t $TMP/x.a"
fi
run_case "bash pipeline" bash bash -c 'echo hello | tr a-z A-Z | wc -c; for i in 3 1 2; do echo $i; done | sort -r'
run_case "dash: sh -c 'true; echo x'" dash dash -c 'true; echo x'
run_case "dash: vfork-heavy loop" dash dash -c 'i=0; while [ $i -lt 50 ]; do /bin/true; i=$((i+1)); done; echo $i'
run_case "tar through dash" dash dash -c "tar -C $TMP -cf - tree | tar -tvf - | awk '{print \$NF}' | sort"
run_case "gcc compiles and links" gcc sh -c "gcc -O2 -o $TMP/a $TMP/a.c && $TMP/a && echo built"
run_case "make -j2" make sh -c "printf 'all: x y\nx:\n\t@echo x\ny:\n\t@echo y\n' > $TMP/Mk && make -s -j2 -f $TMP/Mk | sort"
run_case "git log" git git -C "$ZP_ROOT" log --oneline -3
run_case "perl system()" perl perl -e 'print "x" x 3, "\n"; system("echo sub") == 0 or die'
run_case "python3 threads + subprocess" $PY $PY -c '
import threading, subprocess
r = []
def f():
    r.append(subprocess.run(["echo", "hi"], capture_output=True).stdout)
ts = [threading.Thread(target=f) for i in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print(len(r), r[0])'
run_case "python3 os/signal/socket" $PY $PY -c '
import os, signal, socket, time
got = []
signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))
os.kill(os.getpid(), signal.SIGUSR1)
a, b = socket.socketpair()
a.sendall(b"ping"); print(b.recv(4), got)
r, w = os.pipe(); pid = os.fork()
if pid == 0:
    os.write(w, b"child"); os._exit(3)
print(os.read(r, 5), os.waitpid(pid, 0)[1] >> 8)'
run_case "python3 posix_spawn from threads" $PY $PY -c '
import os, threading
def f():
    pid = os.posix_spawn("/bin/true", ["true"], os.environ)
    os.waitpid(pid, 0)
ts = [threading.Thread(target=f) for i in range(6)]
[t.start() for t in ts]; [t.join() for t in ts]; print("spawned")'
run_case "sort --parallel=2" sort sh -c "seq 1 20000 | sort -R --random-source=/dev/zero | sort -n --parallel=2 | tail -1"
run_case "find" find find /usr/share/doc/bash -type f -name '*.gz'
run_case "xz round trip" xz sh -c "seq 1 10000 | xz | xz -d | md5sum"
run_case "sqlite3" sqlite3 sqlite3 :memory: 'create table t(x); insert into t values(1),(2); select sum(x) from t;'
finish
