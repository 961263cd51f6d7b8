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
finish
