#!/bin/bash
# zpoline doctor: runs, reports what it must, and its exit status agrees
# with the problems it lists.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli-lib.sh"

# As a user runs it: without lib.sh's ZPOLINE_SWITCH_AFTER=0.
env -u ZPOLINE_SWITCH_AFTER "$Z" doctor >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 0 ] || [ $rc -eq 1 ]; then pass "doctor exits 0 or 1 ($rc)"; else fail "doctor exit $rc"; fi
[ ! -s "$TMP/err" ] && pass "doctor: nothing on stderr" || fail "doctor stderr: $(head -c 300 "$TMP/err")"

want=$(cat /proc/sys/vm/mmap_min_addr)
grep -Eq "vm.mmap_min_addr +$want\$" "$TMP/out" && pass "doctor reports vm.mmap_min_addr ($want)" ||
	fail "doctor: no vm.mmap_min_addr $want line"
grep -q "$(uname -r)" "$TMP/out" && pass "doctor reports the kernel version" ||
	fail "doctor: no kernel version"
for label in "page 0" "SELinux" "PKU" "syscall user dispatch" "highest system call" "runtime" "loader" "decoder" "hooks"; do
	grep -Eq "^\[[a-zA-Z ]{4}\] $label " "$TMP/out" && pass "doctor reports $label" ||
		fail "doctor: no '$label' line"
done
grep -q "runtime .*$LIB" "$TMP/out" && pass "doctor finds the runtime" || fail "doctor: runtime not found"
# With page 0, how the fast path runs on this CPU, as the runtime says.
if grep -q '^\[ok  \] page 0 ' "$TMP/out"; then
	grep -Eq '^\[info\] fast path +site lookup (flag-free \(BMI2\)|with pushfq \(no BMI2\)); back to the site by (ret|jmp)' "$TMP/out" &&
		pass "doctor reports the fast path's lookup and way back" ||
		fail "doctor: no fast path line: $(grep 'fast path' "$TMP/out")"
fi

nfail=$(grep -c '^\[FAIL\]' "$TMP/out")
if { [ $rc -eq 1 ] && [ "$nfail" -gt 0 ]; } || { [ $rc -eq 0 ] && [ "$nfail" -eq 0 ]; }; then
	pass "doctor: exit status matches its problem list"
else
	fail "doctor: exit $rc with $nfail problems"
fi
# fixes_follow FILE: every problem and warning line is followed by its fix.
fixes_follow() {
	awk '/^\[(FAIL|warn)\]/ { want = 1; next }
	     want && !/fix:/ { bad = 1 } { want = 0 } END { exit bad || want }' "$1"
}
fixes_follow "$TMP/out" && pass "doctor: every problem has a fix line" ||
	fail "doctor: a problem without a fix"

# A decoder that is not there: a problem, with its fix, exit 1.
ZPOLINE_DECODER=/nonexistent/libZydis.so "$Z" doctor >"$TMP/out2" 2>&1
rc2=$?
[ $rc2 = 1 ] && grep -q '^\[FAIL\] decoder .*/nonexistent/libZydis.so' "$TMP/out2" && fixes_follow "$TMP/out2" &&
	pass "doctor: a missing decoder is a problem, with a fix" ||
	fail "doctor with ZPOLINE_DECODER=/nonexistent: exit $rc2, $(grep decoder "$TMP/out2")"

# The kernel's highest call: x86-64 has had rseq (334) since 4.18.
max=$(sed -n 's/.*highest system call *\([0-9]*\) .*/\1/p' "$TMP/out")
if [ -n "$max" ] && [ "$max" -ge 334 ] && [ "$max" -le 1023 ]; then
	pass "doctor: highest system call $max is plausible"
else
	fail "doctor: highest system call '$max'"
fi

# The execute-only probe agrees with the CPU flags the kernel reports.
if grep -qw ospke /proc/cpuinfo; then
	grep -q '^\[ok  \] PKU .*execute-only page faults on read' "$TMP/out" &&
		pass "doctor: with OSPKE, execute-only pages fault on read" ||
		fail "doctor: OSPKE but $(grep ' PKU ' "$TMP/out")"
else
	grep -q 'PKU .*execute-only page is readable' "$TMP/out" &&
		pass "doctor: without OSPKE, an execute-only page is readable" ||
		fail "doctor: no OSPKE but $(grep ' PKU ' "$TMP/out")"
fi

# FSGSBASE as the auxiliary vector has it (LD_SHOW_AUXV, not the runtime's
# reading).
if have_fsgsbase; then
	grep -q '^\[ok  \] FSGSBASE ' "$TMP/out"
else
	grep -q '^\[info\] FSGSBASE .*not available' "$TMP/out"
fi
st=$?
verdict $st "doctor: FSGSBASE as AT_HWCAP2 says: $(grep ' FSGSBASE ' "$TMP/out" | head -c 120)"

# Can page 0 be mapped here?  The test answers that independently: if this
# (root, or vm.mmap_min_addr 0) shell's environment allows it, doctor must say ok.
if [ "$(cat /proc/sys/vm/mmap_min_addr)" = 0 ] && ! grep -q '^Seccomp:[[:space:]]*2' /proc/self/status &&
	[ "$(cat /sys/fs/selinux/enforce 2>/dev/null || echo 0)" = 0 ]; then
	grep -q '^\[ok  \] page 0 ' "$TMP/out" && pass "doctor: page 0 ok where it must be" ||
		fail "doctor: page 0 not ok although nothing forbids it"
else
	skip "doctor: page 0 ok" "this machine restricts page 0"
fi

# Refused page 0: doctor says so, with a fix.
"$PROGS/cli-nopage0" "$Z" doctor >"$TMP/out" 2>&1
grep -q '^\[warn\] page 0 .*cannot be mapped' "$TMP/out" &&
	grep -A1 '^\[warn\] page 0' "$TMP/out" | grep -q 'fix: ' &&
	pass "doctor: refused page 0 reported with its fix" ||
	fail "doctor under a page-0 filter: $(grep 'page 0' "$TMP/out")"
fixes_follow "$TMP/out" && pass "doctor, refused page 0: every problem has a fix line" ||
	fail "doctor, refused page 0: a problem without a fix"
finish
