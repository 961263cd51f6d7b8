#!/bin/bash
# test-orphankill.sh - a traced process outlives the program and is then
# killed by SIGKILL (a build killed midway, the OOM killer): no traced
# process is left to trim the file, so the command must see to it.  It
# used to return at once ("they will finish the trace"), leaving the file
# with its zero-filled room and the control file in TMPDIR.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
WHOLE=$TRACE_WHOLE_LINE
mkdir -p "$TMP/tmpdir"

for opts in "-f" "-f -C" "--json -f"; do
	rm -f "$TMP/T" "$TMP/pid"
	# $(...): the command must return at once, holding no pipe open
	out=$(TMPDIR=$TMP/tmpdir timeout -k 5 20 "$ZP" trace $opts -o "$TMP/T" -- \
		sh -c "sleep 60 >/dev/null 2>&1 & echo \$! > $TMP/pid; echo started" 2>"$TMP/err")
	rc=$?
	kill -KILL "$(cat "$TMP/pid")" 2>/dev/null
	# the file is finished once the killed process is gone
	for _ in $(seq 50); do
		[ -z "$(ls -A "$TMP/tmpdir")" ] && break
		sleep 0.1
	done
	nul=$(tr -cd '\0' < "$TMP/T" | wc -c)
	if [ $rc -eq 0 ] && [ "$out" = started ] && [ "$nul" = 0 ] &&
		[ -z "$(ls -A "$TMP/tmpdir")" ] && grep -qa 'usr/bin/sleep' "$TMP/T"; then
		pass "orphan killed ($opts): file trimmed, control file gone"
	else
		fail "orphan killed ($opts): exit $rc, out '$out', $nul NUL bytes, left: $(ls "$TMP/tmpdir")"
		cat "$TMP/err"
	fi
	case $opts in
	-f)
		check "orphan killed ($opts): whole lines" \
			bash -c "! grep -avqE '$WHOLE' '$TMP/T'" ;;
	"-f -C")
		check "orphan killed ($opts): the table is printed" \
			grep -qaE '^100\.00 .* total$' "$TMP/T" ;;
	--json*)
		check "orphan killed ($opts): every line parses" python3 -c 'import json,sys
for l in open(sys.argv[1], "rb"): json.loads(l)' "$TMP/T" ;;
	esac
done

# An orphan in the middle of its execve when the program ends maps neither
# the control file nor an environment yet: the command took it for another
# session's process, trimmed the file, and the orphan's next line, in its
# window past the new end, killed it with SIGBUS (about one run in four).
# Repeated: each run meets that moment or not.
lost=0
for i in $(seq 12); do
	rm -f "$TMP/T" "$TMP/done"
	TMPDIR=$TMP/tmpdir timeout -k 5 20 "$ZP" trace -f -o "$TMP/T" -- sh -c \
		"sh -c 'sleep 0.2; echo ok > $TMP/done' >/dev/null 2>&1 & echo started" \
		>/dev/null 2>&1
	for _ in $(seq 50); do
		[ -s "$TMP/done" ] && [ -z "$(ls -A "$TMP/tmpdir")" ] && break
		sleep 0.1
	done
	if [ ! -s "$TMP/done" ] || [ -n "$(ls -A "$TMP/tmpdir")" ] ||
		[ "$(tr -cd '\0' < "$TMP/T" | wc -c)" != 0 ] ||
		[ "$(grep -ac 'exited with 0' "$TMP/T")" != 3 ]; then
		lost=$((lost + 1))
		echo "run $i: done '$(cat "$TMP/done" 2>/dev/null)', left: $(ls "$TMP/tmpdir")"
		tail -n 3 "$TMP/T"
		rm -f "$TMP/tmpdir"/*
	fi
done
[ $lost = 0 ]
outcome "orphan mid-execve at the program's end: it runs on, the file whole ($lost of 12 runs not)"

# Should the command still take a tracing process for gone, its later lines
# go in after the finished file's, not into its window past the new end
# (SIGBUS): the session's two sides in one program.
rm -f "$TMP/L"
: > "$TMP/LC"
out=$("$ZP_BUILD/tests/progs/tp-lateline" "$TMP/L" "$TMP/LC" 2>&1)
verdict $? "a process taken for gone writes on: its lines follow the finished file's${out:+ ($out)}"

# A helper that ends a moment after the program (Erlang's erl_child_setup),
# in a session where an orphan was killed by a signal unseen (its parent
# gone without reaping it: Erlang's inet_gethost kills its helper so), so
# that no traced process ever brings the count of live ones to 0.  The
# command finished the trace in the background, with its standard error on
# /dev/null: without -o the -c table was lost, and with -o the file had its
# zero-filled room when the command returned (one erl run in ten).
helper='sh -c "sleep 5 & kill -USR1 \$!"; (sleep 0.05; echo late) & echo started'
rm -f "$TMP/T"
out=$(TMPDIR=$TMP/tmpdir timeout -k 5 20 "$ZP" trace -f -c -- sh -c "$helper" 2>"$TMP/err")
grep -qE '^100\.00 .* total$' "$TMP/err"
outcome "helper ends just after the program (-f -c): the table is on stderr at once"
TMPDIR=$TMP/tmpdir timeout -k 5 20 "$ZP" trace -f -o "$TMP/T" -- sh -c "$helper" >/dev/null 2>&1
nul=$(tr -cd '\0' < "$TMP/T" | wc -c)
[ "$nul" = 0 ] && ! grep -avqE "$WHOLE" "$TMP/T" && grep -qa 'exited with 0' "$TMP/T"
outcome "helper ends just after the program (-f -o): the file is whole at once ($nul NUL bytes)"
# One that outlives the command's wait: the table still reaches stderr.
slow='sh -c "sleep 5 & kill -USR1 \$!"; sleep 0.6 >/dev/null & echo started'
out=$(TMPDIR=$TMP/tmpdir timeout -k 5 20 "$ZP" trace -f -c -- sh -c "$slow" 2>"$TMP/err2" </dev/null)
for _ in $(seq 50); do
	grep -qE '^100\.00 .* total$' "$TMP/err2" && break
	sleep 0.1
done
grep -qE '^100\.00 .* total$' "$TMP/err2"
outcome "helper outlives the command (-f -c): the table reaches stderr when it ends"
finish
