/*
 * vmkill - installs a seccomp filter that kills the process for
 * process_vm_readv and process_vm_writev (firejail's helper sandbox does,
 * as a blacklist), then makes calls whose arguments a tracer must read
 * from memory the kernel did not read successfully (an open that fails,
 * an execve that fails), and execs itself ("again"): the new image starts
 * under a filter it never saw installed.  Prints four lines, exit 0.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(9);
}

static void fail_calls(void)
{
	/* Both fail before the kernel reads the whole string. */
	if (open("/nonexistent-vmkill/x", O_RDONLY) >= 0)
		_exit(7);
	char *argv[] = {"/nonexistent-vmkill/prog", NULL};
	execv(argv[0], argv);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "again") == 0) {
		fail_calls();
		say("again\n");
		return 0;
	}
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_writev, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	say("before\n");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return 2;
	say("filtered\n");
	fail_calls();
	say("after\n");
	char *again[] = {argv[0], "again", NULL};
	execv("/proc/self/exe", again);
	return 3;
}
