#!/bin/bash
# test-nullfault.sh - programs that need reads through NULL to fault (a Java
# VM's implicit null checks) behave as natively: without protection keys
# the runtime leaves page 0 alone for them (src/runtime/nullfault.c).
. "$(dirname "$0")/../lib.sh"
pku=0
grep -qw ospke /proc/cpuinfo && pku=1

# An ordinary program keeps page 0 (and its speed).
LD_PRELOAD=$LIB ZPOLINE_DEBUG=1 /bin/true 2>"$TMP/err"
grep -q '^zpoline: mode auto' "$TMP/err" && pass "an ordinary program keeps page 0" ||
	fail "/bin/true: $(grep mode "$TMP/err")"

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
	grep -q '^zpoline: mode sud' "$TMP/jh" && grep -q 'a Java VM: reads through NULL must fault' "$TMP/jh" &&
		pass "no protection keys: the Java VM runs in Syscall User Dispatch mode, and ZPOLINE_DEBUG says why" ||
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
finish
