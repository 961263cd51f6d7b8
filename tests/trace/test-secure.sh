#!/bin/bash
# Programs the kernel runs in secure-execution mode (set-user-ID changing
# the identity): ld.so ignores LD_PRELOAD, so they run unhooked.  The
# command says so before it runs one; a trace shows the execve that starts
# one as unfinished (no image of ours prints its result) and, when a traced
# parent reaps it, its end; a trace in which nothing ran traced still
# leaves its file.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../cli/cli-lib.sh"
P=$ZP_BUILD/tests/progs

if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1 || ! command -v setpriv >/dev/null; then
	skip "set-user-ID programs" "needs root, user nobody and setpriv"
	finish
fi
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
chmod 755 "$TMP"
cp "$P/seq" "$TMP/suid-seq" && chown root "$TMP/suid-seq" && chmod 4755 "$TMP/suid-seq"
if ! "${AS_NOBODY[@]}" test -r "$Z" -a -r "$ZP_BUILD/libzpoline.so" -a -x "$TMP/suid-seq"; then
	skip "set-user-ID programs" "user nobody cannot reach $ZP_BUILD or $TMP"
	finish
fi
if findmnt -n -o OPTIONS --target "$TMP" | grep -qw nosuid; then
	skip "set-user-ID programs" "$TMP is on a nosuid mount"
	finish
fi
mkdir -m 777 "$TMP/out"

# Run directly: a warning naming the reason, and the program's own result.
out=$("${AS_NOBODY[@]}" "$Z" run -- "$TMP/suid-seq" 2>"$TMP/err")
rc=$?
[ $rc -eq 0 ] && [ "$(echo "$out" | grep -c ok)" = 2 ] &&
	grep -q "suid-seq is set-user-ID: .*LD_PRELOAD is ignored, so it runs unhooked" "$TMP/err" &&
	pass "run: a set-user-ID program runs, unhooked, and the command says why" ||
	fail "run: exit $rc, out '$out', err '$(head -c 300 "$TMP/err")'"

# Traced directly: nothing was traced, yet the file is there (empty).
"${AS_NOBODY[@]}" "$Z" trace -o "$TMP/out/direct" -- "$TMP/suid-seq" >/dev/null 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && [ -f "$TMP/out/direct" ] && [ ! -s "$TMP/out/direct" ] &&
	! grep -q "finishing the trace" "$TMP/err" &&
	pass "trace -o of a set-user-ID program: an empty file, no error" ||
	fail "trace direct: exit $rc, file $(ls -la "$TMP/out/direct" 2>&1), err '$(head -c 300 "$TMP/err")'"

# Traced from a shell: the execve is there, unfinished, then its exit
# status when the shell reaps it; a failed one (not executable by nobody)
# is resumed with its error.
cp "$TMP/suid-seq" "$TMP/suid-noexec" && chmod 4700 "$TMP/suid-noexec"
"${AS_NOBODY[@]}" "$Z" trace -f -o "$TMP/out/sh" -- /bin/sh -c \
	"$TMP/suid-seq >/dev/null; $TMP/suid-noexec 2>/dev/null; exit 3" 2>"$TMP/err"
rc=$?
T=$TMP/out/sh
# (the pid prefix is padded to five columns: "700   execve(...")
pid=$(sed -n 's/^\([0-9]*\) *execve("[^"]*suid-seq", .*<unfinished \.\.\.>$/\1/p' "$T")
if [ $rc -eq 3 ] && [ -n "$pid" ] && grep -q "^$pid *+++ exited with 0 +++" "$T"; then
	pass "trace -f: the set-user-ID program's execve unfinished, its exit from the reaping parent"
else
	fail "trace -f: exit $rc, pid '$pid': $(grep -n 'suid\|+++' "$T" | head -8)"
fi
if grep -q 'execve("[^"]*suid-noexec", .*) *= -1 EACCES' "$T" ||
	{ grep -q 'execve("[^"]*suid-noexec", .*<unfinished \.\.\.>$' "$T" &&
		grep -q '<\.\.\. execve resumed>) *= -1 EACCES' "$T"; }; then
	pass "trace -f: a set-user-ID execve that fails shows its error"
else
	fail "failed set-user-ID execve: $(grep -n 'noexec\|resumed' "$T" | head -5)"
fi
grep -q "^$pid *getppid\|^$pid *write" "$T" &&
	fail "lines from the set-user-ID program itself, which cannot be traced" ||
	pass "no lines from inside the set-user-ID program"

# No set-ID bit, but a caller whose effective user is not its real one
# (squid's master: real uid proxy, effective root): the kernel runs what
# it starts in secure-execution mode too.  The execve is unfinished and
# the shell's reaping prints its end, as for a set-user-ID program.
"$Z" trace -f -o "$TMP/out/reuid" -- /bin/sh -c \
	"setpriv --ruid=nobody $P/seq >/dev/null; exit 3" 2>"$TMP/err"
rc=$?
T=$TMP/out/reuid
pid=$(sed -n 's/^\([0-9]*\) *execve("[^"]*\/seq", .*<unfinished \.\.\.>$/\1/p' "$T")
if [ $rc -eq 3 ] && [ -n "$pid" ] && grep -q "^$pid *+++ exited with 0 +++" "$T"; then
	pass "trace -f: a program started with real uid nobody, effective root: unfinished, its exit from the reaping parent"
else
	fail "trace -f, real uid not effective: exit $rc, pid '$pid': $(grep -n 'seq\|+++' "$T" | head -8)"
fi

# The traced root itself ends up running one (exec): no process of ours
# prints its end, so the command, which waited for it, does.
"${AS_NOBODY[@]}" "$Z" trace -o "$TMP/out/root" -- /bin/sh -c "exec $TMP/suid-seq" >/dev/null 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && grep -q 'execve("[^"]*suid-seq", .*<unfinished \.\.\.>$' "$TMP/out/root" &&
	[ "$(tail -n 1 "$TMP/out/root")" = "+++ exited with 0 +++" ]
outcome "trace: a root that execs a set-user-ID program ends with its exit status" ||
	tail -n 3 "$TMP/out/root"
finish
