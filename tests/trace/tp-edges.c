/*
 * tp-edges.c - calls whose arguments strace prints in less usual ways:
 * vectors of calls that failed, unreadable pointers, flags with no known
 * bit, ints out of range, signal sets of a wrong size, siginfo with
 * si_errno and a value.  test-strace-edges.sh compares each line with
 * strace's.  Every call fails or is undone, but unshare's namespaces.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/aio_abi.h>
#include <linux/futex.h>
#include <linux/if_ether.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	(void)ctx;
}

int main(void)
{
	char b1[16], b2[8];
	memset(b1, 'a', sizeof b1);
	memset(b2, 'b', sizeof b2);
	struct iovec iov[2] = {{b1, sizeof b1}, {b2, sizeof b2}};
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		return 1;
	/* vectors of calls that failed: the iovecs, buffers as addresses */
	readv(sv[0], iov, 2);
	preadv(sv[0], iov, 2, 0);
	syscall(SYS_preadv2, 99, iov, 2, 0, 0, 0);
	syscall(SYS_process_vm_readv, 0x7fffffff, iov, 2, iov, 1, 0);
	struct msghdr m;
	memset(&m, 0, sizeof m);
	m.msg_iov = iov;
	m.msg_iovlen = 2;
	struct mmsghdr mm[2] = {{m, 0}, {m, 0}};
	sendmmsg(99, mm, 2, 0);
	/* unreadable pointers: the address */
	syscall(SYS_writev, 99, 1, 1);
	syscall(SYS_poll, 8, 1, 0);
	/* flags and enums with no known value */
	flock(99, 0x10000000);
	syscall(SYS_eventfd2, 0, 0x10000000);
	accept4(99, NULL, NULL, 0x40000000);
	syscall(SYS_getitimer, -100, NULL);
	syscall(SYS_getrusage, -100, NULL);
	syscall(SYS_prctl, 0, 0, 0, 0, 0);
	/* a name strace reads 15 bytes of: "..." from 15 on */
	prctl(PR_SET_NAME, "tp-edges-name");
	prctl(PR_SET_NAME, "tp-edges-fifteen");
	prctl(PR_SET_NAME, "tp-edges");
	msgctl(-1, 0x7777, NULL);
	/* modes are 16 bits to the kernel */
	syscall(SYS_mkdir, "/nonexistent/zp-edges", 0x10000100);
	/* a set of a size the kernel refuses */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4);
	/* SEM_UNDO before IPC_NOWAIT */
	struct sembuf sb = {0, -1, SEM_UNDO | IPC_NOWAIT};
	semop(-1, &sb, 1);
	/* unshare's own names (CLONE_NEWTIME), setns's */
	unshare(CLONE_NEWTIME | CLONE_SYSVSEM | CLONE_NEWCGROUP);
	setns(99, 0x100);
	/* mremap: no new address without MREMAP_FIXED */
	void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	void *q = (void *)syscall(SYS_mremap, p, 4096, 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	if (q != MAP_FAILED)
		munmap(q, 4096);
	munmap(p, 8192);
	/* an iocb's key, shown when set */
	struct iocb cb;
	memset(&cb, 0, sizeof cb);
	cb.aio_key = 5;
	cb.aio_fildes = 99;
	struct io_event ev;
	syscall(SYS_io_cancel, 0, &cb, &ev);
	/* alarm's seconds are unsigned */
	syscall(SYS_alarm, -1L);
	syscall(SYS_alarm, 0);
	/* SS_AUTODISARM, a flag only the kernel's headers name */
	static char alt[65536];
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = (int)(1U << 31)}, off = {.ss_flags = SS_DISABLE};
	sigaltstack(&ss, NULL);
	sigaltstack(&off, &ss);
	/* SA_UNSUPPORTED (0x400) is a bit strace 6.1 does not name */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0x400;
	sigaction(SIGUSR2, &sa, NULL);
	/* SA_INTERRUPT, which only libc's headers define (apache's handlers
	 * have it), between SA_RESTART and SA_NODEFER as strace orders them */
	sa.sa_flags = SA_RESTART | SA_INTERRUPT | SA_NODEFER;
	sigaction(SIGUSR2, &sa, NULL);
	/* si_errno and a value, sent and delivered */
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGSYS, &sa, NULL);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = SIGUSR1;
	si.si_code = SI_QUEUE;
	si.si_errno = E2BIG;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = 5;
	syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si);
	si.si_code = SI_ASYNCNL;
	syscall(SYS_rt_tgsigqueueinfo, getpid(), getpid(), SIGUSR1, &si);
	/* a signal taken by rt_sigtimedwait: its siginfo, its name after the
	 * result; and one that does not come (EAGAIN: the address) */
	{
		sigset_t w;
		sigemptyset(&w);
		sigaddset(&w, SIGUSR2);
		sigprocmask(SIG_BLOCK, &w, NULL);
		raise(SIGUSR2);
		siginfo_t got;
		struct timespec brief = {0, 1000};
		sigtimedwait(&w, &got, &brief);
		sigtimedwait(&w, &got, &brief);
		sigprocmask(SIG_UNBLOCK, &w, NULL);
	}
	/* int arguments with garbage in the register's upper half (the
	 * kernel reads 32 bits: strace prints those, mostly) */
	{
		const long hi = 0x500000000L;
		static char name[16];
		prctl(PR_GET_NAME, name, 0, 0, 0);
		syscall(SYS_prctl, hi | PR_SET_NAME, name, 0, 0, 0);
		syscall(SYS_fcntl, hi | 0x7fffffffL, hi | F_GETFD);
		int one = 1;
		syscall(SYS_setsockopt, -1, hi | SOL_SOCKET, hi | SO_REUSEADDR, &one, hi | sizeof one);
		socklen_t len = sizeof one;
		syscall(SYS_getsockopt, -1, hi | SOL_SOCKET, hi | SO_REUSEADDR, &one, &len);
		static int word;
		syscall(SYS_futex, &word, hi | FUTEX_WAKE, 1, 0, 0, 0);
		long fd = syscall(SYS_memfd_create, "edges", hi | MFD_CLOEXEC);
		if (fd >= 0)
			close((int)fd);
		/* a packet socket's protocol, htons(ETH_P_...), and an
		 * unknown one (EPERM without CAP_NET_RAW: printed the same) */
		fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		if (fd >= 0)
			close((int)fd);
		fd = socket(AF_PACKET, SOCK_DGRAM, htons(0x1234));
		if (fd >= 0)
			close((int)fd);
		/* an option read into no room: the address */
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		socklen_t none = 0;
		getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &one, &none);
		close((int)fd);
	}
	/* a seccomp trap's data is its SIGSYS's si_errno */
	struct sock_filter f[] = {
		{BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr)},
		{BPF_JMP | BPF_JEQ | BPF_K, 0, 1, SYS_getppid},
		{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_TRAP | ENOMSG},
		{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW},
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0)
		syscall(SYS_getppid);
	return 0;
}
