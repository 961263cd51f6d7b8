#!/bin/bash
# test-nullfault.sh - programs that need reads through NULL to fault (a Java
# VM's implicit null checks) behave as natively: without protection keys
# the runtime leaves page 0 alone for them and detours their sites instead
# (src/runtime/nullfault.c, detour.c).
. "$(dirname "$0")/../lib.sh"
pku=$PKU
also_without_pku "$0" "$@"

# An ordinary program keeps page 0 (and its speed).
LD_PRELOAD=$LIB ZPOLINE_DEBUG=1 /bin/true 2>"$TMP/err"
grep -q '^zpoline: mode auto' "$TMP/err" && pass "an ordinary program keeps page 0" ||
	fail "/bin/true: $(grep mode "$TMP/err")"

# An SBCL runtime turns the fault into a Lisp condition (memory-fault-error;
# with page 0 readable, (sap-ref-8 (int-sap 8) 0) returned a sled byte).
# It is known by the symbol its runtime exports: nullread-sbcl exports it.
P=$ZP_BUILD/tests/progs
LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT ZPOLINE_DEBUG=1 ZPOLINE_COUNT_OUTPUT=$TMP/sb.cnt \
	"$P/nullread-sbcl" >"$TMP/sb.out" 2>"$TMP/sb.err"
rc=$?
[ $rc = 0 ] && ! grep -q '^FAIL' "$TMP/sb.out" && grep -q '^PASS' "$TMP/sb.out"
outcome "a program exporting SBCL's call_into_lisp: its NULL reads fault as natively"
[ $rc = 0 ] || grep "^FAIL" "$TMP/sb.out" | head -3 | sed "s/^/    /"
if [ $pku = 0 ]; then
	grep -q '^zpoline: mode detour' "$TMP/sb.err" && grep -q 'an SBCL runtime: reads through NULL must fault' "$TMP/sb.err"
	outcome "no protection keys: an SBCL runtime runs in detour mode, and ZPOLINE_DEBUG says why"
fi
# Wine: Windows programs probe pointers on purpose (IsBadReadPtr,
# ReadProcessMemory of page 0 returned sled bytes), and Wine reserves the
# low 2 GiB for Windows once it runs, where the second stage lay (fixed
# VirtualAlloc there failed).  Known by the symbol its loader exports:
# nullread-wine exports it and checks those ranges are free to take, as
# natively, with the sites rewritten at once and by default.
for switch in 0 default; do
	env $([ $switch = 0 ] && echo ZPOLINE_SWITCH_AFTER=0) LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT \
		ZPOLINE_DEBUG=1 ZPOLINE_COUNT_OUTPUT=$TMP/wine-$switch.cnt "$P/nullread-wine" \
		>"$TMP/wine.out" 2>"$TMP/wine.err"
	rc=$?
	sed -n "s/^\(PASS\|FAIL\): /\1: [Wine-like, switch after $switch] /p" "$TMP/wine.out"
	[ $rc = 0 ] && grep -q "Wine's reservations" "$TMP/wine.out" && grep -Eq '^ +17 +0  getppid$' "$TMP/wine-$switch.cnt"
	outcome "[switch after $switch] a program exporting Wine's wine_main_preload_info: NULL reads fault, Wine's ranges are free, the count hook sees its 17 getppid calls"
done
if [ $pku = 0 ]; then
	grep -q '^zpoline: mode detour' "$TMP/wine.err" && grep -q 'Wine: reads through NULL must fault' "$TMP/wine.err"
	outcome "no protection keys: Wine runs in detour mode, and ZPOLINE_DEBUG says why"
fi
# With page 0 (PKU, or insisted on): the second stage through the pointer
# page below Wine's ranges.
noreads=
[ $pku = 1 ] || noreads=--no-reads
ZPOLINE_MODE=zpoline ZPOLINE_SWITCH_AFTER=0 LD_PRELOAD=$LIB "$P/nullread-wine" $noreads >"$TMP/wine0.out" 2>&1
rc=$?
sed -n 's/^\(PASS\|FAIL\): /\1: [Wine-like, page 0] /p' "$TMP/wine0.out"
[ $rc = 0 ] && grep -q "^PASS: Wine's reservations" "$TMP/wine0.out"
outcome "ZPOLINE_MODE=zpoline: a Wine-like program's ranges are free (the second stage lies elsewhere)"

if command -v sbcl >/dev/null 2>&1; then
	printf '(format t "~a~%%" (handler-case (sb-sys:sap-ref-8 (sb-sys:int-sap 8) 0) (sb-sys:memory-fault-error () "memory-fault-error")))\n' >"$TMP/nr.lisp"
	sb() { "$@" sbcl --noinform --non-interactive --no-sysinit --no-userinit --load "$TMP/nr.lisp" 2>/dev/null | tail -1; }
	n=$(sb env)
	h=$(sb env LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS)
	[ "$n" = memory-fault-error ] && [ "$h" = "$n" ]
	outcome "SBCL: a read of (int-sap 8) signals memory-fault-error hooked as natively ('$h')"
else
	skip "SBCL" "sbcl not installed (apt-get install sbcl)"
fi

mono_tests() {
	# Mono's JIT checks for null by faulting too: a field of a null object
	# read sled bytes (0x64eb64eb) instead of NullReferenceException.  Its
	# runtime is linked into the mono executable (found by its symbols).
	cat >"$TMP/npe.cs" <<'CS'
using System;
class Node { public int val = 7; public Node next; }
class P {
	static int Get(Node n) { return n.val; }
	static int Len(int[] a) { return a.Length; }
	static void Main() {
		try { Console.WriteLine("field " + Get(null)); } catch (NullReferenceException) { Console.WriteLine("NRE field"); }
		try { Console.WriteLine("length " + Len(null)); } catch (NullReferenceException) { Console.WriteLine("NRE array"); }
		var m = new Node();
		try { Console.WriteLine("next " + m.next.val); } catch (NullReferenceException) { Console.WriteLine("NRE chain"); }
		int[] none = null;
		try { none[100000] = 1; Console.WriteLine("stored"); } catch (NullReferenceException) { Console.WriteLine("NRE store"); }
		var t = new System.Threading.Thread(() => Console.WriteLine("thread"));
		t.Start(); t.Join();
	}
}
CS
	# mcs is itself a Mono program: compiled natively and hooked.
	mcs -out:"$TMP/n.exe" "$TMP/npe.cs" >"$TMP/mn" 2>&1
	rn=$?
	LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS ZPOLINE_DEBUG=1 mcs -out:"$TMP/h.exe" "$TMP/npe.cs" >"$TMP/mh" 2>&1
	rh=$?
	[ $rn = 0 ] && [ $rh = 0 ] && [ -s "$TMP/h.exe" ]
	outcome "mcs (a Mono program) compiles under the runtime"
	if [ $pku = 0 ]; then
		grep -q '^zpoline: mode detour' "$TMP/mh" && grep -q 'a Mono runtime: reads through NULL must fault' "$TMP/mh"
		outcome "no protection keys: Mono runs in detour mode (no page 0), and ZPOLINE_DEBUG says why"
	fi
	n=$(mono "$TMP/n.exe" 2>&1)
	h=$(LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS mono "$TMP/n.exe" 2>&1)
	t=$("$ZP_BUILD/zpoline" trace -f -o "$TMP/mono.trace" -- mono "$TMP/n.exe" 2>&1)
	want=$(printf 'NRE field\nNRE array\nNRE chain\nNRE store\nthread')
	[ "$n" = "$want" ] && [ "$h" = "$n" ] && [ "$t" = "$n" ]
	outcome "Mono: NullReferenceException from null reads, hooked and traced as natively"
	[ "$h" = "$n" ] || echo "native: $n / hooked: $h / traced: $t"
	# ZPOLINE_MODE=net asks for a safety net, not for page 0: with page 0
	# the store's bounds check read the sled, and the store's fault at
	# 0x61aa0 killed mono ("SIGSEGV while executing native code").
	if [ $pku = 0 ]; then
		nt=$(ZPOLINE_MODE=net LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS mono "$TMP/n.exe" 2>&1)
		[ "$nt" = "$n" ]
		outcome "Mono with ZPOLINE_MODE=net: Syscall User Dispatch mode, NullReferenceException as natively"
		[ "$nt" = "$n" ] || echo "native: $n / net: $(echo "$nt" | head -12)"
	fi
}
if command -v mono >/dev/null 2>&1 && command -v mcs >/dev/null 2>&1; then
	mono_tests
else
	skip "Mono: mono or mcs not installed (apt-get install mono-runtime mono-mcs)"
fi

if ! command -v javac >/dev/null 2>&1; then
	skip "Java VM: javac not installed (apt-get install default-jdk-headless)"
	finish
fi
# javac: its compiled code checks for null by faulting.
printf 'public class Z { public static void main(String[] a) { System.out.println(a.length); } }\n' >"$TMP/Z.java"
mkdir -p "$TMP/n" "$TMP/h"
javac -d "$TMP/n" "$TMP/Z.java" 2>"$TMP/jn"
rn=$?
LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS ZPOLINE_DEBUG=1 javac -d "$TMP/h" "$TMP/Z.java" 2>"$TMP/jh"
rh=$?
[ $rn = 0 ] && [ $rh = 0 ] && cmp -s "$TMP/n/Z.class" "$TMP/h/Z.class" &&
	pass "javac under the runtime: same class file" ||
	fail "javac: exit native $rn hooked $rh; $(grep -v '^zpoline' "$TMP/jh" | head -c 300)"
if [ $pku = 0 ]; then
	grep -q '^zpoline: mode detour' "$TMP/jh" && grep -q 'a Java VM: reads through NULL must fault' "$TMP/jh" &&
		pass "no protection keys: the Java VM runs in detour mode (no page 0), and ZPOLINE_DEBUG says why" ||
		fail "no protection keys: $(grep 'mode' "$TMP/jh")"
else
	grep -q '^zpoline: mode auto' "$TMP/jh" &&
		pass "protection keys: page 0 stays (execute-only, reads fault)" ||
		fail "protection keys: $(grep 'mode' "$TMP/jh")"
fi

# A null array's length, after the method is compiled: NullPointerException.
cat >"$TMP/N.java" <<'JAVA'
public class N {
	static int len(int[] a) { return a.length; }
	public static void main(String[] x) {
		int s = 0;
		for (int i = 0; i < 2000000; i++) s += len(new int[5]);
		try { System.out.println("returned " + len(null)); }
		catch (NullPointerException e) { System.out.println("NullPointerException " + s); }
	}
}
JAVA
javac -d "$TMP/n" "$TMP/N.java" 2>/dev/null
n=$(java -cp "$TMP/n" N 2>&1)
h=$(LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS java -cp "$TMP/n" N 2>&1)
[ "$n" = "$h" ] && pass "a null array in compiled code: '$h', as natively" || fail "null array: native '$n', hooked '$h'"
# Started by the loader (--from-start), java's libjli.so is mapped after
# the runtime starts: the program file's DT_NEEDED tells (it had page 0,
# and compiled code's null checks read the sled: wrong sums, crashes).
f=$("$ZP_BUILD/zpoline" run --from-start -- java -cp "$TMP/n" N 2>&1)
[ "$n" = "$f" ] && pass "--from-start: a null array in compiled code: '$f', as natively" ||
	fail "--from-start: null array: native '$n', hooked '$f'"
# Calls on page 0's range and with pointers into it answer as natively,
# where nothing is mapped there (tests/programs/page0calls.c): mprotect and
# munmap of page 0 (were ENOMEM and EPERM, with a message), sethostname,
# setrlimit, prctl(PR_SET_NAME)... given NULL (succeeded with the
# trampoline's bytes).
"$P/page0calls" >"$TMP/p0.native" 2>&1
for mode in auto zpoline net sud detour; do
	ZPOLINE_MODE=$mode LD_PRELOAD=$LIB "$P/page0calls" >"$TMP/p0.$mode" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && cmp -s "$TMP/p0.native" "$TMP/p0.$mode"; then
		pass "[$mode] calls on page 0's range and pointers into it: as natively ($(wc -l <"$TMP/p0.native") lines)"
	else
		fail "[$mode] page0calls (exit $rc): $(diff "$TMP/p0.native" "$TMP/p0.$mode" | head -6 | tr '\n' ' ')"
	fi
done
finish
