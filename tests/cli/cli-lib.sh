# tests/cli/cli-lib.sh - shared by the zpoline command's tests.  Source it
# after tests/lib.sh.
Z=$ZP_BUILD/zpoline
PROGS=$ZP_BUILD/tests/progs
# The program's side of a variable the command passes: tests/cli/initenv
# (the program's environ no longer has them).
INITENV=$ZP_ROOT/tests/cli/initenv
export ZPOLINE_CACHE=0

if [ ! -x "$Z" ]; then
	fail "zpoline command not built ($Z)"
	exit 1
fi

# expect_status NAME WANT CMD...: PASS if CMD exits with WANT.
expect_status() {
	local name=$1 want=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	local rc=$?
	if [ "$rc" -eq "$want" ]; then
		pass "$name"
	else
		fail "$name (exit $rc, wanted $want; stderr: $(head -c 300 "$TMP/err"))"
	fi
}

# wait_for FILE: waits (generously: the machine is slow and noisy) until
# FILE exists.  Returns 1 if it never appears.
wait_for() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
