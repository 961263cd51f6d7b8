#!/bin/bash
# check-small-vars.sh LIB: the runtime's small variables (.data and .bss)
# must share one page.  Start-up writes them, and every page a process
# writes costs a fault (~15-20 us on this project's VM, bench/machine-costs):
# big or rarely used variables belong in ZP_BIG_BSS (src/runtime/rt.h).
set -eu
lib=$1
sec() { # NAME: "addr size" in hex
	readelf -SW "$lib" | sed 's/^ *\[ *[0-9]*\]//' | awk -v n="$1" '$1 == n { print $3, $5 }'
}
read -r daddr _ <<<"$(sec .data)"
read -r baddr bsize <<<"$(sec .bss)"
first=$(( 0x$daddr & ~4095 ))
end=$(( 0x$baddr + 0x$bsize ))
if (( end > first + 4096 )); then
	echo "$lib: .data and .bss take $(( end - first )) bytes from 0x$(printf %x $first):" \
		"more than one page; move big or rarely used variables to ZP_BIG_BSS" >&2
	exit 1
fi
