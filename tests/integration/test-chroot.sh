#!/bin/bash
# test-chroot.sh - a program exec'd after chroot, where the runtime's path
# (LD_PRELOAD) is out of reach.  ld.so printed "ERROR: ld.so: object ...
# cannot be preloaded" on the program's stderr and ran it unhooked, and
# the trace stopped at the chroot.  Now the runtime takes itself out of
# LD_PRELOAD for that execve (runtime/exec.c) and the tracer shows the
# execve unfinished, then the program's end, as for a set-user-ID one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../cli/cli-lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v chroot >/dev/null; then
	skip "chroot" "needs root and chroot(8)"
	finish
fi
# A root holding dash, libc and ld.so only.
R=$TMP/root
sh=$(command -v dash) || { skip "chroot" "dash not installed"; finish; }
mkdir -p "$R/bin"
cp "$sh" "$R/bin/sh"
for lib in $(ldd "$sh" | grep -o '/[^ ]*'); do
	mkdir -p "$R$(dirname "$lib")"
	cp "$lib" "$R$lib"
done
if ! chroot "$R" /bin/sh -c 'exit 0'; then
	skip "chroot" "the test root does not run natively"
	finish
fi

out=$("$Z" run --hook pass -- chroot "$R" /bin/sh -c 'echo inside; exit 4' 2>"$TMP/err")
rc=$?
[ $rc -eq 4 ] && [ "$out" = inside ] && [ ! -s "$TMP/err" ]
outcome "run: a program exec'd after chroot runs as natively, with no ld.so error" ||
	echo "rc $rc, out '$out', err '$(head -c 300 "$TMP/err")'"

"$Z" trace -f -o "$TMP/t" -- chroot "$R" /bin/sh -c 'exit 4' >/dev/null 2>"$TMP/err"
rc=$?
pid=$(sed -n 's/^\([0-9]*\) *execve("\/bin\/sh", .*<unfinished \.\.\.>$/\1/p' "$TMP/t")
# (the pid prefix is padded to five columns: "700   +++ exited...")
[ $rc -eq 4 ] && [ -n "$pid" ] && tail -n 1 "$TMP/t" | grep -q "^$pid *+++ exited with 4 +++\$" &&
	[ ! -s "$TMP/err" ]
outcome "trace -f: the execve after chroot unfinished, then the program's exit status" ||
	{ echo "rc $rc, pid '$pid', err '$(head -c 300 "$TMP/err")'"; tail -n 3 "$TMP/t"; }
finish
