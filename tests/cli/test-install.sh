#!/bin/bash
# make install into a temporary DESTDIR; the installed command finds its
# runtime and hooks relative to itself; pkg-config builds an out-of-tree
# hook that the installed command runs.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli-lib.sh"

D=$TMP/dest
P=/opt/zp-test
I=$D$P
if ! make -s -C "$ZP_ROOT" install DESTDIR="$D" PREFIX="$P" >"$TMP/make.log" 2>&1; then
	fail "make install DESTDIR=... PREFIX=... ($(tail -3 "$TMP/make.log"))"
	finish
fi
pass "make install DESTDIR=... PREFIX=..."
for f in bin/zpoline lib/zpoline/libzpoline.so lib/zpoline/zpoline-loader lib/zpoline/hooks/libzphook_count.so \
	lib/zpoline/hooks/libzphook_pass.so include/zpoline.h lib/pkgconfig/zpoline.pc \
	share/man/man1/zpoline.1; do
	[ -f "$I/$f" ] && pass "installed $f" || fail "not installed: $f"
done
[ -x "$I/bin/zpoline" ] && pass "bin/zpoline is executable" || fail "bin/zpoline not executable"
n_built=$(ls "$ZP_BUILD"/libzphook_*.so | wc -l)
n_inst=$(ls "$I"/lib/zpoline/hooks/libzphook_*.so | wc -l)
[ "$n_built" = "$n_inst" ] && pass "every hook installed ($n_inst)" ||
	fail "$n_built hooks built, $n_inst installed"
grep -q "^prefix=$P\$" "$I/lib/pkgconfig/zpoline.pc" && pass "zpoline.pc names PREFIX" ||
	fail "zpoline.pc prefix: $(grep ^prefix= "$I/lib/pkgconfig/zpoline.pc")"
if man -l "$I/share/man/man1/zpoline.1" 2>&1 | grep -q ZPOLINE_TRACE_OPTS; then
	pass "the man page renders"
else
	fail "the man page does not render"
fi

ZI=$I/bin/zpoline
out=$("$ZI" run -- "$INITENV" LD_PRELOAD)
[ "$out" = "$I/lib/zpoline/libzpoline.so" ] && pass "installed command uses the installed runtime" ||
	fail "installed command's LD_PRELOAD: '$out'"
out=$("$ZI" run --hook count -- "$INITENV" LIBZPHOOK 2>/dev/null)
[ "$out" = "$I/lib/zpoline/hooks/libzphook_count.so" ] && pass "installed command finds installed hooks" ||
	fail "installed --hook count: '$out'"
expect_status "installed command runs a program" 7 "$ZI" run --hook pass -- sh -c 'exit 7'
out=$("$ZI" inject getppid:retval=4242 -- "$PROGS/cli-static-getppid")
[ "$out" = 4242 ] && pass "installed command hooks a static program (installed loader)" ||
	fail "installed command, static program: '$out'"
"$ZI" doctor >"$TMP/doctor" 2>&1
grep -q "runtime .*$I/lib/zpoline/libzpoline.so" "$TMP/doctor" &&
	pass "installed doctor finds the installed runtime" || fail "installed doctor: $(grep runtime "$TMP/doctor")"
# Moved after installation: still finds itself.
mv "$D" "$TMP/moved"
I2=$TMP/moved$P
out=$("$I2/bin/zpoline" run -- "$INITENV" LD_PRELOAD)
[ "$out" = "$I2/lib/zpoline/libzpoline.so" ] && pass "a moved installation still finds its runtime" ||
	fail "moved installation: '$out'"
mv "$TMP/moved" "$D"

if ! command -v pkg-config >/dev/null; then
	skip "out-of-tree hook built with pkg-config" "pkg-config is not installed"
	finish
fi
export PKG_CONFIG_PATH=$I/lib/pkgconfig
# The tree was installed under DESTDIR: --define-prefix points the flags at it.
flags=$(pkg-config --define-prefix --cflags --libs zpoline)
if [[ $flags == *"-I$I/include"* ]] && [[ $flags == *-shared* ]] && [[ $flags == *-fPIC* ]]; then
	pass "pkg-config --cflags --libs zpoline ($flags)"
else
	fail "pkg-config flags: '$flags'"
fi
cp "$ZP_ROOT/tests/cli/data/getppid-hook.c" "$TMP/"
# shellcheck disable=SC2086
if (cd "$TMP" && cc $flags -Wall -Wextra -Werror -o getppid-hook.so getppid-hook.c) 2>"$TMP/cc.err"; then
	pass "out-of-tree hook builds with the pkg-config flags"
	out=$("$ZI" run --hook "$TMP/getppid-hook.so" -- sh -c 'echo $PPID')
	if [ "$out" = 4242 ]; then
		pass "installed command runs the out-of-tree hook"
	else
		fail "out-of-tree hook: sh says its parent is '$out', wanted 4242"
		ZPOLINE_DEBUG=1 "$ZI" run --hook "$TMP/getppid-hook.so" -- sh -c 'echo $PPID' 2>&1 | head -5
	fi
else
	fail "out-of-tree hook does not build: $(head -5 "$TMP/cc.err")"
fi
# A plain PREFIX install (no DESTDIR): the .pc file is right as it is.
P2=$TMP/prefix
if make -s -C "$ZP_ROOT" install PREFIX="$P2" >"$TMP/make.log" 2>&1; then
	flags=$(PKG_CONFIG_PATH=$P2/lib/pkgconfig pkg-config --cflags zpoline | sed "s/ *$//")
	[ "$flags" = "-I$P2/include" ] && pass "PREFIX install: pkg-config --cflags is -I\$PREFIX/include" ||
		fail "PREFIX install: --cflags '$flags'"
else
	fail "make install PREFIX=$P2: $(tail -3 "$TMP/make.log")"
fi
finish
