#!/bin/bash
# test-fuzz-short.sh - each fuzz harness for FUZZ_SHORT_SECONDS (20) on its
# seed corpus, which holds the reproducers of the bugs fuzzing found
# (corpus/*/bug-*): every property must hold, nothing may crash.
# Needs clang's libFuzzer runtime (libclang-rt-14-dev): SKIP without it.
. "$(dirname "$0")/../lib.sh"
secs=${FUZZ_SHORT_SECONDS:-20}
cd "$ZP_ROOT" || exit 2

cc=${FUZZ_CC:-clang}
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$TMP/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined -o "$TMP/probe" "$TMP/probe.c" 2>"$TMP/probe.err"; then
	skip "fuzz harnesses: $cc cannot link -fsanitize=fuzzer (apt-get install clang libclang-rt-14-dev): $(head -1 "$TMP/probe.err")"
	finish
fi
if ! make -s fuzz >"$TMP/make.log" 2>&1; then
	fail "make fuzz"
	tail -20 "$TMP/make.log"
	finish
fi
pass "make fuzz builds the harnesses"

for name in finder ehframe; do
	log=$TMP/run-$name.log
	FUZZ_OUT=$TMP/out ZF_STATS=1 tests/fuzz/run.sh "$secs" "$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ $rc -eq 0 ] && [ -n "$execs" ] && [ "$execs" -gt 0 ]; then
		pass "fuzz_$name: ${secs}s, $execs inputs, no crash, every property held"
	else
		keep=$ZP_BUILD/fuzz/artifacts/$name
		mkdir -p "$keep"
		cp "$TMP"/out/artifacts/"$name"/* "$keep"/ 2>/dev/null
		fail "fuzz_$name: exit $rc after ${execs:-0} inputs; crashing input kept in $keep"
		grep -m3 -E 'property failed|runtime error|ERROR: ' "$log"
	fi
done
finish
