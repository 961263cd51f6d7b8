#!/bin/bash
# bench/memory.sh REPS - memory the runtime adds to a short program.
#
# Programs that just sleep (sleep 30; python3 -c 'import time;
# time.sleep(30)'): native; under zpoline without a hook and with the pass
# hook (site cache warm); without a hook and the cache off.  Once the
# program is in its sleep (its current system call, from /proc/PID/syscall,
# is nanosleep or clock_nanosleep) Rss, Pss and Private_Dirty are read from
# /proc/PID/smaps_rollup and it is killed.
#
# Writes bench/results/memory-raw.csv (program,config,rep,rss_kib,pss_kib,private_dirty_kib)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:?reps}
out=bench/results
B=$PWD/build
LIB=$B/libzpoline.so
PASS=$B/libzphook_pass.so
tmp=$(mktemp -d /tmp/zp-bench-memory.XXXXXX)
victim=
cleanup() {
	if [ -n "$victim" ]; then
		kill -KILL "$victim" 2>/dev/null || true
		wait "$victim" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sleep_bin=$(readlink -f "$(command -v sleep)")
python_bin=$(readlink -f /usr/bin/python3)
env_bin=$(readlink -f "$(command -v env)")
programs=(sleep python3)
configs=(native zpoline zpoline+pass zpoline:cache-off)
# The site cache is filled first, so the hooked runs show the steady state;
# zpoline:cache-off shows what scanning every executable page adds.
for hook in "" "$PASS"; do
	LD_PRELOAD=$LIB LIBZPHOOK=$hook ZPOLINE_CACHE_DIR="$tmp/cache" "$sleep_bin" 0
	LD_PRELOAD=$LIB LIBZPHOOK=$hook ZPOLINE_CACHE_DIR="$tmp/cache" "$python_bin" -c pass
done

raw=$out/memory-raw.csv
echo "program,config,rep,rss_kib,pss_kib,private_dirty_kib" >"$raw"
for ((k = 1; k <= reps; k++)); do
	for p in "${programs[@]}"; do
		for c in "${configs[@]}"; do
			env=()
			case $c in
			zpoline) env=(LD_PRELOAD="$LIB") ;;
			zpoline+pass) env=(LD_PRELOAD="$LIB" LIBZPHOOK="$PASS") ;;
			zpoline:cache-off) env=(LD_PRELOAD="$LIB" ZPOLINE_CACHE=0) ;;
			esac
			if [ "$p" = python3 ]; then
				env ${env[@]+"${env[@]}"} ZPOLINE_CACHE_DIR="$tmp/cache" \
					"$python_bin" -c 'import time; time.sleep(30)' &
			else
				env ${env[@]+"${env[@]}"} ZPOLINE_CACHE_DIR="$tmp/cache" "$sleep_bin" 30 &
			fi
			victim=$!
			asleep=no
			for _ in $(seq 200); do
				# 35 nanosleep, 230 clock_nanosleep (x86-64)
				nr=$(cut -d' ' -f1 "/proc/$victim/syscall" 2>/dev/null || true)
				# the pid is env's until it execs: make sure it is the program now
				exe=$(readlink "/proc/$victim/exe" 2>/dev/null || true)
				if { [ "$nr" = 35 ] || [ "$nr" = 230 ]; } && [ "$exe" != "$env_bin" ]; then
					asleep=yes
					break
				fi
				sleep 0.05
			done
			if [ $asleep != yes ]; then
				echo "memory: $p ($c) never reached its sleep" >&2
				exit 1
			fi
			awk -v p="$p" -v c="$c" -v k="$k" '
				$1 == "Rss:" { rss = $2 } $1 == "Pss:" { pss = $2 }
				$1 == "Private_Dirty:" { pd = $2 }
				END { print p "," c "," k "," rss "," pss "," pd }' "/proc/$victim/smaps_rollup" >>"$raw"
			kill -KILL "$victim"
			wait "$victim" 2>/dev/null || true
			victim=
		done
	done
done
