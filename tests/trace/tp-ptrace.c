/*
 * tp-ptrace - ptrace requests against a child of its own, for
 * test-strace-ptrace.sh to compare with strace 6.1's lines.  The child
 * only makes calls that return at once; the parent attaches, reads and
 * writes its memory and registers, resumes and stops it, detaches, seizes
 * it again and kills it.  strace runs this without -f, so the child is no tracee of
 * strace's and the parent may trace it.  With the argument "traceme" a
 * child asks to be traced by the parent and exits (the test runs that
 * under strace -f, where the request is refused: only its arguments are
 * compared).  Also the requests that report on the child: its system
 * call stops (GET_SYSCALL_INFO, whole and cut short), its queued signals
 * (PEEKSIGINFO: the child blocks SIGUSR1 and SIGUSR2, the parent queues
 * one to the thread and one to the process), its seccomp filters (none)
 * and its rseq registration.  Exit 0.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

/* Far from anything mapped: zpoline maps page 0 (the trampoline), so a
 * low address would be readable under it. */
#define UNMAPPED 0x100000000000L

static volatile unsigned long word = 0x1122334455667788ul;

static long pt(long req, long pid, long addr, long data)
{
	return syscall(SYS_ptrace, req, pid, addr, data);
}

static void stop_wait(pid_t c)
{
	int st;
	waitpid(c, &st, __WALL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "traceme") == 0) {
		pid_t c = fork();
		if (c == 0) {
			pt(PTRACE_TRACEME, 0, 0, 0);
			_exit(0);
		}
		stop_wait(c);
		return 0;
	}
	syscall(SYS_getpid);
	/* inherited by the child: queued, never delivered */
	sigset_t usr, old;
	sigemptyset(&usr);
	sigaddset(&usr, SIGUSR1);
	sigaddset(&usr, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr, &old);
	pid_t c = fork();
	if (c == 0) {
		/* Calls that never block: a single step from a stop at the
		 * entry of a blocking one (pause) would wait for ever. */
		for (;;)
			syscall(SYS_getppid);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	unsigned long v = 0;
	struct __ptrace_syscall_info info;
	struct __ptrace_peeksiginfo_args pa = {0, PTRACE_PEEKSIGINFO_SHARED, 4};
	siginfo_t sis[4];
	struct __ptrace_seccomp_metadata md = {0, 0};
	struct __ptrace_rseq_configuration rseq;
	struct user_regs_struct regs;
	struct user_fpregs_struct fpregs;
	struct iovec iov = {&regs, sizeof regs};
	struct iovec fiov = {&fpregs, sizeof fpregs};
	siginfo_t si;
	unsigned long msg = 7;
	unsigned long long mask = 0;

	pt(PTRACE_ATTACH, c, 0, 0);
	stop_wait(c);
	pt(PTRACE_GETSIGINFO, c, 0, (long)&si);
	pt(PTRACE_GET_SYSCALL_INFO, c, sizeof info, (long)&info);
	syscall(SYS_tgkill, c, c, SIGUSR1);
	kill(c, SIGUSR2);
	pt(PTRACE_PEEKSIGINFO, c, (long)&pa, (long)sis);
	pa.flags = 0;
	pt(PTRACE_PEEKSIGINFO, c, (long)&pa, (long)sis);
	pa.off = 1;
	pt(PTRACE_PEEKSIGINFO, c, (long)&pa, (long)sis);
	pa.flags = 2;
	pt(PTRACE_PEEKSIGINFO, c, (long)&pa, (long)sis);
	pt(PTRACE_PEEKSIGINFO, c, UNMAPPED, (long)sis);
	pt(PTRACE_SECCOMP_GET_METADATA, c, sizeof md, (long)&md);
	pt(PTRACE_SECCOMP_GET_METADATA, c, 7, (long)&md); /* too small: an address (was nothing) */
	pt(PTRACE_GET_RSEQ_CONFIGURATION, c, sizeof rseq, (long)&rseq);
	pt(PTRACE_PEEKDATA, c, (long)&word, (long)&v);
	pt(PTRACE_PEEKTEXT, c, (long)&word, (long)&v);
	pt(PTRACE_PEEKUSER, c, offsetof(struct user, u_debugreg), (long)&v);
	pt(PTRACE_PEEKUSER, c, offsetof(struct user, regs.rip), (long)&v);
		pt(PTRACE_PEEKUSER, c, offsetof(struct user, u_debugreg) + 7 * 8, (long)&v);
	pt(PTRACE_PEEKUSER, c, 3, (long)&v);
	pt(PTRACE_PEEKDATA, c, UNMAPPED, (long)&v);
	pt(PTRACE_POKEDATA, c, (long)&word, 0x55);
	pt(PTRACE_POKETEXT, c, (long)&word, 0x66);
	pt(PTRACE_POKEUSER, c, offsetof(struct user, u_debugreg) + 7 * 8, 0);
	pt(PTRACE_GETREGS, c, 0, (long)&regs);
	pt(PTRACE_SETREGS, c, 0, (long)&regs);
	pt(PTRACE_GETFPREGS, c, 0, (long)&fpregs);
	pt(PTRACE_SETFPREGS, c, 0, (long)&fpregs);
	pt(PTRACE_GETREGSET, c, NT_PRSTATUS, (long)&iov);
	pt(PTRACE_SETREGSET, c, NT_PRSTATUS, (long)&iov);
	pt(PTRACE_GETREGSET, c, NT_PRFPREG, (long)&fiov);
	pt(PTRACE_GETREGSET, c, NT_X86_XSTATE, (long)&fiov);
	pt(PTRACE_GETREGSET, c, 0x999, (long)&fiov);
	pt(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXIT);
	pt(PTRACE_SETOPTIONS, c, 0, 0);
	pt(PTRACE_SETOPTIONS, c, 0, 0x40000000);
	pt(PTRACE_GETEVENTMSG, c, 0, (long)&msg);
	pt(PTRACE_GETSIGMASK, c, sizeof mask, (long)&mask);
	pt(PTRACE_SETSIGMASK, c, sizeof mask, (long)&mask);
	pt(PTRACE_GETSIGMASK, c, 4, (long)&mask);
	/* the system call stop then shows as SIGTRAP | 0x80 */
	pt(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD);
	pt(PTRACE_SYSCALL, c, 0, 0);
	stop_wait(c);
	pt(PTRACE_GET_SYSCALL_INFO, c, sizeof info, (long)&info);
	pt(PTRACE_GET_SYSCALL_INFO, c, 48, (long)&info);
	pt(PTRACE_GET_SYSCALL_INFO, c, 24, (long)&info);
	pt(PTRACE_GET_SYSCALL_INFO, c, 0, (long)&info);
	pt(PTRACE_GET_SYSCALL_INFO, c, sizeof info, UNMAPPED);
	pt(PTRACE_SYSCALL, c, 0, 0);
	stop_wait(c);
	pt(PTRACE_GET_SYSCALL_INFO, c, sizeof info, (long)&info);
	pt(PTRACE_GET_SYSCALL_INFO, c, 32, (long)&info);
	pt(PTRACE_SINGLESTEP, c, 0, 0);
	stop_wait(c);
	pt(PTRACE_CONT, c, 0, SIGSTOP);
	stop_wait(c);
	pt(PTRACE_CONT, c, 1, 99);
	pt(PTRACE_ARCH_PRCTL, c, 0, 0x9999);
	pt(0x4299, c, 0x10, 0x20);
	pt(PTRACE_DETACH, c, 0, 0);
	pt(PTRACE_SEIZE, c, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL);
	pt(PTRACE_INTERRUPT, c, 0, 0);
	stop_wait(c);
	pt(PTRACE_LISTEN, c, 0, 0);
	pt(PTRACE_KILL, c, 0, 0);
	stop_wait(c);
	pt(PTRACE_ATTACH, c, 0, 0);
	return 0;
}
