#!/bin/bash
# test-scriptroot.sh - the traced program is a script: the first line shows
# the execve the command made (the script's path and its arguments), as
# strace does, not the interpreter's arguments the kernel left in
# /proc/self/cmdline ("/bin/sh", "-e", "./s.sh", ...).  The argv[0] the
# script was given is lost in the kernel: the command passes it on (a
# script found in PATH shows its name, as strace shows a pyenv shim's
# "python3").  Also through an interpreter that is a script itself.
. "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 2
printf '#!/bin/sh -e\necho "$@"\n' >s.sh
printf '#!%s/s.sh  x y \n' "$TMP" >nested.sh
printf '#!/bin/sh\necho plain "$@"\n' >plain.sh
chmod +x s.sh nested.sh plain.sh

check() { # name script args...
	local name=$1
	shift
	local out want
	out=$("$ZP_BUILD/zpoline" trace -o "$TMP/$name.trace" -- "$@" 2>&1)
	want="execve(\"$1\", [$(printf '"%s", ' "$@" | sed 's/, $//')], "
	if [ "$(head -c ${#want} "$TMP/$name.trace")" = "$want" ]; then
		pass "$name: first execve line as made ($out)"
	else
		fail "$name: want '$want...', got '$(head -1 "$TMP/$name.trace")'"
	fi
}
check script ./s.sh a b
check nested ./nested.sh q
check noarg ./plain.sh 1 2 3
check elf /bin/echo e

mkdir -p bin && cp s.sh bin/zp-in-path
out=$(PATH="$TMP/bin:$PATH" "$ZP_BUILD/zpoline" trace -o "$TMP/path.trace" -- zp-in-path p 2>&1)
want="execve(\"$TMP/bin/zp-in-path\", [\"zp-in-path\", \"p\"], "
if [ "$(head -c ${#want} "$TMP/path.trace")" = "$want" ]; then
	pass "in PATH: the name it was given as argv[0] ($out)"
else
	fail "in PATH: want '$want...', got '$(head -1 "$TMP/path.trace")'"
fi
finish
