#!/bin/bash
# run.sh [PATTERN...] - the test suite's hook and command tests against the
# sanitizer builds of `make sanitize`, then valgrind on the zpoline command.
#
#   1. build/asan/tree/: build/ as the tests know it (symlinks), but with the
#      ASan+UBSan hook libraries and zpoline command in place of the normal
#      ones; the runtime itself stays the normal build.
#   2. The canary hook (tests/sanitize/canary.c) plants a heap overflow and a
#      signed overflow: their reports must come out, else nothing below
#      would mean anything.
#   3. Every tests/{integration,cli,hooks,trace}/test-*.sh (or those matching
#      PATTERN) runs with ZP_BUILD=build/asan/tree; a sanitizer report
#      anywhere (ASan and UBSan log to files, so tests that compare output
#      are not disturbed) fails the run.
#   4. The ASan command again, with LeakSanitizer, on a list of invocations:
#      --help, --version, help pages, bad arguments, run/trace/inject of
#      /bin/true, doctor.
#   5. valgrind --leak-check=full on the normal build/zpoline, same list
#      (only the command: children are not traced).
# Prints PASS/FAIL/SKIP lines and "N passed, N failed"; exit 0 if none failed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2
B=$root/build
A=$B/asan
T=$A/tree
out=$(mktemp -d /tmp/zp-sanitize.XXXXXX)
export ZPOLINE_CACHE_DIR=$out/cache
pass=0 fail=0 skip=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
skp() { echo "SKIP: $*"; skip=$((skip + 1)); }
finish() {
	echo "logs in $out"
	echo "$pass passed, $fail failed, $skip skipped"
	[ $fail -eq 0 ]
	exit
}

# The normal build (make) is what the tests run besides the hooks and the
# command; only the sanitizer builds are made here.
if [ ! -e "$B/libzpoline.so" ]; then
	bad "build/libzpoline.so is not built: run make first"
	finish
fi
if ! make -s sanitize >"$out/make.log" 2>&1; then
	bad "make sanitize"
	tail -20 "$out/make.log"
	finish
fi

# --- 1. the tree -------------------------------------------------------------
rm -rf "$T"
mkdir -p "$T"
for f in "$B"/*; do
	case "${f##*/}" in asan | fuzz) continue ;; esac
	ln -s "$f" "$T/"
done
# Copies, not links: the command finds the runtime and hooks next to
# /proc/self/exe, which resolves links.
for f in "$A"/libzphook_*.so "$A"/zpoline; do
	[ -e "$f" ] || continue
	[ "${f##*/}" = libzphook_canary.so ] && continue # not a hook the tests know
	rm -f "$T/${f##*/}"
	cp "$f" "$T/"
done

# A hook library is loaded with dlmopen into a namespace of its own, after
# the (uninstrumented) runtime: ASan must not insist on coming first.  It
# starts in that namespace and intercepts that namespace's libc only, but
# signal handlers are per process: ASan's SIGSEGV/SIGBUS/SIGFPE handlers
# would take over the program's own (tests expect a program to die of
# SIGSEGV), so they stay off.  LeakSanitizer stays off too: it cannot work
# under ptrace (the tests compare with strace) and a report at exit changes
# the program's exit status; leaks in the command are checked apart (5.).
# (The hooks have these built in too: tests/sanitize/hook_defaults.c.)
SAN_OPTS=${ZP_ASAN_OPTIONS:-detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0}
san_env() { # san_env DIR [ASAN OPTIONS]: ASan reports go to DIR/asan.PID
	mkdir -p "$1"
	export ASAN_OPTIONS="verify_asan_link_order=0:log_path=$1/asan:${2:-$SAN_OPTS}"
	# gcc 12's libubsan ignores log_path next to libasan: UBSan reports go
	# to stderr, and halt_on_error makes them fail the test.
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
}
reports() { ls "$1"/asan.* 2>/dev/null; }

# --- 2. the canary -----------------------------------------------------------
canary() { # canary MODE PATTERN
	local d=$out/canary-$1
	(san_env "$d"
	 ZP_CANARY=$1 LD_PRELOAD=$B/libzpoline.so LIBZPHOOK=$A/libzphook_canary.so \
		dash -c 'echo $PPID' >/dev/null 2>"$d/stderr")
	local rc=$?
	if [ $rc -ne 0 ] && grep -q "$2" "$d/stderr" $(reports "$d") 2>/dev/null; then
		ok "a planted $1 bug in a dlmopen'd hook is reported ($2) and stops the program"
	else
		bad "the planted $1 bug in the canary hook was not reported (exit $rc; see $d)"
	fi
}
canary heap 'heap-buffer-overflow'
canary ubsan 'signed integer overflow'
d=$out/canary-none
(san_env "$d"
 ZP_CANARY=none LD_PRELOAD=$B/libzpoline.so LIBZPHOOK=$A/libzphook_canary.so \
	dash -c 'echo $PPID' >/dev/null 2>"$d/stderr")
rc=$?
if [ $rc -ne 0 ] || [ -s "$d/stderr" ] || reports "$d" >/dev/null; then
	bad "the canary is not quiet with no bug planted (exit $rc; see $d)"
else
	ok "the canary is quiet with no bug planted"
fi

# --- 3. the tests ------------------------------------------------------------
tests=()
for f in tests/integration/test-*.sh tests/cli/test-*.sh tests/hooks/test-*.sh tests/trace/test-*.sh; do
	[ -e "$f" ] || continue
	if [ $# -gt 0 ]; then
		keep=0
		for p in "$@"; do case "$f" in *"$p"*) keep=1 ;; esac; done
		[ $keep = 1 ] || continue
	fi
	tests+=("$f")
done
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	d=$out/$name
	log=$out/$name.log
	(san_env "$d"
	 export ZP_ROOT=$root ZP_BUILD=$T
	 timeout -k 10 "${ZP_TEST_TIMEOUT:-600}" "./$t" >"$log" 2>&1)
	rc=$?
	np=$(grep -c '^PASS: ' "$log") nf=$(grep -c '^FAIL: ' "$log") ns=$(grep -c '^SKIP: ' "$log")
	r=$(reports "$d")
	if [ -n "$r" ]; then
		bad "$name: sanitizer reports ($(echo "$r" | wc -l) files in $d)"
		for f in $r; do grep -m4 -E 'ERROR: |runtime error|^    #[0-3] ' "$f" | sed 's/^/    | /'; done
	fi
	# As tests/run counts: a test that exits non-zero has failed, whatever
	# it printed before (a timeout, a signal, a crash half-way).
	if [ "$nf" -gt 0 ] || [ $rc -ne 0 ]; then
		bad "$name under the sanitizer builds: $np passed, $nf failed, exit $rc ($log)"
		grep '^FAIL: ' "$log" | head -10 | sed 's/^/    | /'
	else
		ok "$name under the sanitizer builds: $np passed, $ns skipped, no report"
	fi
done

# --- 4. the ASan command, leaks included -----------------------------------
# Each line: a name, then the command's arguments.
cmd_cases() {
	cat <<-EOF
	help --help
	version --version
	help-run help run
	run-help run --help
	trace-help trace --help
	inject-help inject --help
	noargs
	bogus no-such-command
	bad-option run --no-such-option -- /bin/true
	bad-spec inject write:error=NOPE -- /bin/true
	run run -- /bin/true
	run-missing run -- /nonexistent/program
	trace trace -o $out/trace.out -- /bin/true
	inject inject getpid:error=EPERM -- /bin/true
	doctor doctor
	EOF
}
if [ ! -x "$T/zpoline" ] || [ ! -x "$B/zpoline" ]; then
	skp "the zpoline command is not built (src/cli/)"
	finish
fi
while read -r name args; do
	d=$out/leaks-$name
	# shellcheck disable=SC2086 # args are split on purpose
	(san_env "$d" "detect_leaks=1"
	 "$T/zpoline" $args >/dev/null 2>"$d/stderr" </dev/null)
	rc=$?
	r=$(reports "$d")
	if [ -z "$r" ] && ! grep -q 'runtime error' "$d/stderr"; then
		ok "ASan+LSan: zpoline $args (exit $rc, no report)"
	else
		bad "ASan+LSan: zpoline $args (exit $rc): $d"
		cat $r "$d/stderr" | grep -m6 -E 'ERROR|runtime error|^    #[0-4] ' | sed 's/^/    | /'
	fi
done < <(cmd_cases)

# --- 5. valgrind on the command ---------------------------------------------
if ! command -v valgrind >/dev/null; then
	skp "valgrind: not installed (apt-get install valgrind)"
	finish
fi
vg() { # vg NAME ARGS...: no valgrind error and no leak (exit 99 if any)
	local name=$1
	shift
	local log=$out/valgrind-$name.log
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--log-file="$log" "$B/zpoline" "$@" >/dev/null 2>&1 </dev/null
	local rc=$?
	# valgrind's own warnings (doctor probes system call numbers valgrind
	# does not know) are not errors of the command.
	local warn=""
	grep -q 'WARNING' "$log" && warn=", valgrind warnings in $log"
	if [ $rc -ne 99 ]; then
		ok "valgrind: zpoline $* (exit $rc, no error, no leak$warn)"
	else
		bad "valgrind: zpoline $* (exit $rc): $log"
		grep -v WARNING "$log" | grep -m12 -E 'lost|Invalid|uninit|  (at|by) ' | sed 's/^/    | /'
	fi
}
while read -r name args; do
	# shellcheck disable=SC2086
	vg "$name" $args
done < <(cmd_cases)
finish
