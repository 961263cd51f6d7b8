#!/bin/bash
# test-stickyenv.sh - a program that drops the runtime's variables from a
# child's environment (env -i, Tcl's env.test unsetting every variable)
# keeps the child hooked (ZPOLINE_STICKY), but the child must see the
# environment it was given: `zpoline run -- env -i env` printed
# ZPOLINE_STICKY=1 and LD_PRELOAD=..., natively nothing (9 of Tcl 8.6's
# env.test cases failed).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli-lib.sh"

if ! grep -q ZPOLINE_STICKY_ADDED "$LIB"; then
	skip "sticky variables hidden" "the runtime does not hide them"
	finish
fi

out=$("$Z" run -- env -i env 2>&1)
[ -z "$out" ]
outcome "env -i env: an empty environment${out:+ (got: $out)}"

out=$("$Z" run -- env -i A=1 B=2 env 2>&1)
[ "$out" = "$(printf 'A=1\nB=2')" ]
outcome "env -i A=1 B=2 env: only those${out:+ (got: $out)}"

# The program's own LD_PRELOAD comes back without the runtime in front.
out=$("$Z" run -- env -i LD_PRELOAD=libm.so.6 env 2>&1)
[ "$out" = "LD_PRELOAD=libm.so.6" ]
outcome "env -i LD_PRELOAD=libm.so.6 env: the program's list${out:+ (got: $out)}"

# Still hooked, and so are its children.
"$Z" run -- env -i /bin/sh -c 'cat /proc/self/maps; env -i /bin/cat /proc/self/maps' \
	>"$TMP/maps" 2>"$TMP/err"
[ "$(grep -c 'libzpoline\.so' "$TMP/maps")" -ge 2 ]
outcome "env -i: children and grandchildren still hooked"
out=$("$Z" run --hook count -- env -i /bin/sh -c 'env -i env' 2>"$TMP/err")
[ -z "$out" ] && grep -Eq '  total$' "$TMP/err"
outcome "env -i with a hook: hooks loaded, nothing shown${out:+ (got: $out)}"

# The variables the command adds (LD_PRELOAD, LIBZPHOOK, ZPOLINE_STICKY,
# ASAN_OPTIONS, the tracer's) are hidden from the program and its
# children too: each sees the environment it would natively.
env | grep -v '^_=' | sort >"$TMP/native"
"$Z" run --hook pass -- /bin/sh -c 'env | grep -v "^_=" | sort >"$1"; /bin/sh -c "env | grep -v ^_= | sort" >"$2"' \
	sh "$TMP/a" "$TMP/b" 2>"$TMP/err"
cmp -s "$TMP/native" "$TMP/a" && cmp -s "$TMP/native" "$TMP/b"
outcome "run --hook pass: the program and its child see the native environment" ||
	diff "$TMP/native" "$TMP/a" | head -5
"$Z" trace -f -o "$TMP/T0" -- /bin/sh -c 'env | grep -v "^_=" | sort' >"$TMP/a" 2>"$TMP/err"
cmp -s "$TMP/native" "$TMP/a"
outcome "trace: the program sees the native environment" || diff "$TMP/native" "$TMP/a" | head -5
# bash defines its own getenv/setenv/unsetenv, which ld.so binds the
# runtime's calls to; its unsetenv works on shell variables, which do not
# exist before main, and bash builds them from main's envp: the hidden
# variables were bash's exported variables (declare -px, $LD_PRELOAD, and
# the environment of every child; the tracer's execve lines counted them).
if command -v bash >/dev/null; then
	bash -c 'declare -px' | grep -v ' _=' >"$TMP/bnative"
	for mode in "run" "run --hook pass" "trace -f -o $TMP/T1"; do
		"$Z" $mode -- bash -c 'declare -px' 2>"$TMP/err" | grep -v ' _=' >"$TMP/bz"
		cmp -s "$TMP/bnative" "$TMP/bz"
		outcome "${mode%% -o*}: bash's exported variables are the native ones" ||
			diff "$TMP/bnative" "$TMP/bz" | head -5
	done
	"$Z" trace -f -o "$TMP/T2" -- bash -c '/bin/true; /bin/true' 2>"$TMP/err"
	n=$(env | wc -l)
	grep -q "execve(\"/bin/true\", \[\"/bin/true\"\], 0x[0-9a-f]* /\* $((n + 1)) vars \*/) = 0" "$TMP/T2" ||
		grep -q "execve(\"/bin/true\", \[\"/bin/true\"\], 0x[0-9a-f]* /\* $n vars \*/) = 0" "$TMP/T2"
	outcome "trace: bash's execve passes the native number of variables" || grep 'execve("/bin/true' "$TMP/T2"
fi
"$Z" run -- /bin/sh -c 'env -u LD_PRELOAD env' >"$TMP/c" 2>"$TMP/err"
! grep -q '^LD_PRELOAD=' "$TMP/c" && ! grep -q '^ZPOLINE_STICKY' "$TMP/c"
outcome "env -u LD_PRELOAD env: no LD_PRELOAD, no marker"
# A variable the user had stays: an LD_PRELOAD of the user's own is
# seen as the user set it.
libm=$(ls /lib/x86_64-linux-gnu/libm.so.6 2>/dev/null)
if [ -n "$libm" ]; then
	out=$(LD_PRELOAD=$libm "$Z" run -- printenv LD_PRELOAD)
	[ "$out" = "$libm" ]
	outcome "the user's own LD_PRELOAD is what the program sees" || echo "got '$out'"
fi

# The same through a shell's exec.
out=$("$Z" run -- /bin/sh -c 'exec env -i env' 2>&1)
[ -z "$out" ]
outcome "exec env -i env from a shell${out:+ (got: $out)}"

# Under the tracer: its own hand-over variable (ZPOLINE_TRACE_FDS) is
# hidden as well, and the trace still follows the children.
out=$("$Z" trace -f -o "$TMP/T" -- /bin/sh -c 'env -i /bin/sh -c "env; env -i env"' 2>&1)
[ "$(printf '%s' "$out" | grep -v '^PWD=')" = "" ]
outcome "trace: env -i shows nothing of the tracer${out:+ (got: $out)}"
[ "$(grep -c '+++ exited with 0 +++' "$TMP/T")" -ge 4 ] && grep -q 'execve("[^"]*env", \["env"\], 0x[0-9a-f]* /\* 0 vars \*/) = 0' "$TMP/T"
outcome "trace: env -i's children traced"

# With LD_TRACE_LOADED_OBJECTS set a dynamic program's ld.so only lists
# its libraries: the runtime is not put back into LD_PRELOAD for it (it
# was listed, natively it is not).
no_addr() { sed 's/ (0x[0-9a-f]*)$//'; }
want=$(LD_TRACE_LOADED_OBJECTS=1 /bin/true | no_addr)
got=$("$Z" run -- /bin/sh -c 'LD_TRACE_LOADED_OBJECTS=1 /bin/true' 2>&1 | no_addr)
[ -n "$want" ] && [ "$got" = "$want" ]
st=$?
verdict $st "LD_TRACE_LOADED_OBJECTS=1 /bin/true lists the native libraries${got:+ (got: $(echo $got))}"
finish
