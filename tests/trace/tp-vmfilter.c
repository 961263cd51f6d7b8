/* tp-vmfilter.c - tp-vmfilter MODE PROG ARGS...: installs a seccomp filter,
 * then runs PROG.  MODE 1: process_vm_readv fails with ENOSYS; MODE 2: so
 * do open/openat for writing (as in man-db's sandbox, which runs col, groff
 * and the others so: `man ls` under `zpoline trace -f` stopped with "cannot
 * open ZPOLINE_TRACE_CTL: Function not implemented"). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
int main(int argc, char **argv) {
	int mode = atoi(argv[1]);
	struct sock_filter f1[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_WRONLY | O_RDWR, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, mode >= 2 ? (SECCOMP_RET_ERRNO | ENOSYS) : SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = {sizeof f1 / sizeof f1[0], f1};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p)) { perror("seccomp"); return 1; }
	execvp(argv[2], argv + 2);
	perror("exec"); return 127;
}
