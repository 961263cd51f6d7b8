/*
 * tp-decode2 - one or more calls of each system call whose decoder came
 * after the first ones (timers, splice and friends, io_uring and AIO,
 * capabilities, SysV IPC, mount ...), with arguments whose strace text is
 * fixed: test-strace-decode2.sh runs it under strace 6.1 and traced, and
 * compares the lines of these calls.  Calls that would change the machine
 * (mount, reboot, swapon ...) are given arguments the kernel refuses
 * before doing anything.  Exit 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/membarrier.h>
#include <linux/sched/types.h>
#include <linux/futex.h>
#include <linux/kcmp.h>
#include <linux/reboot.h>
#include <signal.h>
#include <string.h>
#include <linux/ioprio.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	int p[2], q[2];
	if (pipe(p) || pipe(q))
		return 1;
	char buf[64];

	/* getcpu: the results once it succeeded (on CPU 0: the same in both runs) */
	unsigned long one = 1;
	syscall(SYS_sched_setaffinity, 0, sizeof one, &one);
	unsigned cpu, node;
	syscall(SYS_getcpu, &cpu, &node, NULL);
	syscall(SYS_getcpu, NULL, NULL, NULL);
	syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	syscall(SYS_membarrier, 0x4000, 0, 0);
	syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	syscall(SYS_ioprio_set, 1, 0, 2 << 13 | 4);
	syscall(SYS_ioprio_get, 1, 0);
	syscall(SYS_ioprio_set, 1, 0, 0);

	/* POSIX timers */
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 42;
	int tid = -1;
	syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &tid);
	struct itimerspec its = {{0, 0}, {100, 5}}, old;
	syscall(SYS_timer_settime, tid, 0, &its, &old);
	syscall(SYS_timer_gettime, tid, &old);
	syscall(SYS_timer_getoverrun, tid);
	syscall(SYS_timer_delete, tid);
	syscall(SYS_timer_create, CLOCK_REALTIME, NULL, &tid);
	syscall(SYS_timer_delete, tid);
	syscall(SYS_timer_delete, 12345);

	/* splice, tee, vmsplice */
	if (write(p[1], "hello", 5) != 5)
		return 1;
	syscall(SYS_tee, p[0], q[1], 3, SPLICE_F_NONBLOCK);
	syscall(SYS_splice, p[0], NULL, q[1], NULL, 2, SPLICE_F_MOVE | SPLICE_F_MORE);
	struct iovec iov = {(void *)"abc", 3};
	syscall(SYS_vmsplice, p[1], &iov, 1, SPLICE_F_GIFT);
	loff_t off = 0;
	syscall(SYS_splice, p[0], &off, q[1], NULL, 2, 0);
	/* from a file: the kernel advances the offset; strace shows it as given */
	int sf = open("tp-decode2.spl", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (sf < 0 || write(sf, "0123456789", 10) != 10)
		return 1;
	loff_t soff = 2;
	syscall(SYS_splice, sf, &soff, q[1], NULL, 3, 0);
	close(sf);
	int fd = open("/dev/null", O_RDONLY);
	syscall(SYS_sync_file_range, fd, 0, 4096, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE);

	/* sendmmsg / recvmmsg */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return 1;
	struct iovec si[2] = {{(void *)"one", 3}, {(void *)"two", 3}};
	struct mmsghdr mm[2];
	memset(mm, 0, sizeof mm);
	mm[0].msg_hdr.msg_iov = &si[0];
	mm[0].msg_hdr.msg_iovlen = 1;
	mm[1].msg_hdr.msg_iov = &si[1];
	mm[1].msg_hdr.msg_iovlen = 1;
	syscall(SYS_sendmmsg, sv[0], mm, 2, 0);
	char r1[8], r2[8];
	struct iovec ri[2] = {{r1, sizeof r1}, {r2, sizeof r2}};
	memset(mm, 0, sizeof mm);
	mm[0].msg_hdr.msg_iov = &ri[0];
	mm[0].msg_hdr.msg_iovlen = 1;
	mm[1].msg_hdr.msg_iov = &ri[1];
	mm[1].msg_hdr.msg_iovlen = 1;
	syscall(SYS_recvmmsg, sv[1], mm, 2, MSG_DONTWAIT, NULL);
	syscall(SYS_recvmmsg, sv[1], mm, 2, MSG_DONTWAIT, NULL);

	/* queued signals: to a signal that is blocked */
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGUSR2);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	siginfo_t sinfo;
	memset(&sinfo, 0, sizeof sinfo);
	sinfo.si_signo = SIGUSR2;
	sinfo.si_code = SI_QUEUE;
	sinfo.si_pid = getpid();
	sinfo.si_uid = getuid();
	sinfo.si_value.sival_int = 7;
	syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, &sinfo);
	syscall(SYS_rt_tgsigqueueinfo, getpid(), getpid(), SIGUSR2, &sinfo);

	/* sched attributes */
	struct sched_attr sa;
	memset(&sa, 0, sizeof sa);
	syscall(SYS_sched_getattr, 0, &sa, sizeof sa, 0);
	sa.size = sizeof sa;
	syscall(SYS_sched_setattr, 0, &sa, 0);

	/* seccomp: an action the kernel knows or not */
	unsigned act = SECCOMP_RET_KILL_PROCESS;
	syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act);
	syscall(SYS_seccomp, 99, 0, NULL);

	/* io_uring: a ring, a no-op entry, then it goes */
	struct io_uring_params up;
	memset(&up, 0, sizeof up);
	int ring = (int)syscall(SYS_io_uring_setup, 4, &up);
	syscall(SYS_io_uring_enter, ring, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0);
	/* with EXT_ARG the fifth argument is no sigset but a struct */
	struct io_uring_getevents_arg ga;
	memset(&ga, 0, sizeof ga);
	syscall(SYS_io_uring_enter, ring, 0, 0, IORING_ENTER_EXT_ARG, &ga, sizeof ga);
	syscall(SYS_io_uring_register, ring, IORING_UNREGISTER_BUFFERS, NULL, 0);
	if (ring >= 0)
		close(ring);

	/* AIO */
	aio_context_t ctx = 0;
	syscall(SYS_io_setup, 8, &ctx);
	struct iocb cb;
	memset(&cb, 0, sizeof cb);
	cb.aio_lio_opcode = IOCB_CMD_PREAD;
	cb.aio_fildes = (unsigned)fd;
	cb.aio_buf = (unsigned long)buf;
	cb.aio_nbytes = sizeof buf;
	cb.aio_data = 5;
	struct iocb *cbs[1] = {&cb};
	syscall(SYS_io_submit, ctx, 1, cbs);
	struct io_event ev[2];
	struct timespec ts = {1, 0};
	syscall(SYS_io_getevents, ctx, 1, 2, ev, &ts);
	syscall(SYS_io_cancel, ctx, &cb, ev);
	syscall(SYS_io_destroy, ctx);

	/* old descriptor makers */
	syscall(SYS_inotify_init);
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	syscall(SYS_signalfd, -1, &m, 8);

	/* times of files */
	struct open_how how;
	memset(&how, 0, sizeof how);
	how.flags = O_RDONLY | O_CLOEXEC;
	how.resolve = RESOLVE_NO_SYMLINKS;
	syscall(SYS_openat2, AT_FDCWD, "/dev/null", &how, sizeof how);
	struct {
		long a, m;
	} ub = {1, 2};
	syscall(SYS_utime, "/nonexistent/x", &ub);
	struct timeval tv[2] = {{1, 2}, {3, 4}};
	syscall(SYS_utimes, "/nonexistent/x", tv);
	syscall(SYS_futimesat, AT_FDCWD, "/nonexistent/x", tv);
	syscall(SYS_utimes, "/nonexistent/x", NULL);

	/* capabilities */
	/* libcap's probe: the kernel writes its version over the 0 */
	struct __user_cap_header_struct ch0 = {0, 0};
	syscall(SYS_capget, &ch0, NULL);
	struct __user_cap_header_struct ch = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct cd[2];
	syscall(SYS_capget, &ch, cd);
	syscall(SYS_capset, &ch, cd);
	syscall(SYS_personality, 0xffffffff);

	/* refused: not a mount point, bad flags, no such file */
	syscall(SYS_mount, "none", "/nonexistent/x", "tmpfs", MS_RDONLY | MS_NOSUID, "size=1m");
	syscall(SYS_umount2, "/nonexistent/x", MNT_DETACH);
	syscall(SYS_pivot_root, "/nonexistent/x", "/nonexistent/y");
	syscall(SYS_swapon, "/nonexistent/x", 0);
	syscall(SYS_swapoff, "/nonexistent/x");
	syscall(SYS_reboot, 1, 2, 3, NULL);
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, 0x12345678, NULL);
	/* second forms: other notifications, commands, flags */
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_NONE;
	syscall(SYS_timer_create, CLOCK_BOOTTIME, &sev, &tid);
	syscall(SYS_timer_settime, tid, TIMER_ABSTIME, &its, NULL);
	syscall(SYS_timer_delete, tid);
	syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, NULL);
	syscall(SYS_io_setup, 8, &ctx);
	memset(&cb, 0, sizeof cb);
	cb.aio_lio_opcode = IOCB_CMD_PWRITE;
	cb.aio_fildes = (unsigned)fd;
	cb.aio_buf = (unsigned long)"data";
	cb.aio_nbytes = 4;
	cb.aio_offset = 3;
	syscall(SYS_io_submit, ctx, 1, cbs);
	syscall(SYS_io_getevents, ctx, 0, 2, ev, NULL);
	syscall(SYS_io_destroy, ctx);
	syscall(SYS_io_submit, 0, 1, cbs);
	syscall(SYS_io_uring_setup, 0, &up);
	memset(&how, 0, sizeof how);
	how.flags = O_WRONLY | O_CREAT;
	how.mode = 0600;
	syscall(SYS_openat2, AT_FDCWD, "/nonexistent/x", &how, sizeof how);
	memset(&sa, 0, sizeof sa);
	syscall(SYS_sched_getattr, 0, &sa, 48, 0);
	syscall(SYS_sched_getattr, 0, NULL, 48, 0);
	syscall(SYS_kcmp, getpid(), getpid(), KCMP_VM, 0, 0);
	syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, 0, 1);
	syscall(SYS_pkey_alloc, 0, PKEY_DISABLE_WRITE);
	syscall(SYS_pkey_free, 99);
	syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	syscall(SYS_memfd_secret, O_CLOEXEC);
	syscall(SYS_semget, 1234, 2, 0600);
	syscall(SYS_shmget, 0, 4096, 0600 | 01000 /* IPC_CREAT */ | 04000 /* SHM_HUGETLB */);
	syscall(SYS_msgget, 1234, 0);
	syscall(SYS_mq_unlink, "/nonexistent");
	syscall(SYS_delete_module, "nonexistent", O_NONBLOCK);
	/* too long: refused before the name changes */
	syscall(SYS_sethostname, "0123456789012345678901234567890123456789012345678901234567890123456789", 70);
	syscall(SYS_setdomainname, "0123456789012345678901234567890123456789012345678901234567890123456789", 70);
	syscall(SYS_process_madvise, -1, NULL, 0, MADV_COLD, 0);
	unsigned fv = 0;
	struct futex_waitv w[2];
	memset(w, 0, sizeof w);
	w[0].uaddr = (unsigned long)&fv;
	w[0].val = 1;
	w[0].flags = FUTEX_32 | FUTEX_PRIVATE_FLAG;
	w[1].uaddr = (unsigned long)&fv;
	w[1].flags = FUTEX_32;
	struct timespec fts = {0, 1000};
	syscall(SYS_futex_waitv, w, 2, 0, &fts, CLOCK_MONOTONIC);
	syscall(SYS_futex_waitv, NULL, 0, 0, NULL, CLOCK_REALTIME);
	/* SysV semaphores and shared memory, made and removed again */
	int sem = (int)syscall(SYS_semget, IPC_PRIVATE, 1, 0600);
	struct sembuf sb[2] = {{0, 2, SEM_UNDO}, {0, -1, IPC_NOWAIT}};
	syscall(SYS_semop, sem, sb, 2);
	struct timespec sts = {0, 1000};
	syscall(SYS_semtimedop, sem, sb, 1, &sts);
	syscall(SYS_semctl, sem, 0, IPC_RMID, 0);
	int shm = (int)syscall(SYS_shmget, IPC_PRIVATE, 4096, 0600);
	long at = syscall(SYS_shmat, shm, NULL, SHM_RDONLY);
	syscall(SYS_shmdt, at);
	syscall(SYS_shmctl, shm, IPC_RMID, NULL);
	syscall(SYS_mq_timedsend, -1, "abc", 3, 1, &sts);
	char got[4];
	struct iovec lv = {got, sizeof got}, rv = {(void *)"wxyz", 4};
	syscall(SYS_process_vm_readv, getpid(), &lv, 1, &rv, 1, 0);
	syscall(SYS_process_vm_writev, getpid(), &rv, 1, &lv, 1, 0);
	int pfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	syscall(SYS_pidfd_getfd, pfd, 0, 0);
	syscall(SYS_process_mrelease, pfd, 0);
	syscall(SYS_finit_module, -1, "", 0);
	syscall(SYS_init_module, NULL, 0, "");
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	syscall(SYS_mq_notify, -1, &sev);
	sev.sigev_value.sival_int = 5;
	syscall(SYS_mq_notify, -1, &sev);
	sev.sigev_notify = SIGEV_NONE;
	syscall(SYS_mq_notify, -1, &sev);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev._sigev_un._tid = 1;
	syscall(SYS_mq_notify, -1, &sev);
	/* 0x100: IPC_64, in linux/ipc.h only, which clashes with sys/ipc.h */
	syscall(SYS_semctl, -1, 0, 0x100 | IPC_STAT, NULL);
	syscall(SYS_shmctl, -1, SHM_LOCK, NULL);
	syscall(SYS_msgctl, -1, 0x100 | MSG_STAT, NULL);

	/* The NULL forms of calls decoded since (and refused or harmless
	 * arguments) */
	syscall(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	syscall(SYS_semop, -1, NULL, 0);
	syscall(SYS_semtimedop, -1, NULL, 0, NULL);
	syscall(SYS_semctl, -1, 0, 0, 0);
	syscall(SYS_shmat, -1, NULL, 0);
	syscall(SYS_shmdt, NULL);
	syscall(SYS_shmctl, -1, 0, NULL);
	syscall(SYS_msgsnd, -1, NULL, 0, 0);
	syscall(SYS_msgrcv, -1, NULL, 0, 0, 0);
	syscall(SYS_msgctl, -1, 0, NULL);
	syscall(SYS_mq_open, NULL, 0, 0, NULL);
	syscall(SYS_mq_timedsend, -1, NULL, 0, 0, NULL);
	syscall(SYS_mq_timedreceive, -1, NULL, 0, NULL, NULL);
	syscall(SYS_mq_notify, -1, NULL);
	syscall(SYS_mq_getsetattr, -1, NULL, NULL);
	syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
	syscall(SYS_bpf, -1, NULL, 0);
	syscall(SYS_keyctl, 0x7fffffff, 0, 0, 0, 0);
	syscall(SYS_add_key, NULL, NULL, NULL, 0, 0);
	syscall(SYS_request_key, NULL, NULL, NULL, 0);
	syscall(SYS_init_module, NULL, 0, NULL);
	syscall(SYS_finit_module, -1, NULL, 0);
	syscall(SYS_quotactl, 0, NULL, 0, NULL);
	syscall(SYS_adjtimex, NULL);
	syscall(SYS_clock_adjtime, CLOCK_REALTIME, NULL);
	syscall(SYS_modify_ldt, 0, NULL, 0);
	syscall(SYS_name_to_handle_at, AT_FDCWD, NULL, NULL, NULL, 0);
	syscall(SYS_open_by_handle_at, -1, NULL, 0);
	syscall(SYS_fanotify_init, 0xffffffff, 0);
	syscall(SYS_fanotify_mark, -1, 0, 0, -1, NULL);
	syscall(SYS_landlock_add_rule, -1, 0, NULL, 0);
	syscall(SYS_landlock_restrict_self, -1, 0);
	syscall(SYS_landlock_create_ruleset, NULL, 0, 0);
	syscall(SYS_process_vm_readv, getpid(), NULL, 0, NULL, 0, 0);
	syscall(SYS_process_vm_writev, getpid(), NULL, 0, NULL, 0, 0);
	syscall(SYS_pidfd_getfd, -1, 0, 0);
	syscall(SYS_process_mrelease, -1, 0);
	syscall(SYS_get_mempolicy, NULL, NULL, 0, NULL, 0);
	syscall(SYS_move_pages, 0, 0, NULL, NULL, NULL, 0);
	syscall(SYS_mbind, NULL, 0, 0, NULL, 0, 0);
	syscall(SYS_settimeofday, NULL, NULL);
	/* Still raw (strace has no decoder either; the kernel none at all) */
	syscall(SYS_get_kernel_syms, 1, 2);
	syscall(SYS_query_module, 1, 2, 3, 4, 5);
	return 0;
}
