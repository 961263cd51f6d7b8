#!/bin/bash
# test-count.sh - -c counts calls like strace -c: for deterministic
# programs the table's count of every system call equals the number of
# calls strace saw from the point where the tracer starts (after the
# runtime's start-up, which strace also counts and the tracer cannot).
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROGS=$ZP_BUILD/tests/progs
COMPARE=$ZP_ROOT/tests/trace/compare.py
PY=$(command -v /usr/bin/python3 || command -v python3)

if ! command -v strace >/dev/null || [ -z "$PY" ]; then
	skip "count-vs-strace" "needs strace and python3"
	finish
fi

counts() {
	local name=$1
	shift
	local dir=$TMP/work
	rm -rf "$dir" && mkdir -p "$dir"
	(cd "$dir" && strace -f -o "$TMP/$name.strace" "$@" >/dev/null 2>&1 </dev/null)
	rm -rf "$dir" && mkdir -p "$dir"
	(cd "$dir" && LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-f -C -o $TMP/$name.trace" \
		"$@" >/dev/null 2>&1 </dev/null)
	local out
	out=$("$PY" "$COMPARE" --counts "$TMP/$name.strace" "$TMP/$name.trace")
	if [ $? -eq 0 ]; then
		pass "count-$name: $(echo "$out" | tail -1)"
	else
		fail "count-$name: $(echo "$out" | tail -1)"
		echo "$out" | head -20
	fi
}

counts mixed "$PROGS/tp-mixed" "$TMP/work"
counts cat cat /etc/passwd /etc/hostname
counts ls ls -la /usr/share/doc/bash

# -c alone: only the table, and its total line adds up.
LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-c -o $TMP/c.out" "$PROGS/tp-fork" 2 20 >/dev/null
if head -1 "$TMP/c.out" | grep -q '^% time     seconds  usecs/call     calls    errors syscall$' &&
	awk '/^-/ {n++; next} n == 1 {s += $4} /total$/ {t = $4} END {exit !(s == t && t > 0)}' "$TMP/c.out"; then
	pass "count-table: header and total line"
else
	fail "count-table: header or total wrong"
	cat "$TMP/c.out"
fi

# exit_group and exit never return: strace -c leaves them out.
LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-f -c -o $TMP/cx.out" "$PROGS/tp-threads" 8 2000 >/dev/null 2>&1
check "count-exit: exit and exit_group not in the table" \
	[ "$(awk '$NF == "exit_group" || $NF == "exit"' "$TMP/cx.out" | wc -l)" = 0 ]
# Threads count in separate copies of the table, summed at the end: 8
# threads' 2000 lseeks each are all there, on one row.
check "count-threads: 8 x 2000 lseek from 8 threads sum to 16000" \
	[ "$(awk '$NF == "lseek" {print $4}' "$TMP/cx.out")" = 16000 ]

# More threads at once than there are tables a thread counts in alone
# (ZP_TRACE_COUNT_OWN): the rest count in the shared ones, and every call
# is there.
LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-f -c -o $TMP/cm.out" "$PROGS/tp-threads" 40 500 >/dev/null 2>&1
check "count-manythreads: 40 x 500 lseek from 40 threads at once sum to 20000" \
	[ "$(awk '$NF == "lseek" {print $4}' "$TMP/cm.out")" = 20000 ]
# Processes one after another, each with threads: the tables of the
# reaped ones are taken again by the next ones, and nothing is lost.
LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-f -c -o $TMP/cr.out" \
	sh -c 'i=0; while [ $i -lt 40 ]; do "$1" 3 100 || exit 1; i=$((i + 1)); done' sh "$PROGS/tp-threads" >/dev/null 2>&1
check "count-reuse: 40 processes of 3 x 100 lseek sum to 12000" \
	[ "$(awk '$NF == "lseek" {print $4}' "$TMP/cr.out")" = 12000 ]

# The table is summed from the parts of the control block that were
# written: a session writes a few pages of its 768 KiB of count tables,
# and reading the rest through the mapping gave each page never written a
# zeroed page of its own.  tp-sumholes checks that on a tmpfs (no
# read-around there: a page read is a page resident), with a row across
# the edge of a written page; the sums of real sessions are checked above.
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
	"$PROGS/tp-sumholes" /dev/shm >"$TMP/sumholes" 2>&1
	outcome "count-holes: the summary reads only the written count tables"
	cat "$TMP/sumholes"
else
	skip "count-holes" "/dev/shm is not a tmpfs"
fi

# The execve that started the program is counted, as strace -c counts it
# (and as -o shows it), and so is each later one.
strace -f -c -o "$TMP/sc.out" sh -c 'exec /bin/true' >/dev/null 2>&1
want=$(awk '$NF == "execve" {print $4}' "$TMP/sc.out")
LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-f -c -o $TMP/ce.out" sh -c 'exec /bin/true' >/dev/null
got=$(awk '$NF == "execve" {print $4}' "$TMP/ce.out")
[ -n "$want" ] && [ "$got" = "$want" ] &&
	pass "count-execve: the first and later execve counted ($got, strace -c $want)" ||
	fail "count-execve: tracer ${got:-none}, strace -c ${want:-none}"
finish
