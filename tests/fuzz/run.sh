#!/bin/bash
# run.sh SECONDS NAME [libFuzzer options...] - runs build/fuzz/fuzz_NAME for
# SECONDS on its corpus.  New inputs go to build/fuzz/work/NAME (the
# committed seeds in tests/fuzz/corpus/NAME are only read), a crashing input
# to build/fuzz/artifacts/NAME/.  Exit 0: no crash, no failed property.
# Runs in build/fuzz/log/NAME, where -jobs=N leaves its fuzz-*.log files.
# FUZZ_BIN_DIR: where the harnesses are (build/fuzz; a copy keeps a long run
# safe from a rebuild).  FUZZ_OUT: instead of build/fuzz for work/, log/ and
# artifacts/ (a short run beside a long one).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
if [ $# -lt 2 ]; then
	echo "usage: tests/fuzz/run.sh SECONDS NAME [libFuzzer options...]" >&2
	exit 2
fi
secs=$1 name=$2
shift 2
bin=${FUZZ_BIN_DIR:-$root/build/fuzz}/fuzz_$name
if [ ! -x "$bin" ]; then
	echo "run.sh: $bin is not built (make fuzz)" >&2
	exit 2
fi
out=${FUZZ_OUT:-$root/build/fuzz}
work=$out/work/$name
art=$out/artifacts/$name
log=$out/log/$name
mkdir -p "$work" "$art" "$log"
cd "$log" || exit 2
# Inputs up to 64 KiB: whole functions and whole .eh_frame sections fit.
# -timeout is wall-clock time: generous, as a loaded 2-core machine can
# starve a run for many seconds.
exec "$bin" -max_total_time="$secs" -max_len=65536 -timeout=120 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$art/" "$@" "$work" "$root/tests/fuzz/corpus/$name"
