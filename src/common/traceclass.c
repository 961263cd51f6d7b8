/*
 * traceclass.c - members of each -e trace=%CLASS.  Names that this
 * machine's system call table lacks are skipped, so newer calls can be
 * listed before the headers know them.
 */
#include <string.h>

#include "syscall_table.h"
#include "traceclass.h"

struct klass {
	const char *name;
	const char *members; /* space separated */
};

/* The members are strace's (its syscallent tables: TF, TD, TP, TN, TS, TM,
 * TI, TC, TCL, TST ..., PU), so that a -e trace=%CLASS shows the same calls:
 * %file: takes a file name.  %desc: takes or returns a descriptor, but not
 * the socket calls (%network; sendfile is in both).  %process: creates,
 * ends, waits for or signals processes.  %signal: signal handling.
 * %memory: the address space.  %ipc: SysV IPC.  %creds: user and group ids
 * and capabilities (and prctl).  %clock: reads or sets clocks.  %stat
 * family: the stat variants.  %pure: no arguments, cannot fail. */
static const struct klass classes[] = {
	{"file",
	 "open openat openat2 creat stat lstat newfstatat statx access faccessat faccessat2 "
	 "readlink readlinkat getcwd mkdir mkdirat rmdir unlink unlinkat rename renameat renameat2 "
	 "link linkat symlink symlinkat chdir chroot chmod fchmodat fchmodat2 chown lchown "
	 "fchownat truncate utime utimes futimesat utimensat mknod mknodat execve execveat "
	 "statfs getxattr lgetxattr setxattr lsetxattr listxattr llistxattr removexattr "
	 "lremovexattr mount umount2 swapon swapoff pivot_root acct quotactl uselib "
	 "name_to_handle_at inotify_add_watch fanotify_mark open_tree move_mount "
	 "mount_setattr fsconfig fspick getxattrat setxattrat listxattrat removexattrat "
	 "open_tree_attr file_getattr file_setattr"},
	{"desc",
	 "read write open close fstat lseek mmap pread64 pwrite64 readv writev pipe pipe2 "
	 "select pselect6 poll ppoll dup dup2 dup3 sendfile fcntl flock fsync fdatasync "
	 "ftruncate getdents getdents64 fchdir fchmod fchown fstatfs readahead fsetxattr "
	 "fgetxattr flistxattr fremovexattr epoll_create epoll_create1 epoll_ctl epoll_wait "
	 "epoll_pwait epoll_pwait2 ioctl openat openat2 creat "
	 "newfstatat mkdirat unlinkat renameat renameat2 linkat symlinkat readlinkat fchmodat "
	 "fchmodat2 fchownat faccessat faccessat2 utimensat futimesat mknodat statx execveat "
	 "eventfd eventfd2 signalfd signalfd4 timerfd_create timerfd_settime timerfd_gettime "
	 "inotify_init inotify_init1 inotify_add_watch inotify_rm_watch fanotify_init "
	 "fanotify_mark memfd_create splice tee vmsplice sync_file_range fallocate fadvise64 "
	 "preadv pwritev preadv2 pwritev2 copy_file_range pidfd_open pidfd_getfd "
	 "pidfd_send_signal io_uring_setup io_uring_enter io_uring_register "
	 "userfaultfd perf_event_open bpf syncfs setns name_to_handle_at open_by_handle_at "
	 "mq_open mq_timedsend mq_timedreceive mq_notify mq_getsetattr finit_module "
	 "kexec_file_load fsopen fsconfig fsmount fspick move_mount open_tree mount_setattr "
	 "process_madvise process_mrelease quotactl_fd landlock_create_ruleset "
	 "landlock_add_rule landlock_restrict_self memfd_secret cachestat getxattrat "
	 "setxattrat"},
	{"process",
	 "clone clone3 fork vfork execve execveat exit exit_group wait4 waitid kill tkill "
	 "tgkill rt_sigqueueinfo rt_tgsigqueueinfo pidfd_send_signal"},
	{"network",
	 "socket socketpair bind listen accept accept4 connect getsockname getpeername "
	 "sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg shutdown setsockopt getsockopt "
	 "sendfile getpmsg putpmsg"},
	{"signal",
	 "rt_sigaction rt_sigprocmask rt_sigreturn rt_sigsuspend rt_sigpending "
	 "rt_sigtimedwait rt_sigqueueinfo rt_tgsigqueueinfo sigaltstack kill tkill tgkill "
	 "pause signalfd signalfd4 pidfd_send_signal io_uring_enter"},
	{"memory",
	 "mmap munmap mprotect brk mremap madvise msync mlock mlock2 munlock mlockall "
	 "munlockall mincore remap_file_pages mbind get_mempolicy set_mempolicy "
	 "set_mempolicy_home_node migrate_pages move_pages shmat shmdt pkey_mprotect "
	 "io_setup io_destroy io_uring_register map_shadow_stack mseal"},
	{"ipc",
	 "msgget msgsnd msgrcv msgctl semget semop semctl semtimedop shmget shmat shmdt "
	 "shmctl"},
	{"creds",
	 "getuid setuid getgid setgid geteuid getegid setreuid setregid getgroups setgroups "
	 "setresuid getresuid setresgid getresgid setfsuid setfsgid capget capset prctl"},
	{"clock",
	 "clock_gettime clock_settime clock_getres clock_adjtime adjtimex gettimeofday "
	 "settimeofday time"},
	{"stat", "stat"},
	{"lstat", "lstat"},
	{"fstat", "fstat newfstatat statx"},
	{"%stat", "stat lstat fstat newfstatat statx"},
	{"statfs", "statfs"},
	{"fstatfs", "fstatfs"},
	{"%statfs", "statfs fstatfs ustat"},
	{"pure",
	 "getpid getppid gettid getuid geteuid getgid getegid getpgrp"},
};

static void add_names(const char *list, struct zp_syscall_set *set)
{
	char name[64];
	const char *p = list;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n && n < sizeof name) {
			memcpy(name, p, n);
			name[n] = '\0';
			long nr = zp_syscall_number(name);
			if (nr >= 0 && nr < ZP_TRACE_NR_MAX)
				set->bits[nr / 8] = (unsigned char)(set->bits[nr / 8] | (1u << (nr % 8)));
		}
		p += n;
	}
}

int zp_class_add(const char *name, size_t len, struct zp_syscall_set *set)
{
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		if (strlen(classes[i].name) == len && memcmp(classes[i].name, name, len) == 0) {
			add_names(classes[i].members, set);
			return 0;
		}
	}
	return -1;
}

const char *zp_class_list(void)
{
	return "%file %desc %process %network %signal %memory %ipc %creds %clock %stat "
	       "%lstat %fstat %%stat %statfs %fstatfs %%statfs %pure";
}
