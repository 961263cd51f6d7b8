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
out=$(ZPOLINE_CACHE=0 env -u ZPOLINE_CACHE_DIR "$Z" run -- "$INITENV" ZPOLINE_CACHE_DIR)
[ -z "$out" ]
outcome "ZPOLINE_CACHE=0: nothing pinned (got: $out)"
finish
