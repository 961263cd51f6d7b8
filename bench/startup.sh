#!/bin/bash
# bench/startup.sh ROUNDS RUNS FINDER_RUNS - start-up wall time, and the site
# finder's throughput.
#
# Programs: /bin/true, python3 -c pass (the real /usr/bin/python3, never a
# pyenv shim), clang-tidy --version (~185 MiB of LLVM code to scan), go
# version (a Go program: auto mode detours it on CPUs without protection
# keys, docs/design.md; left out when golang-go is not installed).
# Configurations:
#   native
#   zpoline                  LD_PRELOAD, no hook, site cache off (every run scans)
#   zpoline+pass             the same with the pass hook
#   zpoline+pass:cold-cache  the pass hook, an empty site cache directory every run
#   zpoline+pass:warm-cache  the pass hook, a cache filled by earlier runs
#   ...:at-start             the same two with the sites rewritten at start-up
#                            (ZPOLINE_SWITCH_AFTER=0), not after the default
#                            count of calls (src/runtime/tier.c)
#   native:all-cpus, zpoline+pass:cold-cache:all-cpus
#                            the same two not pinned: the program may use
#                            every CPU, as when a user starts it (a cold
#                            start scans big code ranges on two CPUs at once)
# Every round runs every program in every configuration RUNS times (after
# one untimed warm-up run each), on $BENCH_CPU (build/bench/spawn-time)
# but for the :all-cpus ones, the configurations taking turns run by run.
#
# Writes bench/results/startup-raw.csv (program,config,round,run,ns)
#        bench/results/finder-raw.csv  (program,run,kib,us)
#        bench/results/startup-info.csv (key,value)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:?rounds}
budget=${BENCH_BUDGET:-0} # seconds; no new round starts after it (0: none)
runs=${2:?runs}
finder_runs=${3:?finder runs}
cpu=${BENCH_CPU:?BENCH_CPU}
out=bench/results
B=$PWD/build
LIB=$B/libzpoline.so
PASS=$B/libzphook_pass.so
SPAWN=$B/bench/spawn-time
tmp=$(mktemp -d /tmp/zp-bench-startup.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "key,value" >"$out/startup-info.csv"
info() { printf '%s,"%s"\n' "$1" "${2//\"/\"\"}" >>"$out/startup-info.csv"; } # CSV-quoted

# The real ELF file behind a command name, or nothing.
real_elf() {
	local p
	p=$(readlink -f "$1" 2>/dev/null) || return 0
	if [ -x "$p" ] && [ "$(head -c 4 "$p" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		echo "$p"
	fi
}

names=() cmds=() divs=()
add_program() { # name runs-divisor path args...
	local name=$1 div=$2 path
	path=$(real_elf "$3")
	shift 3
	if [ -z "$path" ]; then
		info "${name}_path" "not found"
		return
	fi
	info "${name}_path" "$path"
	names+=("$name") divs+=("$div") cmds+=("$path $*")
}
add_program true 1 /bin/true
add_program python3 1 /usr/bin/python3 -c pass
add_program clang-tidy 3 /usr/bin/clang-tidy --version
add_program go 1 /usr/bin/go version

configs=(native zpoline zpoline+pass zpoline+pass:cold-cache zpoline+pass:warm-cache
	zpoline+pass:cold-cache:at-start zpoline+pass:warm-cache:at-start
	native:all-cpus zpoline+pass:cold-cache:all-cpus)
config_args() { # config -> spawn-time options
	case $1 in *:at-start) echo "-e ZPOLINE_SWITCH_AFTER=0" ;; esac
	local c=${1%:all-cpus}
	case ${c%:at-start} in
	native) ;;
	zpoline) echo "-e LD_PRELOAD=$LIB -e ZPOLINE_CACHE=0" ;;
	zpoline+pass) echo "-e LD_PRELOAD=$LIB -e LIBZPHOOK=$PASS -e ZPOLINE_CACHE=0" ;;
	zpoline+pass:cold-cache) echo "-e LD_PRELOAD=$LIB -e LIBZPHOOK=$PASS -f ZPOLINE_CACHE_DIR" ;;
	zpoline+pass:warm-cache) echo "-e LD_PRELOAD=$LIB -e LIBZPHOOK=$PASS -e ZPOLINE_CACHE_DIR=$tmp/warm" ;;
	esac
}
mkdir -p "$tmp/warm"

raw=$out/startup-raw.csv
echo "program,config,round,run,ns" >"$raw"
spawn() { # program-index config label-round runs warmups
	# shellcheck disable=SC2046,SC2086 # word splitting wanted
	local pin=(taskset -c "$cpu")
	case $2 in *:all-cpus) pin=() ;; esac
	if ! "${pin[@]}" "$SPAWN" -n "$4" -w "$5" -l "${names[$1]},$2,$3" \
		$(config_args "$2") -- ${cmds[$1]} 2>"$tmp/err"; then
		echo "startup: ${names[$1]} ($2) failed:" >&2
		cat "$tmp/err" >&2
		exit 1
	fi
}
for ((r = 1; r <= rounds; r++)); do
	for i in "${!names[@]}"; do
		n=$((runs / divs[i]))
		[ $n -ge 1 ] || n=1
		for c in "${configs[@]}"; do
			spawn "$i" "$c" "$r" 0 1 # warm-up, untimed
		done
		# Run k of every configuration back to back, so that the k-th runs
		# of two configurations saw the same load (report.py pairs them).
		for ((k = 0; k < n; k++)); do
			for c in "${configs[@]}"; do
				spawn "$i" "$c" "$r" 1 0 | awk -F, -v k="$k" 'BEGIN { OFS = "," } { $4 = k; print }' >>"$raw"
			done
		done
	done
	printf '\rstartup: round %d/%d' "$r" "$rounds" >&2
	if [ "$budget" -gt 0 ] && [ $SECONDS -ge "$budget" ] && [ $r -lt $rounds ]; then
		info rounds_cut "stopped after $r of $rounds rounds: time budget of ${budget}s used"
		break
	fi
done
echo >&2

# The finder's throughput: what the runtime's ZPOLINE_DEBUG=1 summary says
# it scanned and how long its whole start-up took (cache off, no hook,
# rewritten at start-up).
fraw=$out/finder-raw.csv
echo "program,run,kib,us" >"$fraw"
for i in "${!names[@]}"; do
	for ((k = 1; k <= finder_runs; k++)); do
		# shellcheck disable=SC2086
		taskset -c "$cpu" env LD_PRELOAD="$LIB" ZPOLINE_CACHE=0 ZPOLINE_SWITCH_AFTER=0 ZPOLINE_DEBUG=1 ${cmds[i]} \
			>/dev/null 2>"$tmp/dbg" </dev/null || true
		line=$(grep -m1 'KiB scanned' "$tmp/dbg" || true)
		kib=$(sed -n 's/.* \([0-9]*\) KiB scanned.*/\1/p' <<<"$line")
		us=$(sed -n 's/.* \([0-9]*\) us$/\1/p' <<<"$line")
		if [ -z "$kib" ] || [ -z "$us" ]; then
			info finder_parse "no summary line with KiB scanned and us from ${names[i]}"
			break
		fi
		echo "${names[i]},$k,$kib,$us" >>"$fraw"
	done
done
