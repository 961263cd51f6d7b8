#!/bin/bash
# Every call's thread and process ids (struct zpoline_call's tid and pid)
# are the kernel's, in the first process, in forked children, in threads,
# after vfork and exec: the ids hook compares each with raw gettid/getpid
# and each process prints "ids: pid P: N checked, M wrong" at exit.
. "$(dirname "$0")/../lib.sh"
HOOK_IDS=$ZP_BUILD/tests/libzphook_ids.so
P=$ZP_BUILD/tests/progs

# ids_case NAME MIN-PROCESSES CMD...: every process reports, none wrong.
ids_case() {
	local name=$1 min=$2
	shift 2
	LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_IDS "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$? lines bad
	lines=$(grep -c '^ids: pid [0-9]*: [1-9][0-9]* checked, [0-9]* wrong$' "$TMP/err")
	bad=$(grep '^ids: ' "$TMP/err" | grep -vc ', 0 wrong$')
	if [ $rc -ne 0 ]; then
		fail "$name: exit status $rc: $(head -c 300 "$TMP/err")"
	elif [ "$bad" -ne 0 ] || [ "$lines" -lt "$min" ]; then
		fail "$name: $lines processes reported (at least $min expected), $bad with wrong ids: $(grep '^ids: ' "$TMP/err" | head -5 | tr '\n' ' ')"
	else
		pass "$name ($lines processes)"
	fi
}

ids_case "one process" 1 /bin/true
ids_case "fork x5 and posix_spawn" 7 "$P/forkcount"
ids_case "threads" 1 "$P/threads" 4 200
ids_case "clone, clone3, vfork, fork" 3 "$P/clones"
ids_case "dash: vfork and exec in a loop" 11 dash -c 'i=0; while [ $i -lt 10 ]; do /bin/true; i=$((i+1)); done'
ids_case "python3: fork from a thread" 2 /usr/bin/python3 -c '
import os, threading
def f():
    pid = os.fork()
    if pid == 0:
        os.getppid(); os._exit(0)
    os.waitpid(pid, 0)
t = threading.Thread(target=f); t.start(); t.join()'
finish
