#!/bin/bash
# bench/percall.sh ROUNDS CALLS - cost of one getpid() per mechanism.
#
# Every round runs every mechanism once (one process each, all pinned to
# $BENCH_CPU), starting at a different mechanism each round so that no
# mechanism always runs right after the same neighbour.  Each process times
# the three call paths of build/bench/percall, each as the fastest of many
# short batches.  CALLS is for the fast mechanisms; the trapping ones run
# fewer calls (they cost microseconds).
#
# Writes bench/results/percall-raw.csv  (round,mechanism,path,calls,ns_per_call)
#        bench/results/percall-info.csv (key,value: what was available, site kinds)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:?rounds}
budget=${BENCH_BUDGET:-0} # seconds; no new round starts after it (0: none)
calls=${2:?calls}
cpu=${BENCH_CPU:?BENCH_CPU}
out=bench/results
B=$PWD/build
LIB=$B/libzpoline.so
PASS=$B/libzphook_pass.so
COUNT=$B/libzphook_count.so
ORIGIN=$B/bench/libzphook_origin.so
PERCALL=$B/bench/percall
tmp=$(mktemp -d /tmp/zp-bench-percall.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export ZPOLINE_CACHE_DIR=$tmp/cache
# The cost of a call once the sites are rewritten: from the first call, not
# after the default count of trapped ones (their cost is start-up's,
# bench/startup.sh).
export ZPOLINE_SWITCH_AFTER=0

info() { printf '%s,"%s"\n' "$1" "${2//\"/\"\"}" >>"$out/percall-info.csv"; } # CSV-quoted
echo "key,value" >"$out/percall-info.csv"

# Do the benchmark's own sites become `callq *%rax`?  A site that traps
# instead would make "zpoline" mean something else here.
LD_PRELOAD=$LIB ZPOLINE_SITES=$tmp/sites "$PERCALL" --calls 10 >/dev/null
kinds=$(awk -v p="$PERCALL" '$1 == p { print $NF }' "$tmp/sites" | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = " " }')
info percall_sites "${kinds:-none}"
ZPOLINE_MODE=detour LD_PRELOAD=$LIB ZPOLINE_SITES=$tmp/dsites "$PERCALL" --calls 10 >/dev/null
dkinds=$(awk -v p="$PERCALL" '$1 == p { print $NF }' "$tmp/dsites" | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = " " }')
info percall_sites_detour_mode "${dkinds:-none}"
libc_kind=$(awk '$1 ~ /libc\.so/ && $3 ~ /^syscall\+/ { print $NF; exit }' "$tmp/sites")
info libc_syscall_site "${libc_kind:-unknown}"

# ZPOLINE_MODE=sud counts as available only if the calls really arrive
# through Syscall User Dispatch (the origin hook says so); a runtime that
# ignores the variable would otherwise be timed as SUD.
sud=no
if ZPOLINE_MODE=sud LD_PRELOAD=$LIB LIBZPHOOK=$ORIGIN timeout 60 "$PERCALL" --calls 1000 \
	>/dev/null 2>"$tmp/sud.err"; then
	n=$(sed -n 's/.*zpoline-origin:.* sud=\([0-9]*\).*/\1/p' "$tmp/sud.err")
	if [ "${n:-0}" -ge 3000 ]; then sud=yes; fi
	info sud_detail "$(grep zpoline-origin "$tmp/sud.err" | head -1)"
else
	info sud_detail "ZPOLINE_MODE=sud run failed: $(head -c 200 "$tmp/sud.err" | tr '\n,' '  ')"
fi
info sud_available $sud

# mechanism|calls divisor|command prefix (the percall binary and its
# arguments follow).  native+4pages is no mechanism: the inline path reads 4
# otherwise unused pages after each call, to show what each extra page a
# hook path touches costs per call on this machine (see report.py).  Environment assignments go through env(1) so every
# mechanism is one argv; env's own exec is outside the timed loop.
mechs=(
	"native|1|"
	"native+4pages|1|TOUCH"
	"zpoline|1|env LD_PRELOAD=$LIB"
	"zpoline+pass|1|env LD_PRELOAD=$LIB LIBZPHOOK=$PASS"
	"zpoline+count|1|env LD_PRELOAD=$LIB LIBZPHOOK=$COUNT ZPOLINE_COUNT_OUTPUT=$tmp/count.out"
	"zpoline+pass:dispatcher|1|env ZPOLINE_LEAN=0 LD_PRELOAD=$LIB LIBZPHOOK=$PASS"
	"zpoline-detour|1|env ZPOLINE_MODE=detour LD_PRELOAD=$LIB"
	"zpoline-detour+pass|1|env ZPOLINE_MODE=detour LD_PRELOAD=$LIB LIBZPHOOK=$PASS"
)
[ $sud = yes ] && mechs+=("zpoline-sud+pass|4|env ZPOLINE_MODE=sud LD_PRELOAD=$LIB LIBZPHOOK=$PASS")
mechs+=(
	"seccomp-trap|4|SECCOMP"
	"ptrace|25|$B/bench/ptrace-tracer"
	"strace|25|strace -f -o /dev/null"
)
if ! command -v strace >/dev/null; then
	unset 'mechs[${#mechs[@]}-1]'
	info strace_available no
fi

# Batches of about 2 ms each (the same count for every mechanism, since the
# slow ones run proportionally fewer calls): on a shared CPU most batches
# of that length escape preemption, and the fastest one is what counts.
batches=$((calls / 2000))
[ $batches -ge 5 ] || batches=5
info batches_per_site "$batches"

raw=$out/percall-raw.csv
echo "round,mechanism,path,calls,ns_per_call" >"$raw"
nm=${#mechs[@]}
for ((r = 1; r <= rounds; r++)); do
	for ((j = 0; j < nm; j++)); do
		IFS='|' read -r name div prefix <<<"${mechs[$(((j + r) % nm))]}"
		n=$((calls / div))
		args=(--calls "$n" --batches "$batches")
		case $prefix in
		SECCOMP) prefix= args+=(--seccomp) ;;
		TOUCH) prefix= args+=(--touch-pages 4 --paths inline) ;;
		esac
		# shellcheck disable=SC2086 # the prefix is words on purpose
		if ! res=$(timeout 120 taskset -c "$cpu" $prefix "$PERCALL" "${args[@]}" 2>"$tmp/err"); then
			echo "percall: $name failed in round $r:" >&2
			head -5 "$tmp/err" >&2
			exit 1
		fi
		while read -r path ns; do
			echo "$r,$name,$path,$n,$ns" >>"$raw"
		done <<<"$res"
	done
	printf '\rpercall: round %d/%d' "$r" "$rounds" >&2
	if [ "$budget" -gt 0 ] && [ $SECONDS -ge "$budget" ] && [ $r -lt $rounds ]; then
		info rounds_cut "stopped after $r of $rounds rounds: time budget of ${budget}s used"
		break
	fi
done
echo >&2
