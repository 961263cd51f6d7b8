#!/bin/bash
# test-cachedir.sh - the site cache's directory is chosen once, by the
# command, from the user's environment: a program that points HOME at a
# directory of its own holding a .cache must not find a zpoline directory
# appear there (git's t0301 made ~/.cache/git in its test HOME, and its
# `rmdir -p .cache/git/credential` then failed on .cache/zpoline).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli-lib.sh"

mkdir -p "$TMP/user/.cache" "$TMP/prog"
HOME=$TMP/user env -u ZPOLINE_CACHE -u ZPOLINE_CACHE_DIR -u XDG_CACHE_HOME "$Z" run -- \
	/bin/sh -c 'mkdir -p "$1/.cache/app"; HOME=$1 /bin/true; HOME=$1 env -i /bin/true; rmdir -p "$1/.cache/app"' \
	sh "$TMP/prog" 2>"$TMP/err"
[ ! -e "$TMP/prog/.cache" ]
outcome "a program's own HOME/.cache stays the program's"
[ -d "$TMP/user/.cache/zpoline" ] && [ -n "$(ls "$TMP/user/.cache/zpoline")" ]
outcome "the cache is the user's ~/.cache/zpoline"

out=$(HOME=$TMP/user env -u ZPOLINE_CACHE -u ZPOLINE_CACHE_DIR "$Z" run -- "$INITENV" ZPOLINE_CACHE_DIR)
[ "$out" = "$TMP/user/.cache/zpoline" ]
outcome "ZPOLINE_CACHE_DIR pinned, hidden from the program (got: $out)"
out=$(ZPOLINE_CACHE_DIR=$TMP/mine env -u ZPOLINE_CACHE "$Z" run -- /bin/sh -c 'echo "$ZPOLINE_CACHE_DIR"')
[ "$out" = "$TMP/mine" ]
outcome "the user's ZPOLINE_CACHE_DIR kept (got: $out)"
# A process that became another user (Apache's www-data workers and their
# CGI programs) cannot use the directory the command chose for the user who
# started it: it used no cache at all, and every exec scanned its objects
# again.  It gets its own in /var/tmp, as without the command.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	fb=/var/tmp/zpoline-$(id -u nobody)
	had_fb=0
	[ -e "$fb" ] && had_fb=1
	for i in 1 2; do
		HOME=$TMP/user ZPOLINE_DEBUG=1 env -u ZPOLINE_CACHE -u ZPOLINE_CACHE_DIR -u XDG_CACHE_HOME \
			"$Z" run -- setpriv --reuid=nobody --regid=nogroup --clear-groups /bin/true \
			2>"$TMP/nobody.$i"
	done
	last=$(grep '^zpoline: .* objects' "$TMP/nobody.2" | tail -1)
	[ -d "$fb" ] && [ "$(stat -c %U "$fb")" = nobody ] &&
		echo "$last" | grep -q ' 0 KiB scanned.* [1-9][0-9]* from cache'
	outcome "a process run as another user caches its sites in its own directory ($last)"
	[ $had_fb = 0 ] && rm -rf "$fb"
else
	skip "a process run as another user caches its sites" "needs root, setpriv and user nobody"
fi
out=$(ZPOLINE_CACHE=0 env -u ZPOLINE_CACHE_DIR "$Z" run -- "$INITENV" ZPOLINE_CACHE_DIR)
[ -z "$out" ]
outcome "ZPOLINE_CACHE=0: nothing pinned (got: $out)"
finish
