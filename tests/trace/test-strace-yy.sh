#!/bin/bash
# test-strace-yy.sh - -yy: sockets (protocol and ends, from the kernel's
# sock_diag interface) and devices (major:minor) as strace -yy prints them,
# each descriptor as it was when the call began (bind, connect, sendto
# change it); and --decode-fds=socket as -yy.
. "$(dirname "$0")/../lib.sh"

PROG=$ZP_BUILD/tests/progs/tp-yy
need_strace "-yy descriptors"
# The program's own calls (from the first open of /dev/null on), inode
# numbers, ports and pids as N.  The pid by its getpid() line as well: after
# pids wrap it may have fewer than 4 digits (a CI run's 931 and 933).
norm() {
	local pid
	pid=$(sed -nE 's/^([0-9]+ +)?getpid\(\) += ([0-9]+)$/\2/p' "$1" | head -1)
	sed -E 's/^[0-9]+ +//; s/[[:space:]]+= ([^=]*)$/ = \1/' "$1" |
		sed -n '/^openat(AT_FDCWD[^,]*, "\/dev\/null"/,$p' |
		grep -Ev '^(exit_group|\+\+\+|getpid)' |
		sed -E "s/0x[0-9a-f]{8,}/ADDR/g; s/([^0-9]|^)${pid:-NOPID}([^0-9]|\$)/\1N\2/g; s/[0-9]{4,}/N/g"
}
(cd "$TMP" && strace -yy -o "$TMP/s.trace" "$PROG") || fail "tp-yy natively"
(cd "$TMP" && "$ZP_BUILD/zpoline" trace -yy -o "$TMP/z.trace" -- "$PROG") || fail "tp-yy traced"
(cd "$TMP" && "$ZP_BUILD/zpoline" trace --decode-fds=socket -o "$TMP/d.trace" -- "$PROG") ||
	fail "tp-yy traced with --decode-fds=socket"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
norm "$TMP/d.trace" >"$TMP/d.lines"
n=$(wc -l <"$TMP/s.lines")
[ "$n" -ge 50 ] || fail "strace -yy shows only $n lines of the program"
check() { # check WHAT PATTERN: the lines matching PATTERN are strace's
	if cmp -s <(grep -E "$2" "$TMP/s.lines") <(grep -E "$2" "$TMP/z.lines"); then
		pass "$1: as strace -yy prints them ($(grep -cE "$2" "$TMP/s.lines") lines)"
	else
		fail "$1 differ from strace -yy"
		diff <(grep -E "$2" "$TMP/s.lines") <(grep -E "$2" "$TMP/z.lines") | head -10
	fi
}
check "character devices" '<char '
check "TCP sockets" '<TCP(v6)?:'
check "UDP sockets" '<UDP:'
check "UNIX sockets" '<UNIX(-STREAM)?:'
check "netlink sockets" '<NETLINK:'
check "raw sockets" '<RAW:'
check "dup2 and dup3" '^dup[23]\('
check "a file name with a newline, quotes, '<', '>' and control bytes" '^fsync\('
if cmp -s "$TMP/s.lines" "$TMP/z.lines"; then
	pass "every line of the program as strace -yy prints it ($n lines)"
else
	fail "the program's lines differ from strace -yy"
	diff "$TMP/s.lines" "$TMP/z.lines" | head -10
fi
cmp -s "$TMP/z.lines" "$TMP/d.lines"
outcome "--decode-fds=socket prints as -yy"
# Under a seccomp filter the tracer asks the kernel nothing (its own
# socket() could be what the filter kills): sockets as -y shows them.
(cd "$TMP" && "$ZP_BUILD/zpoline" trace -yy -o "$TMP/f.trace" -- "$PROG" seccomp)
rc=$?
[ $rc -eq 0 ] && grep -q '<socket:\[[0-9]*\]>' "$TMP/f.trace" &&
	! grep -Eq '<(TCP|UDP|UNIX|NETLINK)' "$TMP/f.trace" && grep -q '</dev/null>' "$TMP/f.trace"
outcome "under a seccomp filter: -yy asks nothing, descriptors as -y (exit $rc)"
finish
