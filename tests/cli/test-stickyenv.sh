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

# Only what went missing is hidden: the rest of the environment, the
# runtime's variables included where the program kept them, stays.
"$Z" run -- /bin/sh -c 'env | grep -v "^ZPOLINE_STICKY=" | sort >"$1"; env -u ZPOLINE_STICKY env | sort >"$2"' \
	sh "$TMP/a" "$TMP/b" 2>"$TMP/err"
cmp -s "$TMP/a" "$TMP/b" && grep -q '^LD_PRELOAD=' "$TMP/b"
outcome "env -u ZPOLINE_STICKY env: the environment minus that one"
"$Z" run -- /bin/sh -c 'env -u LD_PRELOAD env' >"$TMP/c" 2>"$TMP/err"
! grep -q '^LD_PRELOAD=' "$TMP/c" && ! grep -q '^ZPOLINE_STICKY_ADDED=' "$TMP/c" && grep -q '^ZPOLINE_STICKY=1$' "$TMP/c"
outcome "env -u LD_PRELOAD env: no LD_PRELOAD, no marker"

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
finish
