#!/bin/bash
# test-sandboxed.sh - a process that sandboxes itself (a seccomp filter
# that kills fallocate, madvise, pwrite64 and ftruncate; and RLIMIT_FSIZE 0
# before it, as sshd's pre-authentication child does) and then makes more
# calls than the trace file has room for.  The tracer must not make those
# calls for it (the process died of SIGSYS, or SIGXFSZ: sshd's child did,
# and the login failed), and the command finishes the file afterwards.
. "$(dirname "$0")/../lib.sh"

Z=$ZP_BUILD/zpoline
PROGS=$ZP_BUILD/tests/progs
if asan_hooks; then
	skip "sandboxed process" "the hooks are AddressSanitizer builds (lib.sh)"
	finish
fi
for how in seccomp fsize0; do
	f=$TMP/sandbox-$how.trace
	# through a pipe: with RLIMIT_FSIZE 0 the program cannot write a file
	"$Z" trace -o "$f" -- "$PROGS/tp-sandboxed" 40000 $how 2>"$TMP/err" | cat >"$TMP/out"
	rc=${PIPESTATUS[0]}
	n=$(grep -ac '^getppid() *= [0-9]*$' "$f")
	if [ $rc -eq 0 ] && grep -q '^done$' "$TMP/out" && [ "$n" -gt 1000 ] &&
		! tr -d '\n[:print:]\t' <"$f" | grep -q .; then
		pass "sandboxed process ($how): not killed by the tracer, $n lines, file finished"
	else
		fail "sandboxed process ($how): exit $rc, $n lines, $(head -c 200 "$TMP/err")"
	fi
done
# A seccomp filter that refuses process_vm_readv (ENOSYS), and opening
# files for writing: the tracer reads the program's memory with the
# runtime's safe copy instead, so the execve line shows its strings (it
# showed pointers and "0 vars") and the new image is handed the session
# (it could not be: the image opened ZPOLINE_TRACE_CTL by name, which the
# filter refused, and the program was stopped).
for mode in 1 2; do
	f=$TMP/vmfilter-$mode.trace
	out=$("$Z" trace -f -o "$f" -- "$PROGS/tp-vmfilter" $mode /bin/echo hi 2>"$TMP/err")
	rc=$?
	if [ $rc -eq 0 ] && [ "$out" = hi ] &&
		grep -q 'execve("/bin/echo", \["/bin/echo", "hi"\], 0x[0-9a-f]* /\* [1-9][0-9]* vars \*/) = 0' "$f" &&
		grep -q '^[0-9]* *write(1, "hi\\n", 3) *= 3' "$f"; then
		pass "process_vm_readv refused by seccomp (mode $mode): strings decoded, the exec'd image traced"
	else
		fail "process_vm_readv refused by seccomp (mode $mode): exit $rc, out '$out', $(head -c 200 "$TMP/err"); $(grep -E 'execve|write\(1' "$f" | head -3)"
	fi
done
# A filter that traps readlinkat and openat (as Firefox's content sandbox
# does), a second thread, then exit_group or a SIGTERM: the tracer's lines
# for the other thread's end read /proc with every signal blocked, and the
# process died of SIGSYS (159) instead of SIGTERM.
"$PROGS/tp-proctrap" exit
native_exit=$?
for how in exit term; do
	want=$native_exit
	[ $how = term ] && want=143
	"$Z" trace -f -o "$TMP/proctrap.trace" -- "$PROGS/tp-proctrap" $how 2>"$TMP/err"
	rc=$?
	[ $rc = "$want" ] && pass "filter trapping /proc reads, then $how: exit $rc as natively" ||
		fail "filter trapping /proc reads, then $how: exit $rc (natively $want), $(head -c 200 "$TMP/err")"
done
# Strict seccomp (read, write, exit, rt_sigreturn only) in a forked child
# under -f and -ff: its end is traced with no other call made for it (a
# getpid() at its exit killed it, and the parent saw SIGKILL; with -ff, a
# getpid() for each of its lines, and with -e leaving out its calls before
# strict mode, the openat of its file at its first line).
"$PROGS/tp-strict" </dev/null >"$TMP/strict-native"
for f in -f -ff "-ff -e trace=write,read"; do
	"$Z" trace $f -o "$TMP/strict.trace" -- "$PROGS/tp-strict" </dev/null >"$TMP/strict-out" 2>"$TMP/err"
	rc=$?
	[ $rc = 0 ] && cmp -s "$TMP/strict-native" "$TMP/strict-out" &&
		grep -q 'child exited 5' "$TMP/strict-out" && cat "$TMP"/strict.trace* | grep -q '^[0-9]* *+++ exited with 5 +++$'
	st=$?
	verdict $st "strict seccomp child under trace $f: exits 5 as natively (exit $rc, $(tr '\n' ' ' <"$TMP/strict-out"))"
	rm -f "$TMP"/strict.trace*
done
finish
