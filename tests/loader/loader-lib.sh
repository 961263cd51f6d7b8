# tests/loader/loader-lib.sh - helpers for the loader's tests.  Source it
# after tests/lib.sh.
LOADER=$ZP_BUILD/zpoline-loader
LT=$ZP_BUILD/tests/loader
COVERAGE=$ZP_ROOT/tests/loader/coverage.py
# The hook that counts: the count hook, or (COUNT_HOOK=raw) the libc-free
# copy of it in tests/loader/hooks/rawcount.c.
COUNT_HOOK=${COUNT_HOOK:-count}

need_tools() { # NAME TOOL...: skip NAME unless every tool is there
	local name=$1 t
	shift
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1 && [ ! -x "$t" ]; then
			skip "$name ($t is not installed)"
			return 1
		fi
	done
}

count_hook() {
	if [ "$COUNT_HOOK" = raw ]; then echo "$LT/libzphook_rawcount.so"; else echo "$HOOK_COUNT"; fi
}

# loaded OUT COUNT [LOADER-OPTION...] -- CMD...: runs CMD under the loader
# with the counting hook; stdout to OUT, stderr to OUT.err, the count
# tables to COUNT.  Returns CMD's exit status.
loaded() {
	local out=$1 count=$2 opts=()
	shift 2
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	rm -f "$count"
	LD_PRELOAD=$LIB LIBZPHOOK=$(count_hook) ZPOLINE_COUNT_OUTPUT=$count ZL_RAWCOUNT_OUTPUT=$count \
		"$LOADER" "${opts[@]+"${opts[@]}"}" "$@" >"$out" 2>"$out.err"
}

# native_traced OUT TRACE CMD...: runs CMD natively under strace -f.
native_traced() {
	local out=$1 trace=$2
	shift 2
	strace -f -qq -o "$trace" "$@" >"$out" 2>"$out.err"
}

# compare NAME NATIVE-OUT NATIVE-RC LOADED-OUT LOADED-RC: same stdout and
# exit status.
compare() {
	local name=$1 n=$2 rn=$3 l=$4 rl=$5
	if cmp -s "$n" "$l" && [ "$rn" -eq "$rl" ]; then
		pass "$name: same output and exit status ($rn)"
	else
		fail "$name: output or exit status differ (native $rn, loaded $rl)"
		diff "$n" "$l" | head -20
		head -20 "$l.err"
	fi
}

# covered NAME TRACE COUNT [coverage.py option...]: every system call of
# the program in TRACE reached the hook (COUNT) at least as often.
covered() {
	local name=$1 trace=$2 count=$3 out
	shift 3
	if [ ! -s "$count" ]; then
		fail "$name: the count hook wrote no table"
		return
	fi
	out=$(python3 "$COVERAGE" "$trace" "$count" "$@" 2>&1)
	case $? in
	0) pass "$name: $(echo "$out" | tail -1)" ;;
	*) fail "$name"; echo "$out" | head -30 ;;
	esac
}

# not_bypassed NAME [LOADER-OPTION...] -- CMD...: in a hooked run under
# strace -f -i, no system call is made from inside an image the loader
# mapped (they all go through the runtime's entry code).
not_bypassed() {
	local name=$1 opts=() images=() out
	shift
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	ZPOLINE_DEBUG=1 strace -f -i -qq -o bypass.trace env LD_PRELOAD=$LIB \
		"$LOADER" "${opts[@]+"${opts[@]}"}" "$@" >bypass.out 2>bypass.err
	while read -r range; do
		images+=(--image "$range")
	done < <(sed -n 's/^zpoline-loader: .*mapped at \(0x[0-9a-f]*-0x[0-9a-f]*\).*/\1/p' bypass.err)
	if [ ${#images[@]} -eq 0 ]; then
		fail "$name: the loader did not say where it mapped the program"
		head -10 bypass.err
		return
	fi
	out=$(python3 "$COVERAGE" --bypass bypass.trace "${images[@]}" 2>&1)
	case $? in
	0) pass "$name: $(echo "$out" | tail -1)" ;;
	*) fail "$name"; echo "$out" | head -30 ;;
	esac
}
