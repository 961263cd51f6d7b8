#!/bin/bash
# The stub's lean path (entry.S, .Llean): a chain of one pre()-only hook is
# called from the stub, not through zp_pre().  Here a hook that changes a
# call's arguments or number, or turns it into one the runtime wants, or
# completes it, on both paths: the program gets the changed call's result
# and its own registers back.  The shipped pass-through and inject hooks
# take this path in every other test that uses them.
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs/argedit
EDIT=$ZP_BUILD/tests/libzphook_argedit.so

"$P" >"$TMP/native" 2>&1
rc=$?
sed -n 's/^\(PASS\|FAIL\): \(.*\)/\1: native: \2/p' "$TMP/native"
[ $rc -eq 0 ] || fail "argedit natively: exit $rc"

# Each way back to the site (ZPOLINE_RETURN: ret, Intel's default; jmp,
# AMD's), forced: the lean path's release has a tail for each.
for back in ret jmp; do
	for post in 0 1; do
		for lean in 1 0; do
			case $lean in
			1) want="by the stub" ;;
			0) want="by the dispatcher" ;;
			esac
			tag="[ZPOLINE_LEAN=$lean ARGEDIT_POST=$post ZPOLINE_RETURN=$back]"
			if [ $post = 1 ]; then export EXPECT_POST=1; else unset EXPECT_POST; fi
			ZPOLINE_RETURN=$back ZPOLINE_LEAN=$lean ARGEDIT_POST=$post ZPOLINE_DEBUG=1 \
				EXPECT_HOOKED=1 LD_PRELOAD=$LIB LIBZPHOOK=$EDIT "$P" >"$TMP/out" 2>"$TMP/err"
			rc=$?
			sed -n "s/^\(PASS\|FAIL\): \(.*\)/\1: $tag \2/p" "$TMP/out"
			[ $rc -eq 0 ] || fail "$tag argedit exited $rc: $(head -c 300 "$TMP/err")"
			grep -q "called $want" "$TMP/err" &&
				pass "$tag the hook is called $want" ||
				fail "$tag want called $want: $(grep -o 'hook(s)[^;]*' "$TMP/err")"
		done
	done
done
unset EXPECT_POST

# Which chains qualify: one pre()-only hook that leaves the vector state
# alone.  The counting hook has a post(), the clobbering one needs XSAVE,
# two hooks are a chain.
lean_for() { # WANT LABEL HOOKS
	ZPOLINE_DEBUG=1 ZPOLINE_INJECT=getsid:error=EPERM LD_PRELOAD=$LIB LIBZPHOOK=$3 \
		/bin/true 2>"$TMP/err"
	grep -q "called by the $1" "$TMP/err" &&
		pass "$2: called by the $1" ||
		fail "$2: want called by the $1: $(grep -o 'hook(s)[^;]*' "$TMP/err")"
}
lean_for stub pass "$HOOK_PASS"
lean_for stub inject "$ZP_BUILD/libzphook_inject.so"
lean_for stub count "$HOOK_COUNT"
# ZPOLINE_HOOK_PRE_KEEPS_CALL without a post(): the stub compares nothing
# after pre() (pass; inject, whose skips take .Llean_keeps_skip).  The
# count hook's post() and argedit (no flag) keep the general lean path.
# The shortcut has a tail for each way back to the site (ret, Intel's
# default; jmp, AMD's: trampoline.c), both forced here so that every CPU
# runs both: the released calls of the pass hook and the skipped ones of
# inject give the program back every register, its red zone, its flags
# (regs, redzone), survive signals arriving in the stub (sigstorm, intrpc),
# vfork (vforkexit) and a program's own %gs base (owngs).
for back in ret jmp; do
	export ZPOLINE_RETURN=$back
	lean_for "stub (pre() keeps the call)" "pass, back by $back" "$HOOK_PASS"
	lean_for "stub (pre() keeps the call)" "inject, back by $back" "$ZP_BUILD/libzphook_inject.so"
	# The count hook's calls come back from the kernel to its post() and
	# then to the site by .Lreturn, which also has a tail for each way
	# (from the stub's lean path and from the dispatcher's zp_post()).
	# argedit (no flag, no post()) takes the general lean path's release.
	for hook in pass argedit count count-dispatcher; do
		lean=1
		case $hook in
		pass) H=$HOOK_PASS ;;
		argedit) H=$EDIT ;;
		count) H=$HOOK_COUNT ;;
		count-dispatcher) H=$HOOK_COUNT lean=0 ;;
		esac
		for prog in regs redzone vforkexit intrpc altstack; do
			ZPOLINE_LEAN=$lean ZPOLINE_COUNT_OUTPUT=/dev/null LD_PRELOAD=$LIB LIBZPHOOK=$H \
				"$ZP_BUILD/tests/progs/$prog" >"$TMP/out" 2>&1
			rc=$?
			sed -n "s/^\(PASS\|FAIL\|SKIP\): \(.*\)/\1: [$hook, back by $back] $prog: \2/p" "$TMP/out"
			[ $rc -eq 0 ] || fail "[$hook, back by $back] $prog exited $rc"
		done
	done
	LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS "$ZP_BUILD/tests/progs/sigstorm" 2 >"$TMP/out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && pass "[pass, back by $back] sigstorm: timer signals during hooked calls" ||
		fail "[pass, back by $back] sigstorm: exit $rc: $(head -c 300 "$TMP/out")"
	if have_fsgsbase; then
		"$ZP_BUILD/tests/progs/owngs" >"$TMP/native" 2>&1
		LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS timeout 20 "$ZP_BUILD/tests/progs/owngs" >"$TMP/out" 2>&1
		rc=$?
		[ $rc -eq 0 ] && cmp -s "$TMP/native" "$TMP/out"
		outcome "[pass, back by $back] owngs: output and exit as native (exit $rc)"
	else
		skip "[pass, back by $back] owngs" "no FSGSBASE here: a program's own %gs base is not supported (test-owngs checks what is said)"
	fi
	# A skipped call on that path gives the program back every register
	# as a real call does.
	ZPOLINE_INJECT=getppid:retval=1 LD_PRELOAD=$LIB LIBZPHOOK=$ZP_BUILD/libzphook_inject.so \
		"$ZP_BUILD/tests/progs/regs" getppid >"$TMP/out" 2>&1
	rc=$?
	sed -n "s/^\(PASS\|FAIL\|SKIP\): \(.*\)/\1: [inject, skipped getppid, back by $back] regs: \2/p" "$TMP/out"
	[ $rc -eq 0 ] || fail "[inject, skipped getppid, back by $back] regs exited $rc"
done
unset ZPOLINE_RETURN
if ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT /bin/true 2>&1 | grep -q "keeps the call"; then
	fail "count (has a post()): took the keeps-the-call path"
else
	pass "count (has a post()): the general lean path"
fi
lean_for dispatcher clobber "$ZP_BUILD/tests/libzphook_clobber.so"
lean_for dispatcher "pass and argedit" "$HOOK_PASS:$EDIT"
lean_for dispatcher "original ABI" "$ZP_BUILD/tests/libzphook_orig.so"
ZPOLINE_MODE=net lean_for dispatcher "pass, ZPOLINE_MODE=net (SUD)" "$HOOK_PASS"
ZPOLINE_VDSO=1 lean_for dispatcher "pass, ZPOLINE_VDSO=1 (routed vDSO)" "$HOOK_PASS"
finish
