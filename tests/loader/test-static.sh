#!/bin/bash
# zpoline-loader runs gcc -static and -static-pie programs: the same output
# as natively, the machine state and process identity of a fresh exec, and
# every system call they make reaches the hook (compared with strace -f of
# a native run: the program is deterministic but for lock contention, so
# futex is left out).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/loader-lib.sh"
need_tools "static programs" strace python3 "$LOADER" || finish
cd "$TMP" || exit 1
seq 1 3000 >data
export ZL_TEST_VAR=hello

# The identity lines (/proc/self/exe, comm, cmdline, /proc/self/auxv) need
# PR_SET_MM_MAP; the loader says when the kernel refused it.
identity_settable() {
	! ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB "$LOADER" "$LT/regs" 2>&1 >/dev/null |
		grep -q 'stays the loader'
}

# static-bare: no symbols, no unwind table: no site can be vouched for, so
# every call is caught by Syscall User Dispatch instead.
for kind in static static-pie static-bare; do
	prog=$LT/ident-$kind
	native_traced n.$kind trace.$kind "$prog" data one 'two words'
	rn=$?
	[ $kind = static-bare ] && rn_bare=$rn
	loaded l.$kind count.$kind -- "$prog" data one 'two words'
	rl=$?
	if identity_settable; then
		compare "$kind" n.$kind $rn l.$kind $rl
	else
		skip "$kind: /proc/self identity (the kernel refused PR_SET_MM_MAP here)"
		grep -v -e '^/proc/self/exe' -e '^comm' -e '^cmdline' -e '^/proc/self/auxv' \
			n.$kind >n2.$kind
		grep -v -e '^/proc/self/exe' -e '^comm' -e '^cmdline' -e '^/proc/self/auxv' \
			l.$kind >l2.$kind
		compare "$kind (identity lines left out)" n2.$kind $rn l2.$kind $rl
	fi
	covered "$kind: coverage" trace.$kind count.$kind --marker '^execve\(' --ignore futex
done
if [ ! -s l.static-bare.err ]; then
	pass "static-bare: nothing said (its calls are caught)"
else
	fail "static-bare: the loader said: $(head -c 300 l.static-bare.err)"
fi
# fexecve: execveat(fd, "", argv, envp, AT_EMPTY_PATH) of a static program
# goes through the loader too (it ran unhooked, unseen, before), and so does
# execve("/proc/self/fd/N") (the loader failed on the name the link gave,
# a memfd's "/memfd:x (deleted)"): the same output (AT_EXECFN, comm, its
# descriptors: a close-on-exec one closed, an inheritable one kept) and its
# calls reach the hooks.
cat >fexec.py <<'PY'
import os, sys
keep = sys.argv[2].endswith("inheritable")
fd = os.open(sys.argv[1], os.O_RDONLY)  # close-on-exec, as Python opens
if sys.argv[2].startswith("path"):  # the program in a memfd
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    os.close(fd)
    fd = os.memfd_create("ident")
    os.write(fd, data)
os.dup2(fd, 5, inheritable=keep)
os.close(fd)
if sys.argv[2].startswith("path"):
    os.execve("/proc/self/fd/5", [sys.argv[1], "data", "one"], dict(os.environ))
os.execve(5, [sys.argv[1], "data", "one"], dict(os.environ))
PY
for how in cloexec inheritable path-cloexec path-inheritable; do
	python3 fexec.py "$LT/ident-static" $how >n.fd-$how 2>&1
	rn=$?
	rm -f count.fd-$how
	LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT ZPOLINE_COUNT_OUTPUT=$TMP/count.fd-$how \
		python3 fexec.py "$LT/ident-static" $how >l.fd-$how 2>l.fd-$how.err
	rl=$?
	compare "fexecve, $how descriptor" n.fd-$how $rn l.fd-$how $rl
	# The program starts four threads (clone3); python3 (or a shell
	# around it) starts none.
	grep -Eq '^ +4 +0 +clone3$' count.fd-$how 2>/dev/null &&
		pass "fexecve, $how descriptor: the program's calls reach the hook" ||
		fail "fexecve, $how descriptor: no count table from the program"
done
grep -Eq '^descriptors:.* 5( |$)' n.fd-inheritable && ! grep -Eq '^descriptors:.* 5( |$)' n.fd-cloexec ||
	fail "fexecve natively: descriptors $(grep '^descriptors' n.fd-cloexec n.fd-inheritable)"

# A "#!" script whose interpreter is static (`#!/bin/busybox sh`) ran
# unhooked: the kernel starts the interpreter, which ignores LD_PRELOAD.
# The loader does the kernel's part (argv: interpreter, its argument, the
# script, the script's arguments; comm and AT_EXECFN the script's; exe the
# interpreter), for the command, for a hooked program's execve and given
# the script itself.
printf '#!%s  data \n' "$LT/ident-static" >idscript
chmod +x idscript
./idscript one >n.script 2>&1
rn=$?
for how in loader execve command; do
	rm -f count.script-$how
	case $how in
	loader) loaded l.script-$how count.script-$how -- ./idscript one ;;
	execve) LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT ZPOLINE_COUNT_OUTPUT=$TMP/count.script-$how \
			sh -c './idscript one' >l.script-$how 2>l.script-$how.err ;;
	command) ZPOLINE_COUNT_OUTPUT=$TMP/count.script-$how "$ZP_BUILD/zpoline" run --hook count \
			-- ./idscript one >l.script-$how 2>l.script-$how.err ;;
	esac
	rl=$?
	compare "script with a static interpreter, by $how" n.script $rn l.script-$how $rl
	grep -Eq '^ +4 +0 +clone3$' count.script-$how 2>/dev/null &&
		pass "script with a static interpreter, by $how: its calls reach the hook" ||
		fail "script with a static interpreter, by $how: no count table from the interpreter"
done
grep -q "^argv\[2\]: ./idscript$" n.script && grep -q '^comm: idscript$' n.script ||
	fail "script natively: $(grep -E '^(argv|comm)' n.script | tr '\n' ' ')"

# Such a program gets no page 0 either: its reads through NULL fault as
# natively (Free Pascal turns them into EAccessViolation), and its calls
# reach the hooks (nullread: 17 getppid calls).
"$LT/nullread-static-bare" >n.nullread 2>&1
rn=$?
rm -f count.nullread
loaded l.nullread count.nullread -- "$LT/nullread-static-bare"
rl=$?
got=$(awk '$NF == "getppid" { n += $1 } END { print n + 0 }' count.nullread 2>/dev/null)
if [ $rn -eq 0 ] && [ $rl -eq 0 ] && ! grep -q '^FAIL' l.nullread && [ "$got" = 17 ]; then
	pass "static-bare: NULL reads, writes and calls fault as natively; 17 getppid hooked"
else
	fail "static-bare nullread: exit $rl (native $rn), getppid $got, $(grep -m2 '^FAIL' l.nullread)"
fi
# Where the sites were rewritten before the loader hands its program over
# (a start under strace rewrites at once, where ZPOLINE_SWITCH_AFTER is not
# set), Syscall User Dispatch is armed again for the program's calls.
# Without the cache: ident-static's list, under the same build-id, would
# have its sites rewritten instead.
rm -f count.bare-traced
strace -f -qq -o /dev/null env -u ZPOLINE_SWITCH_AFTER ZPOLINE_CACHE=off LD_PRELOAD="$LIB" LIBZPHOOK="$(count_hook)" \
	ZPOLINE_COUNT_OUTPUT="$TMP/count.bare-traced" ZL_RAWCOUNT_OUTPUT="$TMP/count.bare-traced" \
	"$LOADER" "$LT/ident-static-bare" data one 'two words' >l.bare-traced 2>l.bare-traced.err
rl=$?
if identity_settable; then
	compare "static-bare, started under strace" n.static-bare "$rn_bare" l.bare-traced $rl
fi
if grep -Eq '^ +4 +0 +clone3$' count.bare-traced 2>/dev/null && [ ! -s l.bare-traced.err ]; then
	pass "static-bare, started under strace: its calls caught (4 clone3), nothing said"
else
	fail "static-bare, started under strace: exit $rl, $(grep clone3 count.bare-traced 2>&1), $(head -c 300 l.bare-traced.err)"
fi
# Where nothing can catch them, it says so, and the program runs as natively.
ZPOLINE_MODE=zpoline loaded l.bare-zp count.bare-zp -- "$LT/ident-static-bare" data one 'two words'
rl=$?
if grep -q "stripped.*not hooked" l.bare-zp.err && [ $rl -eq "$rn_bare" ]; then
	pass "static-bare, ZPOLINE_MODE=zpoline: says its calls are not hooked, runs"
else
	fail "static-bare, ZPOLINE_MODE=zpoline: exit $rl (native $rn_bare), $(head -c 300 l.bare-zp.err)"
fi

# --argv0, and a name looked up in $PATH (argv[0] as typed, AT_EXECFN the
# file found), as a shell would run it.
PATH=$LT:$PATH "ident-static" data >n.path 2>&1
rn=$?
PATH=$LT:$PATH LD_PRELOAD=$LIB "$LOADER" ident-static data >l.path 2>&1
compare "PATH lookup" n.path $rn l.path $?
LD_PRELOAD=$LIB "$LOADER" --argv0 custom-name "$LT/ident-static" data >l.argv0 2>&1
if grep -qx 'argv\[0\]: custom-name' l.argv0; then
	pass "--argv0 sets argv[0]"
else
	fail "--argv0 sets argv[0]"
	head -5 l.argv0
fi

# The machine state at the entry point is what execve leaves.
out=$(LD_PRELOAD=$LIB "$LOADER" "$LT/regs" 2>&1)
if [ "$out" = "entry state: ok" ]; then
	pass "entry state: registers, stack and flags as after execve"
else
	fail "entry state: $out"
fi

# A dynamic program without --from-start is simply executed (the runtime
# comes with LD_PRELOAD as usual).
"$LT/dyn" a b >n.dyn 2>&1
rn=$?
LD_PRELOAD=$LIB "$LOADER" "$LT/dyn" a b >l.dyn 2>&1
rl=$?
grep -v '^LD_PRELOAD' n.dyn >n2.dyn
grep -v '^LD_PRELOAD' l.dyn >l2.dyn
compare "dynamic program, executed directly" n2.dyn $rn l2.dyn $rl

# A set-user-ID static program that changes who runs it is not sent
# through the loader, which would run it without its privileges (it ran
# with AT_SECURE 0 and the caller's euid): natively it runs unhooked, with
# them.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	chmod 755 "$TMP"
	cp "$LT/ident-static" suid-ident && chown root suid-ident && chmod 4755 suid-ident
	asnobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	asnobody ./suid-ident >n.suid 2>&1
	rn=$?
	LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS asnobody ./suid-ident >l.suid 2>&1
	compare "set-user-ID static program run by a hooked program" n.suid $rn l.suid $?
	if grep -qx 'AT_SECURE: 1' l.suid; then
		pass "set-user-ID static program: runs in secure-execution mode, as natively"
	else
		fail "set-user-ID static program: $(grep AT_SECURE l.suid)"
	fi
else
	skip "set-user-ID static program" "needs root, user nobody and setpriv"
fi

# execve of a bare name runs the file of that name in the working directory
# (the kernel never searches $PATH): through the loader too, which searched
# $PATH for it (GLib's spawn-path-search ran the helper of another
# directory), static programs in every mode, dynamic ones with
# --from-start.
mkdir -p here other
printf '#include <stdio.h>\nint main(void) { puts(WHERE); return 0; }\n' >where.c
for kind in static dyn; do
	flag=-static
	[ $kind = dyn ] && flag=
	gcc $flag -DWHERE='"here"' -o here/where-$kind where.c &&
		gcc $flag -DWHERE='"other"' -o other/where-$kind where.c ||
		{ fail "bare name: cannot build the $kind programs"; continue; }
	for how in native run from-start; do
		case $how in
		native) set -- ;;
		run) set -- "$ZP_BUILD/zpoline" run -- ;;
		from-start) set -- "$ZP_BUILD/zpoline" run --from-start -- ;;
		esac
		got=$(cd here && PATH=$TMP/other:/usr/bin:/bin "$@" python3 -c \
			'import os, sys; os.execv(sys.argv[1], [sys.argv[1]])' where-$kind 2>&1)
		if [ "$got" = here ]; then
			pass "bare name, $kind program, $how: the working directory's"
		else
			fail "bare name, $kind program, $how: '$got', not 'here'"
		fi
	done
done
finish
