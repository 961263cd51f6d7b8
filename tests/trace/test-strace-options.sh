#!/bin/bash
# test-strace-options.sh - strace's output and command-line options beyond
# the basic ones, against strace 6.1 where its output can be compared:
# -n (numbers), -x and -xx (hex strings), -a (result column), -e trace=/REGEX,
# -S (summary order), -r and -i (format; -i's address is the one right after
# the program's own inline syscall), -A (append), -E (environment), the
# long forms (--output=, --syscall-number, ...) and the options refused
# with a reason.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-options
have_strace=true
command -v strace >/dev/null || have_strace=false

# The lines of the calls named, without pid prefix and with the result's
# padding removed (the command does not trace ld.so's own calls).
lines() { # file names-regex
	sed -E 's/[[:space:]]+= ([^=]*)$/ = \1/' "$1" | grep -E "$2"
}
calls='(\[ *[0-9]+\] )?(write|openat|getpid|getuid|getgid|close)\('
norm() {
	lines "$1" "$calls" | sed -n '/write(3/,$p' | sed -E 's/(getpid\(\) = )[0-9]+$/\1PID/'
}

# -n, -x, -xx, -a, -e trace=/REGEX: exactly strace's lines.
compare() { # name zpoline-and-strace-options...
	local name=$1
	shift
	if ! $have_strace; then
		skip "$name" "strace is not installed"
		return
	fi
	strace "$@" -o "$TMP/s.trace" "$PROG" >/dev/null || { fail "$name: strace"; return; }
	"$ZP" trace "$@" -o "$TMP/z.trace" -- "$PROG" >/dev/null || { fail "$name: zpoline trace"; return; }
	# From the program's first write to /dev/null on (before it: ld.so,
	# libc's start, and the line with an address that differs run by run).
	norm "$TMP/s.trace" >"$TMP/s.lines"
	norm "$TMP/z.trace" >"$TMP/z.lines"
	if [ -s "$TMP/s.lines" ] && cmp -s "$TMP/s.lines" "$TMP/z.lines"; then
		pass "$name: as strace prints it"
	else
		fail "$name: differs from strace"
		diff "$TMP/s.lines" "$TMP/z.lines" | head -10
	fi
}
compare "-n" -n -e trace=write,openat,getpid,getuid,getgid,close
compare "-x" -x -e trace=write,openat
compare "-xx" -xx -e trace=write,openat
compare "-x -x -x" -x -x -x -e trace=write
compare "-a 12" -a 12 -e trace=write,close
compare "-e trace=/REGEX" -e 'trace=/^(write|get(pid|uid))$'
compare "--trace=?/REGEX,names" --trace='?/^nosuchcall$,write,close'

# -e raw=: arguments and result in hex, as many arguments as strace shows.
if $have_strace; then
	rnorm() {
		lines "$1" '^(write|getpid|getgid|exit_group)\(' | sed -n '/write(0x3/,$p' |
			sed -E 's/0x[0-9a-f]{8,}/ADDR/g; s/^(getpid\(\) = )0x[0-9a-f]+$/\1PID/'
	}
	strace -e raw=write,getpid,getgid,exit_group -e trace=write,getpid,getgid,exit_group \
		-o "$TMP/rs.trace" "$PROG" >/dev/null
	"$ZP" trace -e raw=write,getpid,getgid,exit_group -e trace=write,getpid,getgid,exit_group \
		-o "$TMP/rz.trace" -- "$PROG" >/dev/null
	rnorm "$TMP/rs.trace" >"$TMP/rs.lines"
	rnorm "$TMP/rz.trace" >"$TMP/rz.lines"
	if [ "$(grep -c . "$TMP/rs.lines")" -ge 8 ] && cmp -s "$TMP/rs.lines" "$TMP/rz.lines"; then
		pass "-e raw=: as strace prints it"
	else
		fail "-e raw=: differs from strace"
		diff "$TMP/rs.lines" "$TMP/rz.lines" | head -10
	fi
else
	skip "-e raw=" "strace is not installed"
fi
"$ZP" trace -e quiet=exit -e decode-fds=path -e trace=close -o "$TMP/q.trace" -- "$PROG" >/dev/null &&
	! grep -q '+++' "$TMP/q.trace" && grep -q '^close(3</dev/null>)' "$TMP/q.trace"
outcome "-e quiet=exit, -e decode-fds=path"

# -S: the rows' order (close is left out where ld.so's closes, which
# strace counts and the command does not see, would change its place).
order() { # file
	awk '$NF ~ /^(getpid|getuid|getgid|close)$/ { print $NF }' "$1" | tr '\n' ' '
}
for by in calls errors name; do
	if ! $have_strace; then
		skip "-S $by" "strace is not installed"
		continue
	fi
	strace -c -S $by -e trace=getpid,getuid,getgid,close -o "$TMP/s.sum" "$PROG" >/dev/null
	"$ZP" trace -c -S $by -e trace=getpid,getuid,getgid,close -o "$TMP/z.sum" -- "$PROG" >/dev/null
	want=$(order "$TMP/s.sum") got=$(order "$TMP/z.sum")
	[ $by = calls ] && want=${want/close /} got=${got/close /}
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		pass "-S $by: rows in strace's order ($got)"
	else
		fail "-S $by: strace '$want', zpoline '$got'"
	fi
done
"$ZP" trace -c -S nothing -e trace=getpid,getuid,getgid -o "$TMP/n.sum" -- "$PROG" >/dev/null
[ "$(order "$TMP/n.sum")" = "getpid getuid getgid " ]
outcome "-S nothing: rows in number order"
"$ZP" trace -c --summary-sort-by=calls -w -e trace=getpid,getuid,getgid -o "$TMP/l.sum" -- "$PROG" >/dev/null &&
	[ "$(order "$TMP/l.sum")" = "getpid getuid getgid " ]
outcome "--summary-sort-by=calls and -w"
"$ZP" trace -S min-time -c -- true 2>"$TMP/err"
[ $? = 2 ] && grep -q "no min-time or max-time column" "$TMP/err"
outcome "-S min-time: refused with the reason"

# -i: [16 hex digits] before each call; the inline getppid's is the address
# after its syscall instruction, as the program printed it.
"$ZP" trace -i -e trace=getppid,write -o "$TMP/i.trace" -- "$PROG" >"$TMP/i.out"
ip=$(sed -nE 's/^ip 0x([0-9a-f]+)$/\1/p' "$TMP/i.out")
grep -qE "^\[0*$ip\] getppid\(\) += [0-9]+$" "$TMP/i.trace" &&
	grep -qE '^\[[0-9a-f]{16}\] write\(1, "ip 0x' "$TMP/i.trace" &&
	grep -qE '^\[\?{16}\] \+\+\+ exited with 0 \+\+\+$' "$TMP/i.trace"
outcome "-i: the address after the call's instruction"
"$ZP" trace -n -i -e trace=getppid -o "$TMP/ni.trace" -- "$PROG" >/dev/null
grep -qE "^\[ 110\] \[[0-9a-f]{16}\] getppid\(\)" "$TMP/ni.trace"
outcome "-n -i: number then address, as strace"

# -r: seconds since the line before, never negative; with -tt in "(+ )".
"$ZP" trace -f -r -o "$TMP/r.trace" -- sh -c "$PROG >/dev/null; $PROG >/dev/null" &&
	[ "$(grep -cvE '^[0-9]+ +[ 0-9]{5}[0-9]\.[0-9]{6} ' "$TMP/r.trace")" = 0 ] &&
	[ "$(grep -cE ' getpid\(\)' "$TMP/r.trace")" -ge 10 ]
outcome "-r -f: every line starts with the time since the one before"
"$ZP" trace -tt -r -e trace=getpid -o "$TMP/tr.trace" -- "$PROG" >/dev/null &&
	[ "$(grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} \(\+ +[0-9]+\.[0-9]{6}\) getpid\(\)' "$TMP/tr.trace")" = 5 ] &&
	grep -qE '^[0-9:.]+ \(\+ +[0-9]+\.[0-9]{6}\) \+\+\+ exited with 0 \+\+\+$' "$TMP/tr.trace"
outcome "-tt -r: time of day, then (+ seconds)"
"$ZP" trace -r -o "$TMP/rk.trace" -- sh -c 'kill -9 $$' 2>/dev/null
grep -qE '^ +[0-9]+\.[0-9]{6} \+\+\+ killed by SIGKILL \+\+\+$' "$TMP/rk.trace"
outcome "-r: the command's own line for a killed program has its time too"

# -A: the trace goes after what the file held; -ff -A appends to FILE.TID.
printf 'kept line\n' >"$TMP/a.trace"
"$ZP" trace -A -e trace=getgid -o "$TMP/a.trace" -- "$PROG" >/dev/null &&
	[ "$(head -1 "$TMP/a.trace")" = "kept line" ] && grep -q '^getgid() ' "$TMP/a.trace" &&
	[ "$(tr -d '\000' <"$TMP/a.trace" | wc -c)" = "$(wc -c <"$TMP/a.trace")" ] &&
	"$ZP" trace --output-append-mode -e trace=getgid -o "$TMP/a.trace" -- "$PROG" >/dev/null &&
	[ "$(grep -c '^getgid() ' "$TMP/a.trace")" = 2 ] && [ "$(head -1 "$TMP/a.trace")" = "kept line" ]
outcome "-A: appended, the file's lines kept"
"$ZP" trace -ff -A -e trace=getgid -o "$TMP/ff" -- "$PROG" >/dev/null
f=$(ls "$TMP"/ff.* 2>/dev/null | head -1)
[ -n "$f" ] && printf 'kept\n' >"$f.keep" && cat "$f" >>"$f.keep" && mv "$f.keep" "$f" &&
	"$ZP" trace -ff -A -e trace=getgid -o "$TMP/ff" -- "$PROG" >/dev/null &&
	[ "$(head -1 "$f")" = kept ]
outcome "-ff -A: per-task files are not truncated"
"$ZP" trace -A -- true 2>"$TMP/err"
[ $? = 0 ] && grep -q -- "-A has no effect without -o" "$TMP/err"
outcome "-A without -o: a warning, as strace"

# -E: set and remove variables in the program's environment only.
FOO_ZP_TEST=outer "$ZP" trace -qq -E BAR_ZP_TEST=1 -E FOO_ZP_TEST -o /dev/null -- env >"$TMP/env.out" &&
	grep -qx 'BAR_ZP_TEST=1' "$TMP/env.out" && ! grep -q '^FOO_ZP_TEST=' "$TMP/env.out"
outcome "-E VAR=VAL and -E VAR"

# Long forms.
"$ZP" trace --output="$TMP/long.trace" --syscall-number --strings-in-hex=all --decode-fds=path \
	--quiet=exit --trace=write --seccomp-bpf --follow-forks -- "$PROG" >/dev/null &&
	grep -qE '^[0-9]+ +\[   1\] write\(1</' "$TMP/long.trace" && grep -q '\\x69\\x70' "$TMP/long.trace" &&
	! grep -q '+++' "$TMP/long.trace"
outcome "long options (--output= --syscall-number --strings-in-hex= --decode-fds= --quiet=exit --trace= --seccomp-bpf --follow-forks)"
"$ZP" trace --absolute-timestamps=unix,us --syscall-times=us --relative-timestamps=us \
	-e trace=getgid -o "$TMP/abs.trace" -- "$PROG" >/dev/null &&
	grep -qE '^[0-9]{10}\.[0-9]{6} \(\+ +[0-9]+\.[0-9]{6}\) getgid\(\) += [0-9]+ <0\.[0-9]{6}>$' "$TMP/abs.trace"
outcome "--absolute-timestamps=unix,us --syscall-times=us --relative-timestamps=us"

# -P: only the calls that name the file or use a descriptor open on it,
# as strace prints them (a symbolic link adds the path it resolves to).
if $have_strace; then
	printf 'data\n' >"$TMP/p.txt"
	ln -s p.txt "$TMP/p.link"
	strace -f -o "$TMP/ps.trace" -P "$TMP/p.link" sh -c "cat $TMP/p.txt >/dev/null; head -c1 <$TMP/p.link >/dev/null" 2>/dev/null
	"$ZP" trace -f -o "$TMP/pz.trace" -P "$TMP/p.link" -- sh -c "cat $TMP/p.txt >/dev/null; head -c1 <$TMP/p.link >/dev/null" 2>"$TMP/p.err"
	pnorm() { sed -E 's/^[0-9]+ +//; s/[[:space:]]+= ([^=]*)$/ = \1/' "$1" | grep -vE '^(\+\+\+|---) '; }
	pnorm "$TMP/ps.trace" >"$TMP/ps.lines"
	pnorm "$TMP/pz.trace" >"$TMP/pz.lines"
	if [ "$(grep -c . "$TMP/ps.lines")" -ge 8 ] && cmp -s "$TMP/ps.lines" "$TMP/pz.lines"; then
		pass "-P: the calls strace shows, as it shows them"
	else
		fail "-P: differs from strace"
		diff "$TMP/ps.lines" "$TMP/pz.lines" | head -10
	fi
	grep -q "requested path \"$TMP/p.link\" resolved into \"$TMP/p.txt\"" "$TMP/p.err"
	outcome "-P: a symbolic link is resolved, and the command says so"
else
	skip "-P" "strace is not installed"
fi
LD_PRELOAD=$LIB LIBZPHOOK=$ZP_BUILD/libzphook_trace.so ZPOLINE_TRACE_OPTS="-P /etc/hostname -o $TMP/pe.trace" \
	cat /etc/hostname >/dev/null &&
	[ "$(grep -c '' "$TMP/pe.trace")" = "$(grep -cE '^(openat|newfstatat|fadvise64|read|close|\+\+\+)' "$TMP/pe.trace")" ] &&
	grep -q '^openat(AT_FDCWD, "/etc/hostname"' "$TMP/pe.trace" && grep -q '^close(3)' "$TMP/pe.trace"
outcome "-P without the command: no other call's line, not even an empty one"

# Refused, each with its reason and status 2.
refused() { # name expected-text options...
	local name=$1 want=$2
	shift 2
	"$ZP" trace "$@" -- true >/dev/null 2>"$TMP/err"
	local rc=$?
	if [ $rc = 2 ] && grep -q -- "$want" "$TMP/err"; then
		pass "refused: $name"
	else
		fail "refused: $name (status $rc: $(head -1 "$TMP/err"))"
	fi
}
refused "-e trace=/ matching nothing" "no system call matches '/^zzz'" -e 'trace=/^zzz'
refused "-e trace=/ bad regex" "bad regular expression" -e 'trace=/(open'
refused "-u" "running the program as another user is not supported" -u nobody
refused "--relative-timestamps=ns" "only microseconds" --relative-timestamps=ns
refused "--absolute-timestamps=unix" "unix time is printed with microseconds" --absolute-timestamps=unix
refused "-a" "not a column" -a x
refused "--output-separately without -f" "needs -f" --output-separately -o "$TMP/sep"
refused "-P with -c" "-P does not go with -c" -c -P /etc/passwd
finish
