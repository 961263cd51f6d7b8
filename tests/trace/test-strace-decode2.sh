#!/bin/bash
# test-strace-decode2.sh - every line of tp-decode2's calls exactly as
# strace 6.1 prints it (after addresses, the program's pid and the time a
# timer has left are normalised): one case per system call, all of its
# lines in order.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-decode2
if ! command -v strace >/dev/null; then
	skip "decoded like strace" "strace is not installed"
	finish
fi
norm() {
	local pid
	pid=$(sed -nE 's/^getpid\(\) += ([0-9]+)$/\1/p' "$1" | head -1)
	sed -E "s/^[0-9]+ +//; s/\\b${pid:-PID}\\b/PID/g; s/0x[0-9a-f]{6,}/ADDR/g; s/[[:space:]]+= ([^=]*)\$/ = \\1/" "$1" |
		sed -E 's/^(timer_gettime\(.*it_value=\{tv_sec=)[0-9]+, tv_nsec=[0-9]+\}/\1S, tv_nsec=N}/'
}
(cd "$TMP" && strace -o "$TMP/s.trace" "$PROG") || fail "tp-decode2 natively"
(cd "$TMP" && LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-o $TMP/z.trace" "$PROG") ||
	fail "tp-decode2 traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
for name in getcpu membarrier ioprio_get ioprio_set timer_create timer_settime timer_gettime \
	timer_getoverrun timer_delete tee splice vmsplice sync_file_range sendmmsg recvmmsg \
	rt_sigqueueinfo rt_tgsigqueueinfo sched_getattr sched_setattr seccomp io_uring_setup \
	io_uring_enter io_uring_register io_setup io_submit io_getevents io_cancel io_destroy \
	inotify_init signalfd openat2 utime utimes futimesat capget capset personality mount \
	umount2 pivot_root swapon swapoff reboot kcmp pkey_alloc pkey_free userfaultfd \
	memfd_secret semget shmget msgget mq_unlink delete_module sethostname setdomainname \
	process_madvise futex_waitv; do
	want=$(grep -E "^$name\\(" "$TMP/s.lines")
	got=$(grep -E "^$name\\(" "$TMP/z.lines")
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		pass "$name: as strace prints it"
	else
		fail "$name: strace '$want', tracer '$got'"
	fi
done
finish
