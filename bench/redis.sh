#!/bin/bash
# bench/redis.sh ROUNDS REQUESTS - a real server under zpoline.
#
# redis-server on 127.0.0.1:$BENCH_REDIS_PORT (default 6391), pinned to
# $BENCH_CPU, started fresh for each configuration:
#   native, zpoline+pass, zpoline+trace (build/libzphook_trace.so writing
#   to a file; n/a until that hook exists)
# and driven from the other CPU by
#   redis-benchmark -q -n REQUESTS -t get,set -P 1 -c 20
# Rounds interleave the configurations.  Servers are killed on any exit.
#
# Writes bench/results/redis-raw.csv  (round,config,test,rps)
#        bench/results/redis-info.csv (key,value)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:?rounds}
budget=${BENCH_BUDGET:-0} # seconds; no new round starts after it (0: none)
requests=${2:?requests}
cpu=${BENCH_CPU:?BENCH_CPU}
port=${BENCH_REDIS_PORT:-6391}
limit=${BENCH_REDIS_TIMEOUT:-120} # seconds for one redis-benchmark run
out=bench/results
B=$PWD/build
LIB=$B/libzpoline.so
PASS=$B/libzphook_pass.so
TRACE=${BENCH_TRACE_HOOK:-$B/libzphook_trace.so} # override: for trying the script
tmp=$(mktemp -d /tmp/zp-bench-redis.XXXXXX)
server=
stop_server() {
	if [ -n "$server" ]; then
		kill -TERM "$server" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$server" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
		server=
	fi
}
trap 'stop_server; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

echo "key,value" >"$out/redis-info.csv"
info() { printf '%s,"%s"\n' "$1" "${2//\"/\"\"}" >>"$out/redis-info.csv"; } # CSV-quoted
raw=$out/redis-raw.csv
echo "round,config,test,rps" >"$raw"

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
	info available "no (apt-get install -y redis-server redis-tools)"
	exit 0
fi
info server "$(redis-server --version | head -1 | tr ',' ' ')"
if redis-cli -p "$port" ping >/dev/null 2>&1; then
	echo "redis: something already answers on port $port; set BENCH_REDIS_PORT" >&2
	exit 1
fi
# The client runs on a CPU other than the server's when there is one.
client_cpu=$(awk -v c="$cpu" '/^processor/ { if ($3 != c) { print $3; exit } }' /proc/cpuinfo)
client_cpu=${client_cpu:-$cpu}
info server_cpu "$cpu"
info client_cpu "$client_cpu"
info command "redis-benchmark -q -n $requests -t get,set -P 1 -c 20 --csv"

configs=(native zpoline+pass)
if [ -e "$TRACE" ]; then
	configs+=(zpoline+trace)
	info trace available
else
	info trace "n/a (build/libzphook_trace.so not built)"
fi

start_server() { # config
	local env=()
	case $1 in
	zpoline+pass) env=(LD_PRELOAD="$LIB" LIBZPHOOK="$PASS") ;;
	zpoline+trace) env=(LD_PRELOAD="$LIB" LIBZPHOOK="$TRACE"
		ZPOLINE_TRACE_OPTS="-f -o $tmp/trace.out") ;;
	esac
	rm -f "$tmp/trace.out"
	taskset -c "$cpu" env ${env[@]+"${env[@]}"} ZPOLINE_CACHE_DIR="$tmp/cache" redis-server \
		--port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
		--logfile "$tmp/server.log" --dir "$tmp" &
	server=$!
	for _ in $(seq 100); do
		if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then return 0; fi
		kill -0 "$server" 2>/dev/null || break
		sleep 0.1
	done
	echo "redis: the server ($1) did not come up:" >&2
	tail -5 "$tmp/server.log" >&2
	return 1
}

for ((r = 1; r <= rounds; r++)); do
	for c in "${configs[@]}"; do
		start_server "$c"
		timeout "$limit" taskset -c "$client_cpu" redis-benchmark -p "$port" -q -n "$requests" \
			-t get,set -P 1 -c 20 --csv >"$tmp/bench.csv" 2>"$tmp/bench.err" && rc=0 || rc=$?
		if [ $rc = 124 ]; then
			# A busy machine, not a broken server: the round lacks this result.
			info "timeout_round$r" "$c: redis-benchmark did not finish within $limit s"
			stop_server
			continue
		elif [ $rc != 0 ]; then
			echo "redis: redis-benchmark failed against $c:" >&2
			tail -5 "$tmp/bench.err" >&2
			exit 1
		fi
		# "SET","25252.53",... -> SET,25252.53
		tr -d '"' <"$tmp/bench.csv" | awk -F, -v r="$r" -v c="$c" \
			'$1 == "SET" || $1 == "GET" { print r "," c "," $1 "," $2 }' >>"$raw"
		if [ "$c" = zpoline+trace ] && [ -e "$tmp/trace.out" ]; then
			info "trace_bytes_round$r" "$(stat -c %s "$tmp/trace.out")"
		fi
		stop_server
	done
	printf '\rredis: round %d/%d' "$r" "$rounds" >&2
	if [ "$budget" -gt 0 ] && [ $SECONDS -ge "$budget" ] && [ $r -lt $rounds ]; then
		info rounds_cut "stopped after $r of $rounds rounds: time budget of ${budget}s used"
		break
	fi
done
echo >&2
