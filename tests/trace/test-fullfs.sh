#!/bin/bash
# test-fullfs.sh - the trace file's file system fills up: the program still
# runs to completion with its own output, the command neither crashes nor
# hangs, says how many lines were lost, and the file is whole lines.
# (zp_trace_finish used to read the file through a shared mapping: on a
# full tmpfs the holes that lost lines leave raised SIGBUS in the command,
# and the file was left untrimmed with zero bytes.)
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
WHOLE=$TRACE_WHOLE_LINE

mkdir -p "$TMP/fs"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=256k tmpfs "$TMP/fs" 2>/dev/null; then
	skip "full file system: cannot mount a small tmpfs (needs root)"
	finish
fi
trap 'umount "$TMP/fs" 2>/dev/null; rm -rf "$TMP"' EXIT

prog() { sh -c 'for i in $(seq 800); do /bin/true; done; echo done'; }
native=$(prog)

for opts in "-f" "-f -c" "-ff" "--json -f"; do
	rm -rf "${TMP:?}/fs/"*
	out=$(timeout -k 5 120 "$ZP" trace $opts -o "$TMP/fs/T" -- \
		sh -c 'for i in $(seq 800); do /bin/true; done; echo done' 2>"$TMP/err")
	rc=$?
	if [ $rc -eq 0 ] && [ "$out" = "$native" ]; then
		pass "full fs ($opts): program ran to completion"
	else
		fail "full fs ($opts): exit $rc, output '$out'"
		head -5 "$TMP/err"
	fi
	if [ "$opts" = "-f -c" ]; then
		# only the table goes to the file: it fits
		if tail -1 "$TMP/fs/T" | grep -qE '^100\.00 .* total$'; then
			pass "full fs ($opts): the table is there"
		else
			fail "full fs ($opts): no table"
			tail -3 "$TMP/fs/T" "$TMP/err"
		fi
	elif grep -qE '^zpoline: finishing the trace: [0-9]+ lines \([0-9]+ bytes\) of the trace could not be written: No space left on device$' "$TMP/err"; then
		pass "full fs ($opts): the loss is reported"
	else
		fail "full fs ($opts): no report of the lost lines"
		head -5 "$TMP/err"
	fi
	case $opts in
	-f)
		bad=$(grep -avcE "$WHOLE" "$TMP/fs/T")
		nul=$(tr -cd '\0' < "$TMP/fs/T" | wc -c)
		n=$(wc -l < "$TMP/fs/T")
		if [ "$bad" = 0 ] && [ "$nul" = 0 ] && [ "$n" -gt 100 ] &&
			[ "$(tail -c 1 "$TMP/fs/T" | od -An -c | tr -d ' ')" = '\n' ]; then
			pass "full fs ($opts): $n whole lines, trimmed"
		else
			fail "full fs ($opts): $bad malformed lines, $nul NUL bytes"
			grep -avE "$WHOLE" "$TMP/fs/T" | head -3 | cut -c1-200
		fi
		;;
	--json*)
		if python3 -c 'import json,sys
for l in open(sys.argv[1], "rb"): json.loads(l)' "$TMP/fs/T" 2>"$TMP/jerr"; then
			pass "full fs ($opts): every line parses"
		else
			fail "full fs ($opts): $(tail -1 "$TMP/jerr")"
		fi
		;;
	esac
done

# The program fills $TMPDIR, where the command keeps the session's control
# block (a file written through a shared mapping as processes come), then
# starts processes.  Before, a page of the block first written then raised
# SIGBUS in the program (stress-ng's forkheavy fills /tmp so).
mkdir -p "$TMP/tmpdir"
if ! mount -t tmpfs -o size=16m tmpfs "$TMP/tmpdir"; then
	fail "full \$TMPDIR: cannot mount a tmpfs of 16 MiB"
	finish
fi
trap 'umount "$TMP/fs" "$TMP/tmpdir" 2>/dev/null; rm -rf "$TMP"' EXIT
fill='dd if=/dev/zero of="$TMPDIR/fill" bs=64k 2>/dev/null; for i in $(seq 300); do /bin/true; done; rm -f "$TMPDIR/fill"; echo done'
native=$(TMPDIR=$TMP/tmpdir sh -c "$fill")
out=$(TMPDIR=$TMP/tmpdir timeout -k 5 120 "$ZP" trace -f -o "$TMP/T2" -- sh -c "$fill" 2>"$TMP/err")
rc=$?
[ $rc -eq 0 ] && [ "$native" = done ] && [ "$out" = "$native" ] &&
	[ "$(grep -ac 'execve("/bin/true"' "$TMP/T2")" -ge 300 ]
outcome "full \$TMPDIR: the program that filled it runs on, traced whole"
[ $rc -eq 0 ] || head -3 "$TMP/err"
finish
