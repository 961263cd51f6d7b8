#!/bin/bash
# bench/selftest.sh - do the benchmark tools measure what they claim?  No
# timing is asserted anywhere: only results, exit codes, environments and
# the report's arithmetic on made-up data.  Prints PASS:/FAIL:/SKIP: lines
# like the test suite (tests/lib.sh); `make bench-selftest` runs it.
set -u
cd "$(dirname "$0")/.."
export ZP_ROOT=$PWD
. tests/lib.sh
BB=$ZP_BUILD/bench
PERCALL=$BB/percall
TRACER=$BB/ptrace-tracer
SPAWN=$BB/spawn-time
ORIGIN=$BB/libzphook_origin.so
export ZPOLINE_CACHE_DIR=$TMP/cache

# percall prints three positive figures and checks every getpid result.
three_figures() { # output
	[ "$(awk '$2 > 0 { n++ } END { print n + 0 }' <<<"$1")" = 3 ] &&
		[ "$(cut -d' ' -f1 <<<"$1" | paste -sd,)" = inline,func,libc ]
}
out=$("$PERCALL" --calls 2000 --batches 4) && three_figures "$out" &&
	pass "percall native" || fail "percall native: $out"
out=$("$PERCALL" --seccomp --calls 2000) && three_figures "$out" &&
	pass "percall --seccomp emulates getpid" || fail "percall --seccomp: $out"
out=$("$PERCALL" --touch-pages 4 --paths inline --calls 2000) &&
	[ "$(cut -d' ' -f1 <<<"$out")" = inline ] &&
	pass "percall --touch-pages, one path" || fail "percall --touch-pages: $out"
out=$(LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS "$PERCALL" --calls 2000) && three_figures "$out" &&
	pass "percall under zpoline+pass" || fail "percall under zpoline+pass: $out"
for bad in "--calls 0" "--calls x" "--batches 0" "--paths nope" "--touch-pages 65" "--what"; do
	# shellcheck disable=SC2086
	"$PERCALL" $bad >/dev/null 2>"$TMP/err"
	rc=$?
	if [ $rc = 2 ] && [ "$(wc -l <"$TMP/err")" -le 2 ] && grep -q percall "$TMP/err"; then
		pass "percall rejects $bad"
	else
		fail "percall $bad: exit $rc, $(head -c 200 "$TMP/err")"
	fi
done

# The origin hook sees the benchmark's calls as rewritten sites: 3 paths x
# (1000 + 101 warm-up) getpid calls at least.
LD_PRELOAD=$LIB LIBZPHOOK=$ORIGIN "$PERCALL" --calls 1000 >/dev/null 2>"$TMP/origin"
n=$(sed -n 's/.*zpoline-origin: rewritten=\([0-9]*\) .*/\1/p' "$TMP/origin")
if [ "${n:-0}" -ge 3303 ]; then pass "origin hook counts rewritten calls ($n)"; else
	fail "origin hook: $(head -c 300 "$TMP/origin")"; fi

# ptrace-tracer: exit status, death by signal, children, threads, signals
# passed on to the tracee, and that it sees the calls at all.
"$TRACER" sh -c 'exit 7'
check "ptrace-tracer passes on the exit status" [ $? = 7 ]
"$TRACER" sh -c 'kill -TERM $$'
check "ptrace-tracer reports death by signal as 128+N" [ $? = 143 ]
"$TRACER" sh -c '/bin/true && /bin/true; exit 3'
check "ptrace-tracer follows children" [ $? = 3 ]
"$TRACER" sh -c 'trap "exit 5" USR1; kill -USR1 $$; sleep 5; exit 0'
check "ptrace-tracer delivers the tracee's signals" [ $? = 5 ]
if [ -x /usr/bin/python3 ]; then
	"$TRACER" /usr/bin/python3 -c 'import threading
ts = [threading.Thread(target=lambda: sum(range(1000))) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]'
	check "ptrace-tracer follows threads" [ $? = 0 ]
else
	skip "ptrace-tracer follows threads" "no /usr/bin/python3"
fi
out=$("$TRACER" -v "$PERCALL" --calls 1000 2>&1 >/dev/null)
stops=$(sed -n 's/.*: \([0-9]*\) system call stops.*/\1/p' <<<"$out")
if [ "${stops:-0}" -ge 6606 ]; then pass "ptrace-tracer stops at entry and exit ($stops)"; else
	fail "ptrace-tracer -v: $out"; fi
"$TRACER" /nonexistent/program 2>"$TMP/err"
rc=$?
if [ $rc = 127 ] && grep -q 'cannot run /nonexistent/program' "$TMP/err"; then
	pass "ptrace-tracer: a missing program is exit 127 with a message"
else fail "ptrace-tracer /nonexistent/program: exit $rc"; fi

# spawn-time: one CSV line per run, the environment it promises, fresh
# directories, and a failing command stops it.
out=$("$SPAWN" -n 3 -w 1 -l x,y -- /bin/true)
check "spawn-time prints one line per timed run" \
	[ "$(grep -cE '^x,y,[0-2],[0-9]+$' <<<"$out")" = 3 ]
"$SPAWN" -n 1 -e FOO=bar -- sh -c 'test "$FOO" = bar' >/dev/null
check "spawn-time -e sets the command's environment" [ $? = 0 ]
ZPOLINE_SOMETHING=1 LIBZPHOOK=x "$SPAWN" -n 1 -- sh -c 'test -z "$ZPOLINE_SOMETHING$LIBZPHOOK"' >/dev/null
check "spawn-time drops the runtime's variables from the command's environment" [ $? = 0 ]
TMPDIR=$TMP "$SPAWN" -n 3 -f D -- sh -c 'test -d "$D" && test -z "$(ls -A "$D")" && touch "$D/x"' >/dev/null
rc=$?
if [ $rc = 0 ] && [ -z "$(ls -d "$TMP"/zp-bench-fresh.* 2>/dev/null)" ]; then
	pass "spawn-time -f: a fresh empty directory every run, removed after"
else fail "spawn-time -f: exit $rc"; fi
"$SPAWN" -n 2 -- /bin/false >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc = 1 ] && grep -q 'exited with status 1' "$TMP/err"; then
	pass "spawn-time stops with a message when the command fails"
else fail "spawn-time /bin/false: exit $rc"; fi
"$SPAWN" -n x -- /bin/true >/dev/null 2>"$TMP/err"
check "spawn-time rejects a bad count" [ $? = 2 ]

# signal-pc: every signal handled, none seen in runtime code natively (there
# is none), and the runtime's code recognised: page 0 and libzpoline.so's.
check "signal-pc: no runtime code natively" [ -z "$("$BB/signal-pc" --ranges)" ]
out=$(LD_PRELOAD=$LIB "$BB/signal-pc" --ranges)
if grep -q '^0*-0*1000 ' <<<"$out" && grep -q ' r-xp .*/libzpoline\.so$' <<<"$out"; then
	pass "signal-pc finds page 0 and libzpoline.so's code"
else fail "signal-pc --ranges: $out"; fi
out=$("$BB/signal-pc" --signals 300)
if [[ $out =~ ^300,0,0,0,[0-9]+$ ]]; then pass "signal-pc native: 300 signals, none in runtime code"
else fail "signal-pc native: $out"; fi
out=$(LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_PASS "$BB/signal-pc" --signals 300)
if [[ $out =~ ^300,[0-9]+,[0-9]+,[0-9]+,[0-9]+$ ]]; then pass "signal-pc under zpoline+pass handles all 300 (counts vary): $out"
else fail "signal-pc under zpoline+pass: $out"; fi
"$BB/signal-pc" --signals -3 >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc = 2 ] && grep -q "positive number" "$TMP/err"; then pass "signal-pc rejects a bad count"
else fail "signal-pc --signals -3: exit $rc, $(head -c 200 "$TMP/err")"; fi
# --call sigmask: the thread's loop blocks and unblocks SIGUSR2 instead;
# natively no handler sees runtime code either.
out=$("$BB/signal-pc" --signals 300 --call sigmask)
if [[ $out =~ ^300,0,0,0,[0-9]+$ ]]; then pass "signal-pc --call sigmask native: 300 signals, none in runtime code"
else fail "signal-pc --call sigmask native: $out"; fi
"$BB/signal-pc" --call getpid >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc = 2 ] && grep -q "getppid or sigmask" "$TMP/err"; then pass "signal-pc rejects an unknown --call"
else fail "signal-pc --call getpid: exit $rc, $(head -c 200 "$TMP/err")"; fi

# The report on made-up data: overheads are per-round differences, ratios
# and minima as documented, the n/a rows appear, and nothing crashes.
R=$TMP/results
mkdir -p "$R"
cat >"$R/percall-raw.csv" <<'EOF'
round,mechanism,path,calls,ns_per_call
1,native,inline,100,100
1,native,func,100,110
1,native,libc,100,120
2,native,inline,100,200
2,native,func,100,210
2,native,libc,100,220
1,zpoline+pass,inline,100,105
1,zpoline+pass,func,100,120
1,zpoline+pass,libc,100,130
2,zpoline+pass,inline,100,209
2,zpoline+pass,func,100,220
2,zpoline+pass,libc,100,230
1,ptrace,inline,4,10100
1,ptrace,func,4,10110
1,ptrace,libc,4,10120
2,ptrace,inline,4,10200
2,ptrace,func,4,10210
2,ptrace,libc,4,10220
EOF
cat >"$R/startup-raw.csv" <<'EOF'
program,config,round,run,ns
true,native,1,0,1000000
true,native,1,1,3000000
true,zpoline+pass,1,0,4000000
true,zpoline+pass,1,1,6000000
EOF
printf 'key,value\nsud_available,"no"\nsud_detail,"made up"\n' >"$R/percall-info.csv"
printf 'round,config,test,rps\n1,native,SET,1000\n1,native,GET,2000\n1,zpoline+pass,SET,900\n1,zpoline+pass,GET,2000\n' >"$R/redis-raw.csv"
printf 'program,config,rep,rss_kib,pss_kib,private_dirty_kib\nsleep,native,1,1000,100,10\nsleep,zpoline,1,1600,700,410\n' >"$R/memory-raw.csv"
printf 'config,signals,runtime_pc,foreign_sp,foreign_ctx,calls\nnative,1000,0,0,0,5000\nzpoline+pass,1000,3,1,2,4000\n' >"$R/signals-raw.csv"
if BENCH_RESULTS=$R BENCH_DOC=$TMP/perf.md /usr/bin/python3 bench/report.py 2>"$TMP/err"; then
	pass "report.py runs on made-up results"
	# zpoline+pass inline: per-round differences 5 and 9 -> median 7; minima 105 - 100 = 5
	grep -q '^zpoline+pass,inline,2,100,105.0,157.0,5.0,7.0,' "$R/percall.csv"
	check "report: per-call overheads (median of rounds, minima)" [ $? = 0 ]
	# ptrace 10,000/10,000 over, zpoline 7 -> 1,429x
	check "report: ptrace factor" grep -q '1,429x' "$TMP/perf.md"
	check "report: SUD shown as not available" grep -q 'n/a (not available)' "$TMP/perf.md"
	# pairs (4 vs 1, 6 vs 3): +3 ms, ratios 4 and 2 -> 3; minima 4 / 1
	grep -q '^true,zpoline+pass,2,4.000,5.000,3.000,3.00,4.00$' "$R/startup.csv"
	check "report: start-up medians and ratio" [ $? = 0 ]
	check "report: redis ratio" grep -q '^zpoline+pass,SET,1,900,900,900,0.900$' "$R/redis.csv"
	check "report: memory deltas" grep -q '^sleep,zpoline,1,1600,700,410,600,600,400$' "$R/memory.csv"
	check "report: signal counts" grep -q '^zpoline+pass,1000,3,1,2,4.0$' "$R/signals.csv"
	check "report: signals in the summary" grep -q 'zpoline+pass 3/1' "$TMP/perf.md"
	check "report: summary block for the README" grep -q '<!-- summary:end -->' "$TMP/perf.md"
else
	fail "report.py on made-up results: $(tail -3 "$TMP/err")"
fi

# machine-costs: every key with a positive figure, the traps' included
# (its handler steps over ud2 and returns from int3: a wrong step would
# loop or crash).
head -c $((16 << 20)) /dev/zero >"$TMP/big"
out=$("$BB/machine-costs" "$TMP/big")
for key in cpuid_ns ud2_trap_ns int3_trap_ns page_fault_ns first_pass_read_mbps; do
	grep -qE "^$key,[1-9][0-9]*$" <<<"$out" && pass "machine-costs: $key" ||
		fail "machine-costs: $key missing or not positive: $(head -c 300 <<<"$out")"
done
exit $((_failures > 0))
