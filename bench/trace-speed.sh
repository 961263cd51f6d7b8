#!/bin/bash
# bench/trace-speed.sh - how fast the tracer is (issue 8: "tracing at native
# speed", within 1.5x of an untraced run).
#
# Times `find DIR > /dev/null` (DIR: /usr/share) four ways:
#   native                     no zpoline
#   zpoline trace -f -o FILE   libzphook_trace.so writing every line
#   zpoline trace -c           counting only, the table at exit
#   strace -f -o FILE          for comparison
# and prints each mean and its ratio to native.  Uses hyperfine (installed
# with apt-get if missing and possible), else a loop of runs timed with
# bash.  The trace files go to a temporary directory.
#
# Usage: bench/trace-speed.sh [DIR]      env: RUNS (10), WARMUP (2)
set -u
cd "$(dirname "$0")/.." || exit 2
B=$PWD/build
LIB=$B/libzpoline.so
TRACE=$B/libzphook_trace.so
DIR=${1:-/usr/share}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}

for f in "$LIB" "$TRACE"; do
	[ -r "$f" ] || { echo "trace-speed: $f is missing (run make)" >&2; exit 2; }
done
[ -d "$DIR" ] || { echo "trace-speed: $DIR is not a directory" >&2; exit 2; }
if ! command -v hyperfine >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	apt-get install -y hyperfine >/dev/null 2>&1
fi
have_strace=0
command -v strace >/dev/null && have_strace=1

TMP=$(mktemp -d /tmp/zp-trace-speed.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export ZPOLINE_CACHE_DIR=$TMP/cache
mkdir -p "$ZPOLINE_CACHE_DIR"

names=(native "trace -f -o" "trace -c")
cmds=(
	"find $DIR"
	"env LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS='-f -o $TMP/out.trace' find $DIR"
	"env LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS='-c -o $TMP/out.count' find $DIR"
)
if [ $have_strace = 1 ]; then
	names+=("strace -f -o")
	cmds+=("strace -f -o $TMP/out.strace find $DIR")
fi

# Every command must work before it is timed.
for i in "${!cmds[@]}"; do
	if ! bash -c "${cmds[$i]}" >/dev/null 2>"$TMP/err"; then
		echo "trace-speed: '${names[$i]}' failed:" >&2
		head -5 "$TMP/err" >&2
		exit 1
	fi
done
lines=$(wc -l < "$TMP/out.trace")
echo "find $DIR: $lines trace lines per run; $RUNS runs each (+$WARMUP warm-up)"

means=()
if command -v hyperfine >/dev/null; then
	args=()
	for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]} > /dev/null"); done
	hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --export-csv "$TMP/h.csv" \
		"${args[@]}" >"$TMP/h.out" 2>&1 ||
		hyperfine --style basic --warmup "$WARMUP" --runs "$RUNS" --export-csv "$TMP/h.csv" \
			"${args[@]}" >"$TMP/h.out" 2>&1 || {
		echo "trace-speed: hyperfine failed:" >&2
		tail -5 "$TMP/h.out" >&2
		exit 1
	}
	# command,mean,stddev,median,user,system,min,max
	while IFS=, read -r _ mean _; do means+=("$mean"); done < <(tail -n +2 "$TMP/h.csv")
else
	TIMEFORMAT=%R
	for i in "${!cmds[@]}"; do
		for ((w = 0; w < WARMUP; w++)); do bash -c "${cmds[$i]}" >/dev/null 2>&1; done
		total=0
		for ((r = 0; r < RUNS; r++)); do
			t=$({ time bash -c "${cmds[$i]}" >/dev/null 2>&1; } 2>&1)
			total=$(awk -v a="$total" -v b="$t" 'BEGIN { print a + b }')
		done
		means+=("$(awk -v t="$total" -v n="$RUNS" 'BEGIN { print t / n }')")
	done
fi

printf '%-16s %10s %8s\n' mode "mean (s)" ratio
for i in "${!names[@]}"; do
	printf '%-16s %10.3f %7.2fx\n' "${names[$i]}" "${means[$i]}" \
		"$(awk -v a="${means[$i]}" -v b="${means[0]}" 'BEGIN { print a / b }')"
done
[ $have_strace = 1 ] || echo "(strace is not installed: no strace ratio)"
