#!/bin/bash
# zpoline-loader runs a static Go program (goroutines on many threads,
# asynchronous preemption by SIGURG, os/exec with Go's raw vfork, file
# reads): the same output as natively, every system call it makes goes
# through zpoline, and the hook counts at least what strace counts.
#
# Go's calls depend on timing (futex, nanosleep, preemption signals) and on
# how many threads its scheduler starts, so the count comparison with a
# native run leaves those names out; the bypass check (strace -i of the
# hooked run: no call made from the Go image itself) covers every call.
#
# The counting hook is tests/loader/hooks/rawcount.c: the count hook's
# fini() runs libc, whose thread-local state is found through %fs, which
# the Go program owns (see docs/loader.md).  The count hook itself is tried
# last.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/loader-lib.sh"
need_tools "Go program" strace python3 "$LOADER" || finish
if [ ! -x "$LT/gohello" ]; then
	skip "Go program (not built: Debian's golang-go is not installed)"
	finish
fi
cd "$TMP" || exit 1
seq 1 20000 >data
TIMING=futex,nanosleep,sched_yield,epoll_pwait,getpid,tgkill,rt_sigreturn,read
THREADS=clone,gettid,rt_sigprocmask,sigaltstack,exit,mmap,munmap,madvise

native_traced n.out n.trace "$LT/gohello" data x y
rn=$?
COUNT_HOOK=raw ZPOLINE_DEBUG=1 loaded l.out l.count -- "$LT/gohello" data x y
compare "Go program" n.out $rn l.out $?

sites=$(sed -n 's/.*gohello: \(-\{0,1\}[0-9]*\) system call sites rewritten.*/\1/p' l.out.err)
if [ -z "$sites" ] || [ "$sites" -le 0 ]; then
	fail "Go program: the runtime rewrote no system call site in it (${sites:-no report})"
	grep -e gohello -e 'zpoline:' l.out.err | head -5
else
	pass "Go program: $sites system call sites rewritten"
fi
covered "Go program: coverage (timing- and thread-dependent names left out)" \
	n.trace l.count --marker '^execve\(' --ignore "$TIMING,$THREADS"
not_bypassed "Go program: no call around zpoline" -- "$LT/gohello" data x y

# The count hook: it loads without libc (hooklibc.c), so its table at exit
# no longer needs libc on the program's %fs; a crash there is still named.
loaded c.out c.count -- "$LT/gohello" data x y
rc=$?
if [ $rc -ge 128 ] && [ ! -s c.count ]; then
	skip "Go program with the count hook (its fini() crashed on the program's %fs: signal $((rc - 128)); needs the runtime to switch %fs for hooks, docs/loader.md)"
else
	compare "Go program with the count hook" n.out $rn c.out $rc
fi
# A stripped static program: nothing tells its code from data, so nothing
# is rewritten; the loader must say so rather than trace it silently.
if [ -x "$LT/gohello-stripped" ]; then
	LD_PRELOAD=$LIB "$LOADER" "$LT/gohello-stripped" data x y >s.out 2>s.err
	rc=$?
	cmp -s s.out n.out && [ $rc -eq $rn ] &&
		grep -q 'gohello-stripped: a static program with no unwind table and no symbol table' s.err &&
		pass "stripped Go program: runs as natively, and the loader says its calls are not hooked" ||
		fail "stripped Go program: exit $rc, $(head -c 300 s.err)"
fi
finish
