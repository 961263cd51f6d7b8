#!/bin/bash
# The sites report (ZPOLINE_SITES) against objdump: for this machine's libc
# and ld.so, the rewritten sites are exactly the syscall/sysenter
# instructions `objdump -d` lists.
. "$(dirname "$0")/../lib.sh"
command -v objdump >/dev/null || { skip "sites report vs objdump" "objdump not installed"; finish; }
ZPOLINE_CACHE=0 ZPOLINE_SITES=$TMP/sites LD_PRELOAD=$LIB /bin/true
for obj in $(awk '{print $1}' "$TMP/sites" | sort -u | grep -E 'libc\.so|ld-linux'); do
	real=$(readlink -f "$obj")
	objdump -d "$real" | awk '$NF ~ /^(syscall|sysenter)$/ || $(NF) == "syscall" { a=$1; sub(":", "", a); print a }' |
		sed 's/^0*//' | sort >"$TMP/objdump"
	awk -v o="$obj" '$1 == o { a=$2; sub("^0x", "", a); sub("^0*", "", a); print a }' "$TMP/sites" | sort >"$TMP/ours"
	n=$(wc -l <"$TMP/objdump")
	if [ "$n" -gt 0 ] && cmp -s "$TMP/objdump" "$TMP/ours"; then
		kinds=$(awk -v o="$obj" '$1 == o {print $4}' "$TMP/sites" | sort | uniq -c | tr -s ' ' | tr '\n' ',')
		pass "$(basename "$obj"): the $n sites equal objdump's syscall instructions ($kinds)"
	else
		fail "$(basename "$obj"): objdump $n, ours $(wc -l <"$TMP/ours"); $(diff "$TMP/objdump" "$TMP/ours" | head -5 | tr '\n' ' ')"
	fi
done
# Every line has the documented shape: object offset symbol callq|trap
bad=$(awk 'NF != 4 || $2 !~ /^0x[0-9a-f]+$/ || $4 !~ /^(callq|trap)$/' "$TMP/sites" | head -3)
[ -z "$bad" ] && pass "every report line is: object offset symbol callq|trap" || fail "malformed lines: $bad"
finish
