#!/bin/bash
# test-strace-decode2.sh - every line of tp-decode2's calls exactly as
# strace 6.1 prints it (after addresses, the program's pid and the time a
# timer has left are normalised): one case per system call, all of its
# lines in order.  Calls without a decoder: the raw arguments strace -e
# raw= prints, as many as it prints; and tools/syscall-nargs.txt, where
# their number comes from, is what this strace says.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/strace-lines.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROG=$ZP_BUILD/tests/progs/tp-decode2
need_strace "decoded like strace"
# The SysV ids the kernel hands out differ from run to run: SEMID, SHMID
# (as the first argument, and as the result of the get call only: on a new
# machine the first id is 0, which other calls return too).  The key
# pkey_alloc returns: with PKU the runtime's execute-only page 0 holds the
# kernel's execute-only key (1), so the program's first key is 2, not 1.
norm() {
	local pid sem shm
	pid=$(sed -nE 's/^getpid\(\) += ([0-9]+)$/\1/p' "$1" | head -1)
	sem=$(sed -nE 's/^semget\(IPC_PRIVATE, .*\) += ([0-9]+)$/\1/p' "$1" | head -1)
	shm=$(sed -nE 's/^shmget\(IPC_PRIVATE, 4096, 0600\) += ([0-9]+)$/\1/p' "$1" | head -1)
	sed -E "s/^[0-9]+ +//; s/\\b${pid:-PID}\\b/PID/g; s/0x[0-9a-f]{6,}/ADDR/g; s/[[:space:]]+= ([^=]*)\$/ = \\1/" "$1" |
		sed -E "s/^(sem[a-z]*)\\(${sem:-SEMID},/\\1(SEMID,/; s/^(semget\\(.*\\)) = ${sem:-SEMID}\$/\\1 = SEMID/" |
		sed -E "s/^(shm[a-z]*)\\(${shm:-SHMID},/\\1(SHMID,/; s/^(shmget\\(.*\\)) = ${shm:-SHMID}\$/\\1 = SHMID/" |
		sed -E 's/^(timer_gettime\(.*it_value=\{tv_sec=)[0-9]+, tv_nsec=[0-9]+\}/\1S, tv_nsec=N}/' |
		sed -E 's/^(pkey_alloc\(.*\)) = [0-9]+$/\1 = KEY/'
}
# In UTC, handed the offset as the command hands it (utime's dates).
(cd "$TMP" && TZ=UTC strace -o "$TMP/s.trace" "$PROG") || fail "tp-decode2 natively"
(cd "$TMP" && TZ=UTC ZPOLINE_TRACE_TZ=0 ZPOLINE_TRACE_TZ_FIXED=1 LD_PRELOAD=$LIB LIBZPHOOK=$TRACE \
	ZPOLINE_TRACE_OPTS="-o $TMP/z.trace" "$PROG") ||
	fail "tp-decode2 traced"
norm "$TMP/s.trace" >"$TMP/s.lines"
norm "$TMP/z.trace" >"$TMP/z.lines"
same_calls "$TMP/s.lines" "$TMP/z.lines" getcpu membarrier ioprio_get ioprio_set timer_create timer_settime timer_gettime \
	timer_getoverrun timer_delete tee splice vmsplice sync_file_range sendmmsg recvmmsg \
	rt_sigqueueinfo rt_tgsigqueueinfo sched_getattr sched_setattr seccomp io_uring_setup \
	io_uring_enter io_uring_register io_setup io_submit io_getevents io_cancel io_destroy \
	inotify_init signalfd openat2 utime utimes futimesat capget capset personality mount \
	umount2 pivot_root swapon swapoff reboot kcmp pkey_alloc pkey_free userfaultfd \
	memfd_secret semget shmget msgget mq_unlink delete_module sethostname setdomainname \
	process_madvise futex_waitv semop semtimedop semctl shmat shmdt shmctl msgctl mq_timedsend \
	mq_timedreceive mq_notify process_vm_readv process_vm_writev pidfd_getfd process_mrelease finit_module \
	init_module landlock_restrict_self

# Decoded since (test-strace-decode3 has their other forms): these
# calls' NULL arguments.  Only the arguments are compared: zpoline maps
# page 0, so a NULL the kernel reads is no fault there and the errors
# differ.
for name in msgsnd msgrcv mq_open mq_getsetattr keyctl add_key request_key adjtimex clock_adjtime \
	modify_ldt name_to_handle_at open_by_handle_at fanotify_init fanotify_mark landlock_add_rule \
	landlock_create_ruleset get_mempolicy move_pages mbind settimeofday perf_event_open quotactl syslog bpf; do
	want=$(grep -E "^$name\\(" "$TMP/s.lines" | sed -E 's/\) = .*/)/')
	got=$(grep -E "^$name\\(" "$TMP/z.lines" | sed -E 's/\) = .*/)/')
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		pass "$name: strace's arguments"
	else
		fail "$name: strace '$want', tracer '$got'"
	fi
done

# Not decoded (strace decodes these two no further, and the kernel has
# them no more): as many raw arguments as strace shows.  Only the arguments
# are compared: zpoline maps page 0, so a NULL the kernel reads is no
# fault there and the errors differ.
raw="get_kernel_syms query_module"
(cd "$TMP" && strace -e raw="$(echo $raw | tr ' ' ,)" -o "$TMP/r.trace" "$PROG") || fail "tp-decode2 natively, raw"
rawargs() {
	local pid hpid
	pid=$(sed -nE 's/^getpid\(\) += ([0-9]+)$/\1/p' "$1" | head -1)
	hpid=$(printf '0x%x' "${pid:-0}")
	sed -E "s/\b$hpid\b/PID/g; s/\) += .*/)/" "$1"
}
rawargs "$TMP/r.trace" >"$TMP/r.lines"
rawargs "$TMP/z.trace" >"$TMP/zr.lines"
for name in $raw; do
	want=$(grep -E "^$name\\(" "$TMP/r.lines")
	got=$(grep -E "^$name\\(" "$TMP/zr.lines")
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		pass "$name: strace's raw arguments"
	else
		fail "$name: strace '$want', tracer '$got'"
	fi
done

gen=$("$ZP_ROOT/tools/gen-syscall-nargs.sh" 2>"$TMP/gen.err" | grep -v '^#')
if [ -z "$gen" ]; then
	skip "syscall-nargs.txt" "tools/gen-syscall-nargs.sh failed: $(head -c 200 "$TMP/gen.err")"
elif [ "$gen" = "$(grep -v '^#' "$ZP_ROOT/tools/syscall-nargs.txt")" ]; then
	pass "tools/syscall-nargs.txt: the argument counts of this strace"
else
	fail "tools/syscall-nargs.txt differs from what tools/gen-syscall-nargs.sh writes now"
fi
finish
