#!/bin/bash
# test-strace-decode3.sh - tp-decode3's calls (message queues, memory
# policies, fanotify, keys, clock adjustment, file handles, landlock,
# quotactl, modify_ldt, recvmsg that fails ...) exactly as strace 6.1 prints them, after
# what differs from run to run is normalised: addresses, the pid, SysV
# and key ids, the clock's time, the log's unread size.  One case per
# system call, all of its lines in order.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/strace-lines.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-decode3
need_strace "decoded like strace"
norm() {
	local pid msq keys k n=0 expr=""
	pid=$(sed -nE 's/^getpid\(\) += ([0-9]+)$/\1/p' "$1" | head -1)
	msq=$(sed -nE 's/^msgget\(IPC_PRIVATE, .*\) += ([0-9]+)$/\1/p' "$1" | head -1)
	# Key serials are random: KEY1, KEY2 ... in the order they appear.
	keys=$(sed -nE 's/^(add_key|keyctl\(KEYCTL_(GET_KEYRING_ID|JOIN_SESSION_KEYRING|GET_PERSISTENT))\(?.*\) += ([0-9]+)$/\3/p' "$1" | awk '!seen[$0]++')
	for k in $keys; do
		n=$((n + 1))
		expr="$expr s/\\b$k\\b/KEY$n/g;"
	done
	sed -E "s/^[0-9]+ +//; s/\\b${pid:-PID}\\b/PID/g; s/0x[0-9a-f]{6,}/ADDR/g; s/[[:space:]]+= ([^=]*)\$/ = \\1/" "$1" |
		sed -E "s/^(msg[a-z]*)\\(${msq:-MSQID},/\\1(MSQID,/; s/^(msgget\\(.*\\)) = ${msq:-MSQID}\$/\\1 = MSQID/" |
		sed -E "$expr s/^((adjtimex|clock_adjtime)\\(.*time=\\{tv_sec=)[0-9]+, tv_usec=[0-9]+\\}/\\1S, tv_usec=U}/" |
		sed -E 's/^(syslog\(9 .*\)) = [0-9]+$/\1 = N/'
}
(cd "$TMP" && TZ=UTC strace -o "$TMP/s.trace" "$PROG") || fail "tp-decode3 natively"
(cd "$TMP" && TZ=UTC LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-o $TMP/z.trace" "$PROG") ||
	fail "tp-decode3 traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
same_calls "$TMP/s.lines" "$TMP/z.lines" msgsnd msgrcv mq_open mq_getsetattr get_mempolicy set_mempolicy mbind migrate_pages \
	move_pages fanotify_init fanotify_mark add_key request_key keyctl adjtimex clock_adjtime \
	settimeofday name_to_handle_at open_by_handle_at landlock_create_ruleset landlock_add_rule \
	modify_ldt perf_event_open quotactl syslog bpf close_range eventfd2 socket \
	ustat lookup_dcookie remap_file_pages io_pgetevents recvmsg

gen=$("$ZP_ROOT/tools/gen-strace-names.sh" 2>"$TMP/gen.err" | grep -v '^#')
if [ -z "$gen" ]; then
	skip "strace-names.txt" "tools/gen-strace-names.sh failed: $(head -c 200 "$TMP/gen.err")"
elif [ "$gen" = "$(grep -v '^#' "$ZP_ROOT/tools/strace-names.txt")" ]; then
	pass "tools/strace-names.txt: the names this strace prints"
else
	fail "tools/strace-names.txt differs from what tools/gen-strace-names.sh writes now"
fi
finish
