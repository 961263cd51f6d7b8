#!/bin/bash
# The zpoline command's help texts, version, and its answer to bad
# arguments: exit 2, nothing on stdout, exactly one line on stderr that
# names the problem.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli-lib.sh"

# help_ok NAME CMD...: exit 0, a Usage line on stdout, nothing on stderr.
help_ok() {
	local name=$1
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ $rc -eq 0 ] && grep -q '^Usage: zpoline' "$TMP/out" && [ ! -s "$TMP/err" ]; then
		pass "$name"
	else
		fail "$name (exit $rc, $(wc -l <"$TMP/out") lines)"
	fi
}

help_ok "zpoline --help" "$Z" --help
help_ok "zpoline -h" "$Z" -h
help_ok "zpoline help" "$Z" help
for c in run trace inject doctor; do
	help_ok "zpoline $c --help" "$Z" $c --help
	help_ok "zpoline help $c" "$Z" help $c
	if grep -q "^Usage: zpoline $c" "$TMP/out"; then
		pass "help $c is about $c"
	else
		fail "help $c is about $c"
	fi
done

v=$("$Z" --version 2>&1)
rc=$?
if [ $rc -eq 0 ] && [[ $v =~ ^zpoline\ [0-9]+\.[0-9]+ ]]; then
	pass "--version ($v)"
else
	fail "--version (exit $rc: $v)"
fi

# bad WANT-IN-MESSAGE ARGS...: exit 2, one line naming the problem.
bad() {
	local want=$1
	shift
	local name="zpoline $* -> exit 2"
	"$Z" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	local rc=$?
	local lines
	lines=$(wc -l <"$TMP/err")
	if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$TMP/out" ] &&
		grep -Eqi -- "$want" "$TMP/err"; then
		pass "$name"
	else
		fail "$name (exit $rc, $lines stderr lines, wanted '$want': $(head -c 300 "$TMP/err"))"
	fi
}

bad "no command" 
bad "unknown command 'frobnicate'" frobnicate
bad "unknown option '--bogus'" --bogus
bad "unknown command 'nosuch'" help nosuch
bad "no program" run
bad "no program" run --
bad "no program" run --hook count
bad "unknown option '--bogus'" run --bogus true
bad "unknown option '-x'" run -x true
bad "needs an argument" run --hook
bad "no hook named 'nosuchhook'" run --hook nosuchhook -- true
bad "/nonexistent/x.so" run --hook /nonexistent/x.so -- true
bad "not a readable file" run --hook /tmp -- true
bad "unknown mode 'fast'" run --mode fast -- true
bad "unknown mode" run --mode= -- true
bad "takes no argument" run --set-mmap-min-addr=1 -- true
bad "no program" trace
bad "no program" trace -f -o "$TMP/t"
bad "unknown option '-k'" trace -k true
bad "raw and verbose are not supported" trace -X true
bad "unknown option '--bogus'" trace --bogus true
bad "-s needs a number" trace -s abc true
bad "-s needs a number" trace -s -1 true
bad "needs an argument" trace -o
bad "cannot write the trace" trace -o /nonexistent/dir/out true
# -o FILE that exists and may be written needs no write access to its
# directory (the tracer opens it, it does not create it): -o /dev/null, or
# a file in a read-only directory, as a user other than root.
as_user() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; else "$@"; fi; }
if [ "$(id -u)" != 0 ] || { id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; }; then
	chmod 755 "$TMP"
	mkdir "$TMP/rodir" && : >"$TMP/rodir/out" && chmod 666 "$TMP/rodir/out" && chmod 555 "$TMP/rodir"
	as_user "$Z" trace -c -o /dev/null -- true >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$TMP/err" ]; then pass "trace -c -o /dev/null as a user"; else
		fail "trace -c -o /dev/null as a user (exit $rc: $(head -c 300 "$TMP/err"))"; fi
	as_user "$Z" trace -o "$TMP/rodir/out" -- true >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
	if [ $rc -eq 0 ] && grep -q '^exit_group(0)' "$TMP/rodir/out"; then
		pass "trace -o FILE in a read-only directory"
	else
		fail "trace -o FILE in a read-only directory (exit $rc: $(head -c 300 "$TMP/err"))"
	fi
	chmod 755 "$TMP/rodir"
else
	skip "trace -o /dev/null as a user" "needs a user other than root (nobody, setpriv)"
fi
bad "piping the trace" trace -o "|cat" true
bad "-o given twice" trace -o "$TMP/a" -o "$TMP/b" true
bad "at most twice" trace -fff true
bad "-ff needs -o" trace -ff true
bad "at most three" trace -tttt true
bad "needs an expression" trace -e "" true
bad "unknown system call.*wrte|wrte.*unknown" trace -e inject=wrte:error=EIO true
bad "unknown mode" trace --mode x true
bad "no inject spec" inject
bad "no inject spec" inject -- true
bad "no program" inject write:error=ENOSPC
bad "no program" inject write:error=ENOSPC --
bad "unknown system call.*wrte|wrte.*unknown" inject wrte:error=ENOSPC -- true
bad "(bad|unknown) error 'ENOSPCX'" inject write:error=ENOSPCX -- true
bad "(bad|unknown) error '0'" inject write:error=0 -- true
bad "bad when '0'" inject write:error=EIO:when=0 -- true
bad "bad when '2\\+x'" inject write:error=EIO:when=2+x -- true
bad "bad retval" inject write:retval=abc -- true
bad "exactly one of error= and retval=|exclude each other" inject write:error=EIO:retval=1 -- true
bad "exactly one of error= and retval=|needs error= or retval=" inject write:when=1 -- true
bad "unknown (key|field) 'bogus" inject write:bogus=1:error=EIO -- true
bad "no ':error=|no action" inject write -- true
bad "empty name" inject write,,read:error=EIO -- true
bad "contains ';'" "inject" "write:error=EIO;read:error=EIO" -- true
bad "unknown option '--bogus'" inject write:error=EIO --bogus -- true
bad "takes no arguments" doctor extra
bad "unknown option '--bogus'" doctor --bogus
finish
