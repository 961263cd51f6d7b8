/*
 * tp-decode3 - calls whose decoders came after tp-decode2's: message
 * queues, NUMA memory policies, fanotify, keys, clocks and their
 * adjustment (only read, never set), syslog, file handles, landlock,
 * quotactl, modify_ldt, perf_event_open, bpf.  test-strace-decode3.sh
 * runs it under strace 6.1 and traced, and compares the lines.  Every
 * object made here (SysV queue, POSIX queue, key) is removed again; calls
 * that would change the machine get arguments the kernel refuses before
 * doing anything.  Pointers the kernel reads are real buffers: zpoline
 * maps page 0, so NULL is no fault under it.  Exit 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/fanotify.h>
#include <linux/keyctl.h>
#include <linux/landlock.h>
#include <linux/mempolicy.h>
#include <linux/perf_event.h>
#include <linux/quota.h>
#include <asm/ldt.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	char buf[256];
	memset(buf, 0, sizeof buf);

	/* SysV messages: one sent, read back, then the queue goes */
	int q = (int)syscall(SYS_msgget, IPC_PRIVATE, 0600);
	struct {
		long mtype;
		char mtext[16];
	} m = {3, "hello"}, r;
	memset(&r, 0, sizeof r);
	syscall(SYS_msgsnd, q, &m, 5, IPC_NOWAIT);
	syscall(SYS_msgrcv, q, &r, sizeof r.mtext, 0, IPC_NOWAIT | MSG_NOERROR);
	syscall(SYS_msgrcv, q, &r, sizeof r.mtext, 7, IPC_NOWAIT | MSG_EXCEPT);
	syscall(SYS_msgsnd, -1, &m, 5, 0);
	syscall(SYS_msgctl, q, IPC_RMID, NULL);

	/* POSIX message queues: a name of this process's own */
	char name[64];
	snprintf(name, sizeof name, "/zp-decode3-%d", (int)getpid());
	struct mq_attr qa = {0, 4, 32, 0, {0}}, qo;
	int mq = (int)syscall(SYS_mq_open, name, O_RDWR | O_CREAT | O_EXCL, 0600, &qa);
	syscall(SYS_mq_open, name, O_RDONLY, 0, NULL);
	syscall(SYS_mq_open, "/zp-nonexistent-queue", O_WRONLY | O_NONBLOCK, 0, NULL);
	memset(&qo, 0, sizeof qo);
	syscall(SYS_mq_getsetattr, mq, NULL, &qo);
	qa.mq_flags = O_NONBLOCK;
	syscall(SYS_mq_getsetattr, mq, &qa, &qo);
	syscall(SYS_mq_getsetattr, mq, &qa, NULL);
	syscall(SYS_mq_unlink, name);
	close(mq);

	/* NUMA memory policies: node 0 only (what every machine has) */
	unsigned long mask[2] = {1, 0};
	int mode = -1;
	void *pg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	syscall(SYS_get_mempolicy, &mode, mask, 128, NULL, 0);
	syscall(SYS_get_mempolicy, &mode, NULL, 0, pg, MPOL_F_ADDR);
	syscall(SYS_get_mempolicy, &mode, mask, 128, NULL, MPOL_F_MEMS_ALLOWED);
	mask[0] = 1;
	syscall(SYS_set_mempolicy, MPOL_PREFERRED, mask, 64);
	syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0);
	syscall(SYS_set_mempolicy, MPOL_BIND | MPOL_F_STATIC_NODES, mask, 2);
	syscall(SYS_mbind, pg, 4096, MPOL_BIND, mask, 64, MPOL_MF_STRICT | MPOL_MF_MOVE);
	syscall(SYS_mbind, pg, 4096, MPOL_DEFAULT, NULL, 0, 0);
	syscall(SYS_mbind, pg, 4096, 99, mask, 64, 0x80);
	unsigned long to[1] = {1};
	syscall(SYS_migrate_pages, 0, 64, mask, to);
	void *pages[2] = {pg, (char *)pg + 4096};
	int nodes[2] = {0, 0}, status[2] = {-1, -1};
	syscall(SYS_move_pages, 0, 2, pages, NULL, status, 0);
	syscall(SYS_move_pages, 0, 1, pages, nodes, status, MPOL_MF_MOVE);
	munmap(pg, 4096);

	/* fanotify: a group, a mark on /tmp, a bad call */
	int fan = (int)syscall(SYS_fanotify_init, FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
			       O_RDONLY | O_LARGEFILE);
	syscall(SYS_fanotify_mark, fan, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_OPEN | FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD,
		AT_FDCWD, "/tmp");
	syscall(SYS_fanotify_mark, fan, FAN_MARK_REMOVE, FAN_OPEN, -1, "/nonexistent/x");
	syscall(SYS_fanotify_mark, fan, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL);
	syscall(SYS_fanotify_init, 0xffffffff, 0);
	syscall(SYS_fanotify_init, FAN_CLASS_CONTENT | FAN_REPORT_FID, O_RDWR);
	close(fan);

	/* keys: one in this process's own keyring, gone when it exits
	 * (and invalidated before) */
	long key = syscall(SYS_add_key, "user", "zp-decode3", "secret", 6, KEY_SPEC_PROCESS_KEYRING);
	syscall(SYS_add_key, "keyring", "zp-ring", NULL, 0, KEY_SPEC_PROCESS_KEYRING);
	syscall(SYS_request_key, "user", "zp-decode3", NULL, KEY_SPEC_PROCESS_KEYRING);
	syscall(SYS_request_key, "user", "zp-decode3-none", "info", 0);
	syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0);
	syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, buf, sizeof buf);
	syscall(SYS_keyctl, KEYCTL_READ, key, buf, sizeof buf);
	syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_PROCESS_KEYRING, "user", "zp-decode3", 0);
	syscall(SYS_keyctl, KEYCTL_UPDATE, key, "secret2", 7);
	syscall(SYS_keyctl, KEYCTL_SETPERM, key, 0x3f010000);
	syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, key, 100);
	syscall(SYS_keyctl, KEYCTL_GET_SECURITY, key, buf, sizeof buf);
	syscall(SYS_keyctl, KEYCTL_CHOWN, key, -1, -1);
	syscall(SYS_keyctl, KEYCTL_UNLINK, key, KEY_SPEC_PROCESS_KEYRING);
	syscall(SYS_keyctl, KEYCTL_INVALIDATE, key);
	syscall(SYS_keyctl, KEYCTL_REVOKE, 12345);
	syscall(SYS_keyctl, KEYCTL_CLEAR, KEY_SPEC_PROCESS_KEYRING);
	syscall(SYS_keyctl, 0x7fffffff, 1, 2, 3, 4);

	/* clocks: read, or refused before anything changes */
	struct timex tx;
	memset(&tx, 0, sizeof tx);
	syscall(SYS_adjtimex, &tx);
	memset(&tx, 0, sizeof tx);
	syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx);
	syscall(SYS_clock_adjtime, 99, &tx);
	struct timeval tv = {1, 2000000}; /* tv_usec out of range: EINVAL */
	struct timezone tz = {0, 0};
	syscall(SYS_settimeofday, &tv, NULL);
	syscall(SYS_settimeofday, &tv, &tz);

	/* syslog: the buffer's size, unread */
	syscall(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	syscall(SYS_syslog, 9 /* SYSLOG_ACTION_SIZE_UNREAD */, NULL, 0);
	syscall(SYS_syslog, 3 /* SYSLOG_ACTION_READ_ALL */, buf, 16);
	syscall(SYS_syslog, 99, buf, 0);
	syscall(SYS_syslog, -1, buf, 5);

	/* file handles */
	struct {
		struct file_handle fh;
		unsigned char b[128];
	} h;
	h.fh.handle_bytes = 128;
	int mnt = -1;
	syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &h.fh, &mnt, 0);
	syscall(SYS_name_to_handle_at, AT_FDCWD, "/nonexistent/x", &h.fh, &mnt, AT_SYMLINK_FOLLOW);
	int root = open("/", O_RDONLY | O_DIRECTORY);
	syscall(SYS_open_by_handle_at, root, &h.fh, O_RDONLY | O_DIRECTORY);
	h.fh.handle_bytes = 0;
	syscall(SYS_name_to_handle_at, root, "", &h.fh, &mnt, AT_EMPTY_PATH);
	close(root);

	/* landlock (maybe disabled here: the arguments are decoded alike) */
	struct landlock_ruleset_attr la = {LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR};
	int rs = (int)syscall(SYS_landlock_create_ruleset, &la, sizeof la, 0);
	syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	struct landlock_path_beneath_attr pb = {LANDLOCK_ACCESS_FS_READ_FILE, -1};
	syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	if (rs >= 0)
		close(rs);

	/* quotactl: no quotas on a device that is not there */
	struct if_dqinfo dqi;
	syscall(SYS_quotactl, QCMD(Q_GETINFO, USRQUOTA), "/dev/nonexistent", 0, &dqi);
	syscall(SYS_quotactl, QCMD(Q_SYNC, GRPQUOTA), NULL, 0, NULL);
	struct if_dqblk dq;
	syscall(SYS_quotactl, QCMD(Q_GETQUOTA, PRJQUOTA), "/dev/nonexistent", 1000, &dq);
	syscall(SYS_quotactl, QCMD(Q_QUOTAON, USRQUOTA), "/dev/nonexistent", QFMT_VFS_V1, "/nonexistent/q");
	int fmt;
	syscall(SYS_quotactl, QCMD(Q_GETFMT, USRQUOTA), "/dev/nonexistent", 0, &fmt);
	syscall(SYS_quotactl, QCMD(0x1234, 7), "/dev/nonexistent", -1, &dq);

	/* modify_ldt: read the table (empty) */
	syscall(SYS_modify_ldt, 0, buf, sizeof buf);
	struct user_desc ud;
	memset(&ud, 0, sizeof ud);
	ud.entry_number = 9999; /* out of range: EINVAL */
	ud.limit = 0xfffff;
	ud.seg_32bit = 1;
	syscall(SYS_modify_ldt, 1, &ud, sizeof ud);

	/* perf_event_open: this process's task clock */
	struct perf_event_attr pa;
	memset(&pa, 0, sizeof pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.size = sizeof pa;
	pa.config = PERF_COUNT_SW_TASK_CLOCK;
	pa.disabled = 1;
	pa.exclude_kernel = 1;
	pa.exclude_hv = 1;
	int pfd = (int)syscall(SYS_perf_event_open, &pa, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd >= 0)
		close(pfd);
	pa.type = PERF_TYPE_HARDWARE;
	pa.config = PERF_COUNT_HW_INSTRUCTIONS;
	pa.sample_period = 1000;
	pa.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID;
	pa.read_format = PERF_FORMAT_ID;
	syscall(SYS_perf_event_open, &pa, -1, 0, -1, 0x100);
	/* other kinds of config, other sizes, bits; refused (bad flags) */
	memset(&pa, 0, sizeof pa);
	pa.type = PERF_TYPE_HW_CACHE;
	pa.size = PERF_ATTR_SIZE_VER0;
	pa.config = PERF_COUNT_HW_CACHE_DTLB | PERF_COUNT_HW_CACHE_OP_PREFETCH << 8 |
		    PERF_COUNT_HW_CACHE_RESULT_MISS << 16;
	syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0x100);
	memset(&pa, 0, sizeof pa);
	pa.type = PERF_TYPE_TRACEPOINT;
	pa.config = 5;
	pa.inherit = 1;
	pa.freq = 1;
	pa.sample_freq = 99;
	pa.precise_ip = 2;
	pa.use_clockid = 1;
	pa.build_id = 1;
	syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0x100);
	memset(&pa, 0, sizeof pa);
	pa.type = 99;
	pa.size = 500;
	pa.config = 5;
	syscall(SYS_perf_event_open, &pa, 0, -1, -1, PERF_FLAG_FD_NO_GROUP | PERF_FLAG_FD_OUTPUT | 0x100);

	/* bpf: a map, an element in it, a program that is refused */
	union bpf_attr ba;
	memset(&ba, 0, sizeof ba);
	ba.map_type = BPF_MAP_TYPE_ARRAY;
	ba.key_size = 4;
	ba.value_size = 8;
	ba.max_entries = 4;
	int map = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &ba, sizeof ba);
	unsigned k = 1;
	unsigned long long v = 42;
	memset(&ba, 0, sizeof ba);
	ba.map_fd = (unsigned)map;
	ba.key = (unsigned long)&k;
	ba.value = (unsigned long)&v;
	ba.flags = BPF_ANY;
	syscall(SYS_bpf, BPF_MAP_UPDATE_ELEM, &ba, sizeof ba);
	syscall(SYS_bpf, BPF_MAP_LOOKUP_ELEM, &ba, sizeof ba);
	syscall(SYS_bpf, BPF_MAP_DELETE_ELEM, &ba, sizeof ba);
	ba.next_key = (unsigned long)&v;
	syscall(SYS_bpf, BPF_MAP_GET_NEXT_KEY, &ba, sizeof ba);
	struct bpf_map_info mi;
	memset(&mi, 0, sizeof mi);
	memset(&ba, 0, sizeof ba);
	ba.info.bpf_fd = (unsigned)map;
	ba.info.info_len = sizeof mi;
	ba.info.info = (unsigned long)&mi;
	syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &ba, sizeof ba);
	if (map >= 0)
		close(map);
	struct bpf_insn insns[2] = {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0}, {BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
	memset(&ba, 0, sizeof ba);
	ba.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	ba.insn_cnt = 2;
	ba.insns = (unsigned long)insns;
	ba.license = (unsigned long)"GPL";
	int prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &ba, sizeof ba);
	if (prog >= 0)
		close(prog);
	syscall(SYS_bpf, 999, &ba, sizeof ba);
	/* a short attr (the fields it reaches), refused: no entries */
	memset(&ba, 0, sizeof ba);
	ba.map_type = BPF_MAP_TYPE_HASH;
	ba.key_size = 4;
	ba.value_size = 4;
	syscall(SYS_bpf, BPF_MAP_CREATE, &ba, 20);
	ba.map_fd = 12345;
	syscall(SYS_bpf, BPF_MAP_LOOKUP_ELEM, &ba, 24);

	/* unsigned int arguments given -1: 4294967295, not the 64-bit value */
	syscall(SYS_close_range, -1L, -1L, 0);
	long efd = syscall(SYS_eventfd2, -1L, 0);
	if (efd >= 0)
		close((int)efd);

	/* socket types: no name, a name with unknown bits, and flags */
	syscall(SYS_socket, AF_INET, 0, 0);
	syscall(SYS_socket, AF_INET, 99, 0);
	syscall(SYS_socket, AF_INET, 99 | SOCK_NONBLOCK, 0);

	/* recvmsg that fails: strace shows the msg_namelen offered, read at
	 * entry (nginx's workers drain their channel until EAGAIN), or the
	 * address when it cannot be read; then one that succeeds */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0) {
		char data[8], nbuf[32];
		struct iovec iov = {data, sizeof data};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		syscall(SYS_recvmsg, sv[0], &mh, 0);
		mh.msg_name = nbuf;
		mh.msg_namelen = sizeof nbuf;
		syscall(SYS_recvmsg, sv[0], &mh, MSG_DONTWAIT);
		/* not a small address: page 0 is mapped under zpoline */
		void *gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (gone != MAP_FAILED && munmap(gone, 4096) == 0)
			syscall(SYS_recvmsg, sv[0], gone, 0);
		if (write(sv[1], "x", 1) == 1) {
			mh.msg_name = NULL;
			mh.msg_namelen = 0;
			syscall(SYS_recvmsg, sv[0], &mh, 0);
		}
		close(sv[0]);
		close(sv[1]);
	}

	/* rare ones, refused: ustat's device, a dcookie, remap_file_pages'
	 * flags 0 (MAP_FILE), io_pgetevents on no context */
	syscall(SYS_ustat, 0x803, 0);
	syscall(SYS_lookup_dcookie, 0x12345678abcdULL, 0, 10);
	syscall(SYS_remap_file_pages, 0, 4096, 0, 0, 0);
	syscall(SYS_io_pgetevents, 0, 1, 2, 0, 0, 0);

	/* restart_syscall with nothing to restart */
	syscall(SYS_restart_syscall);
	return 0;
}
