#!/bin/bash
# tools/setup.sh: what zpoline's build and tests need on Debian 12.
#   - the Debian packages, with --tests or --bench those of `make check` or
#     `make bench` too (installed with apt-get when run as root; otherwise
#     the exact command to run is printed and the script fails);
#   - vm.mmap_min_addr = 0, so the trampoline can live at page 0 (set when run
#     as root; otherwise explained: the runtime then falls back to its
#     slower Syscall User Dispatch mode and the page-0 tests are skipped).
# Quiet when everything is in place.
set -u
build=(build-essential pkg-config libzydis-dev libzycore-dev linux-libc-dev)
tests=(strace python3 git dash perl xz-utils sqlite3 file procps gdb busybox-static lld)
# make bench: the programs it measures and the tools it compares with (a
# missing one leaves its rows out of the report; gnuplot draws the plot).
bench=(strace python3 clang-tidy redis-server redis-tools hyperfine gnuplot-nox)
want=("${build[@]}")
case "${1:-}" in
--tests) want+=("${tests[@]}") ;;
--bench) want+=("${bench[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "zpoline setup: installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
			{ echo "zpoline setup: apt-get failed" >&2; exit 1; }
	else
		echo "zpoline setup: missing Debian packages: ${missing[*]}" >&2
		echo "zpoline setup: run: sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
fi

min=$(cat /proc/sys/vm/mmap_min_addr 2>/dev/null || echo unknown)
if [ "$min" != 0 ]; then
	if [ "$(id -u)" = 0 ] && echo 0 >/proc/sys/vm/mmap_min_addr 2>/dev/null; then
		echo "zpoline setup: vm.mmap_min_addr was $min; set to 0 for the page-0 trampoline"
	else
		echo "zpoline setup: vm.mmap_min_addr is $min, so page 0 cannot be mapped." >&2
		echo "zpoline setup: the runtime will use its slower Syscall User Dispatch mode;" >&2
		echo "zpoline setup: for the fast path run: sudo sysctl -w vm.mmap_min_addr=0" >&2
	fi
fi
exit 0
