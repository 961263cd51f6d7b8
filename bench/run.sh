#!/bin/bash
# bench/run.sh full|quick - every benchmark, then the report.
#
#   make bench        full run, about 5-10 minutes
#   make bench-quick  fewer rounds and calls, 1-2 minutes
#
# Runs what `make` built from the working tree (the report records the
# commit, and says so if the runtime's sources differ from it).  Each step
# writes bench/results/<step>-*.csv; bench/report.py turns them into the
# summaries bench/results/<step>.csv, docs/performance.md and
# docs/performance.svg.  Environment: BENCH_CPU (the CPU to pin to; default
# the last one), BENCH_REDIS_PORT (default 6391).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-full}
case $mode in
full)
	percall_rounds=31 percall_calls=100000
	startup_rounds=8 startup_runs=5 finder_runs=5
	redis_rounds=12 redis_requests=40000
	memory_reps=5 scale=100 signals=100000
	;;
quick)
	percall_rounds=11 percall_calls=40000
	startup_rounds=3 startup_runs=3 finder_runs=3
	redis_rounds=1 redis_requests=20000
	memory_reps=2 scale=25 signals=20000
	;;
*)
	echo "usage: bench/run.sh full|quick" >&2
	exit 2
	;;
esac

# Nothing of the caller's zpoline setup may leak into the "native" runs.
unset LD_PRELOAD LIBZPHOOK
for v in $(env | sed -n 's/^\(ZPOLINE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

export BENCH_CPU=${BENCH_CPU:-$(($(nproc) - 1))}
for f in build/libzpoline.so build/libzphook_pass.so build/libzphook_count.so \
	build/bench/percall build/bench/ptrace-tracer build/bench/spawn-time \
	build/bench/libzphook_origin.so build/bench/signal-pc; do
	if [ ! -e "$f" ]; then
		echo "bench: $f is missing; run make first" >&2
		exit 1
	fi
done
# The tools compared with and gnuplot for the plot: installed when root,
# else named (the report then leaves out what cannot run).
tools/setup.sh --bench || echo "bench: going on without them" >&2
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
results=bench/results
mkdir -p "$results"

# The machine and the code, for the report.
m=$results/machine.csv
kv() { printf '%s,"%s"\n' "$1" "${2//\"/\"\"}" >>"$m"; }
echo "key,value" >"$m"
kv date "$(date -u '+%Y-%m-%d %H:%M UTC')"
kv command "make bench$([ "$mode" = quick ] && echo -quick)"
kv mode "$mode"
kv cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
kv cpus "$(nproc)"
kv kernel "$(uname -r)"
# One row per vulnerability the kernel does not call "Not affected".
for f in /sys/devices/system/cpu/vulnerabilities/*; do
	[ -r "$f" ] || continue
	v=$(cat "$f")
	[ "$v" = "Not affected" ] || kv "vulnerability_$(basename "$f")" "$v"
done
# Whether every kernel entry flushes the user TLB (PTI without PCID).
flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -1)
kv pti "$(grep -qw pti <<<"$flags" && echo yes || echo no)"
kv pcid "$(grep -qw pcid <<<"$flags" && echo yes || echo no)"
kv memory "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
kv os "$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
kv compiler "$(${CC:-cc} --version | head -1)"
kv commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
kv runtime_changed "$(git status --porcelain -- src/runtime src/hooks src/common include \
	mk/runtime.mk mk/hooks.mk Makefile 2>/dev/null | wc -l)"
kv bench_cpu "$BENCH_CPU"
kv load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
# What a CPUID, a page and a first pass over code cost here (docs/design.md
# cites these): over LLVM's library when clang-tidy is installed.
big=$(readlink -f /usr/lib/x86_64-linux-gnu/libLLVM-*.so.1 2>/dev/null | head -1)
if [ -n "$big" ] && [ -x build/bench/machine-costs ]; then
	build/bench/machine-costs "$big" >>"$m" || echo "bench: machine-costs failed" >&2
fi

step() { # name timeout command...
	local name=$1 limit=$2 t0
	shift 2
	t0=$(date +%s)
	echo "== $name" >&2
	if ! timeout -k 10 "$limit" "$@"; then
		echo "bench: $name failed or took longer than ${limit}s" >&2
		exit 1
	fi
	kv "seconds_$name" $(($(date +%s) - t0))
}
start=$(date +%s)
# Each step stops starting new rounds once its budget is used (the budgets
# keep `make bench` within about 10 minutes on a busy machine); the
# timeouts only catch a hang.
step percall 400 env BENCH_BUDGET=$((scale * 150 / 100)) bench/percall.sh $percall_rounds $percall_calls
step startup 300 env BENCH_BUDGET=$((scale * 90 / 100)) bench/startup.sh $startup_rounds $startup_runs $finder_runs
step redis 400 env BENCH_BUDGET=$((scale * 90 / 100)) BENCH_REDIS_TIMEOUT=$((scale * 120 / 100)) bench/redis.sh $redis_rounds $redis_requests
step memory 120 bench/memory.sh $memory_reps
step signals 600 bench/signals.sh $signals
# The tracer's own benchmark, when its author has written it.
rm -f $results/trace-speed.txt
if [ -x bench/trace-speed.sh ]; then
	echo "== trace-speed" >&2
	# RUNS and WARMUP are its own knobs; its time counts against the 10 minutes.
	runs=$((scale >= 100 ? 5 : 2))
	BENCH_MODE=$mode RUNS=$runs WARMUP=1 timeout -k 10 $((30 + scale * 200 / 100)) \
		bench/trace-speed.sh >$results/trace-speed.txt 2>&1 ||
		echo "(bench/trace-speed.sh exited with status $?)" >>$results/trace-speed.txt
fi
kv load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
kv seconds_total $(($(date +%s) - start))
$PY bench/report.py
echo "bench: wrote docs/performance.md, docs/performance.svg and $results/*.csv" >&2
