#!/bin/bash
# The `syscall` instructions of the hot paths sit where entry.S puts them:
# 58-60 bytes into a 64-byte line.  A shift of a few bytes (code added
# before them) cost 4-8 ns a call on the machine of docs/performance.md;
# this catches the shift, not the time.
. "$(dirname "$0")/../lib.sh"
for sym in zp_app_syscall_fast zp_app_syscall_release_ret zp_app_syscall_post1; do
	addr=$(nm "$LIB" | awk -v s="$sym" '$3 == s { print $1 }')
	if [ -z "$addr" ]; then
		fail "$sym: not in $LIB"
		continue
	fi
	off=$((0x$addr % 64))
	[ "$off" -ge 58 ] && [ "$off" -le 60 ] &&
		pass "$sym at byte $off of its 64-byte line" ||
		fail "$sym at byte $off of its 64-byte line, want 58-60 (entry.S: see the alignment before it)"
done
finish
