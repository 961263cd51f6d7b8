#!/bin/bash
# tools/lint.sh - static analysis of every C source: clang-tidy (checks in
# .clang-tidy: the analyzer and bug-prone patterns) and cppcheck.  `make
# lint` runs it after the build (the generated headers must exist).  Prints
# each finding and exits 1 if there is any, 2 if a tool is missing.
# Findings that are wrong are silenced where they are, with a reason
# (NOLINT(check) for clang-tidy, cppcheck-suppress for cppcheck), or below
# for cppcheck's that cannot be (pointer differences between symbols of
# one assembly object).
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
JOBS=${JOBS:-$(nproc)}

for t in clang-tidy cppcheck; do
	command -v $t >/dev/null || {
		echo "lint: $t is not installed (apt-get install clang-tidy cppcheck)" >&2
		exit 2
	}
done
for h in "$B/gen/trace_consts.h" "$B/gen/syscall_table.c"; do
	[ -r "$h" ] || { echo "lint: $h is missing: run make first" >&2; exit 2; }
done

# One set of flags for every file: the union of the components' include
# directories (their headers' names do not collide).  ZP_ZYDIS_PATH is
# given by the build from where the decoder is installed.
flags=(-std=gnu11 -Iinclude -Isrc/common -Isrc/common/decode -Isrc/runtime -Isrc/cli
	-Isrc/hooks/trace -Isrc/loader "-I$B/gen" "-I$B/cli/gen" '-DZP_ZYDIS_PATH="libZydis.so"')
mapfile -t files < <(find src -name '*.c' | sort)

out=$(mktemp -d) || exit 2
trap 'rm -rf "$out"' EXIT

printf '%s\0' "${files[@]}" |
	xargs -0 -P "$JOBS" -I{} sh -c 'f=$1 d=$2; shift 2
		clang-tidy -quiet "$f" -- "$@" >"$d/$(echo "$f" | tr / _).txt" 2>/dev/null' \
		sh {} "$out" "${flags[@]}"
cat "$out"/*.txt >"$out/tidy" 2>/dev/null
tidy=$(grep -c -E '(warning|error): ' "$out/tidy")

cppcheck -q -j "$JOBS" --std=c11 --enable=warning,portability,performance --inline-suppr \
	--error-exitcode=0 --suppress=missingIncludeSystem \
	--suppress=comparePointers:src/runtime/trampoline.c \
	--suppress=comparePointers:src/runtime/signals.c \
	--suppress=comparePointers:src/runtime/gdbjit.c \
	-Iinclude -Isrc/common -Isrc/common/decode -Isrc/runtime -Isrc/cli -Isrc/hooks/trace \
	-Isrc/loader "-I$B/gen" -D__x86_64__ -D__linux__ '-DZP_ZYDIS_PATH="libZydis.so"' \
	src 2>"$out/cppcheck"
cpp=$(grep -c -E '^src/.*: (error|warning|performance|portability): ' "$out/cppcheck")

cat "$out/tidy" "$out/cppcheck"
echo "lint: ${#files[@]} files, clang-tidy $tidy finding(s), cppcheck $cpp finding(s)"
[ "$tidy" -eq 0 ] && [ "$cpp" -eq 0 ]
