#!/bin/bash
# test-strace-verbose.sh - -v (--no-abbrev) and -e abbrev=SET as strace
# 6.1 prints them (tests/trace/tp-verbose.c): stat and fstat in full (the
# device numbers, ids, sizes and the three times with their dates),
# statx's fields as its mask says, uname's six strings, execve's environment
# as strings, and arrays past -s elements (a 40-buffer writev, a
# 40-argument execve) whole; with -e abbrev=statx only statx in short.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/strace-lines.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-verbose
need_strace "-v compared with strace's"
FILE=$TMP/file
echo data >"$FILE"
touch -a -d '2001-02-03 04:05:06.123456789' "$FILE"
touch -m -d '2010-11-12 13:14:15' "$FILE"
CALLS=newfstatat,fstat,statx,uname,getrusage,writev,execve
# fixed environments: the shell's "_" would name each tracer
run_both() {
	local name=$1
	shift
	env -i PATH=/usr/bin:/bin strace -f -qq -o "$TMP/s.$name" -e trace=$CALLS "$@" "$PROG" "$FILE" ||
		fail "[$name] tp-verbose under strace"
	env -i PATH=/usr/bin:/bin "$ZP" trace -f -qq -o "$TMP/z.$name" -e trace=$CALLS "$@" -- \
		"$PROG" "$FILE" || fail "[$name] tp-verbose under zpoline trace"
	# ld.so's own fstat of the libraries it opens is not the tracer's to
	# see (--from-start shows it): the program's calls, from its first
	# stat of FILE to its execve; pids and the environment's address out.
	for t in s z; do
		sed -E 's/^[0-9]+ +//; s/\], 0x[0-9a-f]+ \/\* /], ADDR \/* /' "$TMP/$t.$name" |
			sed -n "\\|^newfstatat(AT_FDCWD, \"$FILE\"|,/^execve(/p" >"$TMP/$t.$name.lines"
	done
}

run_both full -v
check "[full] strace printed st_ino, times and their dates" \
	grep -q 'st_ino=.*st_atime=981173106 /\* 2001-02-03T04:05:06.123456789' "$TMP/s.full.lines"
same_calls "$TMP/s.full.lines" "$TMP/z.full.lines" newfstatat fstat statx uname writev execve
# getrusage: every field named (its values move between the runs)
for t in s z; do grep '^getrusage(' "$TMP/$t.full.lines" | sed -E 's/[0-9]+/N/g' >"$TMP/$t.ru"; done
check "[full] getrusage shows every field, as strace" \
	eval 'grep -q ru_nivcsw "$TMP/s.ru" && cmp -s "$TMP/s.ru" "$TMP/z.ru"'
# the first execve line, the root's, is the tracer's own reconstruction
sed -n '1s/^[0-9]* *//p' "$TMP/s.full" >"$TMP/s.root"
sed -n '1s/^[0-9]* *//p' "$TMP/z.full" >"$TMP/z.root"
check "[full] the root's execve shows its environment as strace's" cmp -s "$TMP/s.root" "$TMP/z.root"

run_both short
same_calls "$TMP/s.short.lines" "$TMP/z.short.lines" newfstatat fstat statx uname writev execve

run_both some -v -e abbrev=statx
same_calls "$TMP/s.some.lines" "$TMP/z.some.lines" newfstatat statx uname writev

for bad in "-e abbrev=nosuchcall" "-e verbose=none"; do
	# shellcheck disable=SC2086 # the options are words
	out=$("$ZP" trace $bad -o /dev/null -- "$PROG" "$FILE" 2>&1)
	rc=$?
	[ $rc -eq 2 ] && [[ "$out" == *"-e "* ]] && pass "refused: $bad ($out)" ||
		fail "$bad: exit $rc, '$out'"
done
finish
