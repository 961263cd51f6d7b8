#!/bin/sh
# gen-trace-consts.sh OUT.c OUT.h [CC]
#
# The named constants the tracer prints (O_*, PROT_*, MAP_*, SA_*, signal and
# errno names, AT_*, AF_*, SOCK_*, ...), generated from the kernel and libc
# headers on this machine.  Nothing here types a value: for every table the
# script collects the macro names that a pattern selects from the listed
# headers, compiles a small probe that includes those headers and prints
# each name's value, and writes the pairs out as C arrays.
#
# A table is a block of the spec below:
#   table NAME            C array zpx_NAME[] (and zpx_NAME_n)
#   headers H...          headers to include (as in #include <H>)
#   from H...             headers to read the names from (default: headers)
#   match ERE             names to take (extended regex on the macro name)
#   exclude ERE           names to drop (aliases, masks, non-values)
#   order NAME...         print order: these first, in this order, then the
#                         rest in header order.  Only order: strace prints
#                         flags in its own order, and matching it keeps
#                         traces comparable line for line.
#   enums                 the names may be enumerators too (IOCB_CMD_*,
#                         MEMBARRIER_CMD_*): the kernel's UAPI headers
#                         define some constants only in enums, which
#                         #ifdef cannot see.
#   fields STRUCT         the names are the integer members of struct
#                         STRUCT, each with its offset (what a structure
#                         printer walks: rtnl_link_stats64's 25 counters).
#   bits STRUCT           the names are the one-bit fields of struct STRUCT,
#                         each with its bit number (GCC fills a bit-field
#                         from the low bit up): inet_diag_sockopt's flags.
#   strip PREFIX          print the names without PREFIX (the TCP states
#                         exist in UAPI only as linux/bpf.h's BPF_TCP_*,
#                         which mirror the kernel's TCP_* one for one).
#   ioctls                only the names #defined as an ioctl number
#                         (_IO, _IOR, _IOW, _IOWR): the UAPI headers mix
#                         them with the values their arguments take.
#   within ERE            names only from the enum that starts at the
#                         line ERE matches, up to its "};" (linux/bpf.h
#                         has many enums of BPF_ names, some anonymous).
# When two names have the same value the first (after ordering) wins, so
# aliases such as SIGIOT or EWOULDBLOCK never hide the usual name.
# Tables of names that are in no UAPI header come from strace-names.txt
# (tools/gen-strace-names.sh asks strace for them).
set -eu
out_c=$1
out_h=$2
cc=${3:-${CC:-cc}}
inc=/usr/include
arch_inc=/usr/include/x86_64-linux-gnu

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gen-trace-consts.XXXXXX")
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT INT TERM

spec() {
	cat <<'EOF'
table errno
headers asm-generic/errno-base.h asm-generic/errno.h
match ^E[A-Z0-9]+$
exclude ^(EWOULDBLOCK|EDEADLOCK)$

table signals
headers asm/signal.h
match ^SIG[A-Z0-9]+$
exclude ^(SIGRTMIN|SIGRTMAX|SIGSTKSZ|SIGIOT|SIGPOLL|SIGUNUSED|SIGLOST)$

table sa_flags
headers asm/signal.h asm-generic/signal-defs.h
match ^SA_[A-Z]+$
exclude ^(SA_NOMASK|SA_ONESHOT|SA_UNSUPPORTED)$
order SA_RESTORER SA_ONSTACK SA_RESTART SA_INTERRUPT SA_NODEFER SA_RESETHAND SA_SIGINFO SA_NOCLDSTOP SA_NOCLDWAIT

table sigprocmask_how
headers asm/signal.h asm-generic/signal-defs.h
match ^SIG_(BLOCK|UNBLOCK|SETMASK)$

table open_flags
headers asm-generic/fcntl.h
match ^O_[A-Z]+$|^FASYNC$
exclude ^O_(ACCMODE|RDONLY|WRONLY|RDWR|NDELAY)$
order O_CREAT O_EXCL O_NOCTTY O_TRUNC O_APPEND O_NONBLOCK O_SYNC O_DSYNC O_DIRECT O_LARGEFILE O_NOFOLLOW O_NOATIME O_CLOEXEC O_PATH O_TMPFILE FASYNC O_DIRECTORY

table open_accmode
headers asm-generic/fcntl.h
match ^O_(RDONLY|WRONLY|RDWR)$

table fd_flags
headers asm-generic/fcntl.h
match ^FD_CLOEXEC$

table fcntl_cmds
headers asm-generic/fcntl.h linux/fcntl.h
match ^F_[A-Z0-9_]+$
exclude ^F_(SEAL_[A-Z_]+|OWNER_[A-Z]+|RDLCK|WRLCK|UNLCK|EXLCK|SHLCK|LINUX_SPECIFIC_BASE|GETLK64|SETLK64|SETLKW64|GET_RW_HINT|SET_RW_HINT|GET_FILE_RW_HINT|SET_FILE_RW_HINT)$

table access_modes
headers unistd.h
match ^[RWX]_OK$
order R_OK W_OK X_OK

table at_flags
headers linux/fcntl.h
match ^AT_[A-Z_]+$
exclude ^AT_(FDCWD|EACCESS|STATX_[A-Z_]+|HANDLE_[A-Z_]+|RENAME_[A-Z_]+)$

table at_access_flags
headers linux/fcntl.h
match ^AT_(SYMLINK_NOFOLLOW|EACCESS|EMPTY_PATH)$

table at_statx_sync
headers linux/fcntl.h
match ^AT_STATX_(FORCE_SYNC|DONT_SYNC)$

table statx_mask
headers linux/stat.h
match ^STATX_[A-Z_]+$
exclude ^STATX_(ATTR_[A-Z_]+|_RESERVED)$
order STATX_ALL STATX_BASIC_STATS

table stat_types
headers sys/stat.h
match ^S_IF[A-Z]+$
exclude ^S_IFMT$

table stat_special
headers sys/stat.h
match ^S_IS(UID|GID|VTX)$

table prot
headers asm-generic/mman-common.h
match ^PROT_[A-Z_]+$
exclude ^PROT_NONE$

table map_type
headers linux/mman.h asm-generic/mman-common.h
match ^MAP_(FILE|SHARED|PRIVATE|SHARED_VALIDATE)$

table map_flags
headers asm-generic/mman-common.h asm-generic/mman.h asm/mman.h linux/mman.h
match ^MAP_[A-Z0-9_]+$
exclude ^MAP_(SHARED|PRIVATE|SHARED_VALIDATE|TYPE|FILE|HUGE_[A-Z0-9_]+|UNINITIALIZED|DROPPABLE)$
order MAP_FIXED MAP_ANONYMOUS MAP_32BIT MAP_NORESERVE MAP_POPULATE MAP_NONBLOCK MAP_GROWSDOWN MAP_DENYWRITE MAP_EXECUTABLE MAP_LOCKED MAP_STACK MAP_HUGETLB MAP_SYNC MAP_FIXED_NOREPLACE

table map_huge_shift
headers linux/mman.h
match ^MAP_HUGE_SHIFT$

table madvise
headers asm-generic/mman-common.h
match ^MADV_[A-Z_0-9]+$

table mremap_flags
headers linux/mman.h
match ^MREMAP_[A-Z_]+$

table msync_flags
headers asm-generic/mman-common.h
match ^MS_(ASYNC|INVALIDATE|SYNC)$
order MS_SYNC MS_ASYNC MS_INVALIDATE

table mlockall_flags
headers asm-generic/mman.h
match ^MCL_[A-Z]+$

table clone_flags
headers linux/sched.h
match ^CLONE_[A-Z_]+$
exclude ^CLONE_(ARGS_SIZE_VER[0-9]+|CLEAR_SIGHAND|INTO_CGROUP|NEWTIME|DETACHED)$

# unshare's and setns's own: strace names CLONE_NEWTIME (CSIGNAL's 0x80
# in clone's flags) there, first
table unshare_flags
headers linux/sched.h
match ^CLONE_(NEWTIME|VM|FS|FILES|SIGHAND|THREAD|NEWNS|SYSVSEM|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET)$
order CLONE_NEWTIME

table setns_types
headers linux/sched.h
match ^CLONE_NEW[A-Z]+$
order CLONE_NEWTIME

table clone3_flags
headers linux/sched.h
match ^CLONE_[A-Z_]+$
exclude ^CLONE_(ARGS_SIZE_VER[0-9]+|DETACHED)$

table wait_options
headers linux/wait.h
match ^_?_?W[A-Z]+$
exclude ^(WUNTRACED)$
order WNOHANG WEXITED WSTOPPED WCONTINUED WNOWAIT __WCLONE __WALL __WNOTHREAD

table waitid_types
headers linux/wait.h
match ^P_[A-Z]+$

table af
headers sys/socket.h
from bits/socket.h
match ^AF_[A-Z0-9]+$
exclude ^AF_(LOCAL|FILE|MAX|ROUTE)$

table sock_types
headers sys/socket.h
from bits/socket_type.h
match ^SOCK_(STREAM|DGRAM|RAW|RDM|SEQPACKET|DCCP|PACKET)$

table sock_flags
headers sys/socket.h
from bits/socket_type.h
match ^SOCK_(CLOEXEC|NONBLOCK)$
order SOCK_CLOEXEC SOCK_NONBLOCK

table ipproto
headers netinet/in.h
match ^IPPROTO_[A-Z0-9]+$
exclude ^IPPROTO_(MAX|HOPOPTS)$

table ethernet_protocols
headers linux/if_ether.h
match ^ETH_P_[A-Z0-9_]+$
exclude ^ETH_P_802_3_MIN$

table msg_flags
headers sys/socket.h
from bits/socket.h
match ^MSG_[A-Z_]+$
exclude ^MSG_(TRYHARD|EOF)$

table sol_levels
headers sys/socket.h netinet/in.h netinet/tcp.h netinet/udp.h
from asm-generic/socket.h bits/socket.h bits/in.h netinet/tcp.h netinet/udp.h
match ^SOL_[A-Z0-9]+$

table so_opts
headers sys/socket.h
from asm-generic/socket.h
match ^SO_[A-Z_]+$

table tcp_opts
headers netinet/tcp.h
match ^TCP_[A-Z_0-9]+$
exclude ^TCP_(MSS|MAXWIN|MAX_WINSHIFT|MAXSEG_DEFAULT|MSS_DEFAULT|MSS_DESIRED|MD5SIG_MAXKEYLEN|MD5SIG_FLAG_[A-Z]+|COOKIE_(MIN|MAX|PAIR_SIZE|IN_ALWAYS|OUT_NEVER)|REPAIR_(ON|OFF|OFF_NO_WP)|S_DATA_[A-Z]+|AO_[A-Z_]+)$

table netlink_opts
headers linux/netlink.h
match ^NETLINK_(ADD_MEMBERSHIP|DROP_MEMBERSHIP|PKTINFO|BROADCAST_ERROR|NO_ENOBUFS|RX_RING|TX_RING|LISTEN_ALL_NSID|LIST_MEMBERSHIPS|CAP_ACK|EXT_ACK|GET_STRICT_CHK)$

table udp_opts
headers netinet/udp.h
match ^UDP_(CORK|ENCAP|NO_CHECK6_TX|NO_CHECK6_RX|SEGMENT|GRO)$

table raw_opts
headers linux/icmp.h
match ^ICMP_FILTER$

table icmp_types
headers linux/icmp.h
match ^ICMP_(ECHOREPLY|DEST_UNREACH|SOURCE_QUENCH|REDIRECT|ECHO|TIME_EXCEEDED|PARAMETERPROB|TIMESTAMP|TIMESTAMPREPLY|INFO_REQUEST|INFO_REPLY|ADDRESS|ADDRESSREPLY)$

table packet_opts
headers linux/if_packet.h
match ^PACKET_(ADD_MEMBERSHIP|DROP_MEMBERSHIP|RECV_OUTPUT|RX_RING|STATISTICS|COPY_THRESH|AUXDATA|ORIGDEV|VERSION|HDRLEN|RESERVE|TX_RING|LOSS|VNET_HDR|TX_TIMESTAMP|TIMESTAMP|FANOUT|TX_HAS_OFF|QDISC_BYPASS|ROLLOVER_STATS|FANOUT_DATA|IGNORE_OUTGOING)$

table ip_opts
headers netinet/in.h
from bits/in.h
match ^(IP_[A-Z0-9_]+|MCAST_[A-Z_]+)$
exclude ^(IP_(DEFAULT_MULTICAST_[A-Z]+|MAX_MEMBERSHIPS|PMTUDISC_[A-Z]+)|MCAST_(EXCLUDE|INCLUDE))$
order IP_RETOPTS IP_MTU_DISCOVER

table ipv6_opts
headers netinet/in.h
from bits/in.h
match ^(IPV6_[A-Z0-9_]+|MCAST_[A-Z_]+)$
exclude ^(IPV6_(PMTUDISC_[A-Z]+|PREFER_[A-Z_]+|RXHOPOPTS|RXDSTOPTS|RTHDR_(LOOSE|STRICT|TYPE_0))|MCAST_(EXCLUDE|INCLUDE))$
order IPV6_ADD_MEMBERSHIP IPV6_DROP_MEMBERSHIP

table shutdown_how
headers sys/socket.h
match ^SHUT_(RD|WR|RDWR)$

table seek_whence
headers linux/fs.h
match ^SEEK_[A-Z]+$
exclude ^SEEK_MAX$

table rlimits
headers asm-generic/resource.h
match ^RLIMIT_[A-Z]+$

table clocks
headers linux/time.h
match ^CLOCK_[A-Z_]+$

table timer_flags
headers linux/time.h
match ^TIMER_ABSTIME$

table poll_events
headers asm/poll.h
from asm-generic/poll.h
match ^POLL[A-Z]+$
exclude ^POLL(FREE|_BUSY_LOOP)$

table epoll_events
headers linux/eventpoll.h
match ^EPOLL[A-Z]+$

table epoll_ctl_ops
headers linux/eventpoll.h
match ^EPOLL_CTL_[A-Z]+$

table epoll_flags
headers linux/eventpoll.h asm-generic/fcntl.h
match ^EPOLL_CLOEXEC$

table futex_cmds
headers linux/futex.h
match ^FUTEX_[A-Z0-9_]+$
exclude ^FUTEX_(PRIVATE_FLAG|CLOCK_REALTIME|CMD_MASK|32|WAITV_MAX|WAITERS|OWNER_DIED|TID_MASK|BITSET_MATCH_ANY|OP_[A-Z_]+|[A-Z0-9_]+_PRIVATE)$

table futex_private_cmds
headers linux/futex.h
match ^FUTEX_[A-Z0-9_]+_PRIVATE$

table arch_prctl
headers asm/prctl.h
match ^ARCH_[A-Z_0-9]+$

table prctl
headers linux/prctl.h
match ^PR_(GET|SET|CAPBSET|TASK|MCE_KILL|CAP_AMBIENT|MPX|SCHED_CORE|SVE_GET|SVE_SET|PAC_RESET|PAC_GET|PAC_SET|SPEC_CTRL|RISCV)[A-Z_0-9]*$
exclude ^PR_(SET_VMA_ANON_NAME|SET_MM_[A-Z_]+|CAP_AMBIENT_[A-Z_]+|SCHED_CORE_[A-Z_]+|SVE_SET_VL_ONEXEC|SET_PTRACER_ANY|MCE_KILL_[A-Z]+|PAC_[A-Z]+KEY|GET_SPECULATION_CTRL_|SPEC_CTRL_[A-Z_]+)$
order PR_SET_PDEATHSIG PR_GET_PDEATHSIG PR_GET_DUMPABLE PR_SET_DUMPABLE PR_SET_NAME PR_GET_NAME PR_SET_NO_NEW_PRIVS PR_GET_NO_NEW_PRIVS PR_SET_SECCOMP PR_GET_SECCOMP PR_SET_PTRACER PR_SET_VMA

table grnd_flags
headers linux/random.h
match ^GRND_[A-Z]+$

table rename_flags
headers linux/fs.h
match ^RENAME_[A-Z]+$

table memfd_flags
headers linux/memfd.h
match ^MFD_[A-Z_]+$
exclude ^MFD_HUGE_[A-Z0-9_]+$

table eventfd_flags
headers sys/eventfd.h
from bits/eventfd.h
match ^EFD_[A-Z]+$
order EFD_SEMAPHORE EFD_CLOEXEC EFD_NONBLOCK

table timerfd_flags
headers sys/timerfd.h
from bits/timerfd.h
match ^TFD_[A-Z]+$

table close_range_flags
headers linux/close_range.h
match ^CLOSE_RANGE_[A-Z]+$

table flock_ops
headers sys/file.h
match ^LOCK_[A-Z]+$

table xattr_flags
headers linux/xattr.h
match ^XATTR_(CREATE|REPLACE)$

table tty_ioctls
headers asm/termbits.h linux/serial.h asm/ioctls.h
from asm-generic/ioctls.h
match ^(TC|TIOC|FIO)[A-Z0-9_]+$
exclude ^(TIOCPKT_[A-Z]+|TIOCSER_TEMT|TCIFLUSH|TCOFLUSH|TCIOFLUSH|TCOOFF|TCOON|TCIOFF|TCION|TIOCINQ)$

table ioctl_names
headers linux/fs.h linux/kvm.h linux/random.h linux/rtc.h linux/userfaultfd.h linux/perf_event.h linux/nsfs.h linux/btrfs.h linux/dm-ioctl.h linux/input.h linux/watchdog.h linux/dma-buf.h linux/sync_file.h linux/vhost.h linux/if_tun.h linux/ptp_clock.h linux/gpio.h sound/asound.h linux/videodev2.h linux/nbd.h linux/blkzoned.h linux/auto_fs.h linux/fd.h linux/media.h linux/tee.h linux/vfio.h linux/uinput.h
match ^[A-Z][A-Z0-9_]+$
ioctls

table plain_ioctls
headers asm/ioctls.h linux/loop.h linux/sockios.h
from linux/loop.h linux/sockios.h
match ^(LOOP_[A-Z0-9_]+|SIOC[A-Z0-9_]+)$
exclude _(SETTABLE|CLEARABLE)_FLAGS$

table termios_iflag
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^(IGNBRK|BRKINT|IGNPAR|PARMRK|INPCK|ISTRIP|INLCR|IGNCR|ICRNL|IUCLC|IXON|IXANY|IXOFF|IMAXBEL|IUTF8)$
order IGNBRK BRKINT IGNPAR PARMRK INPCK ISTRIP INLCR IGNCR ICRNL IUCLC IXON IXANY IXOFF IMAXBEL IUTF8

table termios_oflag
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^(OPOST|OLCUC|ONLCR|OCRNL|ONOCR|ONLRET|OFILL|OFDEL)$
order OPOST OLCUC ONLCR OCRNL ONOCR ONLRET OFILL OFDEL

table termios_lflag
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^(ISIG|ICANON|XCASE|ECHO|ECHOE|ECHOK|ECHONL|NOFLSH|TOSTOP|ECHOCTL|ECHOPRT|ECHOKE|FLUSHO|PENDIN|IEXTEN|EXTPROC)$
order ISIG ICANON XCASE ECHO ECHOE ECHOK ECHONL NOFLSH TOSTOP IEXTEN ECHOCTL ECHOPRT ECHOKE FLUSHO PENDIN EXTPROC

table termios_cflag
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^(CSTOPB|CREAD|PARENB|PARODD|HUPCL|CLOCAL|CMSPAR|CRTSCTS)$

table termios_csize
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^CS[5-8]$

table termios_baud
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^B[0-9]+$

table termios_fields
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^(NLDLY|CRDLY|TABDLY|BSDLY|VTDLY|FFDLY|CBAUD|CSIZE|CBAUDEX)$

table termios_nldly
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^NL[01]$

table termios_crdly
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^CR[0-3]$

table termios_tabdly
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^TAB[0-3]$

table termios_bsdly
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^BS[01]$

table termios_vtdly
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^VT[01]$

table termios_ffdly
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^FF[01]$

table flock_types
headers asm-generic/fcntl.h
match ^F_(RDLCK|WRLCK|UNLCK)$

table dnotify_flags
headers linux/fcntl.h
match ^DN_[A-Z]+$

table seal_flags
headers linux/fcntl.h
match ^F_SEAL_[A-Z_]+$

table statx_attrs
headers linux/stat.h
match ^STATX_ATTR_[A-Z_]+$

table falloc_flags
headers linux/falloc.h
match ^FALLOC_FL_[A-Z_]+$

table fadvise
headers linux/fadvise.h
match ^POSIX_FADV_[A-Z]+$

table futex_wake_ops
headers linux/futex.h
match ^FUTEX_OP_(SET|ADD|OR|ANDN|XOR)$

table futex_wake_cmps
headers linux/futex.h
match ^FUTEX_OP_CMP_[A-Z]+$

table netlink_protocols
headers linux/netlink.h
match ^NETLINK_[A-Z0-9_]+$

table rwf_flags
headers linux/fs.h
match ^RWF_[A-Z]+$
exclude ^RWF_SUPPORTED$

table sched_policies
headers sched.h
from bits/sched.h
match ^SCHED_(OTHER|FIFO|RR|BATCH|ISO|IDLE|DEADLINE)$

table rusage_who
headers linux/resource.h
match ^RUSAGE_[A-Z]+$

table utime_special
headers sys/stat.h
from bits/stat.h
match ^UTIME_(NOW|OMIT)$

table capabilities
headers linux/capability.h
match ^CAP_[A-Z_]+$
exclude ^CAP_LAST_CAP$

table fs_magic
headers linux/magic.h
match ^[A-Z0-9_]+_MAGIC$
exclude ^(STACK_END_MAGIC|DEVPTS_SUPER_MAGIC_OLD)$

table statfs_flags
headers sys/statvfs.h
from bits/statvfs.h
match ^ST_[A-Z]+$

table cld_codes
headers asm-generic/siginfo.h
match ^CLD_[A-Z]+$

table si_codes
headers asm-generic/siginfo.h
match ^SI_(USER|KERNEL|QUEUE|TIMER|MESGQ|ASYNCIO|SIGIO|TKILL|DETHREAD|ASYNCNL)$

table ill_codes
headers asm-generic/siginfo.h
match ^ILL_[A-Z]+$

table fpe_codes
headers asm-generic/siginfo.h
match ^FPE_[A-Z]+$

table segv_codes
headers asm-generic/siginfo.h
match ^SEGV_[A-Z]+$

table bus_codes
headers asm-generic/siginfo.h
match ^BUS_[A-Z_]+$

table trap_codes
headers asm-generic/siginfo.h
match ^TRAP_[A-Z]+$
exclude ^TRAP_PERF_FLAG_ASYNC$

table sys_codes
headers asm-generic/siginfo.h
match ^SYS_(SECCOMP|USER_DISPATCH)$

table poll_codes
headers asm-generic/siginfo.h
match ^POLL_(IN|OUT|MSG|ERR|PRI|HUP)$

table mlock_flags
headers asm-generic/mman-common.h
match ^MLOCK_[A-Z]+$

table tcflsh
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^TC(IFLUSH|OFLUSH|IOFLUSH)$

table tcxonc
headers asm/termbits.h
from asm-generic/termbits.h asm-generic/termbits-common.h
match ^TC(OOFF|OON|IOFF|ION)$

table itimer_which
headers sys/time.h
match ^ITIMER_[A-Z]+$

table priority_which
headers sys/resource.h
from bits/resource.h
match ^PRIO_(PROCESS|PGRP|USER)$

table inotify_mask
headers sys/inotify.h
match ^IN_[A-Z_]+$
exclude ^IN_(ALL_EVENTS|CLOSE|MOVE|CLOEXEC|NONBLOCK)$

table signalfd_flags
headers sys/signalfd.h
from bits/signalfd.h
match ^SFD_[A-Z]+$
order SFD_CLOEXEC SFD_NONBLOCK

table inotify_init_flags
headers sys/inotify.h
from bits/inotify.h
match ^IN_(CLOEXEC|NONBLOCK)$
order IN_NONBLOCK IN_CLOEXEC

table splice_flags
headers fcntl.h
from bits/fcntl-linux.h
match ^SPLICE_F_[A-Z]+$

table mount_flags
headers linux/mount.h
match ^MS_[A-Z_]+$
exclude ^MS_(MGC_[A-Z]+|RMT_MASK|NOUSER|SUBMOUNT|NOREMOTELOCK|NOSEC|BORN|ACTIVE)$

table umount_flags
headers sys/mount.h
match ^(MNT_FORCE|MNT_DETACH|MNT_EXPIRE|UMOUNT_NOFOLLOW)$

table fsopen_flags
headers linux/mount.h
match ^FSOPEN_[A-Z_]+$

table fsconfig_cmds
headers linux/mount.h
match ^FSCONFIG_[A-Z_]+$
enums

table fsmount_flags
headers linux/mount.h
match ^FSMOUNT_[A-Z_]+$

table mount_attr_flags
headers linux/mount.h
match ^MOUNT_ATTR_[A-Z_]+$
exclude ^MOUNT_ATTR_(_ATIME|RELATIME|SIZE_VER[0-9]+)$

table mount_propagation
headers linux/mount.h
match ^MS_(UNBINDABLE|PRIVATE|SLAVE|SHARED)$

table fspick_flags
headers linux/mount.h
match ^FSPICK_[A-Z_]+$

table move_mount_flags
headers linux/mount.h
match ^MOVE_MOUNT_[A-Z_]+$
exclude ^MOVE_MOUNT__MASK$

table open_tree_flags
headers linux/fcntl.h linux/mount.h
match ^(OPEN_TREE_[A-Z]+|AT_(SYMLINK_NOFOLLOW|NO_AUTOMOUNT|EMPTY_PATH|RECURSIVE))$
order OPEN_TREE_CLONE OPEN_TREE_CLOEXEC

table mount_setattr_flags
headers linux/fcntl.h
match ^AT_(SYMLINK_NOFOLLOW|NO_AUTOMOUNT|EMPTY_PATH|RECURSIVE)$

table pkey_access
headers sys/mman.h
from bits/mman-shared.h
match ^PKEY_DISABLE_[A-Z]+$

table sigaltstack_flags
headers linux/signal.h
match ^SS_(ONSTACK|DISABLE|AUTODISARM)$
table membarrier_cmds
headers linux/membarrier.h
match ^MEMBARRIER_CMD_[A-Z_]+$
exclude ^MEMBARRIER_CMD_(SHARED|FLAG_CPU)$
enums

table ioprio_who
headers linux/ioprio.h
match ^IOPRIO_WHO_[A-Z]+$
enums

table ioprio_class
headers linux/ioprio.h
match ^IOPRIO_CLASS_(NONE|RT|BE|IDLE)$
enums

table sigev_notify
headers asm-generic/siginfo.h
match ^SIGEV_(SIGNAL|NONE|THREAD|THREAD_ID)$

table sync_file_range_flags
headers linux/fs.h
match ^SYNC_FILE_RANGE_(WAIT_BEFORE|WRITE|WAIT_AFTER)$

table seccomp_ops
headers linux/seccomp.h
match ^SECCOMP_(SET_MODE_STRICT|SET_MODE_FILTER|GET_ACTION_AVAIL|GET_NOTIF_SIZES)$

table seccomp_mode
headers linux/seccomp.h
match ^SECCOMP_MODE_(DISABLED|STRICT|FILTER)$

table seccomp_filter_flags
headers linux/seccomp.h
match ^SECCOMP_FILTER_FLAG_[A-Z_]+$

table seccomp_ret
headers linux/seccomp.h
match ^SECCOMP_RET_[A-Z_]+$
exclude ^SECCOMP_RET_(KILL|ACTION_FULL|ACTION|DATA)$

table io_uring_setup_flags
headers linux/io_uring.h
match ^IORING_SETUP_[A-Z_0-9]+$

table io_uring_features
headers linux/io_uring.h
match ^IORING_FEAT_[A-Z_0-9]+$

table io_uring_enter_flags
headers linux/io_uring.h
match ^IORING_ENTER_[A-Z_]+$

table io_uring_register_ops
headers linux/io_uring.h
match ^IORING_(UN)?REGISTER_[A-Z_0-9]+$
exclude ^IORING_REGISTER_(LAST|USE_REGISTERED_RING|FILES_SKIP)$
enums

table iocb_cmds
headers linux/aio_abi.h
match ^IOCB_CMD_[A-Z]+$
enums

table resolve_flags
headers linux/openat2.h
match ^RESOLVE_[A-Z_]+$

table cap_versions
headers linux/capability.h
match ^_LINUX_CAPABILITY_VERSION_[0-9]$

table personality_types
headers linux/personality.h
match ^PER_[A-Z0-9_]+$
exclude ^PER_MASK$
enums

table personality_flags
headers linux/personality.h
match ^(UNAME26|ADDR_NO_RANDOMIZE|FDPIC_FUNCPTRS|MMAP_PAGE_ZERO|ADDR_COMPAT_LAYOUT|READ_IMPLIES_EXEC|ADDR_LIMIT_32BIT|SHORT_INODE|WHOLE_SECONDS|STICKY_TIMEOUTS|ADDR_LIMIT_3GB)$
enums

table reboot_magic
headers linux/reboot.h
match ^LINUX_REBOOT_MAGIC[A-Z0-9]+$

table reboot_cmds
headers linux/reboot.h
match ^LINUX_REBOOT_CMD_[A-Z_0-9]+$
table sched_attr_flags
headers linux/sched.h
match ^SCHED_FLAG_(RESET_ON_FORK|RECLAIM|DL_OVERRUN|KEEP_POLICY|KEEP_PARAMS|UTIL_CLAMP_MIN|UTIL_CLAMP_MAX)$

table kcmp_types
headers linux/kcmp.h
match ^KCMP_[A-Z_]+$
exclude ^KCMP_TYPES$
enums

table ipc_get_flags
headers linux/ipc.h
match ^(IPC_CREAT|IPC_EXCL)$

table shm_get_flags
headers linux/shm.h
match ^(SHM_HUGETLB|SHM_NORESERVE)$

table futex_waitv_flags
headers linux/futex.h
match ^(FUTEX_32|FUTEX_PRIVATE_FLAG)$
order FUTEX_32 FUTEX_PRIVATE_FLAG
table sem_flg
headers linux/ipc.h linux/sem.h
match ^(IPC_NOWAIT|SEM_UNDO)$
order SEM_UNDO IPC_NOWAIT

table shmat_flags
headers sys/shm.h
from bits/shm.h
match ^SHM_(RDONLY|RND|REMAP|EXEC)$

table ipc_cmds
headers linux/ipc.h
match ^IPC_(RMID|SET|STAT|INFO)$

table sem_cmds
headers linux/sem.h
match ^(GETPID|GETVAL|GETALL|GETNCNT|GETZCNT|SETVAL|SETALL|SEM_STAT|SEM_INFO|SEM_STAT_ANY)$

table shm_cmds
headers linux/shm.h
match ^SHM_(LOCK|UNLOCK|STAT|INFO|STAT_ANY)$

table msg_cmds
headers linux/msg.h
match ^MSG_(STAT|INFO|STAT_ANY)$

table module_init_flags
headers linux/module.h
match ^MODULE_INIT_[A-Z_]+$

table msgflg
headers linux/ipc.h linux/msg.h
match ^(IPC_NOWAIT|MSG_NOERROR|MSG_EXCEPT|MSG_COPY)$
order MSG_NOERROR MSG_EXCEPT MSG_COPY IPC_NOWAIT

table mq_attr_flags
headers asm-generic/fcntl.h
match ^O_NONBLOCK$

table mpol_modes
headers linux/mempolicy.h
match ^MPOL_(DEFAULT|PREFERRED|BIND|INTERLEAVE|LOCAL|PREFERRED_MANY)$
enums

table mpol_mode_flags
headers linux/mempolicy.h
match ^MPOL_F_(STATIC_NODES|RELATIVE_NODES|NUMA_BALANCING)$

table mpol_get_flags
headers linux/mempolicy.h
match ^MPOL_F_(NODE|ADDR|MEMS_ALLOWED)$

table mbind_flags
headers linux/mempolicy.h
match ^MPOL_MF_(STRICT|MOVE|MOVE_ALL)$

table fan_class
headers linux/fanotify.h
match ^FAN_CLASS_[A-Z_]+$

table fan_init_flags
headers linux/fanotify.h
match ^FAN_(CLOEXEC|NONBLOCK|UNLIMITED_[A-Z]+|ENABLE_AUDIT|REPORT_[A-Z_]+)$
exclude ^FAN_REPORT_DFID_[A-Z_]+$

table fan_mark_flags
headers linux/fanotify.h
match ^FAN_MARK_[A-Z_]+$
exclude ^FAN_MARK_(INODE|IGNORE_SURV)$
order FAN_MARK_ADD FAN_MARK_REMOVE FAN_MARK_DONT_FOLLOW FAN_MARK_ONLYDIR FAN_MARK_MOUNT FAN_MARK_IGNORED_MASK FAN_MARK_IGNORED_SURV_MODIFY FAN_MARK_FLUSH FAN_MARK_FILESYSTEM FAN_MARK_EVICTABLE FAN_MARK_IGNORE

table fan_events
headers linux/fanotify.h
match ^FAN_([A-Z_]+_PERM|ACCESS|MODIFY|ATTRIB|CLOSE_[A-Z]+|OPEN|OPEN_EXEC|MOVED_[A-Z]+|CREATE|DELETE|[A-Z]+_SELF|Q_OVERFLOW|FS_ERROR|ONDIR|EVENT_ON_CHILD|RENAME)$
exclude ^FAN_ALL_[A-Z_]+$
order FAN_ACCESS FAN_MODIFY FAN_ATTRIB FAN_CLOSE_WRITE FAN_CLOSE_NOWRITE FAN_OPEN FAN_MOVED_FROM FAN_MOVED_TO FAN_CREATE FAN_DELETE FAN_DELETE_SELF FAN_MOVE_SELF FAN_OPEN_EXEC FAN_Q_OVERFLOW FAN_FS_ERROR FAN_OPEN_PERM FAN_ACCESS_PERM FAN_OPEN_EXEC_PERM FAN_ONDIR FAN_EVENT_ON_CHILD FAN_RENAME

table fan_nofd
headers linux/fanotify.h
match ^FAN_NOFD$

table key_spec
headers linux/keyctl.h
match ^KEY_SPEC_[A-Z_]+$

table key_reqkey_defl
headers linux/keyctl.h
match ^KEY_REQKEY_DEFL_[A-Z_]+$

table keyctl_cmds
headers linux/keyctl.h
match ^KEYCTL_[A-Z_]+$
exclude ^KEYCTL_(SUPPORTS_[A-Z]+|MOVE_EXCL|CAPS[01]_[A-Z_]+)$

table adj_modes
headers linux/timex.h
match ^ADJ_[A-Z_]+$
order ADJ_OFFSET_SS_READ ADJ_OFFSET_SINGLESHOT ADJ_OFFSET ADJ_FREQUENCY ADJ_MAXERROR ADJ_ESTERROR ADJ_STATUS ADJ_TIMECONST ADJ_TAI ADJ_SETOFFSET ADJ_MICRO ADJ_NANO ADJ_TICK

table sta_flags
headers linux/timex.h
match ^STA_[A-Z]+$
exclude ^STA_RONLY$

table time_states
headers linux/timex.h
match ^TIME_[A-Z]+$
exclude ^TIME_BAD$

table landlock_access_fs
headers linux/landlock.h
match ^LANDLOCK_ACCESS_FS_[A-Z_]+$

table landlock_rule_types
headers linux/landlock.h
match ^LANDLOCK_RULE_[A-Z_]+$
enums

table landlock_create_flags
headers linux/landlock.h
match ^LANDLOCK_CREATE_RULESET_VERSION$

table perf_types
headers linux/perf_event.h
match ^PERF_TYPE_[A-Z_]+$
exclude ^PERF_TYPE_MAX$
enums

table perf_attr_sizes
headers linux/perf_event.h
match ^PERF_ATTR_SIZE_VER[0-9]+$

# The hardware events (CACHE_REFERENCES and CACHE_MISSES among them); the
# cache ids that share their values come later in the header and lose.
table perf_hw_ids
headers linux/perf_event.h
match ^PERF_COUNT_HW_[A-Z0-9_]+$
exclude ^PERF_COUNT_HW_(MAX|CACHE_(MAX|OP_[A-Z_]+|RESULT_[A-Z_]+))$
enums

table perf_sw_ids
headers linux/perf_event.h
match ^PERF_COUNT_SW_[A-Z_]+$
exclude ^PERF_COUNT_SW_MAX$
enums

table perf_hw_cache_ids
headers linux/perf_event.h
match ^PERF_COUNT_HW_CACHE_[A-Z0-9]+$
exclude ^PERF_COUNT_HW_CACHE_(MAX|REFERENCES|MISSES)$
enums

table perf_hw_cache_ops
headers linux/perf_event.h
match ^PERF_COUNT_HW_CACHE_OP_[A-Z]+$
exclude ^PERF_COUNT_HW_CACHE_OP_MAX$
enums

table perf_hw_cache_results
headers linux/perf_event.h
match ^PERF_COUNT_HW_CACHE_RESULT_[A-Z]+$
exclude ^PERF_COUNT_HW_CACHE_RESULT_MAX$
enums

# The sample bits; of the branch names only BRANCH_STACK is one (the
# others are branch_sample_type's).
table perf_sample
headers linux/perf_event.h
match ^PERF_SAMPLE_[A-Z_]+$
exclude ^PERF_SAMPLE_(MAX|WEIGHT_TYPE|REGS_ABI_[A-Z0-9_]+|BRANCH_([A-RT-Z]|S[A-SU-Z])[A-Z_]*)$
enums

table perf_read_format
headers linux/perf_event.h
match ^PERF_FORMAT_[A-Z_]+$
exclude ^PERF_FORMAT_MAX$
enums

table perf_flags
headers linux/perf_event.h
match ^PERF_FLAG_[A-Z_]+$

table quota_cmds
headers linux/quota.h linux/dqblk_xfs.h
match ^Q_[A-Z]+$

table quota_types
headers linux/quota.h
match ^(USR|GRP|PRJ)QUOTA$

table quota_formats
headers linux/quota.h
match ^QFMT_[A-Z0-9_]+$

table quota_dqinfo_flags
headers linux/quota.h
match ^DQF_[A-Z_]+$
exclude _B$

table quota_dqinfo_valid
headers linux/quota.h
match ^IIF_[A-Z]+$
exclude ^IIF_ALL$

table bpf_cmds
headers linux/bpf.h
match ^BPF_[A-Z_]+$
within ^enum bpf_cmd [{]
enums

table bpf_map_types
headers linux/bpf.h
match ^BPF_MAP_TYPE_[A-Z0-9_]+$
within ^enum bpf_map_type [{]
enums

table bpf_prog_types
headers linux/bpf.h
match ^BPF_PROG_TYPE_[A-Z0-9_]+$
within ^enum bpf_prog_type [{]
enums

table bpf_attach_types
headers linux/bpf.h
match ^BPF_[A-Z0-9_]+$
exclude ^__MAX
within ^enum bpf_attach_type [{]
enums

table bpf_update_flags
headers linux/bpf.h
match ^BPF_[A-Z_]+$
within flags for BPF_MAP_UPDATE_ELEM command
enums

table bpf_map_flags
headers linux/bpf.h
match ^BPF_F_[A-Z_]+$
within flags for BPF_MAP_CREATE command
enums

table bpf_prog_flags
headers linux/bpf.h
match ^BPF_F_(STRICT_ALIGNMENT|ANY_ALIGNMENT|TEST_RND_HI32|TEST_STATE_FREQ|SLEEPABLE|XDP_HAS_FRAGS)$

table ptrace_requests
headers sys/ptrace.h
match ^PTRACE_[A-Z_]+$
within ^enum __ptrace_request
enums

table ptrace_requests_x86
headers asm/ptrace-abi.h
match ^PTRACE_OLDSETOPTIONS$

table ptrace_options
headers sys/ptrace.h
from bits/ptrace-shared.h
match ^PTRACE_O_[A-Z_]+$
exclude ^PTRACE_O_MASK$
within ^enum __ptrace_setoptions
enums

table ptrace_events
headers sys/ptrace.h
from bits/ptrace-shared.h
match ^PTRACE_EVENT_[A-Z_]+$
within ^enum __ptrace_eventcodes
enums

table nt_types
headers elf.h
match ^NT_[A-Z0-9_]+$
exclude ^NT_(PRFPREG|TASKSTRUCT|VERSION|GNU_[A-Z0-9_]+|FDO_[A-Z_]+)$

table ptrace_syscall_info_ops
headers linux/ptrace.h
match ^PTRACE_SYSCALL_INFO_[A-Z]+$

table peeksiginfo_flags
headers linux/ptrace.h
match ^PTRACE_PEEKSIGINFO_[A-Z]+$

table audit_arches
headers linux/audit.h
match ^AUDIT_ARCH_[A-Z0-9_]+$
order AUDIT_ARCH_X86_64 AUDIT_ARCH_I386

table nlmsg_types
headers linux/netlink.h
match ^NLMSG_(NOOP|ERROR|DONE|OVERRUN)$

table nlm_flags
headers linux/netlink.h
match ^NLM_F_(REQUEST|MULTI|ACK|ECHO|DUMP_INTR|DUMP_FILTERED)$

table nlm_get_flags
headers linux/netlink.h
match ^NLM_F_(DUMP|ROOT|MATCH|ATOMIC)$
order NLM_F_DUMP

table nlm_new_flags
headers linux/netlink.h
match ^NLM_F_(REPLACE|EXCL|CREATE|APPEND)$

table nlm_delete_flags
headers linux/netlink.h
match ^NLM_F_(NONREC|BULK)$

table nlm_ack_flags
headers linux/netlink.h
match ^NLM_F_(CAPPED|ACK_TLVS)$

table nlmsgerr_attrs
headers linux/netlink.h
match ^NLMSGERR_ATTR_[A-Z_]+$
exclude ^NLMSGERR_ATTR_MAX$
enums

table nl_route_types
headers linux/rtnetlink.h
match ^RTM_(NEW|DEL|GET|SET)[A-Z]+$
enums

table nl_sock_diag_types
headers linux/sock_diag.h linux/inet_diag.h
match ^(SOCK_DIAG_BY_FAMILY|SOCK_DESTROY|TCPDIAG_GETSOCK|DCCPDIAG_GETSOCK)$
order TCPDIAG_GETSOCK DCCPDIAG_GETSOCK SOCK_DIAG_BY_FAMILY SOCK_DESTROY

table ifa_flags
headers linux/if_addr.h
match ^IFA_F_[A-Z_]+$
exclude ^IFA_F_TEMPORARY$

table ifa_attrs
headers linux/if_addr.h
match ^IFA_[A-Z_]+$
enums
within ^.IFA_UNSPEC,

table rt_scopes
headers linux/rtnetlink.h
match ^RT_SCOPE_[A-Z]+$
enums

table rtext_filters
headers linux/rtnetlink.h
match ^RTEXT_FILTER_[A-Z_]+$

table ifla_attrs
headers linux/if_link.h
match ^IFLA_[A-Z0-9_]+$
enums
within ^.IFLA_UNSPEC,

table arphrd_types
headers linux/if_arp.h
match ^ARPHRD_[A-Z0-9_]+$

table iff_flags
headers linux/if.h
match ^IFF_[A-Z_]+$
exclude ^IFF_VOLATILE$
enums

table link_stats
headers linux/if_link.h
fields rtnl_link_stats

table ifa_cacheinfo
headers linux/if_addr.h
fields ifa_cacheinfo

table rta_cacheinfo
headers linux/rtnetlink.h
fields rta_cacheinfo

table nda_cacheinfo
headers linux/neighbour.h
fields nda_cacheinfo

table inet_diag_meminfo
headers linux/inet_diag.h
fields inet_diag_meminfo

table unix_diag_rqlen
headers linux/unix_diag.h
fields unix_diag_rqlen

table inet_diag_sockopt
headers linux/inet_diag.h
bits inet_diag_sockopt

table tcp_states
headers linux/bpf.h
match ^BPF_TCP_[A-Z0-9_]+$
exclude ^BPF_TCP_MAX_STATES$
enums
within ^.BPF_TCP_ESTABLISHED = 1,
strip BPF_

table inet_diag_attrs
headers linux/inet_diag.h
match ^INET_DIAG_[A-Z0-9_]+$
enums
within ^.INET_DIAG_NONE,

table inet_diag_req_attrs
headers linux/inet_diag.h
match ^INET_DIAG_REQ_[A-Z0-9_]+$
enums
within ^.INET_DIAG_REQ_NONE,

table unix_diag_attrs
headers linux/unix_diag.h
match ^UNIX_DIAG_[A-Z]+$
enums
within ^.UNIX_DIAG_NAME,

table udiag_show
headers linux/unix_diag.h
match ^UDIAG_SHOW_[A-Z]+$

table rt_tables
headers linux/rtnetlink.h
match ^RT_TABLE_[A-Z]+$
exclude ^RT_TABLE_MAX$
enums

table rt_protos
headers linux/rtnetlink.h
match ^RTPROT_[A-Z]+$

table rtn_types
headers linux/rtnetlink.h
match ^RTN_[A-Z]+$
exclude ^RTN_MAX$
enums

table rtm_f_flags
headers linux/rtnetlink.h
match ^RTM_F_[A-Z_]+$

table iptos
headers netinet/ip.h
match ^IPTOS_(LOWDELAY|THROUGHPUT|RELIABILITY|MINCOST)$

table rta_attrs
headers linux/rtnetlink.h
match ^RTA_[A-Z_]+$
enums
within ^enum rtattr_type_t

table nud_states
headers linux/neighbour.h
match ^NUD_[A-Z]+$

table ntf_flags
headers linux/neighbour.h
match ^NTF_[A-Z_]+$
exclude ^NTF_EXT_(MANAGED|LOCKED)$

table nda_attrs
headers linux/neighbour.h
match ^NDA_[A-Z_]+$
enums
within ^.NDA_UNSPEC,

table link_stats64
headers linux/if_link.h
fields rtnl_link_stats64
EOF
}

# --- collect names --------------------------------------------------------
# header_path H: where H lives.
header_path() {
	if [ -r "$arch_inc/$1" ]; then echo "$arch_inc/$1"; elif [ -r "$inc/$1" ]; then echo "$inc/$1"; else echo ""; fi
}

# Turn the spec into one line per table: NAME HEADERS MATCH EXCLUDE ORDER,
# separated by the ASCII unit separator (patterns use "|").
us=$(printf '\037')
spec | awk -v us="$us" '
function flush() { if (name != "") print name us hdr us (fr != "" ? fr : hdr) us m us ex us ord us en us wi us fs us bs us st us io; name = hdr = fr = m = ex = ord = en = wi = fs = bs = st = io = "" }
/^table / { flush(); name = $2; next }
/^headers / { sub(/^headers /, ""); hdr = $0; next }
/^from / { sub(/^from /, ""); fr = $0; next }
/^match / { sub(/^match /, ""); m = $0; next }
/^exclude / { sub(/^exclude /, ""); ex = $0; next }
/^order / { sub(/^order /, ""); ord = $0; next }
/^enums$/ { en = "yes"; next }
/^within / { sub(/^within /, ""); wi = $0; next }
/^fields / { sub(/^fields /, ""); fs = $0; next }
/^bits / { sub(/^bits /, ""); bs = $0; next }
/^strip / { sub(/^strip /, ""); st = $0; next }
/^ioctls$/ { io = "yes"; next }
END { flush() }' > "$tmp/tables"

# kernel_table NAME HEADERS: a table of struct members (fields, bits), whose
# probe lines are written where it is read, joins the kernel headers' probe.
kernel_table() {
	for h in $2; do echo "#include <$h>"; done >> "$tmp/inc.kernel"
	for h in $2; do echo "#include <$h>"; done > "$tmp/inc.t.$1"
	echo "$1" >> "$tmp/group.kernel"
}

while IFS=$us read -r name hdrs from match excl order enums within fields bits strip ioctls; do
	files=""
	for h in $from; do
		p=$(header_path "$h")
		[ -n "$p" ] || { echo "gen-trace-consts.sh: missing header $h (table $name)" >&2; exit 1; }
		files="$files $p"
	done
	if [ -n "$within" ]; then
		# Only the enum that starts at the line matching it.
		# shellcheck disable=SC2086
		awk -v re="$within" '$0 ~ re { on = 1 } on { print } on && /^};/ { on = 0 }' $files > "$tmp/within.$name"
		files=$tmp/within.$name
	fi
	if [ -n "$bits" ]; then
		# Every field of the struct is a bit-field: count their widths.
		kernel_table "$name" "$hdrs"
		# shellcheck disable=SC2086
		awk -v s="struct $bits {" -v t="$name" '
			index($0, s) == 1 { on = 1; next }
			on && /^};/ { on = 0 }
			on {
				line = $0
				while (match(line, /[a-z_][a-z0-9_]*:[0-9]+/)) {
					f = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
					split(f, p, ":")
					if (p[2] == 1) printf "\tprintf(\"%s %%s %%llu\\n\", \"%s\", %dULL);\n", t, p[1], bit
					bit += p[2]
				}
			}' $files > "$tmp/body.$name"
		[ -s "$tmp/body.$name" ] || { echo "gen-trace-consts.sh: no bit-fields in struct $bits (table $name)" >&2; exit 1; }
		cat "$tmp/body.$name" >> "$tmp/body.kernel"
		continue
	fi
	if [ -n "$fields" ]; then
		# shellcheck disable=SC2086
		awk -v s="struct $fields {" 'index($0, s) == 1 { on = 1; next } on && /^};/ { on = 0 } on' $files |
			sed -n 's/^[[:space:]]*__[us][0-9]\{1,2\}[[:space:]]\{1,\}\([a-z_][a-z0-9_]*\);.*/\1/p' > "$tmp/names.$name"
		[ -s "$tmp/names.$name" ] || { echo "gen-trace-consts.sh: no members of struct $fields (table $name)" >&2; exit 1; }
		kernel_table "$name" "$hdrs"
		while read -r n; do
			printf '\tprintf("%s %%s %%llu\\n", "%s", (unsigned long long)offsetof(struct %s, %s));\n' \
				"$name" "$n" "$fields" "$n"
		done < "$tmp/names.$name" > "$tmp/body.$name"
		cat "$tmp/body.$name" >> "$tmp/body.kernel"
		continue
	fi
	# Names in header order; "#  define" counts too (glibc indents).
	# ioctls: only those whose value is an _IO* macro's.
	if [ -n "$ioctls" ]; then
		value_re='[[:space:]]\{1,\}_IO[RW]\{0,2\}[[:space:]]*(.*'
	else
		value_re='\([[:space:]].*\)\{0,1\}'
	fi
	# shellcheck disable=SC2086
	sed -n "s/^#[[:space:]]*define[[:space:]]\\{1,\\}\\([A-Za-z_][A-Za-z0-9_]*\\)$value_re\$/\\1/p" $files |
		grep -E "$match" | { if [ -n "$excl" ]; then grep -Ev "$excl"; else cat; fi; } |
		awk '!seen[$0]++' > "$tmp/names.$name" || true
	# Enumerators: an indented name, maybe "= value", then "," or the end.
	: > "$tmp/enum.$name"
	if [ -n "$enums" ]; then
		# shellcheck disable=SC2086
		sed -n 's/^[[:space:]]\{1,\}\([A-Z_][A-Z0-9_]*\)[[:space:]]*\(=[^,]*\)\{0,1\},\{0,1\}[[:space:]]*\(\/\*.*\)\{0,1\}$/\1/p' $files |
			grep -E "$match" | { if [ -n "$excl" ]; then grep -Ev "$excl"; else cat; fi; } |
			awk -v f="$tmp/names.$name" 'BEGIN { while ((getline l < f) > 0) seen[l] = 1 } !seen[$0]++' > "$tmp/enum.$name" || true
		cat "$tmp/enum.$name" >> "$tmp/names.$name"
	fi
	# Apply the print order: named ones first, the rest after.
	awk -v order="$order" '
		BEGIN { n = split(order, o, " ") }
		{ have[$0] = 1; rest[++m] = $0 }
		END {
			for (i = 1; i <= n; i++) if (o[i] in have) { print o[i]; done[o[i]] = 1 }
			for (i = 1; i <= m; i++) if (!(rest[i] in done)) print rest[i]
		}' "$tmp/names.$name" > "$tmp/ordered.$name"
	# This table's part of a probe: which group it joins depends on whether
	# it reads libc or kernel headers (the two do not always mix).
	case "$hdrs" in
	sys/* | netinet/* | unistd.h | fcntl.h) g=libc ;;
	*) g=kernel ;;
	esac
	[ -z "$ioctls" ] || g=ioctl
	echo "$name" >> "$tmp/group.$g"
	for h in $hdrs; do echo "#include <$h>"; done >> "$tmp/inc.$g"
	for h in $hdrs; do echo "#include <$h>"; done > "$tmp/inc.t.$name"
	while read -r n; do
		if grep -qx "$n" "$tmp/enum.$name"; then
			printf '\tprintf("%s %%s %%llu\\n", "%s", (unsigned long long)(%s));\n' \
				"$name" "${n#"$strip"}" "$n"
		else
			printf '#ifdef %s\n\tprintf("%s %%s %%llu\\n", "%s", (unsigned long long)(%s));\n#endif\n' \
				"$n" "$name" "${n#"$strip"}" "$n"
		fi
	done < "$tmp/ordered.$name" > "$tmp/body.$name"
	cat "$tmp/body.$name" >> "$tmp/body.$g"
done < "$tmp/tables"

# probe_c FILE INCLUDES BODY: write a probe program.
probe_c() {
	{
		echo "#define _GNU_SOURCE"
		echo "#include <stdio.h>"
		echo "#include <stddef.h>"
		awk '!seen[$0]++' "$2"
		echo "int main(void) {"
		cat "$3"
		echo "	return 0;"
		echo "}"
	} > "$1"
}

# The ioctl tables: some numbers need the size of a structure another
# architecture's header defines (KVM_CREATE_SPAPR_TCE), or one left
# incomplete (FS_IOC_FIEMAP): the lines the compiler refuses are dropped,
# a few rounds at most, and the rest is printed.
if [ -s "$tmp/group.ioctl" ]; then
	probe_c "$tmp/probe_ioctl.c" "$tmp/inc.ioctl" "$tmp/body.ioctl"
	round=0
	until $cc -w -o "$tmp/probe_ioctl" "$tmp/probe_ioctl.c" 2> "$tmp/err_ioctl"; do
		round=$((round + 1))
		sed -n 's/^[^:]*probe_ioctl\.c:\([0-9]\{1,\}\):.*error:.*/\1/p' "$tmp/err_ioctl" | sort -un > "$tmp/bad_lines"
		if [ $round -gt 5 ] || [ ! -s "$tmp/bad_lines" ]; then
			echo "gen-trace-consts.sh: the ioctl probe does not compile:" >&2
			head -20 "$tmp/err_ioctl" >&2
			exit 1
		fi
		awk 'NR == FNR { bad[$1] = 1; next } !(FNR in bad)' "$tmp/bad_lines" "$tmp/probe_ioctl.c" > "$tmp/probe_ioctl.c.new"
		mv "$tmp/probe_ioctl.c.new" "$tmp/probe_ioctl.c"
	done
	"$tmp/probe_ioctl" > "$tmp/all.raw"
else
	: > "$tmp/all.raw"
fi

# Two probes (libc headers, kernel headers); if one of them does not
# compile, its tables get a probe each.
for g in libc kernel; do
	[ -s "$tmp/group.$g" ] || continue
	probe_c "$tmp/probe_$g.c" "$tmp/inc.$g" "$tmp/body.$g"
	if $cc -w -o "$tmp/probe_$g" "$tmp/probe_$g.c" 2> "$tmp/err_$g"; then
		"$tmp/probe_$g" >> "$tmp/all.raw"
		continue
	fi
	while read -r name; do
		probe_c "$tmp/probe_t_$name.c" "$tmp/inc.t.$name" "$tmp/body.$name"
		if ! $cc -w -o "$tmp/probe_t_$name" "$tmp/probe_t_$name.c" 2> "$tmp/err_t_$name"; then
			echo "gen-trace-consts.sh: probe for table $name does not compile:" >&2
			head -20 "$tmp/err_t_$name" >&2
			exit 1
		fi
		"$tmp/probe_t_$name" >> "$tmp/all.raw"
	done < "$tmp/group.$g"
done

# Tables of names no UAPI header has: strace's own, read off its output
# by tools/gen-strace-names.sh into strace-names.txt beside this script.
names_file=$(dirname "$0")/strace-names.txt
grep -v '^#' "$names_file" | awk '{ print $1, $2, $3 }' >> "$tmp/all.raw"

# In spec order, first name per value.  strace-names.txt may add to a
# table of the spec (a name only libc's or the kernel's own headers have,
# SA_INTERRUPT): the table's "order" places it too.
{ cut -d"$us" -f1 "$tmp/tables"; grep -v '^#' "$names_file" | awk '{ print $1 }'; } |
	awk '!seen[$0]++' > "$tmp/names"
cut -d"$us" -f1,6 "$tmp/tables" | tr "$us" ' ' > "$tmp/orders"
awk 'FILENAME == ARGV[1] { for (i = 2; i <= NF; i++) rank[$1 " " $i] = i - 1; next }
     FILENAME == ARGV[2] { order[++n] = $1; next }
     !seen[$1 " " $3]++ {
	r = rank[$1 " " $2]
	if (r) first[$1 " " r] = $0 "\n"; else rows[$1] = rows[$1] $0 "\n"
     }
     END {
	for (i = 1; i <= n; i++) {
		for (r = 1; r <= 64; r++) printf "%s", first[order[i] " " r]
		printf "%s", rows[order[i]]
	}
     }' "$tmp/orders" "$tmp/names" "$tmp/all.raw" > "$tmp/all"
empty=$(awk 'NR == FNR { have[$1] = 1; next } !have[$1] { print $1 }' "$tmp/all" "$tmp/names")
if [ -n "$empty" ]; then
	echo "gen-trace-consts.sh: tables that came out empty:" $empty >&2
	exit 1
fi

# --- write C --------------------------------------------------------------
awk -v hfile="$(basename "$out_h")" '
BEGIN {
	print "/* Generated by tools/gen-trace-consts.sh from the system headers: do not edit. */"
	print "#include \"" hfile "\""
}
$1 != cur {
	if (cur != "") { print "};"; printf "const unsigned zpx_%s_n = %d;\n", cur, n }
	cur = $1; n = 0
	printf "const struct zp_xlat zpx_%s[] = {\n", cur
}
{ printf "\t{%sULL, \"%s\"},\n", $3, $2; n++ }
END { if (cur != "") { print "};"; printf "const unsigned zpx_%s_n = %d;\n", cur, n } }
' "$tmp/all" > "$out_c.tmp"

# Names are stored in the table, not pointed to: a table of pointers needs
# a relocation per entry, and the pages ld.so writes them into are copied
# in every traced process.  Longest name + 1, rounded up to 8 bytes.
width=$(awk '{ if (length($2) > m) m = length($2) } END { print int((m + 8) / 8) * 8 }' "$tmp/all")
awk -v width="$width" '
BEGIN {
	print "/* Generated by tools/gen-trace-consts.sh from the system headers: do not edit. */"
	print "#ifndef ZP_TRACE_CONSTS_H"
	print "#define ZP_TRACE_CONSTS_H"
	print "/* One named value; tables keep the order in which names are tried. */"
	print "struct zp_xlat {"
	print "\tunsigned long long val;"
	printf "\tchar name[%d];\n", width
	print "};"
}
!seen[$1]++ {
	printf "extern const struct zp_xlat zpx_%s[] __attribute__((visibility(\"hidden\")));\n", $1
	printf "extern const unsigned zpx_%s_n __attribute__((visibility(\"hidden\")));\n", $1
}
END { print "#endif" }
' "$tmp/all" > "$out_h.tmp"

mv "$out_c.tmp" "$out_c"
mv "$out_h.tmp" "$out_h"
