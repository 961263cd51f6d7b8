# strace-lines.sh - sourced by the tests that compare a program's calls,
# one case per call name, between strace's lines and the tracer's (both
# already normalised into two files).
#
# same_calls STRACE_LINES TRACER_LINES NAME...: for each NAME, the lines
# that start with "NAME(" (or, for "--- SIGX", that delivery line) must be
# there and the same in both, in order.  SAME_CALLS_LEAD, if set, is a
# regular expression for what comes before the name (a prefix kept).
same_calls() {
	local s=$1 z=$2 name pat want got
	shift 2
	for name in "$@"; do
		pat="^${SAME_CALLS_LEAD:-}${name}\\("
		case $name in ---*) pat="^${SAME_CALLS_LEAD:-}${name} " ;; esac
		want=$(grep -aE -- "$pat" "$s")
		got=$(grep -aE -- "$pat" "$z")
		if [ -n "$want" ] && [ "$want" = "$got" ]; then
			pass "$name: as strace prints it"
		else
			fail "$name: strace '$want', tracer '$got'"
			diff <(echo "$want") <(echo "$got") | head -20
		fi
	done
}
