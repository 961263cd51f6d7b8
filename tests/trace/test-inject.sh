#!/bin/bash
# test-inject.sh - fault injection: libzphook_inject.so (ZPOLINE_INJECT) and
# the tracer's -e inject=.
. "$(dirname "$0")/../lib.sh"

INJECT=$ZP_BUILD/libzphook_inject.so
TRACE=$ZP_BUILD/libzphook_trace.so
PROGS=$ZP_BUILD/tests/progs

inject() { LD_PRELOAD=$LIB LIBZPHOOK=$INJECT ZPOLINE_INJECT="$1" "${@:2}"; }
traced() { LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="$1" "${@:2}"; }

# dd: the first write fails with ENOSPC; dd's own message (the second
# write) gets through and names the error.
inject 'write:error=ENOSPC:when=1' dd if=/dev/zero of="$TMP/x" bs=1k count=1 2>"$TMP/dd.err"
rc=$?
if [ $rc -ne 0 ] && grep -q 'No space left on device' "$TMP/dd.err" && [ ! -s "$TMP/x" ]; then
	pass "inject-dd-enospc"
else
	fail "inject-dd-enospc (exit $rc)"
	cat "$TMP/dd.err"
fi

# With every write failing, the tracer shows each one failed, injected.
traced "-e trace=write -e inject=write:error=ENOSPC -o $TMP/dd.trace" \
	dd if=/dev/zero of="$TMP/x" bs=1k count=1 2>/dev/null
if grep -q '^write(1, "\\0\\0\\0.*, 1024) = -1 ENOSPC (No space left on device) (INJECTED)$' "$TMP/dd.trace"; then
	pass "inject-trace-enospc-line"
else
	fail "inject-trace-enospc-line"
	cat "$TMP/dd.trace"
fi

# when=2: exactly the second open fails.
out=$(inject 'openat:error=ENOENT:when=2' "$PROGS/tp-opens" /etc/passwd /etc/hostname /etc/passwd /etc/passwd)
want=$'/etc/passwd ok\n/etc/hostname ENOENT\n/etc/passwd ok\n/etc/passwd ok'
check "inject-when-2" [ "$out" == "$want" ]

# The same through the tracer: the lines say which open was injected.
traced "-e trace=openat -e inject=openat:error=ENOENT:when=2 -o $TMP/w2.trace" \
	"$PROGS/tp-opens" /etc/passwd /etc/hostname /etc/passwd >/dev/null
n=$(grep -c '(INJECTED)$' "$TMP/w2.trace")
second=$(grep '^openat' "$TMP/w2.trace" | grep -v 'locale\|gconv' | sed -n 2p)
if [ "$n" = 1 ] && [ "$second" == 'openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = -1 ENOENT (No such file or directory) (INJECTED)' ]; then
	pass "inject-trace-when-2"
else
	fail "inject-trace-when-2 ($n injected)"
	cat "$TMP/w2.trace"
fi

# when=2+2: the 2nd, 4th, 6th ...; N+: from the Nth on.
out=$(inject 'openat:error=ENOSPC:when=2+2' "$PROGS/tp-opens" /etc/passwd /etc/passwd /etc/passwd /etc/passwd /etc/passwd | awk '{printf "%s,", $2}')
check "inject-when-step" [ "$out" == "ok,ENOSPC,ok,ENOSPC,ok," ]
out=$(inject 'openat:error=ENOSPC:when=3+' "$PROGS/tp-opens" /etc/passwd /etc/passwd /etc/passwd /etc/passwd | awk '{printf "%s,", $2}')
check "inject-when-from" [ "$out" == "ok,ok,ENOSPC,ENOSPC," ]

# path=: only calls on that path count and fail; several rules with ';'.
out=$(inject 'openat:error=ENOENT:path=/etc/hostname;close:retval=0' "$PROGS/tp-opens" /etc/passwd /etc/hostname /etc/passwd | awk '{printf "%s,", $2}')
check "inject-path" [ "$out" == "ok,ENOENT,ok," ]

# retval=: the call "succeeds" without reaching the kernel.
inject 'unlinkat,unlink:retval=0' rm "$TMP/keep" 2>/dev/null
touch "$TMP/keep"
inject 'unlinkat,unlink:retval=0' rm "$TMP/keep" && [ -e "$TMP/keep" ]
outcome "inject-retval"

# Classes and negation in the set.
out=$(inject '%file:error=ENOSPC' "$PROGS/tp-opens" /etc/passwd | awk '{print $2}')
check "inject-class" [ "$out" == "ENOSPC" ]
out=$(inject '!%desc,write:error=ENOSPC' "$PROGS/tp-opens" /etc/passwd | awk '{print $2}')
check "inject-negated-class" [ "$out" == "ok" ]

# Malformed rules: init fails, one clear message naming the bad part, the
# program does not run.
bad_rule() {
	local spec=$1 want=$2
	local out rc
	out=$(inject "$spec" /bin/echo ran 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && ! echo "$out" | grep -q '^ran$' && echo "$out" | grep -q "$want"; then
		pass "inject-bad '$spec'"
	else
		fail "inject-bad '$spec' (exit $rc): $out"
	fi
}
bad_rule 'write' "has no action"
bad_rule 'write:error=EFOO' "unknown error 'EFOO'"
bad_rule 'nosuchcall:error=EIO' "unknown system call 'nosuchcall'"
bad_rule 'write:error=EIO:when=0' "bad when '0'"
bad_rule 'write:error=EIO:when=2+x' "bad when '2+x'"
bad_rule 'write:error=EIO:retval=1' "exclude each other"
bad_rule 'write:error=EIO:colour=red' "unknown field 'colour=red'"
bad_rule '%nosuch:error=EIO' "unknown system call class '%nosuch'"
bad_rule '' "ZPOLINE_INJECT is not set"
finish
