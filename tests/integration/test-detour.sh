#!/bin/bash
# test-detour.sh - ZPOLINE_MODE=detour: no page 0, each site a jmp to a
# trampoline of its own (src/runtime/detour.c).  Reads and calls through
# NULL fault as natively while every call still reaches the hooks; hooks
# and `trace -i` see the real site; a Go program recovers from nil-pointer
# panics as natively, in auto mode (which detours Go programs on CPUs
# without protection keys).
. "$(dirname "$0")/../lib.sh"
P=$ZP_BUILD/tests/progs
pku=$PKU
also_without_pku "$0" "$@"

"$P/nullread" >"$TMP/native" 2>&1
grep -q '^FAIL' "$TMP/native" && fail "nullread fails natively: $(grep FAIL "$TMP/native")"

ZPOLINE_MODE=detour ZPOLINE_DEBUG=1 ZPOLINE_COUNT_OUTPUT=$TMP/cnt LD_PRELOAD=$LIB \
	LIBZPHOOK=$HOOK_COUNT "$P/nullread" >"$TMP/out" 2>"$TMP/err"
rc=$?
sed -n 's/^\(PASS\|FAIL\): /\1: [detour, count hook] /p' "$TMP/out"
[ $rc = 0 ] || fail "nullread under ZPOLINE_MODE=detour exited $rc"
grep -Eq '^ +17 +0  getppid$' "$TMP/cnt" || { cat "$TMP/cnt"; false; }
outcome "the count hook sees all 17 getppid calls (12 through libc, 5 inline)"
grep -q 'page 0 not mapped (detour)' "$TMP/err" && grep -q '^zpoline: mode detour' "$TMP/err"
outcome "ZPOLINE_DEBUG says detour mode, no page 0"
n=$(sed -n 's/.*rewritten: [0-9]* callq, \([0-9]*\) detour, \([0-9]*\) trap;.*/\1/p' "$TMP/err")
[ -n "$n" ] && [ "$n" -gt 100 ]
outcome "most sites detoured (${n:-none} here; libc alone has hundreds)"
grep -q 'libc.so.6: [0-9]* sites detoured, [0-9]* not patchable' "$TMP/err"
outcome "ZPOLINE_DEBUG counts patchable and not patchable sites per object"

# A call in a gap of the unwind entries, right where its function's entry
# ends (glibc's clone3): the `mov $nr, %eax` before it is displaced (a jmp
# at the function's start, the `syscall` left a trap site), not what
# follows the call, where a thread inside it returns.  Before, the jmp
# covered the call and the `ret` after it: in a linked Go library's
# process the site then trapped instead, and a thread of pthread_create,
# every signal blocked, died of that trap (7 runs in 2000, loaded).
ZPOLINE_MODE=detour ZPOLINE_CACHE=0 LD_PRELOAD=$LIB "$P/gapcall" >"$TMP/gap" 2>&1
rc=$?
sed -n 's/^\(PASS\|FAIL\): /\1: [detour] /p' "$TMP/gap"
bytes=$(sed -n 's/^bytes: //p' "$TMP/gap")
[ $rc = 0 ] && [[ "$bytes" == "e9 "*" 0f 0b" ]]
verdict $? "detour of a call opening an unwind gap displaces the instruction before it ($bytes)"
# The same with a thread started before the runtime (tests/libs/libearly.c):
# the `syscall` behind the jmp stays one, not a trap site that a thread with
# every signal blocked (glibc's pthread_create) would die of; the calls
# still reach the hooks through the jmp (main's 2, the thread's 100).
ZPOLINE_MODE=detour ZPOLINE_CACHE=0 ZPOLINE_COUNT_OUTPUT=$TMP/gapcnt LD_PRELOAD=$LIB \
	LIBZPHOOK=$HOOK_COUNT "$P/gapcall-early" >"$TMP/gap2" 2>&1
rc=$?
sed -n 's/^\(PASS\|FAIL\): /\1: [detour, a thread before the runtime] /p' "$TMP/gap2"
bytes=$(sed -n 's/^bytes: //p' "$TMP/gap2")
[ $rc = 0 ] && [[ "$bytes" == "e9 "*" 0f 05" ]] && grep -Eq '^ +102 +0  getppid$' "$TMP/gapcnt"
verdict $? "with a thread started before the runtime the detour keeps the syscall behind its jmp, and all 102 getppid calls reach the hook ($bytes)"

# Padding slots (tests/programs/padcall.c): a site no plan fits becomes a
# 2-byte jmp to a jmp written into the padding after its function, or
# before it; two sites of one function get a slot each; never padding
# that the function's last instruction (a conditional jump) may run
# into, nor 4 bytes of it: those trap.  The site lists, cached, give the same bytes.
for run in fresh cached; do
	ZPOLINE_MODE=detour ZPOLINE_CACHE_DIR=$TMP/padcache ZPOLINE_COUNT_OUTPUT=$TMP/padcnt-$run \
		LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT "$P/padcall" >"$TMP/pad-$run" 2>&1
	rc=$?
	sed -n "s/^\(PASS\|FAIL\): /\1: [detour, $run lists] /p" "$TMP/pad-$run"
	site() { sed -n "s/^site $1 //p" "$TMP/pad-$run"; }
	[ $rc = 0 ] && [[ "$(site after)" =~ ^eb\ ..\ slot\ \+[0-9]+\ e9$ ]] &&
		[[ "$(site before)" =~ ^eb\ ..\ slot\ -[0-9]+\ e9$ ]] &&
		[[ "$(site two1)" =~ ^eb\ ..\ slot\ \+[0-9]+\ e9$ ]] &&
		[[ "$(site two2)" =~ ^eb\ ..\ slot\ \+[0-9]+\ e9$ ]] &&
		[ "$(site two1 | cut -d' ' -f4)" != "$(site two2 | cut -d' ' -f4)" ] &&
		[ "$(site fall)" = "0f 0b" ] && [ "$(site small)" = "0f 0b" ] &&
		[[ "$(site next)" == "e9 "* ]] && grep -Eq '^ +9 +0  getppid$' "$TMP/padcnt-$run"
	verdict $? "$run lists: sites no plan fits jump through padding after or before their function, not padding a path runs into ($(grep '^site' "$TMP/pad-$run" | tr '\n' ';'))"
done
# While a thread started before the runtime runs (libearly.so's, every
# signal blocked) a plan covering bytes after the call is refused; the
# site goes through its padding slot instead of trapping, which killed
# the thread's process (jemalloc's background thread: SIGILL), or where
# none is within reach and a 5-byte instruction or longer follows the
# call, is split around that instruction: the `syscall` becomes
# `mov $key, %cl` and the instruction the jmp.  The thread sleeps in a
# read at that site while the runtime patches it, and returns through the
# jmp's test (rcx = site + 2) with the read's result; then its 100 rounds
# of three calls and main's 9 reach the hook.
ZPOLINE_MODE=detour ZPOLINE_CACHE=0 ZPOLINE_COUNT_OUTPUT=$TMP/padcnt-early LD_PRELOAD=$LIB \
	LIBZPHOOK=$HOOK_COUNT "$P/padcall-early" >"$TMP/pad-early" 2>&1
rc=$?
sed -n 's/^\(PASS\|FAIL\): /\1: [detour, a thread before the runtime] /p' "$TMP/pad-early"
next=$(sed -n 's/^site next //p' "$TMP/pad-early")
split=$(sed -n 's/^site split //p' "$TMP/pad-early")
[ $rc = 0 ] && [[ "$next" =~ ^eb\ ..\ slot\ \+[0-9]+\ e9$ ]] &&
	[[ "$split" =~ ^b1\ (..)\ key\ (..)\ next\ e9$ ]] &&
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] &&
	[ "$(sed -n 's/^site split-blocked //p' "$TMP/pad-early")" = "$split" ] &&
	grep -Eq '^ +309 +0  getppid$' "$TMP/padcnt-early"
verdict $? "with a thread before the runtime, a call whose plan covers bytes after it goes through its padding slot, or is split around the next instruction, and all 309 calls reach the hook (rc $rc, next: $next, split: $split)"

# A split site step by step (tests/programs/edgesig.c as edgesig-split): a
# signal at each step of a call from the site, and of a thread that comes
# back from the kernel to the jmp, is shown the program before or after
# the call with its registers, never the trampoline.
for hook in none pass trace; do
	case $hook in
	none) H= ;;
	pass) H=$HOOK_PASS ;;
	trace) H=$ZP_BUILD/libzphook_trace.so ;;
	esac
	ZPOLINE_MODE=detour ZPOLINE_CACHE=0 ZPOLINE_TRACE_OPTS="-f -o $TMP/es-trace" LD_PRELOAD=$LIB \
		LIBZPHOOK=$H "$P/edgesig-split" >"$TMP/es-$hook" 2>&1
	rc=$?
	sed -n "s/^\(PASS\|FAIL\): /\1: [detour, split site, $hook hook] /p" "$TMP/es-$hook"
	bytes=$(sed -n 's/^site bytes //p' "$TMP/es-$hook")
	[ $rc = 0 ] && [[ "$bytes" =~ ^b1\ ..\ e9$ ]] && [ "$(grep -c '^PASS' "$TMP/es-$hook")" = 4 ]
	verdict $? "[$hook hook] with a thread before the runtime the stepped call's site is split ($bytes) and edgesig-split passes its 4 checks (rc $rc)"
done

# The same with page 0: reads fault there only where it is execute-only
# (PKU), writes and calls everywhere, each as "not mapped" as natively.
if [ "$(cat /proc/sys/vm/mmap_min_addr)" = 0 ]; then
	[ $pku = 1 ] && noreads= label="page 0, execute-only" ||
		noreads=--no-reads label="page 0, readable: no PKU, reads left out"
	ZPOLINE_MODE=zpoline ZPOLINE_COUNT_OUTPUT=$TMP/cnt0 LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT \
		"$P/nullread" $noreads >"$TMP/out0" 2>&1
	rc=$?
	sed -n "s/^\(PASS\|FAIL\): /\1: [$label, count hook] /p" "$TMP/out0"
	[ $rc = 0 ] && grep -Eq '^ +17 +0  getppid$' "$TMP/cnt0"
	outcome "[$label] nullread exits 0, the count hook sees all 17 getppid calls"
else
	skip "nullread with page 0" "vm.mmap_min_addr is not 0"
fi

# Every call of the hooked run also under the trace hook, where each line's
# -i address is the site's return address: the same as with page 0 (the
# real site, not the trampoline), where page 0 can be had (no address
# randomisation: the two runs are compared).
if [ "$(cat /proc/sys/vm/mmap_min_addr)" = 0 ]; then
	ZPOLINE_MODE=zpoline setarch "$(uname -m)" -R "$ZP_BUILD/zpoline" trace -i -o "$TMP/t0" -- "$P/nullread" >/dev/null 2>&1
	ZPOLINE_MODE=detour setarch "$(uname -m)" -R "$ZP_BUILD/zpoline" trace -i -o "$TMP/t1" -- "$P/nullread" >/dev/null 2>&1
	grep getppid "$TMP/t0" | sed 's/ *=.*//' >"$TMP/s0"
	grep getppid "$TMP/t1" | sed 's/ *=.*//' >"$TMP/s1"
	[ "$(wc -l <"$TMP/s1")" -ge 17 ] && cmp -s "$TMP/s0" "$TMP/s1" ||
		{ diff "$TMP/s0" "$TMP/s1" | head -5; false; }
	outcome "trace -i: detoured calls show the site's address, as with page 0"
else
	skip "trace -i against page 0: vm.mmap_min_addr is not 0"
fi

# The core programs (signals, threads, vfork, clone, handlers shown the
# site) run in detour mode in test-modes.sh.

# Site lists are cached in detour mode too, in files of their own
# (*.dsites: the same bytes get other decisions than with page 0), and a
# second start takes its plans from there.
C=$TMP/dcache
mkdir -m 700 "$C"
run_cached() {
	ZPOLINE_CACHE_DIR=$C ZPOLINE_MODE=${2:-detour} ZPOLINE_DEBUG=1 ZPOLINE_COUNT_OUTPUT=$TMP/cnt$1 \
		LD_PRELOAD=$LIB LIBZPHOOK=$HOOK_COUNT "$P/nullread" >"$TMP/out$1" 2>"$TMP/err$1"
}
decisions() { grep -o 'rewritten: .* trap;' "$TMP/err$1"; grep '^zpoline: detour: ' "$TMP/err$1"; }
run_cached 1
run_cached 2
h1=$(grep -o '[0-9]* from cache' "$TMP/err1") h2=$(grep -o '[0-9]* from cache' "$TMP/err2")
[ "$h1" = "0 from cache" ] && [ "${h2%% *}" -gt 0 ] 2>/dev/null
outcome "detour mode: a second start takes its site lists from the cache (${h1:-?}, then ${h2:-?})"
[ -n "$(decisions 1)" ] && [ "$(decisions 1)" = "$(decisions 2)" ] ||
	{ decisions 1; decisions 2; false; }
outcome "detour mode: cached plans give the same detours and traps, the same reasons"
cmp -s "$TMP/out1" "$TMP/out2" && ! grep -q '^FAIL' "$TMP/out2" &&
	grep -Eq '^ +17 +0  getppid$' "$TMP/cnt2"
outcome "detour mode from the cache: NULL reads fault, all 17 getppid calls counted"
ls "$C"/*.v[0-9]*.dsites >/dev/null 2>&1 && ! ls "$C"/*.sites >/dev/null 2>&1
outcome "detour lists are files of their own (*.vN.dsites, N the finder's version), no page-0 list written"
if [ "$(cat /proc/sys/vm/mmap_min_addr)" = 0 ]; then
	run_cached 3 zpoline
	grep -q '0 from cache' "$TMP/err3" && grep -q 'callq' "$TMP/err3"
	outcome "page-0 mode does not take detour mode's lists"
fi
# A plan that does not fit the code (the instruction displaced before the
# site, glibc's 5-byte `mov $nr, %eax`, said to be only its last 3 bytes,
# the number's upper bytes: 00 00 decodes as a 2-byte instruction) is
# refused when applied: that site traps, the program runs as natively.
libc=$(ldd "$P/nullread" | awk '$1 ~ /^libc\.so/ { print $3 }')
id=$(readelf -n "$libc" 2>/dev/null | awk '/Build ID/ { print $3 }')
python3 - "$(ls "$C/$id".v*.dsites | head -1)" "$libc" <<'PY' >"$TMP/moved" 2>&1
import struct, sys
path, lib = sys.argv[1], open(sys.argv[2], 'rb').read()
phoff, = struct.unpack_from('<Q', lib, 32)
phentsize, phnum = struct.unpack_from('<HH', lib, 54)
loads = []
for i in range(phnum):
    p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from('<IIQQQQ', lib, phoff + i * phentsize)
    if p_type == 1:
        loads.append((p_vaddr, p_offset, p_filesz))
def at(vaddr, n):
    for v, o, sz in loads:
        if v <= vaddr and vaddr + n <= v + sz:
            return lib[o + vaddr - v:o + vaddr - v + n]
    return b''
b = bytearray(open(path, 'rb').read())
moved = 0
for off in range(88, len(b), 8):
    e, = struct.unpack_from('<Q', b, off)
    kind, start, site = e & 0xff, (e >> 16) & 0xff, e >> 24
    if kind == 2 and start == 0xfb and at(site - 5, 7) == b'\xb8' + at(site - 4, 1) + b'\x00\x00\x00\x0f\x05':
        e = (e & ~(0xffff << 8)) | (0xfd << 16) | (5 << 8)
        struct.pack_into('<Q', b, off, e)
        moved += 1
open(path, 'wb').write(b)
print(moved)
PY
run_cached 4
moved=$(cat "$TMP/moved")
refused=$(sed -n 's/.* \([0-9]*\) with instructions that cannot move.*/\1/p' "$TMP/err4")
[ "${moved:-0}" -gt 10 ] 2>/dev/null && [ "${refused:-0}" -ge "$moved" ] &&
	cmp -s "$TMP/out1" "$TMP/out4" && grep -Eq '^ +17 +0  getppid$' "$TMP/cnt4"
st=$?
verdict $st "a cached plan that does not fit the code traps instead ($(head -c 200 "$TMP/moved") plans changed, ${refused:-?} refused)"

# Trampolines are written with their block opened once for a run of
# sites, not a page made writable and back for each (two mprotect calls
# a site: 1,237 at the start of /usr/bin/go).
if command -v strace >/dev/null; then
	ZPOLINE_MODE=detour ZPOLINE_DEBUG=1 LD_PRELOAD=$LIB strace -f -qq -e trace=mprotect \
		-o "$TMP/mp" "$P/nullread" >/dev/null 2>"$TMP/errmp"
	n=$(sed -n 's/.*rewritten: [0-9]* callq, \([0-9]*\) detour.*/\1/p' "$TMP/errmp" | head -1)
	calls=$(grep -c mprotect "$TMP/mp")
	[ "${n:-0}" -gt 100 ] && [ "$calls" -lt $((n / 4)) ]
	outcome "detour start-up: $calls mprotect calls for ${n:-?} detoured sites"
else
	skip "mprotect calls at detour start-up: strace not installed"
fi

# A Go program: nil-pointer panics recovered from, as natively.
if [ -x "$P/gonil" ]; then
	"$P/gonil" >"$TMP/gn" 2>&1
	rn=$?
	"$ZP_BUILD/zpoline" run -- "$P/gonil" >"$TMP/gh" 2>&1
	rh=$?
	[ $rn = 0 ] && [ $rh = 0 ] && cmp -s "$TMP/gn" "$TMP/gh" &&
		[ "$(grep -c recovered "$TMP/gn")" = 3 ] ||
		{ echo "native ($rn):"; cat "$TMP/gn"; echo "hooked ($rh):"; head -5 "$TMP/gh"; false; }
	outcome "Go: nil-pointer panics recovered from under zpoline run (auto mode), as natively"
	if [ $pku = 0 ]; then
		ZPOLINE_DEBUG=1 "$ZP_BUILD/zpoline" run -- "$P/gonil" 2>&1 >/dev/null |
			grep -q '^zpoline: mode detour'
		outcome "no protection keys: auto mode detours a Go program (static, under the loader)"
	else
		ZPOLINE_DEBUG=1 "$ZP_BUILD/zpoline" run -- "$P/gonil" 2>&1 >/dev/null |
			grep -q 'page 0 execute-only (PKU)'
		outcome "protection keys: auto mode gives a Go program an execute-only page 0"
	fi
	ZPOLINE_MODE=detour ZPOLINE_COUNT_OUTPUT=$TMP/gc "$ZP_BUILD/zpoline" run --hook count -- \
		"$P/gonil" >"$TMP/gd" 2>&1
	rd=$?
	[ $rd = 0 ] && cmp -s "$TMP/gn" "$TMP/gd" && grep -Eq ' openat$' "$TMP/gc"
	outcome "Go under ZPOLINE_MODE=detour with the count hook: as natively, its calls counted"
else
	skip "Go program (not built: golang-go is not installed)"
fi

finish
