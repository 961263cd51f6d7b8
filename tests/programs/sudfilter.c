/*
 * sudfilter - installs a seccomp filter that kills the process for
 * rt_sigreturn, as sshd's pre-authentication sandbox does (a program that
 * handles no signal needs none), then makes calls, forks and starts a
 * thread.  Natively nothing here returns from a signal handler.  Under the
 * runtime, every call that traps (all of them in ZPOLINE_MODE=sud) is made
 * in a SIGSYS handler that returns with rt_sigreturn: the first call after
 * the filter killed the process with SIGSYS; in ZPOLINE_MODE=net, the call
 * the safety net catches (a syscall instruction written into fresh RWX
 * memory after the filter) did.  Prints six lines, exit 0.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(9);
}

static void *thread_main(void *arg)
{
	(void)arg;
	say("thread\n");
	return NULL;
}

int main(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigreturn, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	say("before\n");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return 2;
	say(getppid() > 0 ? "filtered\n" : "getppid failed\n");
	pid_t pid = fork();
	if (pid == 0) {
		say("child\n");
		_exit(3);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 3)
		return 4;
	pthread_t th;
	if (pthread_create(&th, NULL, thread_main, NULL) != 0 || pthread_join(th, NULL) != 0)
		return 5;
	/* mov $39,%eax (getpid); syscall; ret */
	static const unsigned char code[] = {0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xc3};
	unsigned char *jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (jit == MAP_FAILED)
		return 6;
	memcpy(jit, code, sizeof code);
	say(((long (*)(void))jit)() == getpid() ? "jit\n" : "jit: wrong pid\n");
	say("after\n");
	return 0;
}
