#!/bin/bash
# zpoline-loader runs Debian's busybox-static (a stripped static glibc
# program without .eh_frame_hdr): applets give the same output as natively
# and every system call they make reaches the hook (strace -f of a native
# run; futex, which depends on timing, left out).  Commands the shell runs
# by exec are other programs: the coverage stops at their execve.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/loader-lib.sh"
BB=$(command -v busybox)
need_tools "busybox" strace python3 busybox "$LOADER" || finish
if readelf -lW "$BB" | grep -q 'INTERP'; then
	skip "busybox: $BB is not the static build (apt-get install busybox-static)"
	finish
fi
cd "$TMP" || exit 1
mkdir -p tree/sub
echo hello >tree/sub/f
seq 1 500 >tree/numbers
touch -d '2020-01-02 03:04:05' tree tree/sub tree/sub/f tree/numbers

i=0
run() { # [--no-coverage] [--ignore NAMES] NAME ARGS...: busybox ARGS, natively and loaded
	local cov=1 ignore=futex
	[ "$1" = --no-coverage ] && { cov=0; shift; }
	[ "$1" = --ignore ] && { ignore=$ignore,$2; shift 2; }
	local name=$1
	shift
	i=$((i + 1))
	native_traced n.$i trace.$i "$BB" "$@"
	local rn=$?
	loaded l.$i count.$i -- "$BB" "$@"
	local rl=$?
	compare "busybox $name" n.$i $rn l.$i $rl
	[ $cov = 1 ] &&
		covered "busybox $name: coverage" trace.$i count.$i --marker '^execve\(' --ignore "$ignore"
}

run echo echo hello world
# -a only where ".." is ours too: tree's ".." is $TMP, which this test
# writes into, so its time may tick between the two runs.
run "ls -la" ls -la --full-time tree/sub
run "ls -l" ls -l --full-time tree
run cat cat tree/numbers tree/sub/f
# Two children that exit close together may raise one SIGCHLD or two, so
# the shell's handler returns (rt_sigreturn) a number of times that
# depends on timing, like futex.
run --ignore rt_sigreturn "sh -c" sh -c 'echo start; x=$(echo sub); echo $x; for i in 3 1 2; do echo $i; done | sort; cat tree/sub/f; ls tree | wc -l; false || echo status $?'
# The shell execs its last command, busybox again through /proc/self/exe:
# the output shows the link names busybox, not the loader.  (No coverage:
# the process becomes another program, and its counts go with it.)
run --no-coverage "sh -c (re-exec through /proc/self/exe)" sh -c 'echo first; cat tree/sub/f'
finish
