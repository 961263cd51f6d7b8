#!/bin/bash
# test-strace-fmt.sh - lines of tp-strace-fmt as strace 6.1 prints them:
# in/out arguments the kernel overwrites are printed as given at entry,
# long results stay whole lines, and -e trace=%CLASS holds strace's members.
. "$(dirname "$0")/../lib.sh"

TRACE=$ZP_BUILD/libzphook_trace.so
PROGS=$ZP_BUILD/tests/progs
traced() { LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="$1" "${@:2}"; }

traced "-o $TMP/fmt" "$PROGS/tp-strace-fmt"
# has LINE-REGEX: a line of the trace matches (extended regex)
has() { grep -qE "$1" "$TMP/fmt"; }
N='[0-9]+'
check "select: timeout given, left after" \
	has "^select\(4, \[3\], NULL, NULL, \{tv_sec=2, tv_usec=500000\}\) += 1 \(in \[3\], left \{tv_sec=$N, tv_usec=$N\}\)$"
check "pselect6: timeout given, left after" \
	has "^pselect6\(4, \[3\], NULL, NULL, \{tv_sec=3, tv_nsec=0\}, NULL\) += 1 \(in \[3\], left \{tv_sec=$N, tv_nsec=$N\}\)$"
check "pselect6: timeout given, not the zeroed one" \
	has "^pselect6\(5, \[4\], NULL, NULL, \{tv_sec=0, tv_nsec=10000\}, NULL\) += 0 \(Timeout\)$"
# strace: at most -s (32) ready entries, then ", ..."; the line is whole
check "poll: 32 results then ..., line whole" \
	has "^poll\(\[.*\], 80, 0\) += 80 \(\[(\{fd=$N, revents=POLLNVAL\}, ){32}\.\.\.\]\)$"
traced "-s 200 -e trace=poll -o $TMP/poll200" "$PROGS/tp-strace-fmt"
check "poll -s 200: results cut to fit, line whole" \
	grep -qE '\{fd=[0-9]+, revents=POLLNVAL\}, \.\.\.\]\)$' "$TMP/poll200"
check "epoll_ctl DEL: event address, not read" \
	has "^epoll_ctl\(5, EPOLL_CTL_DEL, 3, 0x[0-9a-f]+\) += 0$"
check "recvmsg: msg_namelen in => out" \
	has "^recvmsg\(7, \{msg_name=0x[0-9a-f]+, msg_namelen=110 => 0, msg_iov=\[\{iov_base=\"abcd\", iov_len=16\}\], "
check "signalfd4 decoded" has "^signalfd4\(-1, \[USR1\], 8, SFD_CLOEXEC\|SFD_NONBLOCK\) += 8$"
check "inotify_init1: flags in strace's order" has "^inotify_init1\(IN_NONBLOCK\|IN_CLOEXEC\) += $N$"
check "inotify_rm_watch decoded" has "^inotify_rm_watch\(9, 12345\) += -1 EINVAL "
check "sendmsg: SCM_RIGHTS decoded" \
	has "^sendmsg\(6, \{msg_name=NULL, msg_namelen=0, msg_iov=\[\{iov_base=\"fd\", iov_len=2\}\], msg_iovlen=1, msg_control=\[\{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=\[3\]\}\], msg_controllen=24, msg_flags=0\}, 0\) += 2$"
check "recvmsg: SCM_RIGHTS decoded" \
	has "^recvmsg\(7, \{.*msg_control=\[\{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=\[$N\]\}\], msg_controllen=24, "
check "setsockopt: SOL_NETLINK option by name" \
	has "^setsockopt\($N, SOL_NETLINK, NETLINK_EXT_ACK, \[1\], 4\) += 0$"
check "prctl: capability by name, no extra arguments" \
	has "^prctl\(PR_CAPBSET_READ, CAP_CHOWN\) += [01]$"
check "prctl: unknown capability" has "^prctl\(PR_CAPBSET_READ, 0x30 /\* CAP_\?\?\? \*/\) += -1 EINVAL "
has "^prctl\(PR_SET_DUMPABLE, SUID_DUMP_USER\) += 0$" &&
	has "^prctl\(PR_GET_DUMPABLE\) += 1 \(SUID_DUMP_USER\)$"
outcome "prctl: dumpable modes"
check "prctl: PR_GET_NO_NEW_PRIVS's four arguments" has "^prctl\(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0\) += 0$"
check "sigaltstack: new stack and old" \
	has "^sigaltstack\(\{ss_sp=0x[0-9a-f]+, ss_flags=0, ss_size=65536\}, \{ss_sp=(NULL|0x[0-9a-f]+), ss_flags=[A-Z_|0-9x]+, ss_size=$N\}\) += 0$"
check "sigaltstack: SS_DISABLE, old stack" \
	has "^sigaltstack\(\{ss_sp=NULL, ss_flags=SS_DISABLE, ss_size=0\}, \{ss_sp=0x[0-9a-f]+, ss_flags=0, ss_size=65536\}\) += 0$"
check "sched_getscheduler: policy named" has "^sched_getscheduler\(0\) += 0 \(SCHED_OTHER\)$"
check "sched_setscheduler: policy, [priority]" has "^sched_setscheduler\(0, SCHED_OTHER, \[0\]\) += 0$"
check "sched_getparam: [priority]" has "^sched_getparam\(0, \[0\]\) += 0$"
check "sched_get_priority_max: policy" has "^sched_get_priority_max\(SCHED_FIFO\) += 99$"
check "sched_get_priority_min: unknown policy" has "^sched_get_priority_min\(0x63 /\* SCHED_\?\?\? \*/\) += -1 EINVAL "
check "sched_rr_get_interval: the interval" has "^sched_rr_get_interval\(0, \{tv_sec=$N, tv_nsec=$N\}\) += 0$"
check "fcntl F_NOTIFY: DN_ flags" has "^fcntl\($N, F_NOTIFY, DN_MODIFY\|DN_CREATE\|DN_MULTISHOT\) += "
check "fcntl F_NOTIFY: 0" has "^fcntl\($N, F_NOTIFY, 0\) += "
check "fcntl F_ADD_SEALS: seal flags" has "^fcntl\($N, F_ADD_SEALS, F_SEAL_SHRINK\|F_SEAL_GROW\) += 0$"
check "fcntl F_GET_SEALS: result as seals" has "^fcntl\($N, F_GET_SEALS\) += 0x6 \(seals F_SEAL_SHRINK\|F_SEAL_GROW\)$"
check "fcntl F_SETLEASE: lease type" has "^fcntl\($N, F_SETLEASE, F_UNLCK\) += "
check "fcntl F_GETLEASE: result as lease type" has "^fcntl\($N, F_GETLEASE\) += 2 \(F_UNLCK\)$"

# Group lists and CPU sets, as strace prints them.
PY=$(command -v /usr/bin/python3 || command -v python3)
if [ -n "$PY" ] && [ "$(id -u)" = 0 ]; then
	traced "-e trace=getgroups,setgroups,sched_getaffinity,sched_setaffinity -o $TMP/grp" "$PY" -c \
		'import os; os.getgroups(); os.setgroups([0, 1, 2]); os.getgroups(); os.sched_setaffinity(0, {0}); os.sched_getaffinity(0)'
	hasg() { grep -qE "$1" "$TMP/grp"; }
	check "getgroups(0, NULL)" hasg '^getgroups\(0, NULL\) += [0-9]+$'
	check "setgroups: the list" hasg '^setgroups\(3, \[0, 1, 2\]\) += 0$'
	check "getgroups: the list" hasg '^getgroups\([0-9]+, \[0, 1, 2\]\) += 3$'
	check "sched_setaffinity: the set" hasg '^sched_setaffinity\(0, [0-9]+, \[0\]\) += 0$'
	check "sched_getaffinity: [0]" hasg '^sched_getaffinity\(0, [0-9]+, \[0\]\) += [0-9]+$'
else
	skip "groups and cpu sets" "needs python3 and root"
fi

# uid_t/gid_t unsigned but (uid_t)-1, RUSAGE_CHILDREN as an int, RWF_ flags.
if [ -n "$PY" ] && [ "$(id -u)" = 0 ]; then
	(cd "$TMP" && traced "-e trace=chown,fchown,setresuid,getrusage,preadv2,pwritev2 -o $TMP/ids" "$PY" -c '
import os, resource
open("idf", "w").close()
os.chown("idf", -1, -1); os.chown("idf", 2**31, 4294967294)
fd = os.open("idf", os.O_RDWR); os.fchown(fd, 0, -1); os.setresuid(-1, -1, -1)
resource.getrusage(resource.RUSAGE_CHILDREN)
os.pwritev(fd, [b"ab"], 0, os.RWF_DSYNC); os.preadv(fd, [bytearray(2)], 0, os.RWF_HIPRI)')
	hasi() { grep -qE "$1" "$TMP/ids"; }
	check "chown: -1 ids" hasi '^chown\("idf", -1, -1\) += 0$'
	check "chown: ids unsigned" hasi '^chown\("idf", 2147483648, 4294967294\) += 0$'
	check "fchown: -1 id" hasi '^fchown\([0-9]+, 0, -1\) += 0$'
	check "setresuid: -1 ids" hasi '^setresuid\(-1, -1, -1\) += 0$'
	check "getrusage: RUSAGE_CHILDREN" hasi '^getrusage\(RUSAGE_CHILDREN, \{'
	check "pwritev2: RWF_ flags" hasi '^pwritev2\([0-9]+, \[.*\], 1, 0, RWF_DSYNC\) += 2$'
	check "preadv2: RWF_ flags" hasi '^preadv2\([0-9]+, \[.*\], 1, 0, RWF_HIPRI\) += 2$'
else
	skip "ids, rusage, RWF flags" "needs python3 and root"
fi

# TCXONC's action by name, TCSBRKP's int; wait4's rusage only once a child
# was reaped (WNOHANG returning 0 leaves it unwritten).
if [ -n "$PY" ]; then
	traced "-e trace=ioctl,wait4 -o $TMP/tty" "$PY" -c '
import os, pty, termios, fcntl, time
m, s = pty.openpty()
termios.tcflow(s, termios.TCOOFF); termios.tcflow(s, termios.TCOON)
fcntl.ioctl(s, termios.TCSBRKP, 1)
pid = os.fork()
if pid == 0:
    time.sleep(0.5); os._exit(3)
os.wait4(pid, os.WNOHANG); os.wait4(pid, 0)'
	hast() { grep -qE "$1" "$TMP/tty"; }
	check "ioctl TCXONC: TCOOFF" hast '^ioctl\([0-9]+, TCXONC, TCOOFF\) += 0$'
	check "ioctl TCXONC: TCOON" hast '^ioctl\([0-9]+, TCXONC, TCOON\) += 0$'
	check "ioctl TCSBRKP: an int" hast '^ioctl\([0-9]+, TCSBRKP, 1\) += 0$'
	check "wait4 WNOHANG = 0: rusage not read" hast '^wait4\([0-9]+, 0x[0-9a-f]+, WNOHANG, 0x[0-9a-f]+\) += 0$'
	check "wait4: rusage of the reaped child" hast '^wait4\([0-9]+, \[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 3\}\], 0, \{ru_utime='
fi

# In/out offsets as given (and sendfile's as left), mknod without a device
# for a fifo, waitid's siginfo.
if [ -n "$PY" ]; then
	(cd "$TMP" && traced "-f -e trace=sendfile,copy_file_range,mknodat,waitid -o $TMP/off" "$PY" -c '
import os
f = os.open("a", os.O_RDWR | os.O_CREAT, 0o600); os.write(f, b"x" * 64)
g = os.open("b", os.O_WRONLY | os.O_CREAT, 0o600)
os.sendfile(g, f, 0, 10); os.copy_file_range(f, g, 5, 0, 0); os.mkfifo("ff", 0o600)
pid = os.fork()
if pid == 0: os._exit(7)
os.waitid(os.P_PID, pid, os.WEXITED)')
	haso() { grep -qE "$1" "$TMP/off"; }
	check "sendfile: [offset] => [offset left]" haso '^[0-9]+ +sendfile\(4, 3, \[0\] => \[10\], 10\) += 10$'
	check "copy_file_range: offsets as given" haso '^[0-9]+ +copy_file_range\(3, \[0\], 4, \[0\], 5, 0\) += 5$'
	check "mknodat: no device for a fifo" haso '^[0-9]+ +mknodat\(AT_FDCWD, "ff", S_IFIFO\|0600\) += 0$'
	check "waitid: si_code by name, CPU times" \
		haso '^[0-9]+ +waitid\(P_PID, [0-9]+, \{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=[0-9]+, si_uid=[0-9]+, si_status=7, si_utime=[0-9]+( /\* [0-9.]+ s \*/)?, si_stime=[0-9]+( /\* [0-9.]+ s \*/)?\}, WEXITED, NULL\) += 0$'
fi

# times and interval timers decoded.
if [ -n "$PY" ]; then
	traced "-e trace=times,setitimer,getitimer -o $TMP/tim" "$PY" -c '
import os, signal
os.times(); signal.setitimer(signal.ITIMER_REAL, 10.5, 2.25); signal.getitimer(signal.ITIMER_REAL); signal.setitimer(signal.ITIMER_REAL, 0)'
	hast() { grep -qE "$1" "$TMP/tim"; }
	check "times: struct tms" hast '^times\(\{tms_utime=[0-9]+( /\* [0-9.]+ s \*/)?, tms_stime=[0-9]+( /\* [0-9.]+ s \*/)?, tms_cutime=0, tms_cstime=0\}\) += [0-9]+$'
	check "setitimer: itimervals" hast '^setitimer\(ITIMER_REAL, \{it_interval=\{tv_sec=2, tv_usec=250000\}, it_value=\{tv_sec=10, tv_usec=500000\}\}, \{it_interval=\{tv_sec=0, tv_usec=0\}, it_value=\{tv_sec=0, tv_usec=0\}\}\) += 0$'
	check "getitimer: itimerval" hast '^getitimer\(ITIMER_REAL, \{it_interval=\{tv_sec=2, tv_usec=250000\}, it_value=\{tv_sec=10, tv_usec=[0-9]+\}\}\) += 0$'
fi

# -s beyond 4 KiB: the whole buffer, as strace; an escape at a 4 KiB
# boundary as in one piece (\0 before a digit is \000).
{ head -c 4095 /dev/zero | tr '\0' a; printf '\0001'; head -c 5000 /dev/zero | tr '\0' b; } > "$TMP/big"
traced "-s 20000 -e trace=write -o $TMP/bigw" cat "$TMP/big" >/dev/null
check "-s 20000: whole 9097-byte buffer" \
	grep -qE '^write\(1, "a{4095}\\0001b{5000}", 9097\) += 9097$' "$TMP/bigw"

# statfs: the file system's magic and mount flags by name.
traced "-e trace=statfs -o $TMP/sfs" stat -f /proc >/dev/null
check "statfs: f_type and f_flags named" \
	grep -qE '^statfs\("/proc", \{f_type=PROC_SUPER_MAGIC, .*, f_flags=ST_VALID(\|ST_[A-Z]+)*\}\) += 0$' "$TMP/sfs"

# utimensat: UTIME_NOW and UTIME_OMIT alone, as strace (tv_sec is ignored)
touch "$TMP/u"
traced "-e trace=utimensat -o $TMP/ut" touch -a "$TMP/u"
check "utimensat: [UTIME_NOW, UTIME_OMIT]" grep -qE '^utimensat\(0, NULL, \[UTIME_NOW, UTIME_OMIT\], 0\) += 0$' "$TMP/ut"

# -y: paths as strace shows them, read before the call when it changes them.
traced "-y -o $TMP/y" "$PROGS/tp-strace-fmt"
hasy() { grep -qF "$1" "$TMP/y"; }
check "-y: AT_FDCWD<cwd>" hasy "openat(AT_FDCWD<$PWD>, \"/dev/null\", O_RDONLY) = 8</dev/null>"
check "-y: dup2's new descriptor as it was" grep -qE '^dup2\(8</dev/null>, 4<pipe:\[[0-9]+\]>\) += 4</dev/null>$' "$TMP/y"
check "-y: close(fd<path>)" hasy "close(8</dev/null>) "
check "-y: select's sets" grep -qE '^select\(4, \[3<pipe:\[[0-9]+\]>\], NULL, NULL, .*\(in \[3\], left ' "$TMP/y"
check "-y: poll's descriptors" grep -qE '^poll\(\[\{fd=900, events=POLLIN\}' "$TMP/y"

# -e trace=%CLASS: strace's members (its syscallent tables).
classes() {
	traced "-e trace=$1 -o $TMP/cls" "$PROGS/tp-strace-fmt"
	grep -oE '^[a-z0-9_]+\(' "$TMP/cls" | tr -d '(' | sort -u | tr '\n' ' '
}
check "%desc: no socket calls" [ "$(classes %desc | grep -cwE 'socketpair|sendto|sendmsg|recvmsg')" = 0 ]
check "%desc: descriptor calls" [ "$(classes %desc)" = "close dup2 epoll_create1 epoll_ctl fcntl inotify_init1 inotify_rm_watch memfd_create openat pipe2 poll pselect6 select signalfd4 write " ]
check "%network: socket calls" [ "$(classes %network)" = "recvmsg sendmsg sendto setsockopt socket socketpair " ]
check "%pure: no sched_yield" [ "$(LD_PRELOAD=$LIB LIBZPHOOK=$TRACE ZPOLINE_TRACE_OPTS="-e trace=%pure" \
	"${PY:-/usr/bin/python3}" -c 'import os; os.sched_yield(); os.getppid()' 2>&1 | grep -cE '^sched_yield\(')" = 0 ]
finish
