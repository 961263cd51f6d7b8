#!/bin/bash
# bench/signals.sh SIGNALS - where a program's signal handler runs when its
# signal interrupts a thread in a getppid() loop (build/bench/signal-pc):
# how many of SIGNALS signals found the thread in the runtime's code, and how
# many handlers ran off the thread's stack, per configuration.  Counts, not
# times; on a busy machine they come out about the same.
#
# Writes bench/results/signals-raw.csv
#   (config,signals,runtime_pc,foreign_sp,foreign_ctx,calls)
# and bench/results/signals-info.csv (key,value: where and at what commit,
# since the report may show it beside other steps' older results).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?signals}
out=bench/results
B=$PWD/build
LIB=$B/libzpoline.so
SIGPC=$B/bench/signal-pc
tmp=$(mktemp -d /tmp/zp-bench-signals.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export ZPOLINE_CACHE_DIR=$tmp/cache
export ZPOLINE_SWITCH_AFTER=0

configs=(
	"native|"
	"zpoline|LD_PRELOAD=$LIB"
	"zpoline+pass|LD_PRELOAD=$LIB LIBZPHOOK=$B/libzphook_pass.so"
	"zpoline+count|LD_PRELOAD=$LIB LIBZPHOOK=$B/libzphook_count.so ZPOLINE_COUNT_OUTPUT=$tmp/count.out"
	"zpoline+trace|LD_PRELOAD=$LIB LIBZPHOOK=$B/libzphook_trace.so ZPOLINE_TRACE_OPTS=-c"
	"zpoline-detour+pass|ZPOLINE_MODE=detour LD_PRELOAD=$LIB LIBZPHOOK=$B/libzphook_pass.so"
	"zpoline-sud+pass|ZPOLINE_MODE=sud LD_PRELOAD=$LIB LIBZPHOOK=$B/libzphook_pass.so"
)
info=$out/signals-info.csv
{
	echo "key,value"
	echo "date,$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit,$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "cpu,\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)\""
	echo "kernel,$(uname -r)"
	echo "load,$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$info"
raw=$out/signals-raw.csv
echo "config,signals,runtime_pc,foreign_sp,foreign_ctx,calls" >"$raw"
for c in "${configs[@]}"; do
	name=${c%%|*}
	read -r -a envs <<<"${c#*|}"
	if ! line=$(env ${envs[@]+"${envs[@]}"} timeout 600 "$SIGPC" --signals "$n" 2>"$tmp/err"); then
		# Syscall User Dispatch needs Linux 5.11: left out where missing.
		if [ "$name" = zpoline-sud+pass ] && grep -qi "dispatch" "$tmp/err"; then
			echo "bench: $name left out: $(head -c 200 "$tmp/err")" >&2
			continue
		fi
		echo "bench: signal-pc under $name failed: $(head -c 300 "$tmp/err")" >&2
		exit 1
	fi
	echo "$name,$line" >>"$raw"
done
