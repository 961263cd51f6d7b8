#!/bin/bash
# A static program exec'd by a traced process (a debugger's or strace's
# child) is not handed to zpoline-loader: the tracer expects the program's
# own image.  Before, a hooked gdb running a static program planted its
# breakpoints before the loader had mapped the program ("Cannot insert
# breakpoint 1", bt in ld.so's _start), as in the Go runtime's gdb tests,
# and a hooked strace showed the loader's exec instead of the program's.
# Untraced, a static program still goes through the loader (test-static).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/loader-lib.sh"
need_tools "traced static programs" gdb strace "$LOADER" || finish
PROG=$ZP_BUILD/tests/progs/cli-static-getppid
cd "$TMP" || exit 1

gdb_run() { # gdb_run OUT [env...]: break at main, run, bt
	local out=$1
	shift
	env "$@" timeout 120 gdb -nx -batch -ex 'break main' -ex run -ex bt -ex continue \
		--args "$PROG" >"$out" 2>&1
}
gdb_run gdb.native
gdb_run gdb.hooked LD_PRELOAD="$LIB" LIBZPHOOK="$HOOK_PASS"
for how in native hooked; do
	grep -q 'Breakpoint 1, main ()' gdb.$how && grep -q '^#0  main ()' gdb.$how &&
		! grep -q 'Cannot insert breakpoint' gdb.$how
	outcome "gdb ($how): stops at main of the static program and shows it in bt"
done

strace_run() { # strace_run OUT [env...]
	local out=$1
	shift
	env "$@" timeout 120 strace -f -qq -e trace=execve,getppid -o "$out" "$PROG" >/dev/null 2>&1
}
strace_run strace.native
strace_run strace.hooked LD_PRELOAD="$LIB" LIBZPHOOK="$HOOK_PASS"
# strace itself is hooked (it is dynamic); its child execs the program.
for how in native hooked; do
	grep -q "execve(\"$PROG\", .*) = 0" strace.$how && grep -q 'getppid() *= [0-9]' strace.$how &&
		! grep -q zpoline-loader strace.$how
	outcome "strace ($how): the program's own execve and getppid, no loader"
done
finish
