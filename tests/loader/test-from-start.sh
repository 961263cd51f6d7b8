#!/bin/bash
# zpoline-loader --from-start: a dynamic program is loaded together with
# its ld.so, so the hooks see ld.so's own system calls (opening
# /etc/ld.so.cache and libc.so.6, mapping them), those of constructors and
# those of everything after.  Compared with strace -f of a native run: the
# program (tests/loader/progs/dyn.c) marks the start of main with getppid.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/loader-lib.sh"
need_tools "--from-start" strace python3 "$LOADER" || finish
cd "$TMP" || exit 1

native_traced n.out n.trace "$LT/dyn" one two
rn=$?
loaded l.out l.count --from-start -- "$LT/dyn" one two
compare "--from-start" n.out $rn l.out $?

# What ld.so does before main, natively: it must open the cache and libc.
early=$(sed -n '/getppid(/q; /openat(.*\(ld\.so\.cache\|libc\.so\.6\)/p' n.trace | wc -l)
if [ "$early" -ge 2 ]; then
	covered "--from-start: ld.so and constructors ($early openat of ld.so.cache/libc.so.6 among them)" \
		n.trace l.count --marker '^execve\(' --until '^getppid\(' --ignore futex
else
	fail "--from-start: the native trace shows no ld.so opening its cache and libc"
	head -20 n.trace
fi
covered "--from-start: the whole program" n.trace l.count --marker '^execve\(' --ignore futex
not_bypassed "--from-start: no call from the program or its ld.so around zpoline" \
	--from-start -- "$LT/dyn" one two

# The environment the program's ld.so sees has no second runtime to preload.
LD_PRELOAD="$LIB" "$LOADER" --from-start "$LT/dyn" >p.out 2>&1
if grep -qx 'LD_PRELOAD in environment: no' p.out; then
	pass "--from-start: the runtime is taken out of LD_PRELOAD"
else
	fail "--from-start: the runtime is taken out of LD_PRELOAD"
	cat p.out
fi

# Unwinding from a signal handler through a blocked call (backtrace(),
# pthread_cancel): the runtime is in the loader's link map, not the
# program's, so its own unwind information must be registered with the
# program's libgcc as well as the second stage's (unwind.c).
for prog in sigunwind sigunwind-late; do
	LD_PRELOAD="$LIB" LIBZPHOOK="$HOOK_PASS" timeout 30 "$LOADER" --from-start \
		"$ZP_BUILD/tests/progs/$prog" >u.out 2>&1
	rc=$?
	sed -n "s/^\(PASS\|FAIL\): \(.*\)/\1: --from-start $prog: \2/p" u.out
	[ $rc -eq 0 ] || fail "--from-start $prog exited $rc: $(head -c 300 u.out)"
done
finish
