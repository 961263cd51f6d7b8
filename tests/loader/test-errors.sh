#!/bin/bash
# zpoline-loader refuses what it cannot run with one line naming the file
# and the exit status a shell would give (127 not found, 126 cannot run,
# 125 the loader itself used wrongly), and never crashes.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/loader-lib.sh"
need_tools "bad input" "$LOADER" || finish
cd "$TMP" || exit 1

# refused NAME STATUS TEXT FILE [LOADER-ARG...]: exactly one line on stderr,
# naming FILE and saying TEXT; nothing on stdout; exit STATUS.
refused() {
	local name=$1 want=$2 text=$3 file=$4
	shift 4
	LD_PRELOAD=$LIB "$LOADER" "$@" >out 2>err
	local rc=$? lines
	lines=$(wc -l <err)
	if [ $rc -eq "$want" ] && [ "$lines" -eq 1 ] && [ ! -s out ] &&
		grep -qF -- "$file" err && grep -qF -- "$text" err; then
		pass "$name: exit $rc, \"$(cat err)\""
	else
		fail "$name: exit $rc (want $want), $lines lines on stderr (want 1)"
		cat err out | head -5
	fi
}

# An ELF header by hand: class, machine, type (gcc -m32 may be missing).
bytes() { local b; for b; do printf "\\$(printf %03o "$b")"; done; }
elf_header() { # FILE CLASS(1|2) MACHINE TYPE
	{
		bytes 127 69 76 70 "$2" 1 1 0 0 0 0 0 0 0 0 0   # e_ident
		bytes "$4" 0 $(($3 & 255)) $(($3 >> 8)) 1 0 0 0 # e_type e_machine e_version
		head -c 200 /dev/zero
	} >"$1"
	chmod +x "$1"
}
elf_header elf32 1 3 2
elf_header arm64 2 183 2
elf_header elfobj 2 62 1
printf 'just some text\nnot a program\n' >text
chmod +x text
cp "$LT/ident-static" noexec
chmod 644 noexec
mkdir dir
head -c 200 "$LT/ident-static" >truncated
head -c 100000 "$LT/ident-static" >cut
chmod +x truncated cut
printf 'int f(void) { return 1; }\n' >lib.c
if command -v gcc >/dev/null && gcc -shared -fPIC -nostdlib -o lib.so lib.c 2>/dev/null; then
	chmod +x lib.so
	refused "shared library" 126 "no entry point" "$TMP/lib.so" "$TMP/lib.so"
else
	skip "shared library (gcc cannot build one here)"
fi

refused "32-bit ELF" 126 "32-bit ELF is not supported" "$TMP/elf32" "$TMP/elf32"
refused "other architecture" 126 "not an x86-64 executable (aarch64)" "$TMP/arm64" "$TMP/arm64"
refused "relocatable object" 126 "not an executable" "$TMP/elfobj" "$TMP/elfobj"
refused "text file" 126 "not an ELF executable" "$TMP/text" "$TMP/text"
refused "truncated ELF" 126 "truncated" "$TMP/truncated" "$TMP/truncated"
refused "segment past the end of the file" 126 "past its end" "$TMP/cut" "$TMP/cut"
refused "missing file" 127 "No such file or directory" "$TMP/nothing-here" "$TMP/nothing-here"
refused "not executable" 126 "Permission denied" "$TMP/noexec" "$TMP/noexec"
refused "directory" 126 "Is a directory" "$TMP/dir" "$TMP/dir"
refused "not in PATH" 127 "command not found" "no-such-command-zl" no-such-command-zl
refused "--argv0 without a value" 125 "--argv0 needs a value" "--argv0" --argv0
refused "--close-fd without a value" 125 "--close-fd needs a value" "--close-fd" --close-fd
refused "--close-fd not a number" 125 "not a descriptor number: 'x3'" "--close-fd" --close-fd x3 "$LT/ident-static"
refused "--close-fd negative" 125 "not a descriptor number: '-1'" "--close-fd" --close-fd -1 "$LT/ident-static"

# Without the runtime there is nothing to rewrite with.
"$LOADER" "$LT/ident-static" >out 2>err
rc=$?
if [ $rc -eq 125 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q 'LD_PRELOAD' err; then
	pass "no runtime: exit 125, \"$(cat err)\""
else
	fail "no runtime: exit $rc"
	cat err
fi

# Usage: no program, an unknown option.
LD_PRELOAD=$LIB "$LOADER" >out 2>err
rc=$?
check "no program: exit 125 and usage" test $rc -eq 125 -a -s err
LD_PRELOAD=$LIB "$LOADER" --bogus "$LT/ident-static" >out 2>err
rc=$?
if [ $rc -eq 125 ] && grep -q 'unknown option --bogus' err; then
	pass "unknown option: exit 125"
else
	fail "unknown option: exit $rc"
	cat err
fi
LD_PRELOAD=$LIB "$LOADER" --help >out 2>err
check "--help: exit 0, usage on stdout" test $? -eq 0 -a -s out
finish
