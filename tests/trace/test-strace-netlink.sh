#!/bin/bash
# test-strace-netlink.sh - netlink messages as strace 6.1 decodes them:
# getaddrinfo's AI_ADDRCONFIG address dump (sendto, recvmsg), getifaddrs's
# link dump (interfaces' attributes, their counters) and a failing request
# sent with sendmsg whose NLMSG_ERROR answer echoes it (recvfrom), IPv4
# route and neighbour dumps (rtmsg, ndmsg and their attributes), sock_diag
# questions and answers about a TCP and a UNIX socket.  Before,
# the tracer printed every one of them as a string of bytes.  Sequence
# numbers, port ids, the interfaces' traffic counters, the neighbours' ages,
# the sockets' inodes, cookies and port (they move between the two runs)
# are normalised.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/strace-lines.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-netlink
need_strace "netlink decoded like strace"
norm() {
	sed -E 's/^[0-9]+ +//; s/nlmsg_seq=[0-9]+/nlmsg_seq=SEQ/g; s/(nl_pid|nlmsg_pid)=[1-9][0-9]*/\1=PORT/g;
		s/\b((rx|tx)_[a-z_]+|multicast|collisions|ndm_confirmed|ndm_used|ndm_updated)=[0-9]+/\1=N/g
		s/\b(idiag_inode|udiag_ino)=[0-9]+/\1=N/g; s/(idiag_cookie|udiag_cookie)=\[[0-9]+, [0-9]+\]/\1=C/g
		s/idiag_sport=htons\([0-9]+\)/idiag_sport=P/g; s/(UNIX_DIAG_PEER\}, )[0-9]+/\1N/g' "$1"
}
strace -o "$TMP/s.trace" "$PROG" >/dev/null || fail "tp-netlink natively"
LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-o $TMP/z.trace" "$PROG" >/dev/null ||
	fail "tp-netlink traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
check "strace decoded netlink messages here" grep -q 'nlmsg_type=RTM_NEWADDR' "$TMP/s.lines"
check "the route dump has routes" grep -q 'nlmsg_type=RTM_NEWROUTE' "$TMP/s.lines"
check "sock_diag answered about both sockets" \
	grep -q 'idiag_state=TCP_LISTEN.*udiag_state=TCP_ESTABLISHED' <(tr -d '\n' <"$TMP/s.lines")
same_calls "$TMP/s.lines" "$TMP/z.lines" socket bind sendto recvmsg sendmsg recvfrom

# Malformed messages: decoding them must not bring the program down.
LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-o $TMP/f.trace" "$PROG" fuzz
rc=$?
check "20000 malformed messages traced, the program unharmed (exit $rc)" test $rc -eq 0
check "... and decoded as messages" grep -q 'nlmsg_type=RTM_NEWROUTE' "$TMP/f.trace"
finish
