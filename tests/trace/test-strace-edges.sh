#!/bin/bash
# test-strace-edges.sh - tp-edges's calls exactly as strace 6.1 prints
# them: the vectors of readv, preadv, preadv2, process_vm_readv and
# sendmmsg calls that failed, unreadable pointers (the address), flags and
# enums no name covers (the number and a /* X_??? */ comment, ints in 32
# bits), PR_SET_NAME's 15 bytes, 16-bit modes, a signal set of a size the kernel refuses,
# unshare's and setns's names, mremap without MREMAP_FIXED, alarm's
# unsigned seconds, an iocb's key, a bit strace does not name in sa_flags,
# sigaltstack's SS_AUTODISARM, ints with garbage above their 32 bits, a
# packet socket's htons(ETH_P_ALL), and siginfo
# with si_errno and a value, sent and delivered (a seccomp trap's data
# too).  Addresses and the pid are normalised; one case per call name,
# all of its lines in order.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/strace-lines.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-edges
need_strace "decoded like strace"
norm() {
	local pid
	pid=$(sed -nE 's/^getpid\(\) += ([0-9]+)$/\1/p' "$1" | head -1)
	# After its seccomp filter the process leaves the file's trim to a
	# command, and there is none here: the room after the lines is NULs.
	tr -d '\0' <"$1" |
		sed -E "s/^[0-9]+ +//; s/\\b${pid:-PID}\\b/PID/g; s/0x[0-9a-f]{6,}/ADDR/g; s/[[:space:]]+= ([^=]*)\$/ = \\1/"
}
(cd "$TMP" && strace -o "$TMP/s.trace" "$PROG") || fail "tp-edges natively"
(cd "$TMP" && LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-o $TMP/z.trace" "$PROG") ||
	fail "tp-edges traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
same_calls "$TMP/s.lines" "$TMP/z.lines" readv preadv preadv2 process_vm_readv sendmmsg writev \
	poll flock eventfd2 accept4 getitimer getrusage prctl msgctl mkdir rt_sigprocmask semtimedop \
	unshare setns mremap io_cancel alarm sigaltstack rt_sigaction rt_sigqueueinfo rt_tgsigqueueinfo \
	rt_sigtimedwait fcntl setsockopt getsockopt futex memfd_create socket \
	'--- SIGUSR1' '--- SIGSYS'
finish
