#!/bin/bash
# test-strace-dumpio.sh - -e read=SET and -e write=SET: the data of the
# calls on those descriptors dumped under their lines as strace 6.1 dumps
# it (tests/trace/tp-dumpio.c: pipes, a memfd, datagram sockets, a message
# queue; plain, positioned, vectored and mmsg calls; a short read, an
# empty buffer in a vector, a write from an unmapped page, 1 MiB in one
# call), byte for byte, with two sets; and the sets' bad forms refused.
. "$(dirname "$0")/../lib.sh"

ZP=$ZP_BUILD/zpoline
PROG=$ZP_BUILD/tests/progs/tp-dumpio
need_strace "dumps compared with strace's"
CALLS=read,write,readv,writev,pread64,pwrite64,preadv,pwritev,preadv2,pwritev2,vmsplice
CALLS=$CALLS,sendto,recvfrom,sendmsg,recvmsg,sendmmsg,recvmmsg,mq_timedsend,mq_timedreceive

# The program's part: from its first write on (ld.so's reads before it are
# not the tracer's to see without --from-start); the unmapped page's
# address moves between runs.
from_first_write() { sed -n '/^write(4, /,$p' "$1" | sed -E 's/^write\(4, 0x[0-9a-f]+,/write(4, ADDR,/'; }

compare() {
	local name=$1
	shift
	strace -o "$TMP/s.$name" -e trace=$CALLS "$@" "$PROG" ||
		fail "[$name] tp-dumpio natively under strace"
	"$ZP" trace -o "$TMP/z.$name" -e trace=$CALLS "$@" -- "$PROG" ||
		fail "[$name] tp-dumpio under zpoline trace"
	from_first_write "$TMP/s.$name" >"$TMP/s.$name.lines"
	from_first_write "$TMP/z.$name" >"$TMP/z.$name.lines"
	local dumps
	dumps=$(grep -c '^ | ' "$TMP/s.$name.lines")
	check "[$name] strace dumped data here ($dumps lines)" [ "$dumps" -gt 0 ]
	if cmp -s "$TMP/s.$name.lines" "$TMP/z.$name.lines"; then
		pass "[$name] every line and dump as strace's ($(wc -l <"$TMP/z.$name.lines") lines)"
	else
		fail "[$name] differs from strace's: $(diff "$TMP/s.$name.lines" "$TMP/z.$name.lines" | head -8)"
	fi
}
compare sets -e read=3,5,7,8 -e write=4,5,6,8
check "the 1 MiB write's offsets have 6 digits" grep -q '^ | 100000  ' "$TMP/z.sets.lines"
check "vectors and messages say their buffers" \
	grep -q '^ = 2 buffers in vector 0' "$TMP/z.sets.lines"
compare negated --read=all --write='!5'
check "write=!5 left out the memfd's writes" \
	test "$(sed -n '/^pwrite64(5,/{n;p;}' "$TMP/z.negated.lines" | grep -c '^ | ')" -eq 0

# Bad sets: a clear message and exit 2 before the program runs.
for bad in "-e read=x" "-e write=5000" "-e read=" "-e write=3,,4" "--json -e write=1"; do
	# shellcheck disable=SC2086 # the options are words
	out=$("$ZP" trace $bad -o /dev/null -- "$PROG" 2>&1)
	rc=$?
	[ $rc -eq 2 ] && [[ "$out" == *"-e "* ]] &&
		pass "refused: $bad ($out)" || fail "$bad: exit $rc, '$out'"
done
finish
