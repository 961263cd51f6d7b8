# tests/lib.sh - helpers for shell tests.  Source it; then call `pass`,
# `fail`, `skip` or `check NAME COMMAND...`, and end with `finish`.
set -u
ZP_ROOT=${ZP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
ZP_BUILD=${ZP_BUILD:-$ZP_ROOT/build}
LIB=$ZP_BUILD/libzpoline.so
HOOK_COUNT=$ZP_BUILD/libzphook_count.so
HOOK_PASS=$ZP_BUILD/libzphook_pass.so
# Sites rewritten at start-up, as the tests of the rewritten path need even
# in programs that make few calls; test-tier and test-modes set it (an empty
# value: the runtime's default count).
export ZPOLINE_SWITCH_AFTER=${ZPOLINE_SWITCH_AFTER-0}
# Without it (a full disk) tests would write into the current directory.
TMP=$(mktemp -d /tmp/zp-test.XXXXXX) && [ -d "$TMP" ] || {
	echo "FAIL: cannot create a temporary directory under /tmp"
	exit 1
}
trap 'rm -rf "$TMP"' EXIT
_failures=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; _failures=$((_failures + 1)); }
skip() { echo "SKIP: $*"; }

# The kernel lets user code read and write the %gs base (FSGSBASE, bit 1 of
# AT_HWCAP2): without it a program's own base and a thread refused
# arch_prctl(ARCH_SET_GS) are limits of the runtime (README, Limits).
have_fsgsbase() {
	local v
	v=$(LD_SHOW_AUXV=1 /bin/true | sed -n 's/^AT_HWCAP2: *//p')
	(( ${v:-0} & 2 ))
}

# PKU: the CPU has protection keys and the runtime may use them (page 0
# execute-only), 1 or 0.  also_without_pku "$0" "$@": on such a machine,
# runs the calling script again with ZPOLINE_PKU=0 (page 0 readable, as on
# CPUs without them), each of its cases labelled [no PKU], so that both
# kinds of machine's paths are tested on either.
PKU=0
grep -qw ospke /proc/cpuinfo && [ "${ZPOLINE_PKU:-}" != 0 ] && PKU=1
also_without_pku() {
	local rc
	[ $PKU = 1 ] || return 0
	ZPOLINE_PKU=0 "$@" >"$TMP/nopku" 2>&1
	rc=$?
	sed -n 's/^\(PASS\|FAIL\|SKIP\): \(.*\)/\1: [no PKU] \2/p' "$TMP/nopku"
	[ $rc -eq 0 ] || fail "[no PKU] $1 exited $rc"
}

# need_strace WHAT: a test that compares with strace ends here, WHAT
# skipped, where strace is not installed.
need_strace() {
	command -v strace >/dev/null && return 0
	skip "$1" "strace is not installed"
	exit 0
}

# check NAME CMD...: PASS if CMD exits 0.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# COND1 && COND2 ...; outcome NAME: PASS if the conditions just tested all
# held ($? of the chain).  (check takes one command: "check N A && B"
# would assert A only.)  NAME must not hold a command substitution: it runs
# before outcome and replaces the chain's $? with its own.
outcome() {
	if [ $? = 0 ]; then pass "$1"; else fail "$1"; fi
}

# verdict STATUS MESSAGE: outcome for a message that runs a command
# (a $(...) in outcome's argument would reset $? before outcome reads it:
# the case could not fail).
verdict() {
	if [ "$1" = 0 ]; then pass "$2"; else fail "$2"; fi
}

# hooked CMD...: run CMD under the runtime (extra hooks via LIBZPHOOK).
hooked() { LD_PRELOAD=$LIB "$@"; }

# variant LABEL VAR=VALUE: tests/integration's test-core and test-programs
# again with VAR=VALUE, each case relabelled [LABEL].
variant() {
	variant_under "$1" env "$2"
}

# variant_under LABEL CMD...: the same, each test script run by CMD SCRIPT.
variant_under() {
	local label=$1 t rc
	shift
	for t in test-core.sh test-programs.sh; do
		"$@" "$ZP_ROOT/tests/integration/$t" >"$TMP/out" 2>&1
		rc=$?
		sed -n "s/^\(PASS\|FAIL\|SKIP\): \(.*\)/\1: [$label] \2/p" "$TMP/out"
		[ $rc -eq 0 ] || fail "[$label] $t exited $rc"
	done
}

# same_output NAME CMD...: CMD prints the same stdout and exit status
# natively and hooked (pass-through hook).
same_output() {
	local name=$1
	shift
	local n h rn rh
	n=$("$@" 2>"$TMP/native.err"); rn=$?
	h=$(LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS "$@" 2>"$TMP/hooked.err"); rh=$?
	if [ "$n" == "$h" ] && [ $rn -eq $rh ]; then
		pass "$name"
	else
		fail "$name (exit native $rn hooked $rh)"
		diff <(echo "$n") <(echo "$h") | head -20
		head -20 "$TMP/hooked.err"
	fi
}

finish() { exit 0; }

# A whole line of a -f -o trace: "TID  name(...) = result", an unfinished
# call or its resumption, a signal delivery, or a task's end.
TRACE_WHOLE_LINE='^[0-9]+ +([a-z_0-9]+\(.*\) += (.*)|[a-z_0-9]+\(.* <unfinished \.\.\.>|<\.\.\. [a-z_0-9]+ resumed>.* += .*|\+\+\+ (exited with [0-9]+|killed by SIG[A-Z0-9_]+.*) \+\+\+|--- SIG[A-Z0-9_]+ \{.*\} ---)$'
# The hooks under test are AddressSanitizer builds (tests/sanitize/run.sh).
# ASan reserves terabytes of shadow address space, some of it in the low
# 4 GiB, and its runtime makes system calls of its own: limits on address
# space, a reserved low 4 GiB and a seccomp filter cannot hold it.
asan_hooks() { readelf -d "$HOOK_PASS" 2>/dev/null | grep -q libasan; }
