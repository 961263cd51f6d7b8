#!/bin/bash
# test-fuzz-short.sh - each fuzz harness for FUZZ_SHORT_SECONDS (20) on its
# seed corpus, and the reproducers of known runtime bugs (corpus/*-bugs/):
#   - build/fuzz/fuzz_NAME must survive them (its model sees the problem);
#   - build/fuzz/strict/fuzz_NAME still failing on one is a SKIP naming the
#     known bug (never a pass); once it passes, the bug is fixed: PASS.
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

	bugs=tests/fuzz/corpus/$name-bugs
	[ -d "$bugs" ] || continue
	files=("$bugs"/*)
	if build/fuzz/fuzz_"$name" "${files[@]}" >"$TMP/bug.log" 2>&1; then
		pass "fuzz_$name survives all ${#files[@]} reproducers in $bugs"
	else
		fail "fuzz_$name crashes on a known-bug reproducer in $bugs"
		grep -m3 -E 'Running:|property failed|runtime error|ERROR: ' "$TMP/bug.log"
	fi
	open=() fixed=()
	for f in "${files[@]}"; do
		# One process each: the first crash ends a run.
		if ASAN_OPTIONS=symbolize=0 build/fuzz/strict/fuzz_"$name" "$f" >/dev/null 2>&1; then
			fixed+=("$(basename "$f")")
		else
			open+=("$(basename "$f")")
		fi
	done
	for b in "${fixed[@]+"${fixed[@]}"}"; do
		pass "$name-bugs/$b no longer fails the strict harness (fixed: move it to corpus/$name)"
	done
	[ ${#open[@]} -gt 0 ] &&
		skip "strict fuzz_$name: ${#open[@]} known runtime bugs still reproduce: ${open[*]} (docs/fuzzing.md)"
done
finish
