#!/bin/bash
# bench/trace-speed.sh - how fast the tracer is (issue 8: "tracing at native
# speed", within 1.5x of an untraced run).
#
# Times three workloads, each four ways:
#   find DIR           (DIR: /usr/share) one process, many calls
#   threads-io         build/bench/threads-io: 4 threads of pwrite, pread,
#                      lseek and fstat on files of their own
#   make -j2           a fresh build of 8 tiny C files: fork, exec and the
#                      compiler's start-up, in 2 processes at a time
# as
#   native                     no zpoline
#   zpoline trace -f -o FILE   libzphook_trace.so writing every line
#   zpoline trace -f -c        counting only, the table at exit
#   strace -f -o FILE          for comparison
# and prints one table per workload, each mean with its ratio to that
# workload's native run.  -f everywhere: without it only the first task is
# traced (as with strace), and the other threads and children would run
# untraced.  Uses hyperfine (installed with apt-get if missing and
# possible), else a loop of runs timed with bash.  Trace files, threads-io's
# files and the build go to a temporary directory.
#
# Every command runs once, and must succeed, before anything is timed;
# those runs also give the line counts printed and the checks that the
# trace is whole (threads-io: lines from its 4 threads; make: the
# compiler's execve calls).
#
# strace is up to 30x slower than the rest, so its rows have fewer runs and no
# warm-up beyond that first run: STRACE_RUNS, by default RUNS but at most
# 3 (1 with BENCH_MODE=quick: bench/run.sh gives this script 60 seconds
# then).  Without strace its rows are left out, with a note.
#
# The report goes to stdout and, unless stdout already is that file (as
# under bench/run.sh), to bench/results/trace-speed.txt after a complete
# run.
#
# Usage: bench/trace-speed.sh [DIR]
# env: RUNS (10), WARMUP (2), STRACE_RUNS (see above)
set -u
cd "$(dirname "$0")/.." || exit 2
B=$PWD/build
LIB=$B/libzpoline.so
TRACE=$B/libzphook_trace.so
THREADS_IO=$B/bench/threads-io
RESULT=$PWD/bench/results/trace-speed.txt
DIR=${1:-/usr/share}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
# 4 x 80,000 calls: ~0.08 s natively on the Intel VM (6,000 iterations
# took 0.1-0.15 s on the AMD VM with page-table isolation, but ~0.03 s
# here, where the tracer's fixed start and finish were a tenth of the run),
# ~15 s under strace.  find(1)'s run, the issue's yardstick, is ~0.1 s.
IO_ITERATIONS=20000
# make's sources: 8 files, so 8 compilers, as -j2 runs them 2 at a time.
MAKE_FILES=8

number() { # NAME
	case ${!1} in
	'' | *[!0-9]*) echo "trace-speed: $1 wants a number, not '${!1}'" >&2; exit 2 ;;
	esac
}
number RUNS
number WARMUP
if [ "${BENCH_MODE:-}" = quick ]; then
	STRACE_RUNS=${STRACE_RUNS:-1}
else
	STRACE_RUNS=${STRACE_RUNS:-$((RUNS < 3 ? RUNS : 3))}
fi
number STRACE_RUNS
if [ "$RUNS" -lt 1 ] || [ "$STRACE_RUNS" -lt 1 ]; then
	echo "trace-speed: RUNS and STRACE_RUNS must be at least 1" >&2
	exit 2
fi
for f in "$LIB" "$TRACE" "$THREADS_IO"; do
	[ -r "$f" ] || { echo "trace-speed: $f is missing (run make)" >&2; exit 2; }
done
[ -d "$DIR" ] || { echo "trace-speed: $DIR is not a directory" >&2; exit 2; }
for t in make cc; do
	command -v $t >/dev/null || { echo "trace-speed: $t is not installed (the make -j2 workload needs it)" >&2; exit 2; }
done
if ! command -v hyperfine >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	apt-get install -y hyperfine >/dev/null 2>&1
fi
have_strace=0
command -v strace >/dev/null && have_strace=1

# "Native" must be native whatever the caller's shell has set.
unset LD_PRELOAD LIBZPHOOK
for v in $(env | sed -n 's/^\(ZPOLINE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

TMP=$(mktemp -d /tmp/zp-trace-speed.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export ZPOLINE_CACHE_DIR=$TMP/cache
mkdir -p "$ZPOLINE_CACHE_DIR" "$TMP/io" "$TMP/make"

# One word for bash -c and for hyperfine's own word splitting (-N) alike.
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# The build: f1.c ... f7.c and main.c, linked into prog.  `make clean`
# before every run (hyperfine's --prepare, not timed) makes each a full
# build.
objs=
for ((i = 1; i < MAKE_FILES; i++)); do
	printf 'int f%d(int x);\nint f%d(int x) { return x * %d + 1; }\n' $i $i $i >"$TMP/make/f$i.c"
	objs+="f$i.o "
done
{
	for ((i = 1; i < MAKE_FILES; i++)); do printf 'int f%d(int x);\n' $i; done
	printf 'int main(void)\n{\n\tint s = 0;\n'
	for ((i = 1; i < MAKE_FILES; i++)); do printf '\ts += f%d(%d);\n' $i $i; done
	printf '\treturn s == 0;\n}\n'
} >"$TMP/make/main.c"
objs+=main.o
{
	echo "OBJS := $objs"
	cat <<'EOF'
prog: $(OBJS)
	cc -o $@ $(OBJS)
%.o: %.c
	cc -c -o $@ $<
clean:
	rm -f prog $(OBJS)
.PHONY: clean
EOF
} >"$TMP/make/Makefile"

# Workloads: name, command, the command run untimed before each run.
wl_names=("find $DIR" "threads-io" "make -j2")
wl_keys=(find io make)
wl_cmds=(
	"find $(q "$DIR")"
	"$(q "$THREADS_IO") $TMP/io $IO_ITERATIONS"
	"make -s -j2 -C $TMP/make"
)
wl_prepare=("" "" "make -s -C $TMP/make clean")
wl_about=(
	""
	"4 threads x $IO_ITERATIONS x (pwrite, pread, lseek, fstat) of 512 bytes"
	"$MAKE_FILES C files, cc -c each, then a link"
)

# The four ways of one workload ($1: index) into modes/mcmds.  Native runs
# through env(1) too, so that every row pays for the same extra exec.
set_modes() {
	local k=${wl_keys[$1]} c=${wl_cmds[$1]} pre
	pre="env LD_PRELOAD=$(q "$LIB") LIBZPHOOK=$(q "$TRACE")"
	modes=(native "trace -f -o" "trace -f -c")
	mcmds=(
		"env $c"
		"$pre ZPOLINE_TRACE_OPTS='-f -o $TMP/$k.trace' $c"
		"$pre ZPOLINE_TRACE_OPTS='-f -c -o $TMP/$k.count' $c"
	)
	if [ $have_strace = 1 ]; then
		modes+=("strace -f -o")
		mcmds+=("strace -f -o $TMP/$k.strace $c")
	fi
}

report() { printf '%s\n' "$*" | tee -a "$TMP/report"; }
warn() { report "WARNING: $*"; }

# Every command must work before it is timed.
for w in "${!wl_names[@]}"; do
	set_modes "$w"
	for i in "${!mcmds[@]}"; do
		if [ -n "${wl_prepare[$w]}" ] && ! bash -c "${wl_prepare[$w]}" >/dev/null 2>"$TMP/err"; then
			echo "trace-speed: ${wl_names[$w]}: '${wl_prepare[$w]}' failed:" >&2
			head -5 "$TMP/err" >&2
			exit 1
		fi
		if ! bash -c "${mcmds[$i]}" >/dev/null 2>"$TMP/err"; then
			echo "trace-speed: ${wl_names[$w]}: '${modes[$i]}' failed: ${mcmds[$i]}" >&2
			head -5 "$TMP/err" >&2
			exit 1
		fi
	done
done

hf=()
if command -v hyperfine >/dev/null; then
	# -N (no shell in the measurement) needs hyperfine 1.13.
	if hyperfine -N --runs 1 true >/dev/null 2>&1; then hf=(hyperfine -N); else hf=(hyperfine); fi
fi

# time_cmds PREPARE RUNS WARMUP CMD...: "MEAN STDDEV" per command, in
# seconds, into the array times.
time_cmds() {
	local prep=$1 runs=$2 warm=$3 c i r
	shift 3
	times=()
	if [ ${#hf[@]} -gt 0 ]; then
		local args=(--style basic --runs "$runs" --warmup "$warm" --export-csv "$TMP/h.csv")
		[ -n "$prep" ] && args+=(--prepare "$prep")
		# Names without commas: the CSV stays plain.
		for ((i = 1; i <= $#; i++)); do args+=(-n "cmd$i" "${!i}"); done
		if ! "${hf[@]}" "${args[@]}" >"$TMP/h.out" 2>&1; then
			echo "trace-speed: hyperfine failed:" >&2
			tail -5 "$TMP/h.out" >&2
			exit 1
		fi
		# command,mean,stddev,median,user,system,min,max
		while IFS=, read -r _ mean sd _; do times+=("$mean ${sd:-0}"); done < <(tail -n +2 "$TMP/h.csv")
		return
	fi
	TIMEFORMAT=%R
	for c in "$@"; do
		for ((i = 0; i < warm; i++)); do
			[ -z "$prep" ] || bash -c "$prep" >/dev/null 2>&1
			bash -c "$c" >/dev/null 2>&1
		done
		: >"$TMP/t"
		for ((r = 0; r < runs; r++)); do
			[ -z "$prep" ] || bash -c "$prep" >/dev/null 2>&1
			{ time bash -c "$c" >/dev/null 2>&1; } 2>>"$TMP/t"
		done
		times+=("$(awk '{ s += $1; ss += $1 * $1; n++ }
			END { m = s / n; v = n > 1 ? (ss - n * m * m) / (n - 1) : 0; print m, sqrt(v > 0 ? v : 0) }' "$TMP/t")")
	done
}

report "trace-speed: $RUNS runs each (+$WARMUP warm-up)$([ $have_strace = 1 ] && echo ", strace $STRACE_RUNS (+0)"); $(
	[ ${#hf[@]} -gt 0 ] && echo "${hf[*]}" || echo "bash's time, no hyperfine"); load $(cut -d' ' -f1-3 /proc/loadavg)"
for w in "${!wl_names[@]}"; do
	set_modes "$w"
	k=${wl_keys[$w]}
	# The trace files are those of the checking runs above.
	calls=$(awk '$NF == "total" { print $4 }' "$TMP/$k.count")
	info="$(wc -l <"$TMP/$k.trace") trace lines per run; -f -c counted ${calls:-no} calls"
	[ $have_strace = 1 ] && info+="; strace -f -o: $(wc -l <"$TMP/$k.strace") lines"
	report ""
	report "== ${wl_names[$w]}${wl_about[$w]:+: ${wl_about[$w]}}"
	report "$info"
	case $k in
	io)
		# Lines are "TID call(...)" with -f -o.  Each worker thread
		# makes IO_ITERATIONS pwrite64 calls; the main thread none.
		n=$(awk '$2 ~ /^pwrite64\(/ { c[$1]++ } END { for (t in c) print c[t] }' "$TMP/io.trace" |
			sort -n | uniq -c | awk '{ printf "%s%d x %d", (NR > 1 ? ", " : ""), $1, $2 }')
		tids=$(awk '$2 ~ /^pwrite64\(/ { print $1 }' "$TMP/io.trace" | sort -u | wc -l)
		all=$(awk '$1 ~ /^[0-9]+$/ { print $1 }' "$TMP/io.trace" | sort -u | wc -l)
		if [ "$tids" = 4 ] && [ "$n" = "4 x $IO_ITERATIONS" ]; then
			report "check: pwrite64 lines from $tids distinct thread ids, $IO_ITERATIONS each (ids in all: $all)"
		else
			warn "threads-io trace: pwrite64 lines from $tids thread ids (want 4 x $IO_ITERATIONS: ${n:-none})"
		fi
		;;
	make)
		# Successful execve calls, by program: each .c file is one cc and
		# one cc1.
		ex=$(sed -n 's|^[0-9]* *execve("\([^"]*/\)\{0,1\}\([^"/]*\)",.*) *= 0$|\2|p' "$TMP/make.trace" |
			sort | uniq -c | sort -k2 | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }')
		cc1=$(grep -c '^[0-9]* *execve("[^"]*/cc1",.*) *= 0$' "$TMP/make.trace")
		if [ "$cc1" = "$MAKE_FILES" ]; then
			report "check: execve in the trace: $ex"
		else
			warn "make trace: $cc1 execve of cc1, want $MAKE_FILES (execve: ${ex:-none})"
		fi
		;;
	esac

	time_cmds "${wl_prepare[$w]}" "$RUNS" "$WARMUP" "${mcmds[@]:0:3}"
	t=("${times[@]}")
	if [ $have_strace = 1 ]; then
		time_cmds "${wl_prepare[$w]}" "$STRACE_RUNS" 0 "${mcmds[3]}"
		t+=("${times[@]}")
	fi
	report "$(printf '%-16s %10s %8s %8s' mode "mean (s)" "sd (s)" ratio)"
	native=${t[0]%% *}
	for i in "${!t[@]}"; do
		read -r mean sd <<<"${t[$i]}"
		report "$(printf '%-16s %10.3f %8.3f %7.2fx' "${modes[$i]}" "$mean" "$sd" \
			"$(awk -v a="$mean" -v b="$native" 'BEGIN { print a / b }')")"
	done
	[ $have_strace = 1 ] || report "(strace is not installed: no strace row)"
done
report ""
report "load at the end $(cut -d' ' -f1-3 /proc/loadavg)"

if ! [ /dev/stdout -ef "$RESULT" ]; then
	mkdir -p "$(dirname "$RESULT")" && cp "$TMP/report" "$RESULT" &&
		echo "trace-speed: saved in ${RESULT#"$PWD"/}" >&2
fi
