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

# A "#!" script whose interpreter is a dynamic program: the loader does the
# kernel's part and loads the interpreter with its ld.so (before, it left
# the script to the kernel: the interpreter's ld.so ran unseen, and with
# LD_PRELOAD still naming the runtime).
printf '#!%s\n' "$LT/dyn" >dynscript
chmod +x dynscript
native_traced n.script n.script.trace ./dynscript one two
rn=$?
loaded l.script l.script.count --from-start -- ./dynscript one two
compare "--from-start, a script with a dynamic interpreter" n.script $rn l.script $?
covered "--from-start, a script with a dynamic interpreter: its ld.so and constructors" \
	n.script.trace l.script.count --marker '^execve\(' --until '^getppid\(' --ignore futex

# `zpoline run --from-start`: what the program executes is loaded from the
# start too, as strace -f shows it (ZPOLINE_FROM_START, src/runtime/exec.c):
# after dyn's execve, its ld.so opens the cache before main's getppid.
Z=$ZP_BUILD/zpoline
"$Z" trace -f --from-start -o t.exec -- sh -c "exec $LT/dyn one" >o.exec 2>&1
ldso=$(sed -n "\|execve(\"$LT/dyn\"|,/getppid(/p" t.exec | grep -c 'openat(.*ld\.so\.cache')
if [ "$ldso" -ge 1 ] && grep -q '^constructor ran: yes' o.exec; then
	pass "zpoline trace --from-start: a program it executes is traced from its ld.so on"
else
	fail "zpoline trace --from-start: after dyn's execve, $ldso openat of ld.so.cache before main"
	grep -A5 "execve(\"$LT/dyn\"" t.exec | head -8
fi
"$Z" trace -f -o t.noexec -- sh -c "exec $LT/dyn one" >/dev/null 2>&1
ldso=$(sed -n "\|execve(\"$LT/dyn\"|,/getppid(/p" t.noexec | grep -c 'openat(.*ld\.so\.cache')
if [ "$ldso" -eq 0 ] && grep -q "execve(\"$LT/dyn\"" t.noexec; then
	pass "zpoline trace without --from-start: a program it executes starts hooked at the runtime"
else
	fail "zpoline trace without --from-start: $ldso openat of ld.so.cache after dyn's execve"
fi

# A script whose interpreter is itself a script is left to the kernel: the
# loader's execve then puts the runtime back into the environment (it was
# taken out at the loader's start-up under `zpoline run`: the script ran
# unhooked, no count table).
printf '#!/bin/sh\necho "inner: $0 $*"\n' >inner
printf '#!%s/inner\n' "$TMP" >outer
chmod +x inner outer
./outer a b >n.outer 2>&1
rn=$?
rm -f c.outer
ZPOLINE_COUNT_OUTPUT=$TMP/c.outer "$Z" run --from-start --hook count -- ./outer a b >l.outer 2>l.outer.err
compare "--from-start, a script whose interpreter is a script" n.outer $rn l.outer $?
if grep -Eq '^ +[0-9]+ +[0-9]+ +write$' c.outer 2>/dev/null; then
	pass "--from-start, a script whose interpreter is a script: hooked ($(grep -c . c.outer) count lines)"
else
	fail "--from-start, a script whose interpreter is a script: no write counted"
	head -5 c.outer l.outer.err 2>&1
fi

# Under `zpoline run --from-start` a set-user-ID dynamic program is left
# to the kernel (the loader would drop its privileges), as LD_PRELOAD is.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	chmod 755 "$TMP"
	cp "$ZP_BUILD/tests/loader/ident-static" suid-static && cp "$LT/dyn" suid-dyn &&
		chown root suid-static suid-dyn && chmod 4755 suid-static suid-dyn
	asnobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	for p in suid-static suid-dyn; do
		asnobody "./$p" >n.$p 2>&1
		rn=$?
		"$Z" run --from-start -- setpriv --reuid=nobody --regid=nogroup --clear-groups "./$p" >l.$p 2>&1
		compare "zpoline run --from-start: set-user-ID $p run as another user" n.$p $rn l.$p $?
	done
else
	skip "set-user-ID programs under --from-start" "needs root, user nobody and setpriv"
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
# A library the program preloads by a bare name found through
# LD_LIBRARY_PATH: the loader's own ld.so is given the runtime alone (it
# loaded the program's libraries too: their constructors ran once more,
# and one named bare, LD_LIBRARY_PATH being held, was "cannot be
# preloaded" with an ERROR line on stderr).
LIBS=$ZP_BUILD/tests/libs
for pre in libctorsay.so "$LIBS/libctorsay.so"; do
	LD_LIBRARY_PATH=$LIBS LD_PRELOAD=$pre /bin/true >n.pre 2>&1
	rn=$?
	LD_LIBRARY_PATH=$LIBS "$Z" run --from-start -- env LD_PRELOAD="$pre" /bin/true >l.pre 2>&1
	compare "--from-start, LD_PRELOAD=$pre set by the program: its constructor once, no ld.so message" \
		n.pre $rn l.pre $?
done
finish
