#!/bin/bash
# A process close to its RLIMIT_AS that execs with an empty environment
# (env -i) keeps the runtime in its new image: the runtime puts its
# variables back with scratch memory sized to the call.  It took a fixed
# MiB, which such a process (Dovecot gives each of its processes 256 MiB)
# could not map, and the new image ran unhooked: no lines in a trace.
. "$(dirname "$0")/../lib.sh"
PROG=$ZP_BUILD/tests/progs/asexec
ZP=$ZP_BUILD/zpoline
TRUE=$(command -v true)
case $TRUE in /*) ;; *) TRUE=/bin/true ;; esac

"$PROG" "$TRUE"
outcome "natively: the program execs under its limit (exit $?)"

"$ZP" trace -f -o "$TMP/trace" -- "$PROG" "$TRUE" 2>"$TMP/err"
rc=$?
after=$(sed -n "/execve(\"${TRUE//\//\\/}\"/,\$p" "$TMP/trace")
lines=$(grep -c . <<<"$after")
[ $rc = 0 ] && grep -q '^[0-9]* *execve(.*) = 0' <<<"$after" && grep -q 'exit_group(0)' <<<"$after"
outcome "trace: the new image's own calls are traced (exit $rc; $lines lines from its execve)"
finish
